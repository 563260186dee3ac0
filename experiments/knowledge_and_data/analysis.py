"""knowledge_and_data: knowledge, fit and retention of the customer-centric group."""

from __future__ import annotations

import numpy as np

from sim.analysis.experiment_metrics import RunTables, group_firms, group_mean


def run_metrics(run: RunTables) -> dict[str, float]:
    """The customer-centric group's knowledge, fit and annual retention.

    Last-year knowledge (per customer) and fit (per unit), and its firms' mean annual retention
    (:func:`sim.metrics.firm_kpis`).
    """
    cc = group_firms(run)["customer_centric"]
    kpis = run.summary.get("firms", {})
    retention = [kpis[f]["annual_retention"] for f in cc if f in kpis]
    return {"cc_knowledge": group_mean(run, cc, "knowledge", weight="customers"),
            "cc_mean_fit": group_mean(run, cc, "mean_fit", weight="units"),
            "cc_annual_retention": float(np.nanmean(retention)) if retention else np.nan}
