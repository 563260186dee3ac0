"""Figures of ``ccsim optimise`` folders, from their saved tables.

* :func:`plot_search_path`: every trial's score in the order tried and the best so far (trials
  that miss a growth floor hollow);
* :func:`plot_mix`: the budget shares of the decision found beside the firm's plan and the two
  presets (with ``--rivals respond``: each firm's last decision beside the presets);
* :func:`plot_frontier`: profit against growth over every trial, the trials no other beats on
  both marked as the frontier, the plan, presets and best decision named;
* :func:`plot_rounds`: the best responses round by round: each firm's mix coordinate and price.

:func:`save_figures` reads a folder and writes each as PNG and PDF.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import io
from ..analysis.optimise import frontier
from ..strategies import LEVERS
from .style import _RC, GROUP_COLORS, _figure, _legend_outside

__all__ = ["mix_bars", "plot_frontier", "plot_mix", "plot_rounds", "plot_search_path",
           "save_figures"]

PROFILE_COLORS = {"best": "#000000", "plan": "#CC79A7", "settled": "#000000", "last": "#000000",
                  "product_centric": GROUP_COLORS["product_centric"],
                  "customer_centric": GROUP_COLORS["customer_centric"]}
FIRM_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Firms that make the same moves overlap: markers and dashes tell them apart.
MARKERS = ("o", "s", "^", "v", "D", "P", "X")
LINES = ("-", "--", ":", "-.")


def _complete(trials: pd.DataFrame) -> pd.DataFrame:
    return trials[trials["state"] == "COMPLETE"].sort_values("number")


def _feasible(done: pd.DataFrame) -> pd.Series:
    """Trials that meet the growth floor (all of them without one)."""
    if "growth_slack" in done:
        return done["growth_slack"] <= 0
    return pd.Series(True, index=done.index)


def plot_search_path(trials: pd.DataFrame, objective: str, ax: Axes) -> Axes:
    """Each trial's score (mean over the search's seeds) and the best so far."""
    done = _complete(trials)
    feasible = _feasible(done)
    ax.scatter(done.loc[feasible, "number"], done.loc[feasible, "value"], s=10, color="#0072B2",
               label="trial")
    if (~feasible).any():
        ax.scatter(done.loc[~feasible, "number"], done.loc[~feasible, "value"], s=10,
                   facecolors="none", edgecolors="#999999", label="misses the growth floor")
    best = done["value"].where(feasible).cummax()
    ax.plot(done["number"], best, color="black", lw=1.5, drawstyle="steps-post",
            label="best so far")
    for _, r in done[done["start"].notna()].iterrows():
        ax.annotate(str(r["start"]), (r["number"], r["value"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{objective} (mean over the search's seeds)")
    ax.set_title("The search's path")
    _legend_outside(ax)
    return ax


def mix_bars(decisions: pd.DataFrame, respond: bool) -> list[tuple[str, str, list[float]]]:
    """(label, colour, shares in LEVERS order) of each bar of :func:`plot_mix`.

    Fixed rivals: the decisions table's profiles (best, plan, presets). Best responses: each
    firm's last decision, then the two presets' shares.
    """
    from ..strategies import PRESETS, shares_vector

    bars = []
    rows = decisions[decisions["profile"] != "start"] if respond else decisions
    for k, r in enumerate(rows.itertuples(index=False)):
        name = f"{r.firm} ({r.profile})" if respond else r.profile
        color = FIRM_COLORS[k % len(FIRM_COLORS)] if respond else \
            PROFILE_COLORS.get(r.profile, "#666666")
        bars.append((f"{name}: budget {r.budget_rate:.2f}, {r.pricing} (markup {r.markup:.2f})",
                     color, [getattr(r, f"share_{lever}") for lever in LEVERS]))
    if respond:
        bars += [(f"{name} preset", PROFILE_COLORS[name], list(shares_vector(shares)))
                 for name, shares in PRESETS.items()]
    return bars


def plot_mix(bars: list[tuple[str, str, list[float]]], ax: Axes) -> Axes:
    """Horizontal bars of the shares per lever, one bar per decision (:func:`mix_bars`)."""
    y = np.arange(len(LEVERS))
    n = len(bars)
    height = 0.8 / max(n, 1)
    for k, (label, color, shares) in enumerate(bars):
        ax.barh(y + (k - (n - 1) / 2) * height, shares, height=height, color=color,
                label=label)
    ax.set_yticks(y, LEVERS)
    ax.invert_yaxis()
    ax.set_xlabel("share of the lever budget")
    ax.set_title("Budget shares: the decisions found beside the plan and the presets")
    _legend_outside(ax)
    return ax


def plot_frontier(trials: pd.DataFrame, ax: Axes, growth_floor: float | None = None) -> Axes:
    """Profit against revenue growth over every trial, with the frontier of both."""
    done = _complete(trials)
    on = frontier(done)
    ax.scatter(100 * done["growth"], done["profit"], s=8, color="#bbbbbb", label="trial")
    front = done[on].sort_values("growth")
    ax.plot(100 * front["growth"], front["profit"], "o-", color="#D55E00", ms=4, lw=1.2,
            label="frontier (no trial beats it on both)")
    for _, r in done[done["start"].notna()].iterrows():
        ax.scatter(100 * r["growth"], r["profit"], s=40, marker="s",
                   color=PROFILE_COLORS.get(str(r["start"]), "#666666"))
        ax.annotate(str(r["start"]), (100 * r["growth"], r["profit"]), fontsize=7,
                    xytext=(4, -8), textcoords="offset points")
    feasible = _feasible(done)
    best = done.loc[done["value"].where(feasible if feasible.any() else True).idxmax()]
    ax.scatter(100 * best["growth"], best["profit"], s=90, marker="*", color="black",
               label="best (by the objective)", zorder=5)
    if growth_floor is not None:
        ax.axvline(100 * growth_floor, color="black", ls=":", lw=1, label="growth floor")
    ax.set_xlabel("the firm's revenue growth, % a year (CAGR over the horizon)")
    ax.set_ylabel("the firm's profit over the horizon")
    ax.set_title("Profit against growth: every trial (search seeds)")
    _legend_outside(ax)
    return ax


def plot_rounds(rounds: pd.DataFrame, axes: tuple[Axes, Axes]) -> tuple[Axes, Axes]:
    """Each firm's mix coordinate and mean price, round by round."""
    from matplotlib.ticker import MaxNLocator

    for k, (firm, g) in enumerate(rounds.groupby("firm", sort=False)):
        style = {"color": FIRM_COLORS[k % len(FIRM_COLORS)], "marker": MARKERS[k % len(MARKERS)],
                 "ls": LINES[k % len(LINES)], "ms": 6 - k % 3, "label": firm}
        axes[0].plot(g["round"], g["mix"], **style)
        axes[1].plot(g["round"], g["price"], **style)
    axes[0].axhline(0.5, color="black", lw=0.8, ls=":")
    axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("mix coordinate\n(0 product-, 1 customer-centric)")
    axes[1].set_ylabel("mean price paid (core)")
    axes[1].set_xlabel("round (0: the configuration)")
    axes[0].set_title("Best responses round by round")
    _legend_outside(axes[0])
    return axes


def _save(fig: Figure, folder: Path, stem: str) -> dict[str, Path]:
    return {f"{stem}_{fmt}": io._atomic(folder / f"{stem}.{fmt}",
                                        lambda p, fmt=fmt: fig.savefig(p, format=fmt))
            for fmt in ("png", "pdf")}


def save_figures(folder: str | Path) -> dict[str, Path]:
    """Draw a folder's figures from its tables: PNG and PDF of each; the files by name."""
    folder = Path(folder)
    meta = io.read_json(folder / "meta.json")
    trials = pd.read_parquet(folder / "trials.parquet")
    decisions = pd.read_parquet(folder / "decisions.parquet")
    files: dict[str, Path] = {}
    with matplotlib.rc_context(_RC):
        if meta["rivals"] == "respond":
            fig = _figure((7.5, 5.0))
            plot_rounds(pd.read_parquet(folder / "rounds.parquet"),
                        tuple(fig.subplots(2, 1, sharex=True)))
            files.update(_save(fig, folder, "rounds"))
        else:
            fig = _figure((7.5, 3.8))
            plot_search_path(trials, meta["objective"], fig.subplots())
            files.update(_save(fig, folder, "search_path"))
            fig = _figure((7.5, 4.2))
            plot_frontier(trials, fig.subplots(), meta["growth_floor"])
            files.update(_save(fig, folder, "frontier"))
        fig = _figure((8.0, 4.8))
        plot_mix(mix_bars(decisions, meta["rivals"] == "respond"), fig.subplots())
        files.update(_save(fig, folder, "mix"))
    return files
