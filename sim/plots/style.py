"""What every figure shares: strategy colours and labels, firm styles, axes and rc settings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: One colour per strategy, the same in every figure (colour-blind-safe Okabe–Ito hues).
STRATEGY_COLORS: dict[str, str] = {
    "product_centric": "#0072B2",  # blue
    "customer_centric": "#D55E00",  # vermilion
    "mix": "#009E73",  # bluish green
    "custom": "#CC79A7",  # reddish purple
}
_OTHER_COLOR = "#666666"
STRATEGY_LABELS = {"product_centric": "product-centric", "customer_centric": "customer-centric",
                   "mix": "mix", "custom": "custom"}
_STRATEGY_ORDER = ("product_centric", "mix", "custom", "customer_centric")
_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
_RC = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "savefig.dpi": 150,
}


def strategy_color(strategy: str) -> str:
    """The colour of a strategy (grey for an unknown one)."""
    return STRATEGY_COLORS.get(str(strategy), _OTHER_COLOR)


def _label(strategy: str) -> str:
    return STRATEGY_LABELS.get(str(strategy), str(strategy))


def _order(strategies: Sequence[str]) -> list[str]:
    known = [s for s in _STRATEGY_ORDER if s in set(strategies)]
    return known + sorted(set(map(str, strategies)) - set(known))


def _shade(color: str, k: int, n: int) -> str:
    """The k-th of n shades of ``color``, from darker to lighter.

    With one or two firms the colour itself is kept (line styles tell two apart), so the
    strategy's hue stays recognisable.
    """
    if n <= 2:
        return color
    rgb = np.array(mcolors.to_rgb(color))
    t = k / (n - 1)  # 0 → darker, 1 → lighter
    dark, light = rgb * 0.6, rgb + (1.0 - rgb) * 0.5
    return mcolors.to_hex(dark + (light - dark) * t)


def _firm_styles(ts: pd.DataFrame) -> dict[str, tuple[str, object, str]]:
    """Firm → (colour, line style, legend label).

    The hue is the strategy's; firms of one strategy are ordered by orientation (budget share
    on customer levers) and told apart by shade and line style.
    """
    first = ts.sort_values("step").drop_duplicates("firm")
    orient = (first.set_index("firm")["orientation"] if "orientation" in first
              else pd.Series(0.0, index=first["firm"]))
    out: dict[str, tuple[str, object, str]] = {}
    for strategy in _order(first["strategy"].unique()):
        names = first.loc[first["strategy"] == strategy, "firm"].astype(str).tolist()
        names.sort(key=lambda f: (float(orient.get(f, 0.0)), f))
        for k, firm in enumerate(names):
            out[firm] = (_shade(strategy_color(strategy), k, len(names)),
                         _LINESTYLES[k % len(_LINESTYLES)], f"{firm} ({_label(strategy)})")
    return out


def _legend_outside(ax: Axes, title: str | None = None) -> None:
    """Legend to the right of the plotting area, clear of the data."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title=title)


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 3.8)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when the caller gave no axes (notebooks)

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _n_runs(ts: pd.DataFrame) -> int:
    return int(ts["run_id"].nunique()) if "run_id" in ts else 1


def _years(step: pd.Series | np.ndarray, steps_per_year: int) -> np.ndarray:
    return np.asarray(step, dtype=float) / steps_per_year


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}"


def _fmt_value(v: object) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.3g}"
    return str(v)


def _figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, layout="constrained")

