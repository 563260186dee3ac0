"""The heatmap: a run-level KPI over two swept parameters, mean over seeds per cell."""

from __future__ import annotations

import dataclasses
import typing

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.axes import Axes

from ..analysis.headline import swept_params
from ..analysis.stats import summarise
from .style import _axes, _fmt_value

#: Run-level KPIs (runs.parquet): column → (title, colour-bar label with unit, scale).
RUN_KPIS: dict[str, tuple[str, str, float]] = {
    "growth_gap_points": ("Customer-centric growth advantage",
                          "revenue CAGR, customer − product-centric (points / year)", 1.0),
    "revenue_multiple_ratio": ("Revenue multiple ratio",
                               "last-year ÷ first-year revenue, customer ÷ product-centric (×)",
                               1.0),
    "margin_gap_points": ("Customer-centric margin advantage",
                          "margin, customer − product-centric (points)", 1.0),
    "growth_ratio": ("Growth ratio", "revenue CAGR, customer ÷ product-centric (×)", 1.0),
    "customer_centric_revenue_cagr": ("Customer-centric growth", "revenue CAGR (% / year)", 100.0),
    "product_centric_revenue_cagr": ("Product-centric growth", "revenue CAGR (% / year)", 100.0),
    "customer_centric_margin": ("Customer-centric margin", "profit ÷ revenue (%)", 100.0),
    "product_centric_margin": ("Product-centric margin", "profit ÷ revenue (%)", 100.0),
}


def _param_unit(key: str) -> str:
    """The unit the config schema declares for an override key ('' if none or unknown)."""
    from ..config import Config

    tp: object = Config
    meta: typing.Mapping = {}
    for part in key.split("."):
        if not dataclasses.is_dataclass(tp):
            return ""
        flds = {f.name: f for f in dataclasses.fields(tp)}
        if part not in flds:
            return ""
        meta = flds[part].metadata
        tp = typing.get_type_hints(tp).get(part)
    return str(meta.get("unit", ""))


def _axis_label(key: str) -> str:
    unit = _param_unit(key)
    return f"{key}\n({unit})" if unit else key


def pick_heatmap_axes(runs: pd.DataFrame, x: str | None = None,
                      y: str | None = None) -> tuple[str, str]:
    """The two parameters of a heatmap: the ones given, or the only two swept (non-seed) ones.

    Raises:
        ValueError: If a given key is not a column, or the axes cannot be picked automatically.
    """
    params = swept_params(runs)
    varied = [p for p in params if p != "seed" and runs[p].nunique(dropna=False) > 1]
    for name, key in (("--x", x), ("--y", y)):
        if key is not None and key not in runs:
            raise ValueError(f"{name} {key}: not a column of runs.parquet; swept: "
                             f"{', '.join(params) or 'nothing'}")
    if x is not None and y is not None:
        return x, y
    free = [p for p in varied if p not in (x, y)]
    need = 2 - (x is not None) - (y is not None)
    if len(free) != need:
        raise ValueError(f"heatmap needs --x and --y: {len(varied)} swept parameters other than "
                         f"seed ({', '.join(varied) or 'none'}), cannot pick two automatically")
    picked = iter(free)
    return (x or next(picked)), (y or next(picked))


def plot_heatmap(runs: pd.DataFrame, x: str | None = None, y: str | None = None,
                 kpi: str = "growth_gap_points", ax: Axes | None = None) -> Axes:
    """A run-level KPI averaged over seeds on the grid of two swept parameters.

    Cells show the mean over the seeds with that ``(x, y)``; if the table varies any other key
    (a scenario, a third parameter) the heatmap refuses rather than average settings together
    (narrow it first, e.g. ``ccsim plot --where KEY=VALUE``). A diverging colour scale centred
    on zero is used when the KPI takes both signs.

    Args:
        runs: runs.parquet of a collected sweep (failed runs are ignored).
        x: Parameter on the horizontal axis (picked automatically with ``y`` if None).
        y: Parameter on the vertical axis.
        kpi: Run-level KPI column, e.g. ``growth_gap_points`` or ``margin_gap_points``.
        ax: Axes to draw on (a new figure if None).

    Returns:
        The axes drawn on.

    Raises:
        ValueError: On an unknown KPI, parameters that cannot be picked, or other swept keys
            that vary.
    """
    if kpi not in runs:
        known = [c for c in RUN_KPIS if c in runs]
        raise ValueError(f"--kpi {kpi}: not a column of runs.parquet; KPIs: {', '.join(known)}")
    if "status" in runs:
        runs = runs[runs["status"].astype(str) == "ok"]
    x, y = pick_heatmap_axes(runs, x, y)
    if x == y:
        raise ValueError(f"--x and --y are both {x}")
    others = [p for p in swept_params(runs) if p not in (x, y, "seed")
              and runs[p].nunique(dropna=False) > 1]
    if others:  # a cell would average different settings: refuse, never pool them
        k = others[0]
        raise ValueError(f"--kind heatmap: the sweep also varies {', '.join(others)}; a cell "
                         f"would average over {'them' if len(others) > 1 else 'it'}: pick one "
                         f"value with --where, e.g. --where {k}={_fmt_value(runs[k].iloc[0])}")
    title, unit, scale = RUN_KPIS.get(kpi, (kpi, kpi, 1.0))
    summ = summarise(runs, [y, x], kpi)
    grid = summ.pivot(index=y, columns=x, values="mean") * scale
    counts = summ.pivot(index=y, columns=x, values="n")
    ax = _axes(ax, (6.4, 4.8))
    vals = grid.to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if lo < 0 < hi:
        bound = max(-lo, hi)
        norm: mcolors.Normalize = mcolors.TwoSlopeNorm(0.0, -bound, bound)
        cmap = colormaps["RdBu_r"].with_extremes(bad="#dddddd")
    else:
        norm = mcolors.Normalize(lo, hi if hi > lo else lo + 1e-12)
        cmap = colormaps["viridis"].with_extremes(bad="#dddddd")
    im = ax.imshow(np.ma.masked_invalid(vals), origin="lower", aspect="auto", cmap=cmap,
                   norm=norm)
    ax.set_xticks(range(grid.shape[1]), [_fmt_value(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [_fmt_value(v) for v in grid.index])
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    ax.grid(False)
    ax.tick_params(length=0)
    if grid.size <= 150:
        for (i, j), v in np.ndenumerate(vals):
            if np.isfinite(v):
                rgba = cmap(norm(v))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
                ax.text(j, i, f"{v:+.1f}" if lo < 0 < hi else f"{v:.3g}", ha="center",
                        va="center", fontsize=8.5, color="black" if light else "white")
            else:
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=8, color="#555555")
    cbar = ax.figure.colorbar(im, ax=ax, shrink=0.9)
    cbar.set_label(unit)
    cbar.outline.set_visible(False)
    n = counts.to_numpy(dtype=float)
    unit_name = "seeds" if "seed" in runs else "runs"
    n_txt = (f"{int(np.nanmin(n))} {unit_name} per cell" if np.nanmin(n) == np.nanmax(n)
             else f"{int(np.nanmin(n))}–{int(np.nanmax(n))} {unit_name} per cell")
    ax.set_title(f"{title}\nmean over {n_txt}")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


