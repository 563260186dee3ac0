"""frontline_empowerment: the empowered firm against its customer-centric twin."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_mean

NAN = float("nan")


def run_metrics(run: RunTables) -> dict[str, float]:
    """The empowered firm against its twin ``cc``, and its recoveries over the run.

    Differences of annual retention, revenue CAGR and margin (firm KPIs) and of last-year
    satisfaction and NPS.
    """
    kpis = run.summary.get("firms", {})
    if "empowered" not in kpis or "cc" not in kpis:
        return {}
    e, c = kpis["empowered"], kpis["cc"]
    ts = run.ts
    return {
        "empowered_minus_cc_retention_points": 100.0 * (e["annual_retention"]
                                                        - c["annual_retention"]),
        "empowered_minus_cc_cagr_points": 100.0 * (e["revenue_cagr"] - c["revenue_cagr"]),
        "empowered_minus_cc_margin_points": 100.0 * (e["mean_margin"] - c["mean_margin"]),
        "empowered_minus_cc_satisfaction": (
            group_mean(run, {"empowered"}, "mean_satisfaction", weight="relationships")
            - group_mean(run, {"cc"}, "mean_satisfaction", weight="relationships")),
        "empowered_minus_cc_nps": e["nps"] - c["nps"],
        "empowered_recoveries": float(ts.loc[ts["firm"] == "empowered", "recoveries"].sum()),
    }
