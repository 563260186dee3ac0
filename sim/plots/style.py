"""What every figure shares: strategy colours and labels, firm styles, axes and rc settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: One colour per strategy group, the same in every figure and in the dashboard (colour-blind-safe
#: Okabe–Ito hues). The groups are the headline's (:func:`sim.metrics.strategy_groups`): a budget
#: nearer the customer-centric preset, nearer the product-centric one, or exactly between them.
GROUP_COLORS: dict[str, str] = {
    "product_centric": "#0072B2",  # blue
    "customer_centric": "#D55E00",  # vermilion
    "middle": "#009E73",  # bluish green: an even mix joins neither group
}
GROUP_LABELS = {"product_centric": "product-centric", "customer_centric": "customer-centric",
                "middle": "even mix"}
#: The colour of a strategy preset: its group's (``mix`` firms are coloured by their mix when
#: drawn per firm; pooled as one strategy they take the middle colour).
STRATEGY_COLORS: dict[str, str] = {
    "product_centric": GROUP_COLORS["product_centric"],
    "customer_centric": GROUP_COLORS["customer_centric"],
    "mix": GROUP_COLORS["middle"],
    "custom": "#CC79A7",  # reddish purple
}
#: The colour of a customer who buys from no firm (the dashboard's network picture).
NO_FIRM_COLOR = "#c8c8c8"
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


def group_of(coordinate: float) -> str:
    """The strategy group of a budget at mix coordinate ``coordinate``.

    The coordinate is :func:`sim.metrics.mix_coordinate` (0 the product-centric preset, 1 the
    customer-centric one); the split is :func:`sim.metrics.strategy_groups`': above 0.5
    customer-centric, below it product-centric, exactly 0.5 the middle (neither group).
    """
    if coordinate > 0.5 + 1e-9:
        return "customer_centric"
    if coordinate < 0.5 - 1e-9:
        return "product_centric"
    return "middle"


def _shade(color: str, k: int, n: int) -> str:
    """The k-th of n shades of ``color``, darker to lighter; one firm keeps the colour itself.

    The shades stay within the hue (from 60% of the colour to halfway to white), so every firm of
    a group is recognisably of that group and two firms of one group still differ.
    """
    if n <= 1:
        return color
    rgb = np.array(mcolors.to_rgb(color))
    t = (k + 0.5) / n  # 0 → darker, 0.5 → the colour, 1 → lighter
    if t < 0.5:
        out = rgb * (0.6 + 0.8 * t)
    else:
        out = rgb + (1.0 - rgb) * (t - 0.5)
    return mcolors.to_hex(np.clip(out, 0.0, 1.0))


@dataclass(frozen=True)
class FirmStyle:
    """How one firm is drawn everywhere: its group's hue (a shade of it) and a line style."""

    color: str
    linestyle: object
    group: str


def firm_styles(firms: Sequence[str], coordinates: Sequence[float]) -> dict[str, FirmStyle]:
    """Firm → :class:`FirmStyle`, from each firm's configured budget (its mix coordinate).

    One hue per strategy group (:data:`GROUP_COLORS`, groups by :func:`group_of`); within a group
    firms are ordered by coordinate (then name) and told apart by shade and line style. The
    dashboard and ``ccsim plot`` both call this, so a firm has one colour wherever it is drawn.

    Args:
        firms: Firm names.
        coordinates: Each firm's mix coordinate at the start of the run (0 product-centric
            preset, 1 customer-centric preset).
    """
    by_group: dict[str, list[tuple[float, str]]] = {}
    for firm, c in zip(firms, coordinates, strict=True):
        by_group.setdefault(group_of(float(c)), []).append((float(c), str(firm)))
    out: dict[str, FirmStyle] = {}
    for group, members in by_group.items():
        members.sort()
        for k, (_, firm) in enumerate(members):
            out[firm] = FirmStyle(_shade(GROUP_COLORS[group], k, len(members)),
                                  _LINESTYLES[k % len(_LINESTYLES)], group)
    return {str(f): out[str(f)] for f in firms}


def start_coordinates(ts: pd.DataFrame) -> pd.Series:
    """Each firm's mix coordinate at its first step (its configured budget), by firm name."""
    from ..metrics import mix_coordinate

    first = ts.sort_values("step").drop_duplicates("firm").set_index("firm")
    if "orientation" not in first:
        return pd.Series(0.5, index=first.index.astype(str))
    return mix_coordinate(first["orientation"]).rename(index=str)


def _firm_styles(ts: pd.DataFrame) -> dict[str, tuple[str, object, str]]:
    """Firm → (colour, line style, legend label) for the figures of ``ccsim plot``.

    Colours from :func:`firm_styles` (one hue per group, as in the dashboard); the legend
    names each firm's strategy.
    """
    coords = start_coordinates(ts)
    strategy = ts.drop_duplicates("firm").set_index("firm")["strategy"].rename(index=str)
    order = sorted(coords.index, key=lambda f: (coords[f], f))
    styles = firm_styles(order, [coords[f] for f in order])
    return {f: (st.color, st.linestyle, f"{f} ({_label(strategy[f])})") for f, st in styles.items()}


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

