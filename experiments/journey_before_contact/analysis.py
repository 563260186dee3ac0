"""journey_before_contact: the shares of choices by where the customer learnt of the firm."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables

NAN = float("nan")


def run_metrics(run: RunTables) -> dict[str, float]:
    """Shares of choices informed by peers, by the firm's advertising, and not by the firm.

    Weighted by choices over the run and every firm (each firm's monthly shares × its choices).
    """
    ts = run.ts
    choices = float(ts["choices"].sum())
    if choices <= 0:
        return {"peer_informed_share": NAN, "firm_informed_share": NAN,
                "not_firm_informed_share": NAN}
    peer = float((ts["peer_informed_share"] * ts["choices"]).sum()) / choices
    firm = float((ts["firm_informed_share"] * ts["choices"]).sum()) / choices
    return {"peer_informed_share": peer, "firm_informed_share": firm,
            "not_firm_informed_share": 1.0 - firm}
