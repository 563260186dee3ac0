"""The headline figure: each headline KPI per setting, mean and 95% CI over seeds, the 2:1 test.

Settings are numbered on the x axes and spelled out once, in a key under the panels, so tick
labels never run into each other however many keys a sweep varies or however long their values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis.headline import headline_table
from .style import GROUP_COLORS, GROUP_LABELS

#: Panels: (title, KPI columns drawn, axis label with unit, scale, reference line).
PANELS: tuple[tuple[str, tuple[str, ...], str, float, float | None], ...] = (
    ("Revenue growth of each group",
     ("customer_centric_revenue_cagr", "product_centric_revenue_cagr"),
     "revenue CAGR, group's revenue pooled (% a year)", 100.0, 0.0),
    ("Growth gap (cc − pc)", ("growth_gap_points",),
     "CAGR, cc − pc (percentage points a year)", 1.0, 0.0),
    ("Revenue multiple ratio (cc ÷ pc)", ("revenue_multiple_ratio",),
     "last-year ÷ first-year revenue, cc ÷ pc (×)", 1.0, 1.0),
    ("Growth ratio (cc ÷ pc) and the 2:1 test", ("growth_ratio",),
     "revenue CAGR, cc ÷ pc (×)", 1.0, 2.0),
    ("Margin gap (cc − pc)", ("margin_gap_points",),
     "profit margin, cc − pc (percentage points)", 1.0, 0.0),
)
_GROUP_COLOR = {f"{g}_revenue_cagr": GROUP_COLORS[g]
                for g in ("customer_centric", "product_centric")}
_NEUTRAL = "#333333"
_VERDICT_SHORT = {"holds": "holds", "fails": "fails", "inconclusive": "inconcl.",
                  "not applicable": "not appl."}


def setting_label(row: pd.Series, keys: list[str]) -> str:
    """One setting in words: ``key=value`` for every key that tells settings apart."""
    parts = []
    for k in keys:
        v = row[k]
        parts.append(f"{k}={v:g}" if isinstance(v, (float, np.floating)) else f"{k}={v}")
    return ", ".join(parts) or "all runs"


def plot_headline(runs: pd.DataFrame, keys: list[str], fig: Figure | None = None, *,
                  confidence: float = 0.95) -> Figure:
    """The headline KPIs per setting: each seed a dot, the mean with its interval, the 2:1 test.

    With more than one setting the x axes number them (1, 2, …) and a key under the panels
    says which values each number stands for.

    Args:
        runs: runs.parquet rows (complete runs) of a sweep.
        keys: The swept keys that tell settings apart (every varied key but the seed); the runs
            of one setting are its seeds.
        fig: Figure to draw on (a new one if None).
        confidence: Coverage of the intervals (Student t over seeds).

    Returns:
        The figure drawn on.
    """
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(15.0, 3.9), layout="constrained")
    table = headline_table(runs, by=keys, confidence=confidence)
    n_set = len(table)
    axes = fig.subplots(1, len(PANELS), squeeze=False)[0]
    jitter = np.random.default_rng(0)
    labels = [setting_label(row, keys) for _, row in table.iterrows()]
    ticks = [str(i + 1) for i in range(n_set)] if n_set > 1 else labels
    groups = list(runs.groupby(keys, sort=True, dropna=False)) if keys else [((), runs)]
    for ax, (title, cols, ylabel, scale, ref) in zip(axes, PANELS, strict=True):
        width = 0.5 / len(cols)
        for j, col in enumerate(cols):
            color = _GROUP_COLOR.get(col, _NEUTRAL)
            offset = (j - (len(cols) - 1) / 2) * width
            for i, (_, g) in enumerate(groups):
                y = pd.to_numeric(g[col], errors="coerce").to_numpy(dtype=float) * scale
                y = y[np.isfinite(y)]
                ax.scatter(i + offset + jitter.uniform(-0.06, 0.06, y.size), y, s=11,
                           color=color, alpha=0.35, linewidths=0, zorder=2)
                row = table.iloc[i]
                m, lo, hi = (row[f"{col}_mean"] * scale, row[f"{col}_ci_low"] * scale,
                             row[f"{col}_ci_high"] * scale)
                if np.isfinite(m):
                    err = [[m - lo], [hi - m]] if np.isfinite(lo) else None
                    group = col.removesuffix("_revenue_cagr")
                    ax.errorbar([i + offset + 0.12], [m], yerr=err, fmt="o", color=color,
                                markersize=5.5, capsize=3, linewidth=1.5, zorder=3,
                                label=(GROUP_LABELS.get(group) if len(cols) > 1 and i == 0
                                       else None))
                else:
                    ax.text(i + offset, 0.02, "n/a", transform=ax.get_xaxis_transform(),
                            ha="center", fontsize=8, color="#777777")
        if ref is not None:
            ax.axhline(ref, color="#999999", linewidth=0.9,
                       linestyle="--" if cols == ("growth_ratio",) else "-", zorder=1)
        if cols == ("growth_ratio",):
            for i, (_, row) in enumerate(table.iterrows()):
                ax.text(i, 1.0, _VERDICT_SHORT[row["two_to_one"]], ha="center", va="bottom",
                        transform=ax.get_xaxis_transform(), fontsize=8.5, fontweight="bold",
                        color="#0072B2")
        if len(cols) > 1:
            ax.legend(loc="best", fontsize=8)
        ax.set_xticks(range(n_set), ticks, fontsize=8.5)
        ax.set_xlim(-0.6, n_set - 0.4)
        ax.grid(axis="x", visible=False)
        ax.set_title(title, pad=14 if cols == ("growth_ratio",) else 6)
        ax.set_ylabel(ylabel)
        if n_set > 1:
            ax.set_xlabel("setting (key below)", fontsize=8.5)
    if n_set > 1:
        blank = [Line2D([], [], linestyle="none")] * n_set
        fig.legend(blank, [f"{t}: {label}" for t, label in zip(ticks, labels, strict=True)],
                   loc="outside lower center", ncol=min(n_set, 2), handlelength=0,
                   handletextpad=0, columnspacing=2.5, fontsize=8.5, title="settings",
                   title_fontsize=8.5)
    seeds = int(table["seeds"].min()), int(table["seeds"].max())
    n_txt = f"{seeds[0]}" if seeds[0] == seeds[1] else f"{seeds[0]}–{seeds[1]}"
    fig.suptitle(f"Headline: customer-centric (cc) vs product-centric (pc) firms — dots: seeds; "
                 f"marker and bar: mean of {n_txt} seeds per setting and {confidence:.0%} CI; "
                 "2:1 test above the growth ratio (dashed line: 2)", fontsize=10)
    return fig
