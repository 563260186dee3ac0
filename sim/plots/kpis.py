"""The KPI figure: firm KPIs by strategy, each replicate a dot, the mean with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.stats import summarise
from .data import seeds_phrase
from .style import _label, _order, _thousands, strategy_color

#: Firm-level KPIs of the ``kpis`` figure: column → (title, axis label with unit, scale).
FIRM_KPIS: dict[str, tuple[str, str, float]] = {
    "revenue_cagr": ("Revenue growth", "revenue CAGR (% / year)", 100.0),
    "mean_margin": ("Margin", "profit ÷ revenue (%)", 100.0),
    "annual_retention": ("Retention", "relationships kept per year (%)", 100.0),
    "nps": ("NPS", "net promoter score, last-year mean", 1.0),
    "mean_clv": ("Customer lifetime value", "CLV, last-year mean (money / relationship)", 1.0),
}


def _kpi_units(kpis: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Dots of the KPI figure: strategy means per run (sweep, with CI) or firms (one run)."""
    cols = [c for c in FIRM_KPIS if c in kpis]
    if "run_id" in kpis and kpis["run_id"].nunique() > 1:
        units = kpis.groupby(["run_id", "strategy"], observed=True)[cols].mean().reset_index()
        return units, True
    return kpis.assign(run_id=kpis["firm"]), False


def plot_kpis(kpis: pd.DataFrame, fig: Figure | None = None, *, confidence: float = 0.95) -> Figure:
    """Firm KPIs by strategy: each replicate as a dot, the mean with its confidence interval.

    For a sweep's ``firm_kpis`` (with ``run_id``) a dot is one run's average over the
    strategy's firms and the bar is the confidence interval over runs. For one run a dot is a
    firm and no interval is drawn (firms of one run are not independent replicates).

    Args:
        kpis: Per-firm KPI table (``firm_kpis`` of a run or a sweep).
        fig: Figure to draw on (a new one if None).
        confidence: Coverage of the intervals.

    Returns:
        The figure drawn on.
    """
    cols = [c for c in FIRM_KPIS if c in kpis]
    if not cols:
        raise ValueError(f"no KPI columns; expected some of {', '.join(FIRM_KPIS)}")
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(2.35 * len(cols) + 0.6, 3.6), layout="constrained")
    units, over_runs = _kpi_units(kpis)
    summ = summarise(units, "strategy", cols, confidence)
    strategies = _order(units["strategy"].unique())
    axes = fig.subplots(1, len(cols), squeeze=False)[0]
    jitter = np.random.default_rng(0)
    for ax, col in zip(axes, cols, strict=True):
        title, ylabel, scale = FIRM_KPIS[col]
        for i, s in enumerate(strategies):
            color = strategy_color(s)
            y = units.loc[units["strategy"] == s, col].to_numpy(dtype=float) * scale
            ax.scatter(i + jitter.uniform(-0.12, 0.12, y.size), y, s=12, color=color, alpha=0.35,
                       linewidths=0, zorder=2)
            r = summ[(summ["strategy"] == s) & (summ["variable"] == col)].iloc[0]
            m, lo, hi = r["mean"] * scale, r["ci_low"] * scale, r["ci_high"] * scale
            err = [[m - lo], [hi - m]] if over_runs and np.isfinite(lo) else None
            ax.errorbar([i + 0.28], [m], yerr=err, fmt="o", color=color, markersize=6,
                        capsize=3.5, linewidth=1.6, zorder=3)
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
    fig.suptitle(f"KPIs by strategy — {what}", fontsize=10.5)
    return fig


