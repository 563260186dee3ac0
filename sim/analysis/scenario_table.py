"""The scenario table: each case's headline over seeds, as CSV rows and as the results page's table.

Reads the runs table of :mod:`sim.studies.scenarios` (one row per case × seed); never runs the
model. :func:`summarise` gives the mean and 95% Student-t interval of every KPI of
:data:`METRICS` per case; :func:`markdown` renders the summary as the table of docs/results.md, and
:func:`rewrite_readme` puts it between that file's ``BEGIN/END GENERATED: scenarios`` markers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .generated_blocks import block_pattern, rewrite_block
from .stats import t_ci

__all__ = ["BLOCK", "METRICS", "cell", "markdown", "rewrite_readme", "summarise"]

#: KPI column of the runs table → (column title, scale, unit suffix, signed?).
METRICS: dict[str, tuple[str, float, str, bool]] = {
    "customer_centric_revenue_cagr": ("customer-centric revenue CAGR", 100.0, "%/yr", True),
    "product_centric_revenue_cagr": ("product-centric revenue CAGR", 100.0, "%/yr", True),
    "growth_gap_points": ("growth gap (points/yr)", 1.0, "", True),
    "growth_ratio": ("growth ratio (CAGR cc ÷ pc)", 1.0, "", False),
    "customer_centric_margin": ("customer-centric margin", 100.0, "%", True),
    "product_centric_margin": ("product-centric margin", 100.0, "%", True),
    "margin_gap_points": ("margin gap (points)", 1.0, "", True),
    "market_cagr": ("category revenue CAGR (all firms)", 100.0, "%/yr", True),
    "share_gain_points": ("customer-centric share gain (points/yr)", 1.0, "", True),
    "customer_centric_final_share": ("customer-centric share of revenue, last month", 100.0,
                                     "%", False),
    "customer_centric_price": ("customer-centric price, core, last year (money)", 1.0, "",
                               False),
    "product_centric_price": ("product-centric price, core, last year (money)", 1.0, "", False),
    "nps_mean": ("NPS, mean over firms (after year 1)", 1.0, "", True),
    "wom_acquisition_share": ("word of mouth's share of acquisitions", 100.0, "%", False),
}
BLOCK = block_pattern("scenarios")


def summarise(runs: pd.DataFrame, confidence: float = 0.95,
              metrics: Iterable[str] = tuple(METRICS)) -> pd.DataFrame:
    """One row per case and KPI: runs, runs where it is defined, mean and interval bounds."""
    rows = []
    for case, g in runs.groupby("case", sort=False):
        for metric in metrics:
            if metric not in g:  # a runs table written before the KPI existed
                continue
            values = pd.to_numeric(g[metric], errors="coerce")
            finite = values[values.map(math.isfinite)]
            mean, low, high = t_ci(finite, confidence)
            rows.append({"case": case, "label": g["label"].iloc[0], "metric": metric,
                         "runs": int(len(g)),
                         "defined": int(finite.size), "mean": mean, "low": low, "high": high,
                         "n_customers": int(g["n_customers"].iloc[0]),
                         "steps": int(g["steps"].iloc[0])})
    return pd.DataFrame(rows)


def cell(row: pd.Series) -> str:
    """One summary row as a table cell: ``mean [low, high]`` in the KPI's unit, or n/a why."""
    title, scale, unit, signed = METRICS[row["metric"]]
    if row["defined"] < row["runs"]:
        why = ("a group shrank" if row["metric"] == "growth_ratio" else "undefined")
        return f"n/a ({why} in {row['runs'] - row['defined']} of {row['runs']} runs)"
    spec = "+.2f" if signed else ".2f"
    mean, low, high = (scale * row[k] for k in ("mean", "low", "high"))
    return f"{mean:{spec}}{unit} [{low:{spec}}, {high:{spec}}]"


def markdown(summary: pd.DataFrame) -> str:
    """The results page's table: one row per case, one column per KPI, ``mean [95% CI]``."""
    shown = [m for m in METRICS if m in set(summary["metric"])]  # a study made before a KPI
    head = ["case", "market (customers × months)", *(METRICS[m][0] for m in shown)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, g in summary.groupby("case", sort=False):
        cells = {r["metric"]: cell(r) for _, r in g.iterrows()}
        first = g.iloc[0]
        lines.append("| " + " | ".join([
            first["label"], f"{int(first['n_customers']):,} × {int(first['steps'])}",
            *(cells.get(m, "—") for m in shown)]) + " |")
    runs = int(summary["runs"].max()) if len(summary) else 0
    lines.append("")
    lines.append(f"Mean over seeds 0–{runs - 1} with the 95% Student-t interval; groups pool "
                 "their firms' revenue and profit; CAGR from the first to the last full year; "
                 "margin = profit ÷ revenue over the whole run.")
    return "\n".join(lines) + "\n"


def rewrite_readme(readme: str | Path, summary: pd.DataFrame) -> None:
    """Replace the scenario block of ``readme`` (docs/results.md) with :func:`markdown`.

    Raises:
        ValueError: the file has no ``BEGIN/END GENERATED: scenarios`` block.
    """
    rewrite_block(readme, "scenarios", markdown(summary))
