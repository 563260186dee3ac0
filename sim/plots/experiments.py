"""An experiment's figures, drawn from its saved tables (PNG and PDF).

* ``claim`` — the claimed quantity with its 95% CI against the threshold, and the claim's
  metric in every arm (mean and 95% CI over seeds);
* ``series`` — each time series of the experiment per arm, with its 95% band over seeds;
* ``region`` — where the claim holds: PRIM's peeling trajectories (coverage against density,
  the chosen boxes marked), the chosen boxes premise by premise, and the sampled points on the
  two premises the holds box restricts most, coloured by verdict.

Titles name the experiment, the scenario, the market size and the seeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.stats import t_ci
from .style import _RC

__all__ = ["VERDICT_COLORS", "claim_figure", "draw_all", "region_figure", "save",
           "series_figure", "subtitle"]

VERDICT_COLORS = {"holds": "#009E73", "fails": "#D55E00", "inconclusive": "#999999"}
_LINE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                "#F0E442", "#666666")


def save(fig: Figure, folder: Path, name: str, dpi: int = 150) -> dict[str, Path]:
    """Write ``name.png`` and ``name.pdf`` (metadata without dates, so redraws compare).

    The layout is computed once, for the PNG, and kept for the PDF.
    """
    out = {}
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None,
                                                            "Producer": None})):
        path = folder / f"{name}.{ext}"
        fig.savefig(path, metadata=meta, dpi=dpi)
        fig.set_layout_engine("none")
        out[f"{name}_{ext}"] = path
    return out


def subtitle(stamp: dict, region: bool = False) -> str:
    """``experience_economy, 10,000 customers × 120 months, 20 seeds``."""
    scen = ", ".join(stamp.get("scenarios", [])) or "as configured"
    if region:
        return (f"{scen}, {stamp['point_customers']:,} customers × {stamp['point_months']} "
                f"months, {stamp['points']} points × {stamp['point_seeds']} seeds")
    return (f"{scen}, {stamp['customers']:,} customers × {stamp['months']} months, "
            f"{stamp['seeds']} seeds per arm")


def claim_figure(summary: pd.DataFrame, runs: pd.DataFrame, stamp: dict) -> Figure:
    """The claimed quantity against its threshold, and the claim's metric arm by arm."""
    claim = summary[summary["role"] == "claim"].iloc[0]
    spec = stamp["claim"]
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 2.6])
    color = VERDICT_COLORS.get(claim["verdict"], "#999999")
    est, lo, hi = (float(claim[k]) for k in ("estimate", "ci_low", "ci_high"))
    if np.isfinite(est):
        err = [[est - lo], [hi - est]] if np.isfinite(lo) else None
        ax1.errorbar([0], [est], yerr=err, fmt="o", color=color, capsize=6, ms=7,
                     label=f"mean, 95% CI ({int(claim['seeds'])} seeds)")
    ax1.axhline(float(spec["threshold"]), color="k", ls="--", lw=1,
                label=f"claim: {spec['op']} {spec['threshold']:g}")
    ax1.set_xticks([0], [claim["arms"]])
    ax1.set_xlim(-0.8, 0.8)
    ax1.set_ylabel(f"{spec['metric']}" + (f" ({claim['unit']})" if claim["unit"] else ""))
    ax1.set_title(f"claim {claim['verdict']}", color=color)
    ax1.legend(loc="best", fontsize=8)
    base = runs[runs["point"] == "base"]
    metric = spec["metric"]
    arms = list(dict.fromkeys(base["arm"]))
    for k, arm in enumerate(arms):
        x = pd.to_numeric(base.loc[base["arm"] == arm, metric], errors="coerce") \
            if metric in base else pd.Series(dtype=float)
        m, a, b = t_ci(x)
        if np.isfinite(m):
            err = [[m - a], [b - m]] if np.isfinite(a) else None
            ax2.errorbar([k], [m], yerr=err, fmt="o", color=_LINE_COLORS[k % 9], capsize=4)
            ax2.plot(np.full(int(np.isfinite(x).sum()), k) + 0.15, x[np.isfinite(x)], ".",
                     color=_LINE_COLORS[k % 9], alpha=0.35, ms=3)
    if len(spec["arms"]) == 1:
        ax2.axhline(float(spec["threshold"]), color="k", ls="--", lw=1)
    ax2.set_xticks(range(len(arms)), arms, rotation=20, ha="right")
    ax2.set_ylabel(metric)
    ax2.set_title(f"{metric} per arm: mean, 95% CI and each seed")
    fig.suptitle(f"{stamp['experiment']}: {subtitle(stamp)}", fontsize=10)
    return fig


def series_figure(series: pd.DataFrame, stamp: dict) -> Figure:
    """Each series per arm and line with its 95% band over seeds."""
    names = list(dict.fromkeys(series["series"]))
    fig = Figure(figsize=(9.0, 3.2 * len(names) + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(names), 1, squeeze=False)[:, 0])
    for ax, name in zip(axes, names, strict=True):
        s = series[series["series"] == name]
        keys = list(dict.fromkeys(zip(s["arm"], s["line"], strict=True)))
        arms = list(dict.fromkeys(s["arm"]))
        lines = list(dict.fromkeys(s["line"]))
        for arm, line in keys:
            g = s[(s["arm"] == arm) & (s["line"] == line)].sort_values("x")
            color = _LINE_COLORS[arms.index(arm) % 9]
            style = ("-", "--", ":", "-.")[lines.index(line) % 4]
            label = f"{arm}: {line}" if len(lines) > 1 else str(arm)
            ax.plot(g["x"], g["mean"], color=color, ls=style, lw=1.4, label=label)
            ax.fill_between(g["x"], g["ci_low"], g["ci_high"], color=color, alpha=0.15, lw=0)
        unit = s["unit"].iloc[0]
        ax.set_ylabel(f"{s['column'].iloc[0]}" + (f"\n({unit})" if unit else ""))
        ax.set_xlabel("year" if s["per"].iloc[0] == "year" else "month")
        ax.set_title(f"{name} (mean, 95% band over seeds)")
        if len(keys) > 1 or len(lines) == 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                      fontsize=8)
    fig.suptitle(f"{stamp['experiment']}: {subtitle(stamp)}", fontsize=10)
    return fig


def region_figure(points: pd.DataFrame, prim: pd.DataFrame, boxes: pd.DataFrame,
                  premises: pd.DataFrame, stamp: dict) -> Figure:
    """PRIM's trajectories, its boxes, and the points on the two most restricted premises."""
    fig = Figure(figsize=(12.0, 3.9), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1, 1.3, 1.1])
    for target in ("holds", "fails"):
        t = prim[prim["target"] == target]
        if t.empty or t["coverage"].isna().all():
            continue
        color = VERDICT_COLORS[target]
        ax1.plot(t["coverage"], t["density"], ".-", color=color, lw=1, ms=4,
                 label=f"{target} vs rest ({int(t['points'].iloc[0])} of "
                       f"{int(t['total'].iloc[0])} points)")
        chosen = t[t["chosen"].astype(str) == "True"]
        if len(chosen):
            ax1.plot(chosen["coverage"], chosen["density"], "s", color=color, ms=9, mfc="none",
                     mew=2)
    ax1.axhline(0.8, color="k", ls=":", lw=1)
    ax1.set_xlabel("coverage (share of the class inside the box)")
    ax1.set_ylabel("density (share of the box in the class)")
    ax1.set_title("PRIM peeling trajectories (□ chosen box)")
    _legend(ax1, loc="lower left")
    numeric = premises[premises["presets"].astype("string").fillna("") == ""]
    keys = list(numeric["premise"])
    for j, target in enumerate(("holds", "fails")):
        b = boxes[boxes["target"] == target].set_index("premise") if not boxes.empty \
            else pd.DataFrame()
        for i, key in enumerate(keys):
            if b.empty or key not in b.index:
                continue
            low, high = float(numeric.iloc[i]["low"]), float(numeric.iloc[i]["high"])
            lo = (float(b.loc[key, "low"]) - low) / (high - low)
            hi = (float(b.loc[key, "high"]) - low) / (high - low)
            ax2.barh(i + (0.2 if j == 0 else -0.2), hi - lo, left=lo, height=0.35,
                     color=VERDICT_COLORS[target], alpha=0.8,
                     label=f"{target} box" if i == 0 else None)
    ax2.set_yticks(range(len(keys)), [k.split(".")[-1] for k in keys], fontsize=7.5)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("share of the sampled range (0 = low, 1 = high)")
    ax2.set_title("chosen boxes by premise")
    _legend(ax2, loc="lower right")
    axes_keys = _two_premises(boxes, keys)
    if len(axes_keys) == 2:
        for verdict, color in VERDICT_COLORS.items():
            g = points[points["verdict"] == verdict]
            ax3.scatter(g[axes_keys[0]], g[axes_keys[1]], s=12, color=color, label=verdict,
                        alpha=0.8)
        ax3.set_xlabel(axes_keys[0].split(".")[-1])
        ax3.set_ylabel(axes_keys[1].split(".")[-1])
        _legend(ax3, loc="best")
    ax3.set_title("verdict at each point")
    fig.suptitle(f"{stamp['experiment']}: where the claim holds — {subtitle(stamp, True)}",
                 fontsize=10)
    return fig


def _legend(ax: object, loc: str) -> None:
    if ax.get_legend_handles_labels()[0]:  # type: ignore[attr-defined]
        ax.legend(loc=loc, fontsize=7.5)  # type: ignore[attr-defined]
    else:
        ax.text(0.5, 0.5, "no box: see verdict.md", transform=ax.transAxes,  # type: ignore
                ha="center", va="center", color="#666666")


def _two_premises(boxes: pd.DataFrame, keys: list[str]) -> list[str]:
    """The two numeric premises the boxes restrict most (else the first two)."""
    if boxes.empty:
        return keys[:2]
    restricted = boxes[(boxes["restricted"].astype(str) == "True")
                       & boxes["premise"].isin(keys)]["premise"]
    chosen = list(dict.fromkeys(restricted))
    chosen += [k for k in keys if k not in chosen]
    return chosen[:2]


def draw_all(folder: str | Path, module: ModuleType | None = None) -> dict[str, Path]:
    """Every figure of an experiment's results folder (and the experiment's own, if any)."""
    from .. import io

    folder = Path(folder)
    stamp = json.loads((folder / "stamp.json").read_text(encoding="utf-8"))
    summary = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
    runs = io.read_parquet(folder / "runs.parquet")
    out: dict[str, Path] = {}
    dpi = 80 if stamp.get("form") == "quick" else 150  # a quick form's figures are a check

    def save_as(fig: Figure, name: str) -> None:
        out.update(save(fig, folder, name, dpi))

    with mpl.rc_context(_RC):
        save_as(claim_figure(summary, runs, stamp), "claim")
        series_path = folder / "series.csv"
        series = pd.read_csv(series_path) if series_path.is_file() else pd.DataFrame()
        if not series.empty:
            save_as(series_figure(series, stamp), "series")
        if (folder / "points.csv").is_file():
            save_as(region_figure(pd.read_csv(folder / "points.csv"),
                                  pd.read_csv(folder / "prim.csv"),
                                  pd.read_csv(folder / "prim_boxes.csv"),
                                  pd.read_csv(folder / "premises.csv"), stamp), "region")
        extra = getattr(module, "figures", None)
        if extra is not None:
            for name, fig in extra(folder, stamp).items():
                save_as(fig, name)
    return out
