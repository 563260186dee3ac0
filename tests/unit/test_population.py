"""Unit tests of ``sim.customers``: traits and the step-0 state of the customer arrays.

Checks shapes and dtypes (what the kernels are compiled for), that trait means match the
configured means (the log-normal is mean-preserving), that the initial penetration and
awareness match their probabilities, and that a customer always knows the firm they buy from.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import MarketConfig
from sim.customers import initial_state, make_traits
from sim.kernels.layout import CH_INITIAL

N, F = 20_000, 3


def market() -> MarketConfig:
    m = MarketConfig(n_customers=N)
    m.customers.wtp_mean = 1.6
    m.customers.trait_sigma = 0.5
    m.awareness.initial_awareness = 0.25
    m.economics.initial_penetration = 0.4
    return m


def test_traits_shapes_dtypes_and_means():
    m = market()
    t = make_traits(m, seed=1)
    n_cat, dims = len(m.categories), m.customers.need_dims
    assert t.needs.shape == (N, n_cat, dims) and t.needs.dtype == np.float32
    for name in ("wtp", "price_sensitivity", "peer_susceptibility", "ad_susceptibility"):
        x = getattr(t, name)
        assert x.shape == (N,) and x.dtype == np.float32 and (x > 0).all(), name
    assert t.persona.min() >= 0 and t.persona.max() < m.customers.n_personas
    # mean-preserving log-normal: E = mean; with sigma 0.5 the sd of the sample mean of 20,000
    # is mean · sqrt(e^0.25 − 1) / sqrt(20,000) ≈ 0.0042 · mean → 5 sd ≈ 2%
    assert abs(t.wtp.mean() / 1.6 - 1.0) < 0.025
    assert abs(t.ad_susceptibility.mean() - 1.0) < 0.025


def test_traits_depend_only_on_the_seed():
    a, b, c = make_traits(market(), 3), make_traits(market(), 3), make_traits(market(), 4)
    assert np.array_equal(a.needs, b.needs) and np.array_equal(a.wtp, b.wtp)
    assert not np.array_equal(a.needs, c.needs)


def test_initial_state():
    m = market()
    s = initial_state(m, F, seed=2)
    n_cat = len(m.categories)
    assert s.aware.shape == (N, F) and s.aware.dtype == np.uint8
    assert s.firm_of.shape == (N, n_cat) and s.firm_of.dtype == np.int8
    assert s.voice.shape == (2, N) and s.spend.dtype == np.int64 and (s.spend == 0).all()
    has = s.firm_of >= 0
    # penetration 0.4 per category (sd of the share 0.0035)
    assert np.all(np.abs(has.mean(axis=0) - 0.4) < 0.02)
    assert s.firm_of.max() < F
    # each firm starts with about a third of the customers
    counts = np.bincount(s.firm_of[has], minlength=F) / has.sum()
    assert np.all(np.abs(counts - 1 / 3) < 0.02)
    # a customer knows the firm they buy from; everyone else knows a firm with p ≈ 0.25
    rows, cats = np.nonzero(has)
    assert (s.aware[rows, s.firm_of[rows, cats]] == CH_INITIAL).all()
    assert set(np.unique(s.aware)) <= {0, CH_INITIAL}
    none = ~has.any(axis=1)
    assert abs((s.aware[none] > 0).mean() - 0.25) < 0.02
    # relationships start with one month of tenure, mid-scale satisfaction, the prior belief
    assert (s.tenure[has] == 1).all() and (s.tenure[~has] == 0).all()
    mid = 0.5 * (m.experience.promoter_threshold + m.experience.detractor_threshold)
    assert np.allclose(s.satisfaction[has], mid) and (s.satisfaction[~has] == 0).all()
    assert np.allclose(s.belief[s.aware > 0], m.awareness.prior_belief)
    assert (s.ended == -1).all() and (s.start == 0).all()


def test_churn_proneness_has_mean_one_and_leaves_the_other_traits_alone():
    from sim.configure import load_config
    from sim.customers import make_traits

    plain = make_traits(load_config(["market.n_customers=20000",
                                     "market.churn.proneness_sigma=0"]).market, 3)
    spread = make_traits(load_config(["market.n_customers=20000",
                                      "market.churn.proneness_sigma=0.8"]).market, 3)
    assert (plain.churn_proneness == 1.0).all()
    assert abs(float(spread.churn_proneness.mean()) - 1.0) < 0.03
    assert float(np.log(spread.churn_proneness).std()) == pytest.approx(0.8, rel=0.03)
    for name in ("wtp", "price_sensitivity", "peer_susceptibility", "ad_susceptibility", "needs"):
        assert np.array_equal(getattr(plain, name), getattr(spread, name)), name
