"""Statistics of ``ccsim optimise``'s saved tables: intervals, gaps, optimism, frontier, settling.

Pure functions of the tables the command writes (``evaluation.parquet``, ``trials.parquet``,
``rounds.parquet``), so the report and the figures can be redrawn from a results folder without
running anything.

* :func:`profile_summary`: per profile (a decision for every firm) the mean of each measure over
  the fresh seeds with its 95% Student-t interval, and the gap to a reference profile **paired
  by seed** (the same seed is the same market draw for both, so the gap's interval is the
  interval of the per-seed differences);
* :func:`optimism`: how much a decision's score on the search's own seeds exceeds its mean on
  fresh seeds (the best of many candidates is chosen partly for its luck on those seeds);
* :func:`frontier`: the trials no other trial beats on both profit and growth;
* :func:`settling`: whether alternating best responses settled (every firm's shares moved by an
  L1 distance < 0.05 and its price by < 1 % for two rounds running) or cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .stats import t_ci

__all__ = ["MARKET", "PRICE_TOLERANCE", "SETTLE_ROUNDS", "SHARE_TOLERANCE", "frontier",
           "optimism", "profile_summary", "round_changes", "settling"]

#: The "firm" of the market-wide rows (industry profit, consumer surplus).
MARKET = "market"
#: Settled: shares moved by an L1 distance below this, ...
SHARE_TOLERANCE = 0.05
#: ... the price by less than this share, ...
PRICE_TOLERANCE = 0.01
#: ... for this many rounds running (issue 28).
SETTLE_ROUNDS = 2
FIRM_MEASURES = ("profit", "revenue", "customer_equity", "growth", "price")
MARKET_MEASURES = ("industry_profit", "consumer_surplus")


def _long(evaluation: pd.DataFrame) -> pd.DataFrame:
    """(profile, seed, firm, measure, value): the firms' measures and the market's once."""
    firm = evaluation.melt(id_vars=["profile", "seed", "firm"],
                           value_vars=[m for m in FIRM_MEASURES if m in evaluation],
                           var_name="measure")
    market = (evaluation.groupby(["profile", "seed"], sort=False)[list(MARKET_MEASURES)]
              .first().reset_index().melt(id_vars=["profile", "seed"], var_name="measure"))
    market["firm"] = MARKET
    return pd.concat([firm, market], ignore_index=True)


def profile_summary(evaluation: pd.DataFrame, references: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% CI of every measure per profile and firm, and the gap to each reference.

    Args:
        evaluation: One row per profile, seed and firm (``evaluation.parquet``).
        references: Profiles to measure the gaps from (``best``, ``plan``; ``start``).

    Returns:
        One row per reference, profile, firm (``market`` for industry profit and consumer
        surplus) and measure: ``n``, ``mean``, ``ci_low``, ``ci_high``, and ``gap``,
        ``gap_ci_low``, ``gap_ci_high`` (profile − reference, paired by seed; 0 for the
        reference itself).
    """
    long = _long(evaluation)
    order = {p: k for k, p in enumerate(dict.fromkeys(evaluation["profile"]))}
    rows = []
    for (profile, firm, measure), g in long.groupby(["profile", "firm", "measure"], sort=False):
        mean, lo, hi = t_ci(g["value"])
        base = {"profile": profile, "firm": firm, "measure": measure,
                "n": int(np.isfinite(g["value"].astype(float)).sum()),
                "mean": mean, "ci_low": lo, "ci_high": hi}
        mine = g.set_index("seed")["value"].astype(float)
        for ref in references:
            other = long[(long["profile"] == ref) & (long["firm"] == firm)
                         & (long["measure"] == measure)].set_index("seed")["value"]
            diff = (mine - other.astype(float)).dropna()
            gap, glo, ghi = t_ci(diff) if len(other) else (math.nan,) * 3
            rows.append({"reference": ref, **base, "gap": gap, "gap_ci_low": glo,
                         "gap_ci_high": ghi})
    out = pd.DataFrame(rows)
    return out.sort_values(["reference", "profile"], key=lambda c: c.map(order)
                           if c.name == "profile" else c.map({r: k for k, r in
                                                             enumerate(references)}),
                           kind="stable").reset_index(drop=True)


def optimism(search_score: float, fresh: Sequence[float]) -> dict[str, float]:
    """Search score − fresh-seed mean, with the fresh mean's 95% interval carried over.

    Args:
        search_score: The decision's mean objective on the search's seeds.
        fresh: Its objective on each fresh seed.

    Returns:
        ``fresh_mean``, ``fresh_ci_low``, ``fresh_ci_high``, ``optimism`` (search − fresh mean)
        and its ``optimism_ci_low``/``_high``, and ``optimism_share`` (÷ |fresh mean|).
    """
    mean, lo, hi = t_ci(fresh)
    gap = search_score - mean
    return {"search_score": float(search_score), "fresh_mean": mean, "fresh_ci_low": lo,
            "fresh_ci_high": hi, "optimism": gap, "optimism_ci_low": search_score - hi,
            "optimism_ci_high": search_score - lo,
            "optimism_share": gap / abs(mean) if mean else math.nan}


def frontier(trials: pd.DataFrame, x: str = "growth", y: str = "profit") -> pd.Series:
    """True for the complete trials no other complete trial beats on both ``x`` and ``y``."""
    ok = (trials["state"] == "COMPLETE") & np.isfinite(trials[x]) & np.isfinite(trials[y])
    pts = trials.loc[ok, [x, y]].to_numpy(dtype=float)
    on = np.zeros(len(trials), dtype=bool)
    idx = np.flatnonzero(ok.to_numpy())
    for k, (px, py) in zip(idx, pts, strict=True):
        beaten = ((pts[:, 0] >= px) & (pts[:, 1] >= py)
                  & ((pts[:, 0] > px) | (pts[:, 1] > py))).any()
        on[k] = not beaten
    return pd.Series(on, index=trials.index)


def round_changes(rounds: pd.DataFrame, share_columns: Sequence[str]) -> pd.DataFrame:
    """Each firm's move from the round before: L1 distance of shares and relative price change.

    Args:
        rounds: One row per round (0: the starting decisions) and firm, with the share columns
            and ``price``.
        share_columns: The ``share_<lever>`` columns.

    Returns:
        ``rounds`` with ``l1_change`` and ``price_change`` (NaN in round 0) and ``still``
        (both under the tolerances).
    """
    out = rounds.sort_values(["firm", "round"], kind="stable").copy()
    shares = out[list(share_columns)].astype(float)
    prev = shares.groupby(out["firm"]).shift(1)
    out["l1_change"] = (shares - prev).abs().sum(axis=1, min_count=1).where(prev.notna().all(
        axis=1))
    price_prev = out.groupby("firm")["price"].shift(1)
    out["price_change"] = out["price"] / price_prev - 1.0
    out["still"] = (out["l1_change"] < SHARE_TOLERANCE) & (out["price_change"].abs()
                                                           < PRICE_TOLERANCE)
    order = {f: k for k, f in enumerate(dict.fromkeys(rounds["firm"]))}  # the order they moved
    return out.sort_values(["round", "firm"], key=lambda c: c.map(order) if c.name == "firm"
                           else c, kind="stable").reset_index(drop=True)


def settling(rounds: pd.DataFrame, share_columns: Sequence[str]) -> dict[str, object]:
    """Whether the best responses settled, and if not, whether they cycle.

    Settled at round r: in rounds r − 1 and r every firm's shares moved by an L1 distance below
    :data:`SHARE_TOLERANCE` and its price by less than :data:`PRICE_TOLERANCE` (issue 28).
    Otherwise a cycle of period k is reported when the last round's decisions are within those
    tolerances of round (last − k)'s, for the smallest k >= 2.

    Returns:
        ``{"settled": bool, "round": r or None, "cycle": k or None, "cycle_rounds": [...],
        "rounds": last round}``.
    """
    changes = round_changes(rounds, share_columns)
    last = int(changes["round"].max())
    still = changes[changes["round"] >= 1].groupby("round")["still"].all()
    run = 0
    for r, ok in still.items():
        run = run + 1 if ok else 0
        if run >= SETTLE_ROUNDS:
            return {"settled": True, "round": int(r), "cycle": None, "cycle_rounds": [],
                    "rounds": last}
    by_round = {r: g.set_index("firm") for r, g in changes.groupby("round")}

    def close(a: int, b: int) -> bool:
        x, y = by_round[a], by_round[b]
        l1 = (x[list(share_columns)] - y[list(share_columns)]).abs().sum(axis=1)
        dp = (x["price"] / y["price"] - 1.0).abs()
        return bool(((l1 < SHARE_TOLERANCE) & (dp < PRICE_TOLERANCE)).all())

    # a cycle of period k: back within the tolerances of k rounds ago, not of any round since
    cycle = next((k for k in range(2, last + 1) if close(last, last - k)
                  and not any(close(last, last - j) for j in range(1, k))), None)
    return {"settled": False, "round": None, "cycle": cycle,
            "cycle_rounds": list(range(last - cycle, last + 1)) if cycle else [],
            "rounds": last}
