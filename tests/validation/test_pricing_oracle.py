"""The value-based pricing policy finds the known price of an oracle market (issue 24).

In the oracle market (``sim.validation.pricing_oracle``) each month is an exact logit over N
identical firms, so the symmetric Nash price — and for a monopoly Lambert's closed form — is
known. A firm on ``value_based`` pricing (a myopic best response to the logit demand it fits to
its own last 12 months) must settle there: the mean price over months 61–120 within 2 % (and at
least a cent) of the Nash price, in each seed. A policy that ignores demand (a fixed markup,
``cost_plus``) is the companion that must fail.

The market's size is chosen per (N, beta_price) so that enough customers buy nothing each month
for the fitted slope to be precise: the noise of ln(s / s₀) is about 1/√(n·s₀), so n·s₀ is held
at :data:`NO_BUYERS` (at least :data:`MIN_CUSTOMERS`). The quick form runs the combinations a
small market pins down; the issue's full set (N ∈ {1, 2, 4} × beta_price ∈ {6, 12, 24} × 5
seeds) is in the slow set (about 15 minutes on 2 idle cores).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.runner import simulate
from sim.validation.pricing_oracle import (
    monopoly_price,
    nash_price,
    oracle_config,
    oracle_terms,
)

TOLERANCE = 0.02
NO_BUYERS = 6000
MIN_CUSTOMERS = 20_000
MAX_CUSTOMERS = 2_000_000
WINDOW = (61, 120)
FULL = [(n, bp) for n in (1, 2, 4) for bp in (6.0, 12.0, 24.0)]
QUICK = [(1, 24.0), (2, 24.0), (1, 12.0)]


def _no_buy_share(cfg) -> float:
    v, alpha, _, u0 = oracle_terms(cfg)
    x = math.exp(v - alpha * nash_price(cfg))
    return math.exp(u0) / (math.exp(u0) + len(cfg.firms) * x)


def market_size(n_firms: int, beta_price: float) -> int:
    """Customers for n·s₀ ≈ NO_BUYERS at the Nash price, within [MIN, MAX]_CUSTOMERS."""
    s0 = _no_buy_share(oracle_config(n_firms, beta_price, 100))
    return int(min(MAX_CUSTOMERS, max(MIN_CUSTOMERS, math.ceil(NO_BUYERS / s0))))


def settled_price(n_firms: int, beta_price: float, seed: int, pricing: str = "value_based",
                  n_customers: int | None = None) -> tuple[float, float]:
    """(mean price over months 61–120 and firms, the Nash price) of one oracle run."""
    n = n_customers or market_size(n_firms, beta_price)
    cfg = oracle_config(n_firms, beta_price, n, seed, pricing=pricing)
    ts = simulate(cfg, progress=False).timeseries()
    # the oracle really is one: no lever bought anything, no offer, no discount
    for col in ("ad_reach", "appeal", "novelty", "retention_offers", "discount", "saved",
                "acq_cross_sell", "personalisation"):
        assert (ts[col] == 0).all(), col
    late = ts[ts["step"].between(*WINDOW)]
    return float(late["price"].mean()), nash_price(cfg)


def _check(n_firms: int, beta_price: float, seeds, pricing: str = "value_based") -> list[str]:
    misses = []
    for seed in seeds:
        mean, target = settled_price(n_firms, beta_price, seed, pricing)
        if abs(mean - target) > max(TOLERANCE * target, 0.01):
            misses.append(f"N={n_firms} beta_price={beta_price} seed={seed}: mean price "
                          f"{mean:.3f} vs Nash {target:.3f} ({100 * (mean / target - 1):+.2f}%)")
    return misses


def test_nash_and_monopoly_formulas_agree_and_solve_the_first_order_condition():
    for bp in (6.0, 12.0, 24.0):
        cfg = oracle_config(1, bp, 100)
        assert nash_price(cfg) == pytest.approx(monopoly_price(cfg), rel=1e-10)
        for n_firms in (2, 4):
            cfg = oracle_config(n_firms, bp, 100)
            v, alpha, cost, u0 = oracle_terms(cfg)
            p = nash_price(cfg)
            x = math.exp(v - alpha * p)
            s = x / (math.exp(u0) + n_firms * x)
            assert p == pytest.approx(cost + 1.0 / (alpha * (1.0 - s)), rel=1e-10)


@pytest.mark.parametrize("n_firms,beta_price", QUICK)
def test_value_based_firms_settle_at_the_known_price(n_firms, beta_price):
    assert _check(n_firms, beta_price, seeds=(0, 1)) == []


def test_a_fixed_markup_is_caught():
    """The companion: cost-plus at the default markup ignores demand and misses the price."""
    assert _check(1, 24.0, seeds=(0,), pricing="cost_plus")


@pytest.mark.slow
@pytest.mark.parametrize("n_firms,beta_price", FULL)
def test_value_based_firms_settle_at_the_known_price_every_case(n_firms, beta_price):
    misses = _check(n_firms, beta_price, seeds=range(5))
    assert misses == [], "\n".join(misses)


def test_market_sizes_are_stated():
    sizes = {case: market_size(*case) for case in FULL}
    print(sizes)
    assert all(MIN_CUSTOMERS <= n <= MAX_CUSTOMERS for n in sizes.values())
    assert np.argmax(list(sizes.values())) == FULL.index((4, 6.0))
