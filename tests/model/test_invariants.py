"""Invariants of whole runs on small markets in several settings.

Customers are conserved (the state arrays agree with the firms' counts and with the flows),
market shares sum to one, the cents customers spend equal the revenue firms book, key columns
hold no NaN, and the spells table mirrors the customers' relationships. The runs cover the
default contest, every network kind, every scenario and adaptive firms.
"""

from __future__ import annotations

import invariants as inv
import pytest

from sim.model import FIRM_METRICS

SETTINGS = {
    "default": None,  # the shared session run (tests/conftest.py)
    "subscription_fully_mixed": ("scenario=subscription", "market.network.kind=fully_mixed",
                                 "market.n_customers=800", "market.steps=18", "seed=5"),
    "product_aware_scale_free": ("scenario=product_aware_economy",
                                 "market.network.kind=scale_free", "market.n_customers=600",
                                 "market.steps=15", "seed=6"),
    "random_homophily_adaptive": ("firms=incentives", "market.network.kind=random",
                                  "market.network.homophily=0.8", "market.n_customers=700",
                                  "market.steps=20", "firms.revenue_a.review_every=3",
                                  "firms.clv_a.review_every=2", "seed=7"),
    "mix_ladder_small_world_homophily": ("firms=mix_ladder", "market.network.homophily=0.5",
                                         "market.n_customers=500", "market.steps=14",
                                         "scenario=subscription", "seed=8"),
}


@pytest.fixture(scope="module", params=list(SETTINGS))
def run(request, small_run, simulate):
    overrides = SETTINGS[request.param]
    if overrides is None:
        return small_run
    return simulate(("market=small", *overrides))


@pytest.mark.parametrize("check", inv.ALL_CHECKS, ids=lambda c: c.__name__)
def test_invariant(run, check):
    check(run)


def test_timeseries_has_the_brief_outputs(small_run):
    cols = set(small_run.ts.columns)
    assert {"step", "firm", "strategy", *FIRM_METRICS} <= cols
    for col in ("customers", "acq_ads", "acq_wom", "acq_search", "churned", "retention",
                "revenue", "profit", "margin", "market_share", "nps", "mean_satisfaction",
                "mean_tenure", "products_per_customer", "knowledge", "customer_equity",
                "intangible_share"):
        assert col in cols


def test_something_happens_in_the_small_market(small_run):
    # guards the invariants against passing vacuously on a market where nothing moves
    ts = small_run.ts
    assert ts["revenue"].sum() > 0
    for col in ("acq_ads", "acq_wom", "acq_search", "lost_churn", "lost_switch"):
        assert ts[col].sum() > 0, col
    ended = small_run.spells["end"] != -1
    assert ended.any() and (~ended).any()


def test_checks_catch_a_broken_run(small_run):
    # the invariants must be able to fail: corrupt one number of a copy and expect an error
    import copy

    broken = copy.copy(small_run)
    broken.ts = small_run.ts.copy()
    broken.ts.loc[broken.ts.index[-1], "revenue"] += 0.01
    with pytest.raises(AssertionError):
        inv.check_money(broken)
    broken.ts = small_run.ts.copy()
    broken.ts.loc[broken.ts.index[5], "acq_wom"] += 1
    with pytest.raises(AssertionError):
        inv.check_flows(broken)


def test_intangible_share_is_a_share_with_positive_margins(small_run):
    assert (small_run.ts["customer_equity"] > 0).any()
    inv.check_intangible_share(small_run)


def test_intangible_share_is_a_share_when_margins_are_negative(simulate):
    # markup 0: price = unit cost, so serving customers loses money (service, personalisation)
    # and customer equity is negative but smaller than the tangible assets
    run = simulate(("market=small", "market.n_customers=300", "market.steps=6", "seed=0",
                    "firms.pc_a.markup=0.0", "firms.pc_b.markup=0.0",
                    "firms.cc_a.markup=0.0", "firms.cc_b.markup=0.0"))
    assert (run.ts["customer_equity"] < 0).any()
    inv.check_intangible_share(run)
