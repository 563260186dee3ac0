"""pivot_j_curve: the pivoting firm's (pc_a's) profit before and after its pivot."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, last_year

PIVOTER = "pc_a"


def run_metrics(run: RunTables) -> dict[str, float]:
    """pc_a's profit in its last year and in the 12 months from its pivot month.

    Every arm sets that month: where pc_a stays it "pivots" to its own preset, which changes
    nothing.
    """
    ts, spy = run.ts, run.steps_per_year
    at = int(run.config["firms"][PIVOTER]["pivot"]["at"])
    mine = ts[ts["firm"] == PIVOTER]
    first = mine[(mine["step"] >= at) & (mine["step"] < at + spy)]
    return {"pivoter_last_year_profit": float(last_year(mine, spy)["profit"].sum()),
            "pivoter_first_year_profit": float(first["profit"].sum()) if at else float("nan")}
