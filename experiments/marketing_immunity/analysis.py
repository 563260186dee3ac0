"""marketing_immunity: acquisitions, response and cost per acquisition by channel."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_firms
from sim.metrics import market_levels

NAN = float("nan")


def run_metrics(run: RunTables) -> dict[str, float]:
    """Channel shares (the headline's market_levels), ad response and advertising's CPA.

    ``ad_response_rate``: customers made aware by ads ÷ exposures of unaware customers, over
    the run and every firm (a firm's exposures of unaware customers are its aware_ads ÷ its
    monthly response rate). ``cpa_ads_*``: advertising money ÷ acquisitions through ads, per
    strategy group, over the run.
    """
    ts = run.ts
    levels = market_levels(ts, first_step=1)
    out = {k: levels[k] for k in ("wom_acquisition_share", "ad_acquisition_share")}
    out["wom_minus_ads_points"] = 100.0 * (out["wom_acquisition_share"]
                                           - out["ad_acquisition_share"])
    seen = ts[ts["ad_response_rate"] > 0]
    exposures = (seen["aware_ads"] / seen["ad_response_rate"]).sum()
    out["ad_response_rate"] = float(seen["aware_ads"].sum() / exposures) if exposures > 0 \
        else NAN
    for label, firms in group_firms(run).items():
        g = ts[ts["firm"].isin(firms)]
        acquired = g["acq_ads"].sum()
        key = "cpa_ads_cc" if label == "customer_centric" else "cpa_ads_pc"
        out[key] = float(g["cost_advertising"].sum() / acquired) if acquired > 0 else NAN
    return out
