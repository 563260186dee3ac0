"""The calibration objective of issue 13: distance of measured elasticities from their targets.

The calibration search (``experiments/calibration/search.py``) measures, for each point of its
search space and each scenario, the ``summary`` table of ``ccsim elasticities``
(:func:`sim.studies.elasticities.summarise`), and scores the point with :func:`score`. The
objective reads **only** the mean-over-firms rows of those tables and only the columns in
:data:`INPUT_COLUMNS` (lever, quantity, window, firm, mean): it averages over all firms by
construction and never sees a strategy, an orientation or a growth or margin gap (a test feeds it
tables with and without such columns). It reads tables only and never runs the model.

Targets (issue 13): the price elasticity of the firm's share of choices within [−3.5, −1.5] in
every scenario; the short-run advertising elasticity of unit sales within [0.05, 0.20] in the
experience economy and the subscription scenario and within [0.10, 0.40], and above the
experience economy's, in the product-aware economy; the long run at most 3 × the short run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from .stylised_facts import AD_SHORT_TARGETS, PRICE_TARGET, RATIO_MAX

__all__ = ["INPUT_COLUMNS", "MEASURES", "PRICE_TARGET", "RATIO_MAX", "measures", "score",
           "score_parts"]

#: The only columns :func:`measures` reads from a summary table.
INPUT_COLUMNS = ("lever", "quantity", "window", "firm", "mean")
#: Name → (lever, quantity, window) of the elasticities the objective uses.
MEASURES = {
    "ad_short": ("advertising", "units", "short"),
    "ad_long": ("advertising", "units", "long"),
    "price_choice": ("price", "choice_share", "short"),
}
#: Bijmolt et al. (2005): mean price elasticity −2.62 (the target range is PRICE_TARGET).
PRICE_PUBLISHED = -2.62
#: Sethuraman, Tellis & Briesch (2011): short-run mean 0.12.
AD_PUBLISHED = 0.12
#: Where the product-aware economy's short-run advertising elasticity is pulled inside its range:
#: the middle of [0.10, 0.40] (above the published mean: advertising works better for new
#: products, Sethuraman et al. 2011; Henningsen et al. 2011).
AD_PULL = {"product_aware_economy": 0.25}
#: Weight of being outside a target range (per squared range width) vs the pull toward the
#: published mean inside it (a tie-break among points that meet every target).
OUTSIDE_WEIGHT = 10.0
PULL_WEIGHT = 0.1


def measures(summary: pd.DataFrame) -> dict[str, float]:
    """The mean-over-firms elasticities of :data:`MEASURES` from one ``summary`` table.

    Reads only :data:`INPUT_COLUMNS` and only the rows with ``firm == "mean"``.
    """
    s = summary.loc[summary["firm"] == "mean", list(INPUT_COLUMNS)]
    out = {}
    for name, (lever, quantity, window) in MEASURES.items():
        row = s[(s["lever"] == lever) & (s["quantity"] == quantity) & (s["window"] == window)]
        out[name] = float(row["mean"].iloc[0]) if len(row) else float("nan")
    return out


def _range_loss(x: float, lo: float, hi: float, pull_to: float) -> float:
    """OUTSIDE_WEIGHT·(distance outside [lo, hi] / width)² + PULL_WEIGHT·((x − pull) / width)²."""
    if not math.isfinite(x):
        return math.inf
    width = hi - lo
    outside = max(lo - x, 0.0, x - hi) / width
    return OUTSIDE_WEIGHT * outside ** 2 + PULL_WEIGHT * ((x - pull_to) / width) ** 2


def score_parts(by_scenario: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Each target's loss, named ``<scenario>:<target>`` (0 = met at the published value).

    Args:
        by_scenario: Scenario name → :func:`measures` of its summary.
    """
    parts: dict[str, float] = {}
    base_ad = by_scenario.get("experience_economy", {}).get("ad_short", math.nan)
    for scenario, m in by_scenario.items():
        parts[f"{scenario}:price"] = _range_loss(m["price_choice"], *PRICE_TARGET,
                                                 pull_to=PRICE_PUBLISHED)
        ad_range = AD_SHORT_TARGETS.get(scenario)
        if ad_range is not None:
            pull = AD_PULL.get(scenario, AD_PUBLISHED)
            parts[f"{scenario}:ad_short"] = _range_loss(m["ad_short"], *ad_range, pull_to=pull)
            short, long_ = m["ad_short"], m["ad_long"]
            excess = (long_ / short - RATIO_MAX) if short > 0 else math.inf
            parts[f"{scenario}:ratio"] = max(excess, 0.0) ** 2
        if scenario == "product_aware_economy" and math.isfinite(base_ad):
            # advertising works better for new products (Sethuraman et al. 2011)
            gap = m["ad_short"] - base_ad
            parts[f"{scenario}:above_default"] = (OUTSIDE_WEIGHT * (min(gap, 0.0) / 0.1) ** 2
                                                  if math.isfinite(gap) else math.inf)
    return parts


def score(by_scenario: Mapping[str, Mapping[str, float]]) -> float:
    """The objective: the sum of :func:`score_parts` (lower is better; 0 is unreachable)."""
    return float(sum(score_parts(by_scenario).values()))
