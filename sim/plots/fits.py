"""Figures of ``ccsim fit`` folders, from their saved tables: the observed curve and the band.

:func:`plot_band` draws a fit's ``band`` table: the observed points (or, for a retention target,
the stated ranges as bars), the fitted model's mean over fresh seeds with its 2.5–97.5
percentile band, a classical fit's curve when there is one, and the line between the years
fitted and the years predicted. :func:`plot_weekly` draws the CDNOW report's cumulative repeat
purchases. ``save_*`` read a folder and write PNG and PDF.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import io
from .style import _axes

__all__ = ["plot_band", "plot_weekly", "save_figure", "save_weekly_figure"]

MODEL = "#1f77b4"
OBSERVED = "black"
REFERENCE = "#d62728"


def plot_band(band: pd.DataFrame, labels: dict[str, str], ax: Axes | None = None) -> Axes:
    """The observed curve (or target ranges) against the fitted model's band.

    Args:
        band: A fit's ``band`` table (``x``, ``observed`` or ``observed_low`` /
            ``observed_high``, ``model_mean``, ``model_lo``, ``model_hi``, ``reference``,
            ``part``).
        labels: ``title``, ``xlabel``, ``ylabel``, ``reference`` (the classical fit's name).
        ax: Axes to draw on (a new figure if None).
    """
    ax = _axes(ax, (7.0, 4.0))
    x = band["x"].to_numpy()
    if "observed_low" in band:  # ranges by year: boxes, and the model's points with their band
        ax.bar(x - 0.15, band["observed_high"] - band["observed_low"], bottom=band["observed_low"],
               width=0.25, color=OBSERVED, alpha=0.25, label="target range")
        ax.errorbar(x + 0.15, band["model_mean"],
                    yerr=[band["model_mean"] - band["model_lo"],
                          band["model_hi"] - band["model_mean"]],
                    fmt="o", color=MODEL, capsize=4,
                    label="model: mean of fresh seeds, 95 % of them")
        ax.set_xticks(x)
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
    else:
        ax.fill_between(x, band["model_lo"], band["model_hi"], color=MODEL, alpha=0.2, lw=0,
                        label="model: 95 % of fresh seeds")
        ax.plot(x, band["model_mean"], color=MODEL, lw=2, marker="o", ms=3,
                label="model: mean of the seeds")
        ax.plot(x, band["observed"], "o", color=OBSERVED, ms=5, label="observed")
    if band["reference"].notna().any():
        ax.plot(x, band["reference"], "--", color=REFERENCE, lw=1.2,
                label=labels.get("reference") or "reference")
    fit = band["part"] == "fit"
    if (~fit).any():
        edge = (x[fit.to_numpy()].max() + x[(~fit).to_numpy()].min()) / 2
        ax.axvline(edge, color="grey", ls=":", lw=1)
        ax.text(edge, ax.get_ylim()[0], " predicted →", va="bottom", ha="left", fontsize=8,
                color="grey")
        ax.text(edge, ax.get_ylim()[0], "← fitted ", va="bottom", ha="right", fontsize=8,
                color="grey")
    ax.set_title(labels.get("title", ""), fontsize=9.5)
    ax.set_xlabel(labels.get("xlabel", ""))
    ax.set_ylabel(labels.get("ylabel", ""))
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return ax


def plot_weekly(weekly: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Cumulative repeat purchases by week, actual and BG/NBD, calibration shaded."""
    ax = _axes(ax, (7.0, 4.0))
    ax.plot(weekly["week"], weekly["actual"], color=OBSERVED, lw=2, label="actual")
    ax.plot(weekly["week"], weekly["predicted"], "--", color=REFERENCE, lw=1.5,
            label="BG/NBD fitted on weeks 1-39")
    cal = weekly.loc[weekly["calibration"], "week"]
    ax.axvspan(0, float(np.max(cal)), color="grey", alpha=0.1, lw=0, label="calibration")
    ax.set_title("CDNOW sample: cumulative repeat purchases", fontsize=9.5)
    ax.set_xlabel("week (1 = first week of 1997)")
    ax.set_ylabel("repeat purchases, cumulative")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return ax


def _save(ax: Axes, folder: Path, stem: str) -> dict[str, Path]:
    import matplotlib.pyplot as plt

    fig = ax.figure
    files = {fmt: io._atomic(folder / f"{stem}.{fmt}",
                             lambda p, fmt=fmt: fig.savefig(p, format=fmt))
             for fmt in ("png", "pdf")}
    plt.close(fig)
    return files


def save_figure(folder: str | Path) -> dict[str, Path]:
    """Draw ``fit.png`` and ``fit.pdf`` from a fit folder's ``band.parquet`` and ``meta.json``."""
    folder = Path(folder)
    meta = io.read_json(folder / "meta.json")
    labels = dict(meta.get("figure", {}))
    if meta.get("caveat"):
        labels["title"] = "\n".join([labels.get("title", ""),
                                     *textwrap.wrap(f"({meta['caveat']})", 95)])
    with matplotlib.rc_context({"font.size": 9.5, "savefig.dpi": 150}):
        ax = plot_band(pd.read_parquet(folder / "band.parquet"), labels)
        return _save(ax, folder, "fit")


def save_weekly_figure(folder: str | Path) -> dict[str, Path]:
    """Draw ``weekly.png`` and ``weekly.pdf`` from the CDNOW folder's ``weekly.parquet``."""
    folder = Path(folder)
    with matplotlib.rc_context({"font.size": 9.5, "savefig.dpi": 150}):
        return _save(plot_weekly(pd.read_parquet(folder / "weekly.parquet")), folder, "weekly")
