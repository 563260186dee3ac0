"""A claim of the essays as data, and the rule that says whether it holds at one point.

An experiment states its claim in ``experiments/NAME/config.yaml``::

    claim: {metric: growth_ratio, op: ">=", threshold: 2, undefined: fail, arms: {contest: 1}}

``metric`` is a per-run quantity (a column of the experiment's run table, e.g. a key of
:func:`sim.metrics.strategy_comparison`); ``arms`` weighs the arms whose runs it is read in: one
arm (``{contest: 1}``), a paired difference (``{pivot: 1, stay: -1}``) or any linear contrast,
taken seed by seed (the arms run on common random numbers, so seed ``s`` of every arm shares
its random draws). At one point of the premises the claim is judged over the n seeds run there:

=================  ==============================================================================
``holds``          n ≥ :data:`MIN_SEEDS` and the lower 95% bound of the mean clears the threshold
                   (for ``<=``/``<`` claims: the upper bound)
``fails``          n ≥ :data:`MIN_SEEDS` and the upper bound misses it (for ``<=``/``<``: the
                   lower bound)
``inconclusive``   otherwise: the interval straddles the threshold, or fewer than n seeds
=================  ==============================================================================

The interval is Student's t over the seeds (:func:`sim.analysis.stats.t_ci`). A metric can be
undefined at a seed (``growth_ratio`` when a group's revenue shrank); ``undefined`` says what
that means:

* ``drop`` — the seed is left out; n counts the seeds where the metric is defined;
* ``fail`` — the seed is one where the claim is not met: the claim cannot hold at a point
  where it is undefined at any seed, it fails where it is undefined at more than half of them,
  and otherwise the interval over the defined seeds decides as above (n counts every seed).

A seed missing from one of the arms (a job that failed) is left out under either rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .stats import t_ci

__all__ = ["MIN_SEEDS", "OPS", "VERDICTS", "Claim", "Verdict", "arms_text", "claim_values",
           "judge", "judge_points"]

#: Seeds needed before a claim can hold or fail at a point.
MIN_SEEDS = 5
#: Comparison operators a claim may use.
OPS = (">=", ">", "<=", "<")
VERDICTS = ("holds", "fails", "inconclusive")
UNDEFINED = ("fail", "drop")


@dataclass(frozen=True)
class Claim:
    """What an experiment claims, as data.

    Attributes:
        metric: The per-run quantity (a column of the run table).
        op: One of :data:`OPS`.
        threshold: The value the metric is compared with.
        undefined: ``"fail"`` or ``"drop"`` (see the module docstring).
        arms: Arm → weight of the seed-by-seed contrast the claim reads.
        confidence: Coverage of the interval.
        min_seeds: Seeds needed for a verdict other than inconclusive.
    """

    metric: str
    op: str
    threshold: float
    undefined: str = "fail"
    arms: Mapping[str, float] = field(default_factory=dict)
    confidence: float = 0.95
    min_seeds: int = MIN_SEEDS

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"claim.op={self.op!r}: allowed {', '.join(OPS)}")
        if self.undefined not in UNDEFINED:
            raise ValueError(f"claim.undefined={self.undefined!r}: allowed fail, drop")
        if not math.isfinite(float(self.threshold)):
            raise ValueError(f"claim.threshold={self.threshold}: must be a finite number")
        if not self.arms or not all(math.isfinite(float(w)) and w != 0
                                    for w in self.arms.values()):
            raise ValueError(f"claim.arms={dict(self.arms)}: name at least one arm with a "
                             "finite, non-zero weight")

    @property
    def upper(self) -> bool:
        """Whether the claim bounds the metric from above (``<=``, ``<``)."""
        return self.op in ("<=", "<")

    def text(self) -> str:
        """The claim in one line, e.g. ``growth_ratio >= 2 (arm contest)``."""
        return f"{self.contrast_text()} {self.op} {self.threshold:g}"

    def contrast_text(self) -> str:
        """The quantity judged: the metric in one arm, or the contrast of arms."""
        return f"{self.metric} [{arms_text(self.arms)}]"

    def clears(self, bound: float) -> bool:
        """Whether an interval bound lies on the claim's side of the threshold."""
        t = float(self.threshold)
        return {">=": bound >= t, ">": bound > t, "<=": bound <= t, "<": bound < t}[self.op]


def arms_text(arms: Mapping[str, float]) -> str:
    """An arm, or a contrast of arms: ``contest``, ``pivot − stay``, ``2·a − b − c``."""
    terms = list(arms.items())
    if len(terms) == 1 and terms[0][1] == 1:
        return terms[0][0]
    parts = []
    for k, (arm, w) in enumerate(terms):
        sign = "−" if w < 0 else ("+" if k else "")
        scale = "" if abs(w) == 1 else f"{abs(w):g}·"
        parts.append(f"{sign} {scale}{arm}" if k else f"{sign}{scale}{arm}")
    return " ".join(parts)


@dataclass(frozen=True)
class Verdict:
    """The claim judged at one point."""

    verdict: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int  #: seeds counted (defined ones under ``drop``, all under ``fail``)
    n_undefined: int
    reason: str

    def as_row(self) -> dict:
        """The verdict as a table row."""
        return {"verdict": self.verdict, "estimate": self.estimate, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "n": self.n, "n_undefined": self.n_undefined,
                "reason": self.reason}


def claim_values(runs: pd.DataFrame, claim: Claim, metric: str | None = None,
                 arms: Mapping[str, float] | None = None) -> pd.Series:
    """The claim's quantity per seed: the metric's weighted sum over the arms, paired by seed.

    Args:
        runs: One row per run with columns ``arm``, ``seed`` and the metric (one point).
        claim: The claim (its metric and arms unless given).
        metric: Another metric read the same way.
        arms: Other arm weights.

    Returns:
        Value per seed (index ``seed``, sorted); NaN where the metric is undefined in any arm.
        Seeds missing from an arm (a failed job) are left out.
    """
    metric = claim.metric if metric is None else metric
    arms = claim.arms if arms is None else arms
    columns, seeds = {}, None
    for arm in arms:
        rows = runs[runs["arm"] == arm]
        x = (pd.to_numeric(rows[metric], errors="coerce").astype(float) if metric in rows
             else pd.Series(np.nan, index=rows.index))
        col = pd.Series(x.to_numpy(), index=rows["seed"].to_numpy()).groupby(level=0).first()
        columns[arm] = col
        seeds = set(col.index) if seeds is None else seeds & set(col.index)
    frame = pd.DataFrame(columns).loc[sorted(seeds or ())]
    frame = frame.where(np.isfinite(frame))
    out = (frame * pd.Series(dict(arms))).sum(axis=1, skipna=False, min_count=len(arms))
    out.index.name = "seed"
    return out.astype(float)


def judge(values: pd.Series | np.ndarray, claim: Claim) -> Verdict:
    """The claim at one point from its per-seed values (NaN: undefined at that seed).

    Returns:
        The verdict with the mean and t-interval over the defined seeds and the reason.
    """
    x = np.asarray(values, dtype=float)
    defined = x[np.isfinite(x)]
    k = int(x.size - defined.size)
    m, lo, hi = t_ci(defined, claim.confidence)
    level = f"{claim.confidence:.0%}"
    n = int(defined.size) if claim.undefined == "drop" else int(x.size)
    undefined_note = (f"; undefined at {k} of {x.size} seeds ("
                      + ("left out" if claim.undefined == "drop" else "counted as failures")
                      + ")") if k else ""

    def verdict(name: str, reason: str) -> Verdict:
        return Verdict(name, m, lo, hi, n, k, reason + undefined_note)

    if n < claim.min_seeds:
        return verdict("inconclusive", f"{n} seed{'s' * (n != 1)}: at least {claim.min_seeds} "
                       "are needed for a verdict")
    if claim.undefined == "fail" and k * 2 > x.size:
        return Verdict("fails", m, lo, hi, n, k, f"undefined at {k} of {x.size} seeds, more "
                       "than half (counted as failures)")
    if defined.size < 2:
        return verdict("inconclusive", "fewer than two defined seeds: no interval")
    near, far = (hi, lo) if claim.upper else (lo, hi)
    side = "upper" if claim.upper else "lower"
    other = "lower" if claim.upper else "upper"
    interval = f"{level} CI [{lo:.4g}, {hi:.4g}]"
    if claim.clears(near):
        if k and claim.undefined == "fail":
            return verdict("inconclusive", f"the {side} bound {near:.4g} clears "
                           f"{claim.threshold:g} over the defined seeds, but not every seed")
        return verdict("holds", f"{side} {level} bound {near:.4g} {claim.op} "
                       f"{claim.threshold:g} ({n} seeds)")
    if not claim.clears(far):
        return verdict("fails", f"{other} {level} bound {far:.4g} misses {claim.op} "
                       f"{claim.threshold:g} ({n} seeds)")
    return verdict("inconclusive", f"{interval} contains {claim.threshold:g} ({n} seeds)")


def judge_points(runs: pd.DataFrame, claim: Claim, by: str = "point") -> pd.DataFrame:
    """The verdict at every point of a run table (one row per point).

    Args:
        runs: Rows with ``by``, ``arm``, ``seed`` and the metric.
        claim: The claim.
        by: The column naming the point.

    Returns:
        ``by`` and the columns of :meth:`Verdict.as_row`, sorted by point.
    """
    rows = []
    for point, g in runs.groupby(by, sort=True):
        rows.append({by: point, **judge(claim_values(g, claim), claim).as_row()})
    cols = [by, "verdict", "estimate", "ci_low", "ci_high", "n", "n_undefined", "reason"]
    return pd.DataFrame(rows, columns=cols)
