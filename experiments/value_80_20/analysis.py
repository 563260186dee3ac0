"""value_80_20: the intangible share of firm value per strategy group at the end of the run."""

from __future__ import annotations

import numpy as np

from sim.analysis.experiment_metrics import RunTables, group_firms


def run_metrics(run: RunTables) -> dict[str, float]:
    """Each group's mean intangible share of firm value at the last step, and the gap."""
    last = run.ts[run.ts["step"] == run.ts["step"].max()].set_index("firm")["intangible_share"]
    out = {}
    for label, firms in group_firms(run).items():
        prefix = "cc" if label == "customer_centric" else "pc"
        out[f"{prefix}_intangible_share"] = (float(np.mean(last[sorted(firms)])) if firms
                                             else float("nan"))
    out["cc_minus_pc_intangible_points"] = 100.0 * (out["cc_intangible_share"]
                                                    - out["pc_intangible_share"])
    return out
