"""What a customer sees of the market in one step, and where it leaves its mark, as plain Python.

The fast path hands the kernel flat arrays indexed by constants (``sim.kernels.layout``); the
reference hands each customer the same numbers by name:

- :class:`Behaviour`: the market's behaviour parameters (ad response, logit weights, ...).
- :class:`CategoryTerms`: per product category, its reference price and how often people shop.
- :class:`Offer`: what one firm offers this step (position, price, quality, capabilities).
- :class:`StepDraws`: this step's random numbers, drawn by purpose, customer and slot.
- :class:`Tally`: what one block of customers did this step, counted per firm.

Every number here is a Python ``float`` or ``int`` taken from the fast path's own arrays
(``ndarray.tolist()`` converts float64 exactly), so both paths compute with the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .. import rng
from ..kernels.layout import CTALLY, FTALLY, ITALLY, PARAMS


class Behaviour(SimpleNamespace):
    """The behaviour parameters by name: ``behaviour.ad_response``, ``behaviour.beta_fit``, ...

    The names are those of :data:`sim.kernels.layout.PARAMS`; the values come from
    :func:`sim.model.behaviour_vector`, so they are exactly the floats the kernel reads.
    """

    @classmethod
    def from_vector(cls, prm: np.ndarray) -> Behaviour:
        """Name the entries of the kernel's parameter vector."""
        return cls(**dict(zip(PARAMS, prm.tolist(), strict=True)))


@dataclass(frozen=True, slots=True)
class CategoryTerms:
    """A product category as customers meet it.

    Attributes:
        ref_price: the reference price willingness to pay scales (money per month).
        occasion_prob: monthly chance a customer without a firm is in the market.
        renewal_prob: monthly chance a customer reconsiders the firm they buy from.
    """

    ref_price: float
    occasion_prob: float
    renewal_prob: float


@dataclass(slots=True)
class Offer:
    """One firm's offer and capabilities in one step, as seen by customers.

    Attributes:
        position: offer position per category, a need-space point (``[category][dim]``).
        quality, service: product quality and service level, 0–1.
        personalisation: share of the offer–need distance the firm removes for a customer it
            knows fully (scaled by what it knows of that customer).
        learn: knowledge the firm gains per interaction with a customer.
        ad_reach: chance a customer is exposed to the firm's advertising this month.
        retention_cap: chance of saving a leaving customer it knows fully.
        cross_sell: strength of its cross-sell triggers.
        appeal: generic appeal its lever money buys under neutral levers (else 0).
        novelty: novelty of its latest version, 0–1 (news that its advertising carries).
        recovery, recovery_cents: chance its frontline staff fix a bad experience on the spot,
            and the cost of one fix per category.
        loyal_after, loyal_price, loyal_price_cents, loyal_list_cents: the tenure from which a
            customer pays the firm's loyalty price (exploitation), and that price (money, paid
            and list cents); the ordinary prices for a firm that does not exploit.
        referral: factor on its word-of-mouth referral hazard (1 unless an intervention,
            ``sim.interventions``, sets it).
        price: price paid per category (money); price_cents, list_cents, cost_cents: paid,
            list and production-cost prices in cents (price_cents < 0: not offered);
            service_cents, pers_cents: service and personalisation delivery cost per unit;
            save_cost_cents: cost of one retention offer per category.
    """

    position: list[list[float]]
    quality: float
    service: float
    personalisation: float
    learn: float
    ad_reach: float
    retention_cap: float
    cross_sell: float
    appeal: float
    novelty: float
    recovery: float
    recovery_cents: list[int]
    referral: float
    price: list[float]
    loyal_after: int
    loyal_price: list[float]
    loyal_price_cents: list[int]
    loyal_list_cents: list[int]
    price_cents: list[int]
    list_cents: list[int]
    cost_cents: list[int]
    service_cents: list[int]
    pers_cents: list[int]
    save_cost_cents: list[int]

    def offered(self, category: int) -> bool:
        """Whether the firm sells in this category at all."""
        return self.price_cents[category] >= 0


def offers_from_arrays(arrays: dict[str, np.ndarray]) -> list[Offer]:
    """One :class:`Offer` per firm from the arrays the fast path hands its kernel.

    Args:
        arrays: :meth:`sim.model.MarketModel._offer_arrays`, firm-indexed.
    """
    a = {name: values.tolist() for name, values in arrays.items()}
    return [
        Offer(position=a["offer_pos"][f], quality=a["quality"][f], service=a["service"][f],
              personalisation=a["personalisation"][f], learn=a["learn"][f],
              ad_reach=a["ad_reach"][f], retention_cap=a["retention_cap"][f],
              cross_sell=a["cross_sell"][f], appeal=a["appeal"][f], novelty=a["novelty"][f],
              recovery=a["recovery"][f], recovery_cents=a["recovery_cents"][f],
              referral=a["referral"][f], price=a["price"][f],
              loyal_after=a["loyal_after"][f], loyal_price=a["loyal_price"][f],
              loyal_price_cents=a["loyal_price_cents"][f],
              loyal_list_cents=a["loyal_list_cents"][f],
              price_cents=a["price_cents"][f], list_cents=a["list_cents"][f],
              cost_cents=a["cost_cents"][f], service_cents=a["service_cents"][f],
              pers_cents=a["pers_cents"][f], save_cost_cents=a["save_cost_cents"][f])
        for f in range(len(a["quality"]))
    ]


class StepDraws:
    """This step's random numbers: a uniform or normal per (purpose, customer, slot).

    The draws are counter-based (``sim.rng``): a number depends only on the run's seed, the
    step, the purpose (``"ad_exposure"``, ``"choice"``, ...), the customer and a slot (a firm or
    a category). So it does not matter in which order customers are visited, or whether a
    draw is made at all: the kernel and the reference read the very same numbers.
    """

    def __init__(self, seed: int, step: int) -> None:
        keys = rng.step_keys(seed, step)
        self.key = {name: int(keys[k]) for name, k in rng.PURPOSE.items()}

    def uniform(self, purpose: str, customer: int, slot: int) -> float:
        """Uniform in [0, 1) for this purpose, customer and slot."""
        return rng.uniform(self.key[purpose], customer, slot)

    def normal(self, purpose1: str, purpose2: str, customer: int, slot: int) -> float:
        """Standard normal (Box–Muller from the uniforms of two purposes)."""
        return rng.normal(self.key[purpose1], self.key[purpose2], customer, slot)


class Tally:
    """What one block of customers did in one step, counted per firm.

    Attributes:
        counts: per firm, a dict of integer counts named as :data:`sim.kernels.layout.ITALLY`
            (``"units"``, ``"revenue_cents"``, ``"acq_wom"``, ...).
        sums: per firm, a dict of float sums named as :data:`sim.kernels.layout.FTALLY`
            (``"satisfaction_sum"``, ``"fit_sum"``, ...).
        need_sum: per firm and category, the summed needs of the units it sold
            (``[firm][category][dim]``), from which co-creating firms learn where demand is.
        need_count: per firm and category, how many needs ``need_sum`` adds up (a float, as
            the fast path keeps it in the last slot of its need-sum array).
        market: per category, the customers in the market for it (``"in_market"``), those of
            them who bought nothing (``"no_buy"``) and, in ``chose``, those who chose each firm;
            ``surplus``: per category, their summed consumer surplus (money).
    """

    def __init__(self, n_firms: int, n_categories: int, need_dims: int) -> None:
        self.market = [dict.fromkeys(CTALLY, 0) for _ in range(n_categories)]
        self.surplus = [0.0] * n_categories
        self.chose = [[0] * n_firms for _ in range(n_categories)]
        self.counts = [dict.fromkeys(ITALLY, 0) for _ in range(n_firms)]
        self.sums = [dict.fromkeys(FTALLY, 0.0) for _ in range(n_firms)]
        self.need_sum = [[[0.0] * need_dims for _ in range(n_categories)]
                         for _ in range(n_firms)]
        self.need_count = [[0.0] * n_categories for _ in range(n_firms)]


def merge_tallies(blocks: list[Tally]) -> tuple[np.ndarray, ...]:
    """Add up the blocks' tallies into the arrays ``MarketModel._account`` reads.

    Float sums are added block after block, starting from zero, exactly as the fast path
    reduces its per-block arrays: the same additions in the same order give the same bits.

    Returns:
        (int tallies [F, len(ITALLY)], float tallies [F, len(FTALLY)], need sums [F, C, D + 1]:
        the summed needs of the units each firm sold per category, then their count, category
        tallies [C, len(CTALLY) + F]: in the market, bought nothing, chose each firm, and the
        consumer surplus [C], summed block after block).
    """
    first = blocks[0]
    n_firms, n_cat, dims = len(first.counts), len(first.need_sum[0]), len(first.need_sum[0][0])
    counts = [[sum(b.counts[f][name] for b in blocks) for name in ITALLY]
              for f in range(n_firms)]
    sums = [[0.0] * len(FTALLY) for _ in range(n_firms)]
    need_sum = [[[0.0] * (dims + 1) for _ in range(n_cat)] for _ in range(n_firms)]
    for block in blocks:
        for f in range(n_firms):
            for k, name in enumerate(FTALLY):
                sums[f][k] += block.sums[f][name]
            for c in range(n_cat):
                for d in range(dims):
                    need_sum[f][c][d] += block.need_sum[f][c][d]
                need_sum[f][c][dims] += block.need_count[f][c]
    market = [[sum(b.market[c][name] for b in blocks) for name in CTALLY]
              + [sum(b.chose[c][f] for b in blocks) for f in range(n_firms)]
              for c in range(n_cat)]
    surplus = [0.0] * n_cat
    for block in blocks:
        for c in range(n_cat):
            surplus[c] += block.surplus[c]
    return (np.array(counts, dtype=np.int64), np.array(sums, dtype=np.float64),
            np.array(need_sum, dtype=np.float64), np.array(market, dtype=np.int64),
            np.array(surplus, dtype=np.float64))
