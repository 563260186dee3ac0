"""b2b_pivot: the pivoting firm's (pc_a's) share of the market's revenue and profit."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_share

PIVOTER = "pc_a"


def run_metrics(run: RunTables) -> dict[str, float]:
    """pc_a's share of all firms' revenue (last year) and of all profit (the run), in points.

    Shares are scale-free, so a 300-account B2B market and a 10,000-customer one compare.
    """
    ts = run.ts
    total = float(ts["profit"].abs().sum())
    profit = float(ts.loc[ts["firm"] == PIVOTER, "profit"].sum())
    return {"pivoter_share_points": 100.0 * group_share(run, {PIVOTER}),
            "pivoter_profit_share_points": 100.0 * profit / total if total > 0
            else float("nan")}
