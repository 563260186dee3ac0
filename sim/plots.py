"""Standard figures from saved tables: ``ccsim plot PATH`` and a notebook API.

PATH is a run folder (``timeseries.parquet``, ``summary.json``, optionally ``spells.parquet``)
or a collected sweep folder (``runs.parquet``, ``firm_kpis.parquet``, ``timeseries.parquet``
written by ``ccsim collect``). Nothing here needs the model object.

Kinds of figure (``--kind``):

==========  =====================================================================================
share       market share over time: per firm for one run; per strategy, mean and 95% CI over
            runs for a sweep
revenue     the same for monthly revenue
kpis        revenue CAGR, margin, annual retention, NPS and CLV by strategy (mean, 95% CI)
heatmap     a run-level KPI over two swept parameters (``--x``, ``--y``, ``--kpi``)
retention   monthly retention over time; Kaplan–Meier survival of relationships when a run
            folder has ``spells.parquet``
==========  =====================================================================================

Every function ``plot_*`` takes a DataFrame and an optional Matplotlib ``Axes`` (or ``Figure``
for multi-panel figures) and returns what it drew on, so it composes in a notebook. Colours
follow the strategy everywhere (:data:`STRATEGY_COLORS`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from . import io
from .analysis.stats import summarise
from .metrics import firm_kpis

__all__ = [
    "KINDS",
    "STRATEGY_COLORS",
    "Results",
    "applicable_kinds",
    "draw",
    "kaplan_meier_by_strategy",
    "load_results",
    "main",
    "make_figures",
    "plot_heatmap",
    "plot_kpis",
    "plot_retention",
    "plot_revenue",
    "plot_share",
    "plot_timeseries",
    "select",
    "strategy_color",
    "swept_params",
]

KINDS = ("share", "revenue", "kpis", "heatmap", "retention")

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

#: Firm-level KPIs of the ``kpis`` figure: column → (title, axis label with unit, scale).
FIRM_KPIS: dict[str, tuple[str, str, float]] = {
    "revenue_cagr": ("Revenue growth", "revenue CAGR (% / year)", 100.0),
    "mean_margin": ("Margin", "profit ÷ revenue (%)", 100.0),
    "annual_retention": ("Retention", "customers kept per year (%)", 100.0),
    "nps": ("NPS", "net promoter score (−100…100)", 1.0),
    "mean_clv": ("Customer lifetime value", "mean CLV (money / customer)", 1.0),
}

#: Run-level KPIs (runs.parquet): column → (title, colour-bar label with unit, scale).
RUN_KPIS: dict[str, tuple[str, str, float]] = {
    "growth_gap_points": ("Customer-centric growth advantage",
                          "revenue CAGR, customer − product-centric (points / year)", 1.0),
    "margin_gap_points": ("Customer-centric margin advantage",
                          "margin, customer − product-centric (points)", 1.0),
    "growth_ratio": ("Growth ratio", "revenue CAGR, customer ÷ product-centric (×)", 1.0),
    "customer_centric_revenue_cagr": ("Customer-centric growth", "revenue CAGR (% / year)", 100.0),
    "product_centric_revenue_cagr": ("Product-centric growth", "revenue CAGR (% / year)", 100.0),
    "customer_centric_margin": ("Customer-centric margin", "profit ÷ revenue (%)", 100.0),
    "product_centric_margin": ("Product-centric margin", "profit ÷ revenue (%)", 100.0),
}

#: Columns of runs.parquet that are never swept parameters.
_RESERVED = {"run_id", "status", "error", "path", "run_dir", "config_hash", "seconds",
             "runtime_seconds", *RUN_KPIS, "customer_centric_firms", "product_centric_firms"}
#: Top-level override keys that carry no dot (config fields and config groups).
_TOP_LEVEL = {"seed", "name", "market", "firms", "scenario"}

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


# ----------------------------------------------------------------------------------------------
# Loading


@dataclass
class Results:
    """The tables of a run or a collected sweep, ready to plot.

    Attributes:
        path: The folder read.
        kind: ``"run"`` or ``"sweep"``.
        timeseries: One row per firm per step (per run, with ``run_id``, for a sweep).
        firm_kpis: One row per firm (per run) with revenue_cagr, mean_margin, ….
        runs: One row per successful run (sweep only).
        spells: Customer–firm relationships (run folders only, when written).
        params: Swept parameter columns, ``seed`` included (sweep only).
        steps_per_year: Steps in a year (for time axes in years).
    """

    path: Path
    kind: str
    timeseries: pd.DataFrame | None
    firm_kpis: pd.DataFrame | None
    runs: pd.DataFrame | None = None
    spells: pd.DataFrame | None = None
    params: list[str] = dataclasses.field(default_factory=list)
    steps_per_year: int = 12

    @property
    def varied(self) -> list[str]:
        """Swept parameters other than the seed that take more than one value."""
        if self.runs is None:
            return []
        return [p for p in self.params if p != "seed" and self.runs[p].nunique(dropna=False) > 1]


def swept_params(runs: pd.DataFrame) -> list[str]:
    """Columns of a runs table that are swept parameters (override keys), ``seed`` included.

    A column is a parameter when it is not one of the collected outputs and is an override key:
    it contains a dot (``market.awareness.ad_response``) or is a top-level key or config group
    (``seed``, ``scenario``, …).
    """
    return [c for c in runs.columns
            if c not in _RESERVED and ("." in c or c in _TOP_LEVEL)]


def _steps_per_year(ts: pd.DataFrame | None, default: int = 12) -> int:
    if ts is None or ts.empty or "year" not in ts:
        return default
    per_year = ts.groupby("year")["step"].nunique()
    return int(per_year.max()) if len(per_year) else default


def load_results(path: str | Path) -> Results:
    """Read a run folder or a collected sweep folder.

    Args:
        path: Folder with ``runs.parquet`` (sweep) or ``timeseries.parquet`` (run).

    Returns:
        The tables; failed sweep runs are dropped.

    Raises:
        FileNotFoundError: If ``path`` does not exist or holds neither kind of results.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such folder")
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: not a folder; give a run or sweep folder")
    if (p / "runs.parquet").exists():
        return _load_sweep(p)
    if (p / "timeseries.parquet").exists():
        ts = io.read_parquet(p / "timeseries.parquet")
        summary = io.read_json(p / "summary.json") if (p / "summary.json").exists() else {}
        spy = int(summary.get("steps_per_year") or _steps_per_year(ts))
        spells = io.read_parquet(p / "spells.parquet") if (p / "spells.parquet").exists() else None
        return Results(p, "run", ts, firm_kpis(ts, spy), spells=spells, steps_per_year=spy)
    if any(p.glob("*/summary.json")):
        raise FileNotFoundError(f"{p}: a sweep that is not collected yet; run `ccsim collect {p}` "
                                "first")
    raise FileNotFoundError(f"{p}: not a run folder (timeseries.parquet) or a collected sweep "
                            "(runs.parquet)")


def _load_sweep(p: Path) -> Results:
    runs = io.read_parquet(p / "runs.parquet")
    if "status" in runs:
        runs = runs[runs["status"].astype(str) == "ok"]
    ok = set(runs["run_id"]) if "run_id" in runs else None

    def read(name: str) -> pd.DataFrame | None:
        if not (p / name).exists():
            return None
        df = io.read_parquet(p / name)
        return df[df["run_id"].isin(ok)] if ok is not None and "run_id" in df else df

    ts, kpis = read("timeseries.parquet"), read("firm_kpis.parquet")
    return Results(p, "sweep", ts, kpis, runs=runs.reset_index(drop=True),
                   params=swept_params(runs), steps_per_year=_steps_per_year(ts))


def select(results: Results, where: Sequence[str]) -> Results:
    """Keep only sweep runs whose swept parameters equal the given values (``KEY=VALUE``).

    Raises:
        ValueError: On a malformed condition, a key that is not swept, or no run left.
    """
    if not where:
        return results
    if results.runs is None:
        raise ValueError("--where selects runs of a sweep; PATH is a single run")
    keep = pd.Series(True, index=results.runs.index)
    for cond in where:
        key, sep, value = cond.partition("=")
        if not sep:
            raise ValueError(f"--where {cond}: expected KEY=VALUE")
        if key not in results.runs:
            raise ValueError(f"--where {cond}: {key} is not swept; swept: "
                             f"{', '.join(results.params) or 'nothing'}")
        col = results.runs[key]
        if pd.api.types.is_numeric_dtype(col):
            try:
                keep &= np.isclose(col.astype(float), float(value), rtol=1e-9, atol=0.0)
            except ValueError:
                raise ValueError(f"--where {cond}: {key} is numeric") from None
        else:
            keep &= col.astype(str) == value
    runs = results.runs[keep]
    if runs.empty:
        raise ValueError(f"--where {' '.join(where)}: no run matches")
    ids = set(runs["run_id"])

    def sub(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if df is None else df[df["run_id"].isin(ids)]

    return dataclasses.replace(results, runs=runs, timeseries=sub(results.timeseries),
                               firm_kpis=sub(results.firm_kpis))


# ----------------------------------------------------------------------------------------------
# Styling helpers


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


# ----------------------------------------------------------------------------------------------
# Time series: share, revenue, retention


def plot_timeseries(ts: pd.DataFrame, value: str, ax: Axes | None = None, *, by: str | None = None,
                    steps_per_year: int | None = None, scale: float = 1.0, ylabel: str = "",
                    title: str = "", confidence: float = 0.95) -> Axes:
    """A timeseries column over time: per firm, or per strategy with a band over runs.

    Within a run, firms of one strategy are averaged first; the band is the t-interval of that
    average over runs (seeds and any other swept values in the table).

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
    spy = steps_per_year or _steps_per_year(ts)
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
        what = (f"mean of each strategy's firms; band: {confidence:.0%} CI over {n_runs} runs"
                if by == "strategy" else f"mean and {confidence:.0%} CI over {n_runs} runs")
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
    spy = steps_per_year or _steps_per_year(ts)
    unit = "money / month" if spy == 12 else "money / step"
    ax = plot_timeseries(ts, "revenue", ax, by=by, steps_per_year=spy,
                         ylabel=f"revenue ({unit})", title="Revenue", confidence=confidence)
    ax.yaxis.set_major_formatter(_thousands)
    ax.set_ylim(bottom=0)
    return ax


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}"


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
    from .analysis.retention import kaplan_meier

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
    spy = steps_per_year or _steps_per_year(ts)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(11.5 if spells is not None else 7.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2 if spells is not None else 1, squeeze=False)[0]
    period = "month" if spy == 12 else "step"
    ax = plot_timeseries(ts, "retention", axes[0], by=by or "strategy", steps_per_year=spy,
                         scale=100, ylabel=f"customers kept per {period} (%)",
                         title=f"Retention rate per {period}", confidence=confidence)
    ax.yaxis.set_major_formatter(PercentFormatter())
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


# ----------------------------------------------------------------------------------------------
# KPIs by strategy


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
        what = (f"dots: {units['run_id'].nunique()} runs (mean of the strategy's firms); "
                f"marker and bar: mean and {confidence:.0%} CI over runs")
    else:
        what = "dots: firms of one run; marker: mean of the strategy's firms"
    fig.suptitle(f"KPIs by strategy — {what}", fontsize=10.5)
    return fig


# ----------------------------------------------------------------------------------------------
# Heatmap of a run-level KPI over two swept parameters


def _param_unit(key: str) -> str:
    """The unit the config schema declares for an override key ('' if none or unknown)."""
    from .config import Config

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


def _fmt_value(v: object) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.3g}"
    return str(v)


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

    Cells show the mean over all runs with that ``(x, y)`` (seeds, and any other swept values);
    a diverging colour scale centred on zero is used when the KPI takes both signs.

    Args:
        runs: runs.parquet of a collected sweep (failed runs are ignored).
        x: Parameter on the horizontal axis (picked automatically with ``y`` if None).
        y: Parameter on the vertical axis.
        kpi: Run-level KPI column, e.g. ``growth_gap_points`` or ``margin_gap_points``.
        ax: Axes to draw on (a new figure if None).

    Returns:
        The axes drawn on.

    Raises:
        ValueError: On an unknown KPI or parameters that cannot be picked.
    """
    if kpi not in runs:
        known = [c for c in RUN_KPIS if c in runs]
        raise ValueError(f"--kpi {kpi}: not a column of runs.parquet; KPIs: {', '.join(known)}")
    if "status" in runs:
        runs = runs[runs["status"].astype(str) == "ok"]
    x, y = pick_heatmap_axes(runs, x, y)
    if x == y:
        raise ValueError(f"--x and --y are both {x}")
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
    others = [p for p in swept_params(runs) if p not in (x, y, "seed")
              and runs[p].nunique(dropna=False) > 1]
    unit_name = "runs" if others else "seeds"
    n_txt = (f"{int(np.nanmin(n))} {unit_name} per cell" if np.nanmin(n) == np.nanmax(n)
             else f"{int(np.nanmin(n))}–{int(np.nanmax(n))} {unit_name} per cell")
    if others:
        n_txt += f", pooled over {', '.join(others)}"
    ax.set_title(f"{title}\nmean over {n_txt}")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


# ----------------------------------------------------------------------------------------------
# Figures for a folder


def applicable_kinds(results: Results) -> list[str]:
    """The kinds of figure that can be drawn from ``results`` (the default of ``ccsim plot``)."""
    kinds = []
    if results.timeseries is not None and not results.timeseries.empty:
        kinds += ["share", "revenue"]
    if results.firm_kpis is not None and not results.firm_kpis.empty:
        kinds.append("kpis")
    if results.runs is not None and len(results.varied) == 2:
        kinds.append("heatmap")
    if results.timeseries is not None and "retention" in results.timeseries:
        kinds.append("retention")
    return kinds


def _figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, layout="constrained")


def draw(results: Results, kind: str, *, x: str | None = None, y: str | None = None,
         kpi: str = "growth_gap_points", by: str | None = None) -> Figure:
    """Draw one kind of figure for loaded results (without saving it).

    Raises:
        ValueError: If the kind does not apply to the results or its options are wrong.
    """
    ts, spy = results.timeseries, results.steps_per_year
    needs_ts = kind in ("share", "revenue", "retention")
    if needs_ts and (ts is None or ts.empty):
        raise ValueError(f"--kind {kind}: {results.path} has no timeseries")
    if kind == "share":
        fig = _figure((7.6, 3.9))
        plot_share(ts, fig.add_subplot(), by=by, steps_per_year=spy)
    elif kind == "revenue":
        fig = _figure((7.6, 3.9))
        plot_revenue(ts, fig.add_subplot(), by=by, steps_per_year=spy)
    elif kind == "kpis":
        if results.firm_kpis is None or results.firm_kpis.empty:
            raise ValueError(f"--kind kpis: {results.path} has no firm KPIs (firm_kpis.parquet)")
        fig = _figure((12.4, 3.7))
        plot_kpis(results.firm_kpis, fig)
    elif kind == "heatmap":
        if results.runs is None:
            raise ValueError("--kind heatmap needs a collected sweep (runs.parquet); "
                             f"{results.path} is a single run")
        fig = _figure((6.6, 4.9))
        plot_heatmap(results.runs, x, y, kpi, fig.add_subplot())
    elif kind == "retention":
        fig = _figure((12.0, 3.9) if results.spells is not None else (7.6, 3.9))
        plot_retention(ts, results.spells, fig, by=by, steps_per_year=spy)
    else:
        raise ValueError(f"--kind {kind}: unknown; kinds: {', '.join(KINDS)}")
    return fig


def make_figures(path: str | Path, kinds: Sequence[str] | None = None,
                 out: str | Path | None = None, formats: Sequence[str] = ("png", "pdf"), *,
                 x: str | None = None, y: str | None = None, kpi: str = "growth_gap_points",
                 by: str | None = None, where: Sequence[str] = ()) -> list[Path]:
    """Draw and save figures for a run or sweep folder.

    Args:
        path: Run folder or collected sweep folder.
        kinds: Kinds to draw (default: every kind that applies, see :func:`applicable_kinds`).
        out: Output folder (default ``PATH/figures``).
        formats: File formats (``png``, ``pdf``, ``svg``).
        x: Heatmap x parameter.
        y: Heatmap y parameter.
        kpi: Heatmap KPI (a runs.parquet column).
        by: ``"firm"`` or ``"strategy"`` for the time-series figures.
        where: ``KEY=VALUE`` conditions selecting sweep runs.

    Returns:
        The files written, in order.

    Raises:
        FileNotFoundError: If ``path`` holds no results.
        ValueError: On a kind that does not apply or a bad option.
    """
    import matplotlib

    results = select(load_results(path), where)
    formats = [f.strip().lower().lstrip(".") for f in formats if f.strip()]
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad or not formats:
        raise ValueError(f"--format {','.join(bad) or '(empty)'}: use png, pdf or svg")
    todo = list(dict.fromkeys(kinds)) if kinds else applicable_kinds(results)
    unknown = [k for k in todo if k not in KINDS]
    if unknown:
        raise ValueError(f"--kind {unknown[0]}: unknown; kinds: {', '.join(KINDS)}")
    if by not in (None, "firm", "strategy"):
        raise ValueError(f"--by {by}: use firm or strategy")
    out_dir = Path(out) if out is not None else results.path / "figures"
    written: list[Path] = []
    with matplotlib.rc_context(_RC):
        figures = [(kind, draw(results, kind, x=x, y=y, kpi=kpi, by=by)) for kind in todo]
        out_dir.mkdir(parents=True, exist_ok=True)
        for kind, fig in figures:
            stem = f"heatmap_{kpi}" if kind == "heatmap" else kind
            for fmt in formats:
                target = out_dir / f"{stem}.{fmt}"
                io._atomic(target, lambda p, fig=fig, fmt=fmt: fig.savefig(p, format=fmt))
                written.append(target)
    return written


# ----------------------------------------------------------------------------------------------
# Command line


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage, so every error is one line."""

    def error(self, message: str) -> typing.NoReturn:  # noqa: D102
        raise _UsageError(message)


def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim plot`` argument parser."""
    p = _Parser(prog="ccsim plot", description="Standard figures from a saved run or a collected "
                "sweep; written to PATH/figures/ unless --out is given.")
    p.add_argument("path", metavar="PATH", help="run folder or collected sweep folder")
    p.add_argument("--kind", action="append", metavar="K",
                   help=f"figure kind, repeatable or comma-separated: {', '.join(KINDS)} "
                        "(default: all that apply)")
    p.add_argument("--out", metavar="DIR", help="output folder (default PATH/figures)")
    p.add_argument("--format", default="png,pdf", help="comma-separated formats (default png,pdf)")
    p.add_argument("--x", metavar="KEY", help="heatmap: parameter on the x axis")
    p.add_argument("--y", metavar="KEY", help="heatmap: parameter on the y axis")
    p.add_argument("--kpi", default="growth_gap_points",
                   help="heatmap: run-level KPI (default growth_gap_points)")
    p.add_argument("--by", choices=("firm", "strategy"),
                   help="time series per firm or per strategy (default: firm for a run, strategy "
                        "for a sweep)")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="sweep: keep only runs with this swept value (repeatable)")
    return p


def main(argv: list[str] | None = None) -> int:
    """``ccsim plot PATH [--kind K ...] [--out DIR] [--format png,pdf]``; prints the files."""
    import matplotlib

    matplotlib.use("Agg")
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        files = make_figures(args.path, _split(args.kind), args.out, _split([args.format]),
                             x=args.x, y=args.y, kpi=args.kpi, by=args.by, where=args.where)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except (_UsageError, FileNotFoundError, ValueError, KeyError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        print(f"ccsim plot: error: {msg}", file=sys.stderr)
        return 2
    for f in files:
        print(f)
    return 0

