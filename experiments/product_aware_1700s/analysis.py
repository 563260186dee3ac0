"""product_aware_1700s: acquisitions by channel (sim.metrics.market_levels, as the headline)."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables
from sim.metrics import market_levels


def run_metrics(run: RunTables) -> dict[str, float]:
    """Word of mouth's and advertising's shares of every acquisition over the run."""
    levels = market_levels(run.ts, first_step=1)
    return {k: levels[k] for k in ("wom_acquisition_share", "ad_acquisition_share")}
