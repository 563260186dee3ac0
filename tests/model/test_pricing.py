"""Prices are a firm's decision (issue 24): the policies' pieces, and a replay without a model.

The value-based policy is a pure function of what the firm observes and of its own random
stream: replaying a run's recorded observations through a fresh policy gives the run's prices to
the cent. Its pieces: the logit-demand fit recovers a known slope, the best response solves its
first-order condition, the perturbation is ±price_test, and a frozen policy keeps its prices.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.configure import load_config
from sim.pricing import ValueBased, best_response_price, fit_logit_demand
from sim.runner import simulate

VALUE_BASED = ["firms.pc_a.pricing=value_based", "firms.cc_a.pricing=value_based",
               "firms.pc_a.review_every=6", "firms.cc_a.review_every=6"]


def test_fit_recovers_a_known_logit_demand():
    prices = np.array([30.0, 30.6, 29.4, 30.6, 29.4, 31.0, 29.0, 30.0])
    delta, alpha = 5.0, 0.2
    no_buy = np.full(prices.size, 1000.0)
    chosen = no_buy * np.exp(delta - alpha * prices)
    d, a = fit_logit_demand(prices, chosen, no_buy)
    assert (d, a) == pytest.approx((delta, alpha), rel=1e-9)
    assert fit_logit_demand(np.full(5, 30.0), chosen[:5], no_buy[:5]) is None  # no variation
    assert fit_logit_demand(prices[:2], chosen[:2], no_buy[:2]) is None  # too few months
    zero = chosen.copy()
    zero[:6] = 0  # months without a sale are left out
    assert fit_logit_demand(prices, zero, no_buy) is None


def test_best_response_solves_its_first_order_condition():
    delta, alpha, rivals, cost = 4.0, 0.15, 2.5, 23.8
    p = best_response_price(delta, alpha, rivals, cost, ceiling=500.0)
    x = math.exp(delta - alpha * p)
    share = x / (1.0 + rivals + x)
    assert p == pytest.approx(cost + 1.0 / (alpha * (1.0 - share)), rel=1e-9)
    assert best_response_price(delta, alpha, rivals, cost, ceiling=25.0) == 25.0  # the bound
    assert best_response_price(delta, 1e-6, rivals, cost, ceiling=60.0) == 60.0


def test_perturbation_is_plus_or_minus_the_test_share_from_the_firms_own_stream():
    policy = ValueBased(seed=3, firm=1, markup=0.6, review_every=12, test=0.02, window=12,
                        ceilings=np.array([500.0, 150.0]))
    draws = np.array([policy.perturbation(t, 2) for t in range(1, 201)])
    assert set(np.round(draws, 12).ravel()) == {0.98, 1.02}
    assert 0.4 < (draws > 1).mean() < 0.6
    other = ValueBased(seed=3, firm=2, markup=0.6, review_every=12, test=0.02, window=12,
                       ceilings=np.array([500.0, 150.0]))
    assert not np.array_equal(draws, [other.perturbation(t, 2) for t in range(1, 201)])


def test_replaying_the_observations_gives_the_runs_prices():
    cfg = load_config(["market.n_customers=800", "market.steps=40", "seed=2", *VALUE_BASED])
    model = simulate(cfg, progress=False)
    replayed_any = False
    for firm in model.firms:
        if firm.cfg.pricing != "value_based":
            continue
        replay = ValueBased(cfg.seed, firm.index, firm.cfg.markup, firm.cfg.review_every,
                            firm.cfg.price_test, firm.cfg.price_window,
                            firm.cfg.price_ceiling * np.array(
                                [c.ref_price for c in cfg.market.categories.values()]),
                            firm.cfg.price_step)
        for obs in firm.observations:
            price = replay.price(obs.step, obs.cost)
            np.testing.assert_array_equal(np.round(price * 100.0) / 100.0, obs.price,
                                          err_msg=f"{firm.name} step {obs.step}")
            replay.observe(obs)
            replay.review(obs.step)
        # the run moved its prices away from where they started (the replay had work to do)
        assert not np.allclose(firm.observations[-1].price, firm.observations[0].price, rtol=0.03)
        replayed_any = True
    assert replayed_any


def test_a_frozen_policy_keeps_its_base_prices():
    cfg = load_config(["market.n_customers=500", "market.steps=30", "seed=1", *VALUE_BASED])
    model = simulate(cfg, progress=False)
    firm = next(f for f in model.firms if f.cfg.pricing == "value_based")
    base = firm.pricing.base.copy()
    model.freeze_pricing()
    for _ in range(13):  # two review months
        model.step()
    np.testing.assert_array_equal(firm.pricing.base, base)
    model.freeze_pricing(False)
    for _ in range(6):
        model.step()
    assert not np.array_equal(firm.pricing.base, base)


def _observations(prices, chosen, no_buy, in_market=1000):
    from sim.pricing import FirmObservation

    return [FirmObservation(step=t + 1, price=np.array([p]), cost=np.array([20.0]),
                            chosen=np.array([k]), rival_prices=np.zeros((1, 1)),
                            in_market=np.array([in_market]), no_buy=np.array([b]))
            for t, (p, k, b) in enumerate(zip(prices, chosen, no_buy, strict=True))]


def test_review_moves_at_most_a_step_and_cuts_a_price_nobody_pays():
    policy = ValueBased(seed=0, firm=0, markup=0.6, review_every=12, test=0.02, window=12,
                        ceilings=np.array([500.0]), step=0.2)
    policy.base = np.array([40.0])
    prices = 40.0 * np.where(np.arange(12) % 2, 1.02, 0.98)
    # a logit demand (δ 5, α 0.2, rivals' attraction 1, 10,000 in the market) whose best
    # response is about 27.5: far lower, so the move stops at −20 %
    x = np.exp(5.0 - 0.2 * prices)
    no_buy = np.round(10_000 / (2.0 + x)).astype(int)
    chosen = np.round(10_000 * x / (2.0 + x)).astype(int)
    target = best_response_price(5.0, 0.2, 1.0, 20.0, 500.0)
    assert 25.0 < target < 30.0
    for obs in _observations(prices, chosen, no_buy, in_market=10_000):
        policy.observe(obs)
    policy.review(12)
    assert policy.base[0] == pytest.approx(32.0)
    # nobody bought from it all year: the base comes down a step, never below cost
    policy.base = np.array([22.0])
    for obs in _observations(prices, np.zeros(12, int), np.full(12, 300)):
        policy.observe(obs)
    policy.review(24)
    assert policy.base[0] == 20.0
    # a few months without sales do not trigger the cut; the fit uses the others
    policy.base = np.array([40.0])
    few = chosen.copy()
    few[:3] = 0
    for obs in _observations(prices, few, no_buy, in_market=10_000):
        policy.observe(obs)
    policy.review(36)
    assert policy.base[0] == pytest.approx(32.0)
    # unclamped (a wide step), the review lands on the fitted demand's best response
    policy = ValueBased(seed=0, firm=0, markup=0.6, review_every=12, test=0.02, window=12,
                        ceilings=np.array([500.0]), step=1.0)
    policy.base = np.array([40.0])
    for obs in _observations(prices, chosen, no_buy, in_market=10_000):
        policy.observe(obs)
    policy.review(12)
    assert policy.base[0] == pytest.approx(target, rel=0.01)


def test_a_value_based_review_is_the_same_in_any_money():
    """Prices, costs and ceilings ×100: the reviewed base is ×100 (prices in units of price)."""
    prices = 40.0 * np.where(np.arange(12) % 2, 1.02, 0.98)
    x = np.exp(5.0 - 0.2 * prices)
    no_buy = np.round(10_000 / (2.0 + x)).astype(int)
    chosen = np.round(10_000 * x / (2.0 + x)).astype(int)
    bases = []
    for k in (1.0, 100.0):
        policy = ValueBased(seed=0, firm=0, markup=0.6, review_every=12, test=0.02, window=12,
                            ceilings=np.array([500.0 * k]), step=1.0)
        policy.base = np.array([40.0 * k])
        for obs in _observations(prices * k, chosen, no_buy, in_market=10_000):
            policy.observe(dataclasses.replace(obs, cost=obs.cost * k))
        policy.review(12)
        bases.append(policy.base[0])
    assert bases[1] == pytest.approx(100.0 * bases[0], rel=1e-9)
