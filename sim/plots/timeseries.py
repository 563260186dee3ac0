"""Time-series figures: market share, revenue and retention over time (Kaplan–Meier too)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..analysis.stats import summarise
from .data import seeds_phrase, steps_per_year_of
from .style import (
    _axes,
    _firm_styles,
    _label,
    _legend_outside,
    _n_runs,
    _order,
    _thousands,
    _years,
    strategy_color,
)


def plot_timeseries(ts: pd.DataFrame, value: str, ax: Axes | None = None, *, by: str | None = None,
                    steps_per_year: int | None = None, scale: float = 1.0, ylabel: str = "",
                    title: str = "", confidence: float = 0.95) -> Axes:
    """A timeseries column over time: per firm, or per strategy with a band over runs.

    Within a run, firms of one strategy are averaged first; the band is the t-interval of that
    average over runs. ``ccsim plot`` passes one setting at a time (its seeds); a table with
    several settings is pooled, and the title then counts runs, not seeds.

    Args:
        ts: Timeseries (one run, or several stacked with a ``run_id`` column).
        value: Column to plot.
        ax: Axes to draw on (a new figure if None).
        by: ``"firm"`` (default for one run) or ``"strategy"`` (default for several runs).
        steps_per_year: Steps per year for the time axis (inferred from ``year`` if None).
        scale: Multiplier of the values (100 for percentages).
        ylabel: Y-axis label with unit.
        title: Title; a second line saying what the band is is added.
        confidence: Coverage of the band.

    Returns:
        The axes drawn on.
    """
    ax = _axes(ax)
    spy = steps_per_year or steps_per_year_of(ts)
    n_runs = _n_runs(ts)
    by = by or ("strategy" if n_runs > 1 else "firm")
    if by not in ("firm", "strategy"):
        raise ValueError(f"by={by!r}: use 'firm' or 'strategy'")
    run = ts["run_id"] if "run_id" in ts else pd.Series("run", index=ts.index)
    df = ts.assign(run_id=run, _v=pd.to_numeric(ts[value], errors="coerce") * scale)
    if by == "firm":
        styles = _firm_styles(ts)
        groups = [(firm, *styles[str(firm)]) for firm in styles]
        key = "firm"
    else:
        groups = [(s, strategy_color(s), "-", _label(s)) for s in _order(ts["strategy"].unique())]
        key = "strategy"
    per_run = df.groupby(["run_id", key, "step"], observed=True)["_v"].mean().reset_index()
    summ = summarise(per_run, [key, "step"], "_v", confidence)
    for name, color, style, label in groups:
        g = summ[summ[key].astype(str) == str(name)].sort_values("step")
        x = _years(g["step"], spy)
        ax.plot(x, g["mean"], color=color, linestyle=style, linewidth=1.8, label=label)
        if n_runs > 1:
            ax.fill_between(x, g["ci_low"], g["ci_high"], color=color, alpha=0.18, linewidth=0)
    ax.set_xlabel("time (years)")
    ax.set_ylabel(ylabel or value)
    ax.set_xlim(0, float(ts["step"].max()) / spy)
    if n_runs > 1:
        pooled = seeds_phrase(None, ts)
        what = (f"mean of {pooled} (each strategy's firms averaged); band: {confidence:.0%} CI"
                if by == "strategy" else f"mean of {pooled}; band: {confidence:.0%} CI")
    else:
        what = "mean of each strategy's firms, one run" if by == "strategy" else "one run"
    ax.set_title(f"{title}\n{what}" if title else what)
    _legend_outside(ax)
    return ax


def plot_share(ts: pd.DataFrame, ax: Axes | None = None, *, by: str | None = None,
               steps_per_year: int | None = None, confidence: float = 0.95) -> Axes:
    """Market share over time (see :func:`plot_timeseries`).

    Args:
        ts: Timeseries of one run or a stacked sweep timeseries with ``run_id``.
        ax: Axes to draw on (a new figure if None).
        by: ``"firm"`` or ``"strategy"`` (default: firm for one run, strategy for a sweep).
        steps_per_year: Steps per year (inferred if None).
        confidence: Coverage of the band over runs.

    Returns:
        The axes drawn on.
    """
    ax = plot_timeseries(ts, "market_share", ax, by=by, steps_per_year=steps_per_year, scale=100,
                         ylabel="market share (% of revenue)", title="Market share",
                         confidence=confidence)
    ax.yaxis.set_major_formatter(PercentFormatter())
    return ax


def plot_revenue(ts: pd.DataFrame, ax: Axes | None = None, *, by: str | None = None,
                 steps_per_year: int | None = None, confidence: float = 0.95) -> Axes:
    """Monthly revenue over time (see :func:`plot_timeseries`).

    Args:
        ts: Timeseries of one run or a stacked sweep timeseries with ``run_id``.
        ax: Axes to draw on (a new figure if None).
        by: ``"firm"`` or ``"strategy"`` (default: firm for one run, strategy for a sweep).
        steps_per_year: Steps per year (inferred if None).
        confidence: Coverage of the band over runs.

    Returns:
        The axes drawn on.
    """
    spy = steps_per_year or steps_per_year_of(ts)
    unit = "money / month" if spy == 12 else "money / step"
    ax = plot_timeseries(ts, "revenue", ax, by=by, steps_per_year=spy,
                         ylabel=f"revenue ({unit})", title="Revenue", confidence=confidence)
    ax.yaxis.set_major_formatter(_thousands)
    ax.set_ylim(bottom=0)
    return ax


def kaplan_meier_by_strategy(spells: pd.DataFrame, ts: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier survival of customer–firm relationships, per strategy.

    A spell that ended (``end >= 0``) is an observed churn after ``end − start`` steps; an active
    one (``end = -1``) is censored at the last step of the run.

    Args:
        spells: Relationships (``firm_name``, ``start``, ``end``) from a run's spells.parquet.
        ts: The run's timeseries (gives each firm's strategy and the last step).

    Returns:
        Columns ``strategy``, ``t`` (steps), ``at_risk``, ``events``, ``survival``.
    """
    from ..analysis.retention import kaplan_meier

    strategy = ts.drop_duplicates("firm").set_index("firm")["strategy"].astype(str)
    last = int(ts["step"].max())
    observed = spells["end"].to_numpy() >= 0
    end = np.where(observed, spells["end"].to_numpy(), last)
    duration = np.maximum(end - spells["start"].to_numpy(), 0)
    # An observed churn needs at least one period in the relationship (kaplan_meier's convention).
    duration = np.where(observed, np.maximum(duration, 1), duration)
    firm = spells["firm_name"] if "firm_name" in spells else spells["firm"]
    strat = firm.astype(str).map(strategy).fillna("unknown").to_numpy()
    parts = []
    for s in _order(np.unique(strat)):
        m = strat == s
        curve = kaplan_meier(duration[m], observed[m])
        parts.append(curve.assign(strategy=s))
    return pd.concat(parts, ignore_index=True)[["strategy", "t", "at_risk", "events", "survival"]]


def plot_retention_rate(ts: pd.DataFrame, ax: Axes | None = None, *, by: str | None = None,
                        steps_per_year: int | None = None, confidence: float = 0.95) -> Axes:
    """Share of relationships kept per month over time (see :func:`plot_timeseries`).

    Args:
        ts: Timeseries of one run or a stacked sweep timeseries with ``run_id``.
        ax: Axes to draw on (a new figure if None).
        by: ``"firm"`` or ``"strategy"`` (default strategy).
        steps_per_year: Steps per year (inferred if None).
        confidence: Coverage of the band over runs.

    Returns:
        The axes drawn on.
    """
    spy = steps_per_year or steps_per_year_of(ts)
    period = "month" if spy == 12 else "step"
    ax = plot_timeseries(ts, "retention", ax, by=by or "strategy", steps_per_year=spy,
                         scale=100, ylabel=f"customers kept per {period} (%)",
                         title=f"Retention rate per {period}", confidence=confidence)
    ax.yaxis.set_major_formatter(PercentFormatter())
    return ax


def plot_retention(ts: pd.DataFrame, spells: pd.DataFrame | None = None, fig: Figure | None = None,
                   *, by: str | None = None, steps_per_year: int | None = None,
                   confidence: float = 0.95) -> Figure:
    """Retention: monthly retention rate over time, and Kaplan–Meier survival when spells exist.

    Args:
        ts: Timeseries of one run or a stacked sweep timeseries with ``run_id``.
        spells: The run's spells (adds a Kaplan–Meier panel per strategy), or None.
        fig: Figure to draw on (a new one if None).
        by: ``"firm"`` or ``"strategy"`` for the retention-rate panel.
        steps_per_year: Steps per year (inferred if None).
        confidence: Coverage of the band over runs.

    Returns:
        The figure drawn on.
    """
    spy = steps_per_year or steps_per_year_of(ts)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(11.5 if spells is not None else 7.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2 if spells is not None else 1, squeeze=False)[0]
    ax = plot_retention_rate(ts, axes[0], by=by, steps_per_year=spy, confidence=confidence)
    if spells is not None:
        km = kaplan_meier_by_strategy(spells, ts)
        ax2 = axes[1]
        for s, g in km.groupby("strategy", sort=False):
            ax2.step(_years(g["t"], spy), 100 * g["survival"], where="post",
                     color=strategy_color(str(s)), linewidth=1.8, label=_label(str(s)))
        ax2.set_ylim(0, 102)
        ax2.set_xlim(left=0)
        ax2.set_xlabel("time since the relationship began (years)")
        ax2.set_ylabel("relationships still active (%)")
        ax2.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        n = len(spells)
        ax2.set_title(f"Kaplan–Meier survival by strategy\n{n:,} relationships, one run")
        if (by or "strategy") == "strategy" and ax.get_legend() is not None:
            ax.get_legend().remove()  # the same strategies: one legend, at the right
        _legend_outside(ax2)
    return fig


