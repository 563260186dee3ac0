"""The customer population as a structure of arrays: traits that stay, state that changes.

Traits and the initial state are drawn once, in plain NumPy, from generators seeded by the run
seed (``rng.derived_seed``), so the fast model and the reference model start from the very
same customers. Large draws are made in blocks of :data:`CHUNK` customers straight into the
final arrays: NumPy's generators give the same numbers in blocks as in one call (their state
carries over), and the float64 temporaries stay a block long instead of a market long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import MarketConfig
from .kernels.layout import CH_INITIAL
from .rng import derived_seed

#: Customers per block of random draws (the float64 temporaries are at most this long).
CHUNK = 1 << 16


def _blocks(n: int):  # noqa: ANN202 - a generator of slices
    for start in range(0, n, CHUNK):
        yield slice(start, min(n, start + CHUNK))


@dataclass
class Traits:
    """What a customer is (fixed during a run). float32 to keep memory per customer small."""

    persona: np.ndarray  # int8 [N]
    needs: np.ndarray  # float32 [N, C, D]
    wtp: np.ndarray  # float32 [N], × each category's reference price
    price_sensitivity: np.ndarray  # float32 [N]
    peer_susceptibility: np.ndarray  # float32 [N]
    ad_susceptibility: np.ndarray  # float32 [N]
    churn_proneness: np.ndarray  # float32 [N], × every churn hazard (1: everyone alike)


@dataclass
class State:
    """What changes: awareness, beliefs, relationships, satisfaction, spend, word of mouth."""

    aware: np.ndarray  # uint8 [N, F]: 0 unaware, else the channel (kernels.layout.CH_*)
    exposures: np.ndarray  # uint8 [N, F]
    belief: np.ndarray  # float64 [N, F]: expected experience of each firm
    knowledge: np.ndarray  # float64 [N, F]: what firm f knows of customer i, 0–1
    firm_of: np.ndarray  # int8 [N, C]: current firm per category, -1 none
    tenure: np.ndarray  # int16 [N, C]: months with the current firm
    satisfaction: np.ndarray  # float64 [N, C]: 0–10
    spend: np.ndarray  # int64 [N]: cents spent so far
    voice: np.ndarray  # int8 [2, N]: word-of-mouth state, double-buffered
    ended: np.ndarray  # int8 [N, C]: firm whose relationship ended this step, -1 none
    start: np.ndarray  # int32 [N, C]: step the current relationship started (for spells)


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    """Positive values with the given mean and log-sd (mean-preserving log-normal), float32."""
    out = np.empty(n, np.float32)
    for b in _blocks(n):
        out[b] = mean * np.exp(sigma * rng.standard_normal(b.stop - b.start) - 0.5 * sigma * sigma)
    return out


def make_traits(market: MarketConfig, seed: int) -> Traits:
    """Draw personas, needs and behavioural traits for ``market.n_customers`` customers."""
    cc = market.customers
    n, n_cat = market.n_customers, len(market.categories)
    rng = np.random.default_rng(derived_seed(seed, "population"))
    centroids = rng.normal(0.0, cc.persona_spread, size=(cc.n_personas, n_cat, cc.need_dims))
    persona = rng.integers(0, cc.n_personas, size=n).astype(np.int8)
    needs = np.empty((n, n_cat, cc.need_dims), np.float32)
    for b in _blocks(n):  # centroid + individual noise, rounded to float32 on assignment
        noise = rng.normal(0.0, cc.need_heterogeneity, size=(b.stop - b.start, n_cat, cc.need_dims))
        needs[b] = centroids[persona[b]] + noise
    return Traits(
        persona=persona,
        needs=needs,
        wtp=_lognormal(rng, cc.wtp_mean, cc.trait_sigma, n),
        price_sensitivity=_lognormal(rng, cc.price_sensitivity_mean, cc.trait_sigma, n),
        peer_susceptibility=_lognormal(rng, cc.peer_susceptibility_mean, cc.trait_sigma, n),
        ad_susceptibility=_lognormal(rng, cc.ad_susceptibility_mean, cc.trait_sigma, n),
        # drawn last, so the other traits are the same whatever its spread (1.0 at spread 0)
        churn_proneness=_lognormal(rng, 1.0, market.churn.proneness_sigma, n),
    )


def initial_state(market: MarketConfig, n_firms: int, seed: int) -> State:
    """The market at step 0: some awareness of each firm, some customers already with a firm."""
    n, n_cat = market.n_customers, len(market.categories)
    rng = np.random.default_rng(derived_seed(seed, "initial_state"))
    aware = np.empty((n, n_firms), np.uint8)
    for b in _blocks(n):
        aware[b] = rng.random((b.stop - b.start, n_firms)) < market.awareness.initial_awareness
    aware *= CH_INITIAL
    has = np.empty((n, n_cat), np.bool_)
    for b in _blocks(n):
        has[b] = rng.random((b.stop - b.start, n_cat)) < market.economics.initial_penetration
    firm_of = rng.integers(0, n_firms, size=(n, n_cat)).astype(np.int8)  # the pick; < 16 firms
    firm_of[~has] = -1
    rows, cats = np.nonzero(has)
    aware[rows, firm_of[rows, cats]] = CH_INITIAL  # a customer knows the firm they buy from
    del rows, cats
    belief = np.zeros((n, n_firms), np.float64)
    belief[aware > 0] = market.awareness.prior_belief
    satisfaction = np.zeros((n, n_cat), np.float64)
    satisfaction[has] = 0.5 * (market.experience.promoter_threshold
                               + market.experience.detractor_threshold)
    return State(
        aware=aware,
        exposures=np.zeros((n, n_firms), np.uint8),
        belief=belief,
        knowledge=np.zeros((n, n_firms), np.float64),
        firm_of=firm_of,
        tenure=has.astype(np.int16),
        satisfaction=satisfaction,
        spend=np.zeros(n, np.int64),
        voice=np.zeros((2, n), np.int8),
        ended=np.full((n, n_cat), -1, np.int8),
        start=np.zeros((n, n_cat), np.int32),
    )
