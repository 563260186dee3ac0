"""The KPI figure: each group's growth (the headline's), then firm KPIs by strategy.

Growth has one definition in every figure and table: a group's revenue CAGR with its firms'
revenue pooled (:func:`sim.metrics.strategy_comparison`, the ``customer_centric_revenue_cagr``
and ``product_centric_revenue_cagr`` of runs.parquet and of the headline). The mean of per-firm
growth is a different number and is not drawn under that name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.stats import summarise
from .data import seeds_phrase
from .style import GROUP_COLORS, GROUP_LABELS, _label, _order, _thousands, strategy_color

#: Firm-level KPIs of the ``kpis`` figure: column → (title, axis label with unit, scale).
FIRM_KPIS: dict[str, tuple[str, str, float]] = {
    "mean_margin": ("Margin", "profit ÷ revenue (%)", 100.0),
    "annual_retention": ("Retention", "relationships kept per year (%)", 100.0),
    "nps": ("NPS", "net promoter score, last-year mean (points, −100…100)", 1.0),
    "mean_clv": ("Customer lifetime value", "CLV, last-year mean (money / relationship)", 1.0),
}
#: The growth panel: each group's pooled revenue CAGR (runs.parquet / headline columns).
GROUP_GROWTH: dict[str, str] = {
    "product_centric": "product_centric_revenue_cagr",
    "customer_centric": "customer_centric_revenue_cagr",
}
GROWTH_TITLE = "Revenue growth of each group"
GROWTH_LABEL = "revenue CAGR, group's revenue pooled (% / year)"


def _kpi_units(kpis: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Dots of the KPI figure: strategy means per run (sweep, with CI) or firms (one run)."""
    cols = [c for c in FIRM_KPIS if c in kpis]
    if "run_id" in kpis and kpis["run_id"].nunique() > 1:
        units = kpis.groupby(["run_id", "strategy"], observed=True)[cols].mean().reset_index()
        return units, True
    return kpis.assign(run_id=kpis["firm"]), False


def _dots(ax: Axes, i: int, y: np.ndarray, color: str, jitter: np.random.Generator,
          row: pd.Series, scale: float, interval: bool) -> None:
    """Replicates as faint dots at ``i``, the mean (with its interval) beside them."""
    ax.scatter(i + jitter.uniform(-0.12, 0.12, y.size), y, s=12, color=color, alpha=0.35,
               linewidths=0, zorder=2)
    m, lo, hi = row["mean"] * scale, row["ci_low"] * scale, row["ci_high"] * scale
    err = [[m - lo], [hi - m]] if interval and np.isfinite(lo) else None
    if np.isfinite(m):
        ax.errorbar([i + 0.28], [m], yerr=err, fmt="o", color=color, markersize=6,
                    capsize=3.5, linewidth=1.6, zorder=3)


def plot_group_growth(groups: pd.DataFrame, ax: Axes, *, confidence: float = 0.95) -> Axes:
    """Each group's revenue growth as the headline defines it: one dot per run, the mean and CI.

    Args:
        groups: One row per run with ``customer_centric_revenue_cagr`` and
            ``product_centric_revenue_cagr`` (runs.parquet rows, or one
            :func:`sim.metrics.strategy_comparison` of a run).
        ax: Axes to draw on.
        confidence: Coverage of the interval over runs (drawn with more than one run).
    """
    long = pd.DataFrame({
        "group": np.repeat(list(GROUP_GROWTH), len(groups)),
        "cagr": np.concatenate([pd.to_numeric(groups[c], errors="coerce").to_numpy(dtype=float)
                                if c in groups else np.full(len(groups), np.nan)
                                for c in GROUP_GROWTH.values()])})
    summ = summarise(long, "group", "cagr", confidence)
    jitter = np.random.default_rng(0)
    for i, group in enumerate(GROUP_GROWTH):
        y = long.loc[long["group"] == group, "cagr"].to_numpy(dtype=float) * 100.0
        y = y[np.isfinite(y)]
        row = summ[summ["group"] == group].iloc[0]
        _dots(ax, i, y, GROUP_COLORS[group], jitter, row, 100.0, len(groups) > 1)
        if not y.size:
            ax.text(i, 0.02, "n/a", transform=ax.get_xaxis_transform(), ha="center",
                    fontsize=8, color="#777777")
    ax.set_xticks(range(len(GROUP_GROWTH)),
                  [GROUP_LABELS[g].replace("-", "-\n", 1) for g in GROUP_GROWTH])
    ax.set_xlim(-0.5, len(GROUP_GROWTH) - 0.3)
    ax.grid(axis="x", visible=False)
    ax.set_title(GROWTH_TITLE)
    ax.set_ylabel(GROWTH_LABEL)
    return ax


def plot_kpis(kpis: pd.DataFrame, fig: Figure | None = None, *, groups: pd.DataFrame | None = None,
              confidence: float = 0.95) -> Figure:
    """Each group's growth, then firm KPIs by strategy: replicates as dots, means with intervals.

    The first panel (only when ``groups`` is given) is each group's revenue growth exactly as the
    headline and ``ccsim collect`` report it (:func:`plot_group_growth`). The other panels are
    firm KPIs by strategy: for a sweep's ``firm_kpis`` (with ``run_id``) a dot is one run's
    average over the strategy's firms and the bar is the confidence interval over runs; for one
    run a dot is a firm and no interval is drawn (firms of one run are not independent
    replicates).

    Args:
        kpis: Per-firm KPI table (``firm_kpis`` of a run or a sweep).
        fig: Figure to draw on (a new one if None).
        groups: Per-run group KPIs (runs.parquet rows, or a run's ``strategy_comparison``).
        confidence: Coverage of the intervals.

    Returns:
        The figure drawn on.
    """
    cols = [c for c in FIRM_KPIS if c in kpis]
    if not cols:
        raise ValueError(f"no KPI columns; expected some of {', '.join(FIRM_KPIS)}")
    n_panels = len(cols) + (groups is not None)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(2.35 * n_panels + 0.6, 3.6), layout="constrained")
    units, over_runs = _kpi_units(kpis)
    summ = summarise(units, "strategy", cols, confidence)
    strategies = _order(units["strategy"].unique())
    axes = list(fig.subplots(1, n_panels, squeeze=False)[0])
    if groups is not None:
        plot_group_growth(groups, axes.pop(0), confidence=confidence)
    jitter = np.random.default_rng(0)
    for ax, col in zip(axes, cols, strict=True):
        title, ylabel, scale = FIRM_KPIS[col]
        for i, s in enumerate(strategies):
            y = units.loc[units["strategy"] == s, col].to_numpy(dtype=float) * scale
            row = summ[(summ["strategy"] == s) & (summ["variable"] == col)].iloc[0]
            _dots(ax, i, y, strategy_color(s), jitter, row, scale, over_runs)
        ax.set_xticks(range(len(strategies)), [_label(s).replace("-", "-\n", 1)
                                                 for s in strategies])
        ax.set_xlim(-0.5, len(strategies) - 0.3)
        ax.grid(axis="x", visible=False)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if col == "mean_clv":
            ax.yaxis.set_major_formatter(_thousands)

    if over_runs:
        pooled = seeds_phrase(None, kpis)
        what = (f"dots: {pooled} (mean of the strategy's firms); marker and bar: mean of "
                f"{pooled} and {confidence:.0%} CI")
    else:
        what = "dots: firms of one run; marker: mean of the strategy's firms"
    growth = (" Growth: each group's revenue pooled, as in the headline (dots: runs)."
              if groups is not None else "")
    fig.suptitle(f"KPIs by strategy — {what}.{growth}", fontsize=10.5)
    return fig
