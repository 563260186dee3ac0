"""co_creation: the customer-centric group's revenue share and fit."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_firms, group_mean, group_share


def run_metrics(run: RunTables) -> dict[str, float]:
    """Last-year share of all firms' revenue and fit (per unit) of the customer-centric group."""
    cc = group_firms(run)["customer_centric"]
    return {"cc_revenue_share": group_share(run, cc),
            "cc_mean_fit": group_mean(run, cc, "mean_fit", weight="units")}
