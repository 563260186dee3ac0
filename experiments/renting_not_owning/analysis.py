"""renting_not_owning: retention by strategy group, and sBG fits to each run's cohorts."""

from __future__ import annotations

import numpy as np

from sim.analysis.experiment_metrics import RunTables, group_firms

NAN = float("nan")


def _sbg(run: RunTables, firms: set) -> dict[str, float]:
    """The shifted-beta-geometric model (Fader & Hardie 2007) of the firms' cohorts.

    Fitted to the core category's monthly cohorts of the relationships won during the run
    (start ≥ 1), each right-censored at the run's end.
    """
    from sim.analysis.retention import cohorts_survivors, fit_sbg_pooled

    spells = run.spells
    mine = spells[spells["firm_name"].isin(firms) & (spells["category"] == 0)
                  & (spells["start"] >= 1)]
    curves = [c for c in cohorts_survivors(mine, int(run.ts["step"].max()), 1).values()
              if len(c) > 1 and c[0] > 0]
    if not curves:
        return {"alpha": NAN, "beta": NAN, "retention_12": NAN}
    fit = fit_sbg_pooled(curves)
    alpha, beta = (NAN, NAN) if fit.degenerate else (fit.alpha, fit.beta)
    return {"alpha": alpha, "beta": beta, "retention_12": float(fit.survival(12))}


def run_metrics(run: RunTables) -> dict[str, float]:
    """Annual retention gap (firm KPIs, mean over each group's firms) and sBG per group."""
    kpis = run.summary.get("firms", {})
    out: dict[str, float] = {}
    retention = {}
    for label, firms in group_firms(run).items():
        prefix = "cc" if label == "customer_centric" else "pc"
        values = [kpis[f]["annual_retention"] for f in firms if f in kpis]
        retention[prefix] = float(np.nanmean(values)) if values else NAN
        if run.config.get("output", {}).get("spells"):
            out.update({f"{prefix}_sbg_{k}": v for k, v in _sbg(run, firms).items()})
    out["retention_gap_points"] = 100.0 * (retention["cc"] - retention["pc"])
    return out
