"""margin_and_price: the customer-centric firms' price premium over the product-centric ones."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_firms, group_mean


def run_metrics(run: RunTables) -> dict[str, float]:
    """``cc_price_premium_pct``: 100 · (mean last-year price cc ÷ pc − 1), core category."""
    groups = group_firms(run)
    cc = group_mean(run, groups["customer_centric"], "price", weight="units")
    pc = group_mean(run, groups["product_centric"], "price", weight="units")
    return {"cc_price_premium_pct": 100.0 * (cc / pc - 1.0) if pc > 0 else float("nan")}
