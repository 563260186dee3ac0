"""What each model change moved: the default scenario's headline after every change, as a table.

Reads ``changes.csv`` (written by :mod:`sim.studies.changes`: one row per change and KPI, the
mean and 95% interval over seeds); never runs the model. :func:`markdown` renders it with one
row per change in the order they were made, so a reader sees what each fix moved, whichever way.
"""

from __future__ import annotations

import pandas as pd

from .generated_blocks import block_pattern
from .scenario_table import METRICS, cell

__all__ = ["BLOCK", "COLUMNS", "markdown"]

#: The KPIs the table shows (columns of :data:`sim.analysis.scenario_table.METRICS`).
COLUMNS: tuple[str, ...] = (
    "customer_centric_revenue_cagr", "product_centric_revenue_cagr", "growth_gap_points",
    "growth_ratio", "customer_centric_margin", "product_centric_margin", "margin_gap_points",
    "market_cagr", "share_gain_points", "customer_centric_final_share",
)
BLOCK = block_pattern("economics_changes")


def markdown(changes: pd.DataFrame) -> str:
    """One row per change (first-made first): ``mean [95% CI]`` of each KPI of :data:`COLUMNS`."""
    head = ["change", "commit", *(METRICS[m][0] for m in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for change, g in changes.groupby("change", sort=False):
        cells = {r["metric"]: cell(r) for _, r in g.iterrows()}
        first = g.iloc[0]
        commit = str(first["commit"])
        stamp = commit[:7] + ("+dirty" if commit.endswith("+dirty") else "")
        lines.append("| " + " | ".join([change, f"`{stamp}`",
                                        *(cells.get(m, "—") for m in COLUMNS)]) + " |")
    if len(changes):
        first = changes.iloc[0]
        lines += ["", f"Default scenario (experience economy), {int(first['n_customers']):,} "
                  f"customers × {int(first['steps'])} months, seeds 0–{int(first['runs']) - 1}: "
                  "mean with the 95% Student-t interval; the commit is the model's when the row "
                  "was measured (`+dirty`: before it was committed)."]
    return "\n".join(lines) + "\n"
