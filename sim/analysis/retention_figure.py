"""The figure of ``ccsim retention``: observed vs sBG-fitted survival since acquisition.

Draws a :class:`~sim.analysis.retention_report.RetentionReport` (no pyplot state, any backend);
the caption says which relationships are counted and which are excluded, with the same numbers
``ccsim retention`` prints.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import io
from .retention_report import POOLED, RetentionReport

__all__ = ["plot_survival", "population_note", "save_figure"]

_KM_COLOUR = "#c7c7c7"
_COHORT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#bcbd22", "#17becf")


def population_note(meta: dict[str, Any]) -> str:
    """Which relationships the report counts, and which it leaves out, in one sentence.

    The counts add up to every relationship of the run (all categories), so the figure can be
    set beside one that counts them all (``ccsim plot``'s Kaplan–Meier panel).

    Args:
        meta: :attr:`RetentionReport.meta`.

    Returns:
        E.g. "17,165 relationships acquired during the run in the core category; not counted:
        3,013 existing at the start (left-truncated), 17,203 in other categories — of 37,381
        relationships in the run".
    """
    left_out = [f"{meta['n_left_truncated']:,} existing at the start (left-truncated)"]
    if meta.get("n_zero_length"):
        left_out.append(f"{meta['n_zero_length']:,} zero-length")
    if meta.get("n_other_categories"):
        left_out.append(f"{meta['n_other_categories']:,} in other categories")
    total = (f" — of {meta['n_spells']:,} relationships in the run"
             if meta.get("n_spells") is not None else "")
    return (f"{meta['n_acquired']:,} relationships acquired during the run in the "
            f"{meta['category']} category; not counted: {', '.join(left_out)}{total}")


def _num(value: float) -> str:
    """A parameter for a title: 3 significant digits, no exponent below a million."""
    return f"{value:,.0f}" if 1000 <= value < 1e6 else f"{value:.3g}"


def _cohort_label(cohort: str, fits: pd.DataFrame, unit: str) -> str:
    row = fits[fits["cohort"] == cohort].iloc[0]
    return f"cohort {cohort}: acquired in {unit} {row['first_step']}–{row['last_step']}"


def plot_survival(report: RetentionReport) -> Any:
    """Observed vs sBG-fitted survival since acquisition, one panel per firm.

    Each panel shows every fitted cohort's observed share still a customer (points) and its
    sBG fit (line, same colour), the firm's Kaplan–Meier curve from all its acquisitions
    (wide light-grey line through its values at whole periods) and the pooled sBG fit (dashed
    black), both drawn while at least ``min_spells`` relationships are at risk. Panel titles
    give the firm's relationships acquired during the run (they add up to the count in the
    caption, :func:`population_note`) and the pooled α, β — or, when the pooled fit is
    degenerate, the constant churn rate it found and why α, β are not shown.

    Args:
        report: A report from :func:`build_report`.

    Returns:
        A :class:`matplotlib.figure.Figure` (no pyplot state, any backend).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MultipleLocator, PercentFormatter

    meta, fits = report.meta, report.fits
    firms, unit = meta["firms"], meta["unit"]
    n = max(len(firms), 1)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols + 0.4, 3.5 * nrows + 1.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = axes.ravel()
    cohorts = sorted({c for c in report.cohorts["cohort"]}, key=int)
    colour = {c: _COHORT_COLOURS[i % len(_COHORT_COLOURS)] for i, c in enumerate(cohorts)}
    min_spells = meta["min_spells"]
    km_all = report.kaplan_meier
    horizon = max(km_all.loc[km_all["at_risk"] >= min_spells, "t"].tolist()
                  + report.cohorts["t"].tolist() + [1])

    for ax, firm in zip(axes, firms, strict=False):
        for cohort in cohorts:
            c = report.cohorts[(report.cohorts["firm"] == firm)
                               & (report.cohorts["cohort"] == cohort)]
            if c.empty:
                continue
            ax.plot(c["t"], c["fitted"], color=colour[cohort], lw=1.6, zorder=3)
            ax.plot(c["t"], c["observed"], ls="none", marker="o", ms=3.6, mew=0,
                    color=colour[cohort], alpha=0.85, zorder=4)
        km = report.kaplan_meier[report.kaplan_meier["firm"] == firm]
        shown = km[km["at_risk"] >= min_spells]
        ax.plot(shown["t"], shown["survival"], color=_KM_COLOUR, lw=4.5, alpha=0.8,
                solid_capstyle="round", zorder=2)
        if shown["sbg_pooled"].notna().any():
            ax.plot(shown["t"], shown["sbg_pooled"], color="black", ls=(0, (4, 2)), lw=1.3,
                    zorder=5)
        strategy = meta["strategies"].get(firm, "").replace("_", "-")
        title = f"{firm} ({strategy})" if strategy else firm
        acquired = meta.get("n_acquired_by_firm", {}).get(firm)
        if acquired is not None:
            title += f", {acquired:,} acquired"
        pooled = fits[(fits["firm"] == firm) & (fits["cohort"] == POOLED)]
        if not pooled.empty:
            p = pooled.iloc[0]
            if p["degenerate"]:
                title += (f"\npooled sBG degenerate: constant churn {p['mean_churn']:.1%} "
                          f"per {unit.rstrip('s')}")
            else:
                title += f"\npooled sBG: α = {_num(p['alpha'])}, β = {_num(p['beta'])}"
        ax.set_title(title, fontsize=10)
        ax.grid(True, color="0.9", lw=0.6)
        ax.set_axisbelow(True)
    for ax in axes[len(firms):]:
        ax.set_visible(False)

    step = 6 if horizon <= 36 else 12 if horizon <= 120 else None
    if step and step * math.ceil(horizon / step) - horizon <= step / 2:
        horizon = step * math.ceil(horizon / step)  # end on a tick when that costs little
    for i, ax in enumerate(axes[:len(firms)]):
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        if step:
            ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        if i % ncols == 0:
            ax.set_ylabel("share still a customer")
        if i >= len(firms) - ncols:
            ax.set_xlabel(f"{unit} since acquisition")
            ax.tick_params(labelbottom=True)

    handles = [Line2D([], [], color=colour[c], lw=1.6, marker="o", ms=4, mew=0,
                      label=_cohort_label(c, fits, unit)) for c in cohorts]
    handles += [
        Line2D([], [], color="0.3", ls="none", marker="o", ms=4, mew=0,
               label="observed share of cohort (points)"),
        Line2D([], [], color="0.3", lw=1.6, label="sBG fit to cohort (lines)"),
        Line2D([], [], color=_KM_COLOUR, lw=4.5, alpha=0.8,
               label="Kaplan–Meier, all acquisitions"),
        Line2D([], [], color="black", ls=(0, (4, 2)), lw=1.3, label="pooled sBG fit"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2 if ncols <= 2 else 3,
               fontsize=9, frameon=False)
    run = f" — {meta['run_label']}" if meta.get("run_label") else ""
    note = population_note(meta) if "n_acquired" in meta else ""
    width = int(11 * fig.get_figwidth())  # characters of 10-point text across the figure
    fig.suptitle(f"Retention after acquisition, {meta['category']} category{run}"
                 + (f"\n{textwrap.fill(note, width)}" if note else ""),
                 fontsize=12 if not note else 10)
    return fig


def save_figure(fig: Any, path: Path) -> Path:
    """Save a figure atomically, in the format its suffix names (png, pdf, ...)."""
    fmt = path.suffix.lstrip(".")
    return io._atomic(path, lambda p: fig.savefig(p, format=fmt, dpi=150))


