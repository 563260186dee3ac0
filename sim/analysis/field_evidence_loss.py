"""The re-calibration's objective: how far the model's field-study figures are from the published.

It reads the per-seed figures of ``ccsim replicate``'s studies only — the columns ``row``,
``seed`` and ``estimate`` of a ``runs`` table — and never the strategy comparison (no growth
or margin gap, no strategy, no firm reaches it), so a re-calibration on it cannot be steered
toward a claim of the essays.

Per published row (:data:`sim.analysis.field_evidence.PUBLISHED`) the model's figure over the
seeds has a mean m and a standard error se (from its 95 % Student-t interval). Its **miss** is
how many standard errors the figure is from meeting the row's rule (0 when it is met):

* ``interval``: the gap between the model's CI and the published interval, ÷ se;
* ``+``: max(0, t − m/se) (m must be significantly above 0; ``-`` mirrored);
* ``0``: max(0, |m|/se − t) (no effect: the CI must contain 0);
* ``not-``: max(0, −m/se − t).

A row whose figure is undefined misses by :data:`UNDEFINED` standard errors. The objective is
the weighted mean of the squared misses, plus, for rows with a published number, a tie-break
``tie_break`` × ((m − value) ÷ max(|value|, se))², so that among points that meet the signs the
one nearer the published figures wins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from .field_evidence import published

__all__ = ["COLUMNS", "UNDEFINED", "loss", "row_miss"]

#: The only columns of a runs table the objective reads.
COLUMNS = ("row", "seed", "estimate")
#: The miss, in standard errors, of a row whose figure is undefined (NaN) in the model.
UNDEFINED = 5.0


def row_miss(rule: str, mean: float, se: float, t: float,
             band: tuple[float, float] | None = None) -> float:
    """Standard errors by which a figure (mean, se) misses the rule (0: met)."""
    if not (math.isfinite(mean) and math.isfinite(se)):
        return UNDEFINED
    se = max(se, 1e-12)
    if rule == "interval":
        lo, hi = band  # type: ignore[misc]
        return max(0.0, lo - (mean + t * se), (mean - t * se) - hi) / se
    if rule == "+":
        return max(0.0, t - mean / se)
    if rule == "-":
        return max(0.0, t + mean / se)
    if rule == "0":
        return max(0.0, abs(mean) / se - t)
    if rule == "not-":
        return max(0.0, -mean / se - t)
    raise ValueError(f"unknown rule {rule!r}")


def loss(runs: pd.DataFrame, targets: Mapping[str, float],
         tie_break: float = 0.1) -> tuple[float, pd.DataFrame]:
    """The objective of a candidate from its per-seed figures.

    Args:
        runs: Per-seed figures: columns ``row``, ``seed``, ``estimate`` (others are ignored).
        targets: Published row → weight (> 0).
        tie_break: Weight of the distance to the published number, where there is one.

    Returns:
        (objective, per-row table: row, n, mean, se, miss, distance, weight).
    """
    data = runs.loc[:, list(COLUMNS)]
    out = []
    for row, weight in targets.items():
        p = published(row)
        x = data.loc[data["row"] == row, "estimate"].to_numpy(float)
        x = x[np.isfinite(x)]
        n = x.size
        mean = float(x.mean()) if n else math.nan
        se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        t = float(stdtrit(n - 1, 0.975)) if n > 1 else math.nan
        miss = row_miss(p.rule, mean, se, t, p.band)
        distance = 0.0
        if p.value is not None and math.isfinite(mean):
            scale = max(abs(p.value), se if math.isfinite(se) else 0.0, 1e-12)
            distance = (mean - p.value) / scale
        out.append({"row": row, "n": n, "mean": mean, "se": se, "miss": miss,
                    "distance": distance, "weight": float(weight)})
    table = pd.DataFrame(out)
    w = table["weight"]
    value = float((w * (table["miss"] ** 2 + tie_break * table["distance"] ** 2)).sum()
                  / w.sum())
    return value, table
