"""needs_over_products: fit and quality of each strategy group's offers."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_firms, group_mean


def run_metrics(run: RunTables) -> dict[str, float]:
    """Last-year fit (per unit sold) and quality of the customer- and product-centric groups."""
    out = {}
    for label, firms in group_firms(run).items():
        prefix = "cc" if label == "customer_centric" else "pc"
        out[f"{prefix}_mean_fit"] = group_mean(run, firms, "mean_fit", weight="units")
        out[f"{prefix}_quality"] = group_mean(run, firms, "quality", weight="units")
    return out
