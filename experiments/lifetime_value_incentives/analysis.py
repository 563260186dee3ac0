"""lifetime_value_incentives: firms grouped by what steers them (their configured objective)."""

from __future__ import annotations

import numpy as np

from sim.analysis.experiment_metrics import RunTables, firms_where, pooled_cagr, pooled_margin
from sim.metrics import mix_coordinate


def run_metrics(run: RunTables) -> dict[str, float]:
    """Growth, margin and final budget mix of the CLV- and the revenue-rewarded firms.

    Pooled revenue CAGR and margin (the headline's pooling), the final budget's mix coordinate
    (:func:`sim.metrics.mix_coordinate`), and the CLV − revenue gaps of each.
    """
    last = run.ts[run.ts["step"] == run.ts["step"].max()].set_index("firm")["orientation"]
    out = {}
    for objective in ("clv", "revenue"):
        firms = firms_where(run, "objective", objective)
        out[f"{objective}_revenue_cagr"] = pooled_cagr(run, firms)
        out[f"{objective}_margin"] = pooled_margin(run, firms)
        out[f"{objective}_orientation"] = (float(np.mean(mix_coordinate(last[sorted(firms)])))
                                           if firms else float("nan"))
    out["clv_minus_revenue_cagr_points"] = 100.0 * (out["clv_revenue_cagr"]
                                                    - out["revenue_revenue_cagr"])
    out["clv_minus_revenue_margin_points"] = 100.0 * (out["clv_margin"] - out["revenue_margin"])
    out["clv_minus_revenue_orientation"] = out["clv_orientation"] - out["revenue_orientation"]
    return out
