"""Published benchmarks and the stylised-facts table of docs/ODD.md, from saved elasticities.

The published values are the anchors of issue 13 (full references in docs/ODD.md, section
"Stylised facts and benchmarks"). :func:`facts_table` puts each beside the model's value from a
saved ``ccsim elasticities`` folder (its ``summary.csv`` and ``meta.json``); :func:`markdown`
renders the table the ODD shows between its ``stylised_facts`` markers, which
``experiments/calibration/stylised_facts.py`` rewrites and ``tests/studies`` checks. It reads
tables only and never runs the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["BENCHMARKS", "NPS_TYPICAL", "PRICE_TARGET", "RATIO_MAX", "Benchmark", "benchmark_for",
           "facts_table", "levels_table", "markdown", "readme_table", "target_for"]


@dataclass(frozen=True)
class Benchmark:
    """A published elasticity to set beside the model's.

    Attributes:
        lever, quantity, window: The model's row it compares with (``ccsim elasticities``).
        value: The published value.
        source: Short citation.
        note: What exactly the published number measures.
        target: The range issue 13 sets for the calibrated model, or None.
    """

    lever: str
    quantity: str
    window: str
    value: float
    source: str
    note: str
    target: tuple[float, float] | None = None


SETHURAMAN = "Sethuraman, Tellis & Briesch 2011"
#: Issue 13's target for the price elasticity of the brand's share (every scenario but those of
#: :data:`NO_PRICE_TARGET`).
PRICE_TARGET = (-3.5, -1.5)
#: Issue 13's target: the long-run advertising elasticity at most this many times the short run
#: (published 0.24 / 0.12 = 2, Sethuraman et al. 2011).
RATIO_MAX = 3.0
#: The anchors, in the order the ODD's table shows them.
BENCHMARKS = (
    Benchmark("advertising", "units", "short", 0.12, SETHURAMAN,
              "advertising elasticity of sales, short run (mean of 751 estimates)", (0.05, 0.20)),
    Benchmark("advertising", "units", "short", 0.09, "Henningsen, Heuke & Clement 2011",
              "advertising elasticity of sales, current period"),
    Benchmark("advertising", "units", "long", 0.24, SETHURAMAN,
              "advertising elasticity of sales, long run (mean of 402 estimates)"),
    Benchmark("price", "choice_share", "short", -2.62, "Bijmolt, van Heerde & Pieters 2005",
              "price elasticity of the brand's share (mean of 1,851 estimates)", PRICE_TARGET),
    Benchmark("word_of_mouth", "acquisitions", "long", 0.53, "Trusov, Bucklin & Pauwels 2009",
              "long-run elasticity of sign-ups to word-of-mouth referrals"),
)
#: Trusov et al.: WOM's long-run elasticity ≈ 20× marketing events', ≈ 30× media's.
WOM_RATIO = (30.0, "Trusov, Bucklin & Pauwels 2009",
             "WOM elasticity ÷ media's (≈ 20× events'); a scenario premise, not a target")


#: Issue 13's target for the short-run advertising elasticity, by scenario (others: none).
AD_SHORT_TARGETS = {"experience_economy": (0.05, 0.20), "subscription": (0.05, 0.20),
                    "product_aware_economy": (0.10, 0.40)}
#: Scenarios without a price target: the Bass docking market (one firm, no price term) and B2B
#: (excluded: the published price meta-analysis is of consumer brands; conf/scenario/b2b.yaml).
NO_PRICE_TARGET = ("bass", "b2b")


def target_for(b: Benchmark, scenario: str) -> tuple[float, float] | None:
    """The range issue 13 sets for a benchmark's row in a scenario, or None."""
    if b.target is None:
        return None
    if (b.lever, b.quantity) == ("advertising", "units"):
        return AD_SHORT_TARGETS.get(scenario)
    if b.lever == "price" and scenario in NO_PRICE_TARGET:
        return None
    return b.target


def benchmark_for(lever: str, quantity: str, window: str) -> Benchmark | None:
    """The first published benchmark of a row (``ccsim elasticities`` prints it), if any."""
    for b in BENCHMARKS:
        if (b.lever, b.quantity, b.window) == (lever, quantity, window):
            return b
    return None


def _mean_row(summary: pd.DataFrame, lever: str, quantity: str, window: str) -> pd.Series | None:
    hit = summary[(summary["lever"] == lever) & (summary["quantity"] == quantity)
                  & (summary["window"] == window) & (summary["firm"] == "mean")]
    return hit.iloc[0] if len(hit) else None


def _ci(row: pd.Series | None) -> str:
    if row is None or not math.isfinite(row["mean"]):
        return "not measured"
    return f"{row['mean']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"


def facts_table(folders: Sequence[str | Path]) -> pd.DataFrame:
    """One row per benchmark and saved elasticity folder: published vs model.

    Args:
        folders: ``ccsim elasticities`` output folders (``summary.csv``, ``meta.json``).

    Returns:
        Columns ``fact``, ``published``, ``source``, ``model`` (mean over firms and its 95% CI
        over seeds), ``scenario`` (name, customers × seeds, model commit), ``target`` and
        ``met`` (``yes``/``no``, empty without a target).
    """
    rows = []
    for folder in folders:
        folder = Path(folder)
        summary = pd.read_csv(folder / "summary.csv")
        meta = json.loads((folder / "meta.json").read_text())
        scenario = (f"{meta['scenario']}, {meta['n_customers']:,} customers × "
                    f"{len(meta['seeds'])} seeds, `{meta['git_commit'][:9]}`")
        for b in BENCHMARKS:
            r = _mean_row(summary, b.lever, b.quantity, b.window)
            target = target_for(b, meta["scenario"])
            met = ""
            if target is not None and r is not None and math.isfinite(r["mean"]):
                met = "yes" if target[0] <= r["mean"] <= target[1] else "no"
            rows.append({"fact": b.note, "published": f"{b.value:+.2f}", "source": b.source,
                         "model": _ci(r), "scenario": scenario,
                         "target": f"[{target[0]:+.2f}, {target[1]:+.2f}]" if target else "",
                         "met": met})
        short = _mean_row(summary, "advertising", "units", "short")
        long_ = _mean_row(summary, "advertising", "units", "long")
        if short is not None and long_ is not None:
            ok = long_["mean"] <= RATIO_MAX * short["mean"] if short["mean"] > 0 else False
            rows.append({"fact": "advertising: long run ÷ short run",
                         "published": "2.0 (0.24 ÷ 0.12)",
                         "source": SETHURAMAN,
                         "model": (f"{long_['mean'] / short['mean']:+.2f}"
                                   if short["mean"] != 0 else "undefined (short run 0)"),
                         "scenario": scenario, "target": f"long run ≤ {RATIO_MAX:g} × short run, "
                         "short run > 0", "met": "yes" if ok else "no"})
        wom = _mean_row(summary, "word_of_mouth", "acquisitions", "long")
        ads = _mean_row(summary, "advertising", "acquisitions", "long")
        if wom is not None and ads is not None:
            ratio = (f"{wom['mean'] / ads['mean']:+.2f}" if ads["mean"] > 0
                     else "undefined (advertising's ≤ 0)")
            rows.append({"fact": "WOM ÷ advertising, elasticity of acquisitions, long run",
                         "published": f"≈ {WOM_RATIO[0]:.0f}", "source": WOM_RATIO[1],
                         "model": f"{ratio} (WOM {_ci(wom)}; advertising {_ci(ads)})",
                         "scenario": scenario, "target": "a premise, reported", "met": ""})
    return pd.DataFrame(rows)


#: The typical firm's NPS: "the average firm sputters along at a net promoter efficiency of only
#: 5 to 10 percent" (Reichheld 2003, Harvard Business Review 81(12)); the NPS cut-offs are
#: calibrated to it in the experience economy (experiments/calibration/nps.py).
NPS_TYPICAL = (5.0, 10.0, "Reichheld 2003", "experience_economy")
#: Cases of the scenario study whose levels the table shows (the structural checks are left out).
LEVEL_CASES = ("experience_economy", "subscription", "product_aware_economy", "b2b")


def levels_table(folder: str | Path) -> pd.DataFrame:
    """The market-level facts (mean NPS over firms) of a saved scenario study.

    Rows as :func:`facts_table`'s, from ``results/scenarios/`` (``summary.csv``, ``meta.json``).
    """
    folder = Path(folder)
    summary = pd.read_csv(folder / "summary.csv")
    meta = json.loads((folder / "meta.json").read_text())
    lo, hi, source, calibrated_in = NPS_TYPICAL
    rows = []
    for case in LEVEL_CASES:
        hit = summary[(summary["case"] == case) & (summary["metric"] == "nps_mean")]
        if not len(hit):
            continue
        r = hit.iloc[0]
        target = case == calibrated_in
        rows.append({"fact": "NPS of the typical firm (model: mean over firms after year 1)",
                     "published": f"{lo:+.0f} to {hi:+.0f}", "source": source,
                     "model": f"{r['mean']:+.1f} [{r['low']:+.1f}, {r['high']:+.1f}]",
                     "scenario": (f"{case}, {int(r['n_customers']):,} customers × "
                                  f"{int(r['runs'])} seeds, `{meta['git_commit'][:9]}`"),
                     "target": f"[{lo:+.0f}, {hi:+.0f}] (calibrated here)" if target else "",
                     "met": ("yes" if lo <= r["mean"] <= hi else "no") if target else ""})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as GitHub Markdown (the ODD's generated block)."""
    cols = ["fact", "published", "source", "model", "scenario", "target", "met"]
    head = ["stylised fact", "published", "source", "model: mean over firms [95% CI]",
            "scenario", "target (issue 13)", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in table[cols].itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in r) + " |")
    return "\n".join(lines) + "\n"


#: How the README's calibration table names each scenario.
README_LABELS = {"experience_economy": "experience economy (default)",
                 "subscription": "subscription",
                 "product_aware_economy": "product-aware economy",
                 "exploitation": "exploitation (no advertising target)",
                 "b2b": "B2B (excluded from the targets, no B2B benchmark)"}


def _verdict(value: float, target: tuple[float, float] | None) -> str:
    if target is None or not math.isfinite(value):
        return ""
    return " met" if target[0] <= value <= target[1] else " **missed**"


def readme_table(folders: Sequence[str | Path]) -> str:
    """The README's calibration table, one row per saved ``ccsim elasticities`` folder.

    Price, advertising short run, long ÷ short and word of mouth (means over firms with 95% CIs),
    each with whether its target is met.
    """
    head = ["scenario", "customers × seeds", "price, choice share (target −3.5…−1.5)",
            "advertising, short run", "advertising, long ÷ short (≤ 3)",
            "word of mouth, acquisitions, long run (published +0.53)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for folder in folders:
        folder = Path(folder)
        summary = pd.read_csv(folder / "summary.csv")
        meta = json.loads((folder / "meta.json").read_text())
        scenario = meta["scenario"]
        price = _mean_row(summary, "price", "choice_share", "short")
        short = _mean_row(summary, "advertising", "units", "short")
        long_ = _mean_row(summary, "advertising", "units", "long")
        wom = _mean_row(summary, "word_of_mouth", "acquisitions", "long")
        ad_target = target_for(benchmark_for("advertising", "units", "short"), scenario)
        price_target = target_for(benchmark_for("price", "choice_share", "short"), scenario)
        if short is not None and long_ is not None and short["mean"] > 0:
            ratio = long_["mean"] / short["mean"]
            ratio_cell = f"{ratio:.1f}" + _verdict(ratio, (0.0, RATIO_MAX) if ad_target else None)
        else:
            ratio_cell = "—"
        numbers = [
            _ci(price) + (_verdict(price["mean"], price_target) if price is not None else ""),
            _ci(short) + (_verdict(short["mean"], ad_target) if short is not None else "")
            + (f" (target {ad_target[0]:.2f}–{ad_target[1]:.2f})" if ad_target else ""),
            ratio_cell, _ci(wom)]
        lines.append("| " + " | ".join([
            README_LABELS.get(scenario, scenario),
            f"{meta['n_customers']:,} × {len(meta['seeds'])}",
            *(cell.replace("-", "−") for cell in numbers)]) + " |")
    return "\n".join(lines) + "\n"
