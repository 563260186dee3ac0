"""Budgets by a stated rule that does not rule out small firms; adaptation judged on shares.

- **One tenth of the size**: the same strategy with a tenth of the customers and revenue
  reaches the same per-customer service level (budgets are a share of planned revenue with a
  floor per relationship, and per-customer levers are measured per relationship served).
  Companion: per-customer levers measured against the whole market instead (planted on the
  built firm's parameter array).
- **Adaptation on shares**: a trial that lowers the firm's share of market revenue is undone
  even when the firm's revenue grew with the market.
- **One allocation per row**: ``orientation`` and ``share_*`` describe the same allocation,
  the one that step's spending followed, on every row (review steps included).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.configure import load_config
from sim.model import MarketModel
from sim.strategies import CUSTOMER_LEVERS, LEVERS

REVENUE_PER_RELATIONSHIP = 40.0


def _service_after(relationships: int, months: int = 36, plant=None) -> float:
    model = MarketModel(load_config(["market.n_customers=300", "market.steps=1"]))
    firm = next(f for f in model.firms if f.strategy == "customer_centric")
    if plant is not None:
        plant(firm)
    firm.stocks[:] = 0.0
    firm.relationships = relationships
    firm.planned_revenue = REVENUE_PER_RELATIONSHIP * relationships
    for step in range(1, months + 1):
        firm.plan_offer(step, None)
        firm.close_month(step, REVENUE_PER_RELATIONSHIP * relationships, relationships)
    return firm.service


def test_a_tenth_of_the_size_reaches_the_same_service_level():
    big, small = _service_after(2000), _service_after(200)
    assert small == pytest.approx(big, rel=1e-9)
    assert big > load_config([]).market.economics.service_base  # the lever did something


def test_a_tenth_of_the_size_companion_catches_market_scaled_service():
    def market_scaled(firm):
        firm.per_customer[:] = False
    assert _service_after(200, plant=market_scaled) < 0.99 * _service_after(2000,
                                                                            plant=market_scaled)


def test_budget_is_set_yearly_from_planned_revenue_with_a_floor_per_relationship():
    model = MarketModel(load_config(["market.n_customers=300", "market.steps=1"]))
    firm = model.firms[0]
    eco, spy = model.cfg.market.economics, model.cfg.market.steps_per_year
    firm.planned_revenue, firm.year_revenue, firm.relationships = 1000.0, 0.0, 10
    for step in range(1, spy):
        firm.close_month(step, 100.0 * step, 10)
        assert firm.planned_revenue == 1000.0  # the plan holds within the year
    firm.close_month(spy, 100.0 * spy, 10)
    assert firm.planned_revenue == pytest.approx(100.0 * (spy + 1) / 2)  # last year's mean
    unit = model.cfg.market.categories["core"].ref_price  # the default price unit
    assert firm.budget_for(firm.planned_revenue) == pytest.approx(
        max(0.15 * firm.planned_revenue, eco.min_budget_per_relationship * unit * 10))
    firm.relationships = 10_000  # a large base with little revenue: the floor binds
    assert firm.budget_for(1.0) == pytest.approx(eco.min_budget_per_relationship * unit * 10_000)


def test_adaptation_undoes_a_trial_that_lost_market_share_in_a_growing_market():
    model = MarketModel(load_config(["firms=incentives", "market.n_customers=300",
                                     "market.steps=1"]))
    firm = model.firms[0]
    assert firm.objective.value == "revenue"
    before = firm.shares.copy()
    firm.period_revenue, firm.period_market_revenue = 100.0, 400.0  # share 0.25
    firm.adapt(12, 0.0)
    donor, receiver, amount = firm.last_move
    # the market doubles, the firm's revenue grows by half: its share falls to 0.1875
    firm.period_revenue, firm.period_market_revenue = 150.0, 800.0
    firm.adapt(24, 0.0)
    assert firm.objective_prev == 0.25  # the baseline stays the untried allocation's share
    undone = firm.shares.copy()
    d2, r2, a2 = firm.last_move
    undone[d2] += a2
    undone[r2] -= a2
    np.testing.assert_allclose(undone, before, atol=1e-12)


def test_orientation_and_shares_describe_the_same_allocation_on_every_row():
    model = MarketModel(load_config(["firms=incentives", "market.n_customers=400",
                                     "market.steps=12", "firms.revenue_a.review_every=3",
                                     "firms.clv_a.review_every=2"]))
    for _ in range(12):
        model.step()
    ts = model.timeseries()
    customer = ts[[f"share_{k}" for k in CUSTOMER_LEVERS]].sum(axis=1)
    np.testing.assert_allclose(ts["orientation"], customer, rtol=0, atol=1e-12)
    # and it is the allocation the step's money followed: cash levers in proportion
    cash = [k for k in LEVERS if k != "promotion"]
    spend = ts[[f"cost_{k}" for k in cash]].to_numpy()
    shares = ts[[f"share_{k}" for k in cash]].to_numpy()
    total = spend.sum(axis=1, keepdims=True) / shares.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(spend, shares * total, rtol=0, atol=0.02)
    assert ts.groupby("firm")["orientation"].nunique().max() > 1  # the allocations did move
