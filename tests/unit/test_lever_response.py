"""Lever response functions on hand-checked values: capability, adstock, costs, utility terms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_journey import Micro

from sim.configure import load_config
from sim.firms import adstock, capability, delivery_costs, lever_curves, list_price
from sim.kernels import stages
from sim.kernels.layout import CH_SEARCH
from sim.model import MarketModel
from sim.strategies import LEVER, LEVERS, PER_CUSTOMER_LEVERS


def test_capability_is_concave_and_half_at_half_saturation():
    assert capability(np.array([3.0]), 1.0)[0] == 0.75
    assert capability(np.array([2.0]), 2.0)[0] == 0.5
    # one half-saturation per lever
    np.testing.assert_array_equal(capability(np.array([1.0, 1.0]), np.array([1.0, 3.0])),
                                  [0.5, 0.25])


def test_adstock_carries_over_part_of_last_months_stock():
    # 0.6 × 10 + 5 = 11; a lever without carry-over is this month's money only
    np.testing.assert_array_equal(adstock(np.array([10.0, 10.0]), np.array([5.0, 5.0]),
                                          np.array([0.6, 0.0])), [11.0, 5.0])
    # steady state of constant spending s: s / (1 − carry-over)
    stock = np.zeros(1)
    for _ in range(200):
        stock = adstock(stock, np.array([4.0]), np.array([0.6]))
    assert stock[0] == pytest.approx(10.0)


def test_each_lever_has_its_own_curve():
    cfg = load_config(["market.levers.advertising.carryover=0.3",
                       "market.levers.service.half_saturation=9"])
    h, carry, per_customer = lever_curves(cfg.market)
    assert carry[LEVER["advertising"]] == 0.3 and h[LEVER["service"]] == 9.0
    assert h[LEVER["rd"]] == cfg.market.levers.rd.half_saturation
    assert [LEVERS[k] for k in np.flatnonzero(per_customer)] == list(PER_CUSTOMER_LEVERS)


def test_every_delivery_cost_is_priced_in_by_one_rule():
    # unit cost 20, quality cost 0.5 at quality 0.6 → 26; service 0.2 × 20 × 0.5 = 2;
    # personalisation 0.1 × 20 × 0.3 = 0.6; list price (26 + 2 + 0.6) × 1.6 = 45.76
    prod, serv, pers = delivery_costs(np.array([20.0]), np.array([0.5]), 0.6, 0.2, 0.5, 0.1, 0.3)
    assert (prod[0], serv[0], pers[0]) == pytest.approx((26.0, 2.0, 0.6))
    assert list_price(prod + serv + pers, 0.6)[0] == pytest.approx(45.76)


def test_firm_prices_include_service_and_personalisation_delivery():
    """Cost-plus prices carry every delivery cost (value-based ones start from the same)."""
    model = MarketModel(load_config(["market.n_customers=300", "market.steps=2",
                                     *[f"firms.{n}.pricing=cost_plus"
                                       for n in ("pc_a", "pc_b", "cc_a", "cc_b")]]))
    for firm in model.firms:
        eco = model.cfg.market.economics
        prod, serv, pers = delivery_costs(firm.unit_cost, firm.quality_cost, firm.quality,
                                          eco.service_cost, firm.service,
                                          eco.personalisation_cost, firm.personalisation)
        np.testing.assert_array_equal(firm.list_cents,
                                      np.round((prod + serv + pers) * 1.6 * 100).astype(int))
        assert (firm.service_cents > 0).all()


def test_per_customer_levers_scale_with_the_firms_own_customers():
    """Same money per relationship, same capability, whatever the firm's size."""
    model = MarketModel(load_config(["market.n_customers=300", "market.steps=2"]))
    firm = model.firms[0]
    caps = []
    for relationships in (40, 400):
        firm.relationships = relationships
        firm.stocks = np.full(len(LEVERS), 3.0 * relationships)
        firm._specific_levers(np.zeros(len(LEVERS)), None)
        caps.append(firm.capabilities.copy())
    per = np.array([name in PER_CUSTOMER_LEVERS for name in LEVERS])
    np.testing.assert_allclose(caps[0][per], caps[1][per], rtol=1e-12)
    assert (caps[1][~per & (np.arange(len(LEVERS)) != LEVER["promotion"])]
            > caps[0][~per & (np.arange(len(LEVERS)) != LEVER["promotion"])]).all()


def _two_known_firms():
    m = Micro(n=2, edges=())
    m.occasion_prob[:] = 1.0
    m.aware[:, :] = CH_SEARCH
    return m


def test_advertising_salience_acts_on_customers_who_know_the_firm():
    # utilities are 0 except β_ad × susceptibility × reach: 1000 × 1 × 0.5 for the advertiser
    for advertiser in (0, 1):
        m = _two_known_firms()
        m.p["beta_ad"] = 1000.0
        m.ad_reach[advertiser] = 0.5
        m.run()
        assert m.firm_of[:, 0].tolist() == [advertiser, advertiser]


def test_generic_appeal_enters_utility():
    for firm in (0, 1):
        m = _two_known_firms()
        m.p["beta_appeal"] = 1000.0
        m.appeal[firm] = 0.4
        m.run()
        assert m.firm_of[:, 0].tolist() == [firm, firm]


def test_delivery_costs_are_tallied_per_unit():
    m = _two_known_firms()
    m.p["beta_appeal"] = 1000.0
    m.appeal[0] = 1.0
    m.service_cents[0, 0] = 77
    m.pers_cents[0, 0] = 5
    m.run()
    assert m.t("service_cost_cents", 0) == 2 * 77 and m.t("personalisation_cost_cents", 0) == 10


def test_neutral_per_lever_appeal_rewards_spreading_only_through_the_curve():
    """Even spread over all L levers = the single stock's appeal; concentration buys less."""
    model = MarketModel(load_config(["market.n_customers=300", "market.steps=2",
                                     "market.economics.lever_response=neutral_per_lever"]))
    firm = model.firms[0]
    eco = model.cfg.market.economics
    n_levers = len(LEVERS)
    total = 0.5 * firm.half_saturation
    single = total / (total + firm.half_saturation)  # the single stock's appeal: 1/3
    firm.appeal_stocks = np.full(n_levers, total / n_levers / (1.0 - eco.stock_decay))
    firm._neutral_levers(0.0, np.zeros(n_levers))
    assert firm.appeal == pytest.approx(single, rel=1e-12)
    firm.appeal_stocks = np.zeros(n_levers)
    firm.appeal_stocks[:4] = total / 4 / (1.0 - eco.stock_decay)
    firm._neutral_levers(0.0, np.zeros(n_levers))
    assert firm.appeal < single


def test_retention_offer_is_valued_as_a_price_cut_and_saves_the_share_it_turns():
    # β_p · θ · (offer in money) / (wtp · ref) = 2 · 1.5 · 10 / (1.6 · 50) = 0.375
    assert stages.offer_utility(2.0, 1.5, 1000, 1.6, 50.0) == pytest.approx(0.375)
    # staying and the outside option alone, equal utilities: P0 = 1/2; an offer worth ln 3
    # makes P1 = 3/4, so it keeps (3/4 − 1/2) / (1 − 1/2) = 1/2 of the leavers
    util, avail = np.array([3.0]), np.array([True])
    assert stages.save_probability(util, avail, 1, 3.0, 0, 0.0) == 0.0
    assert stages.save_probability(util, avail, 1, 3.0, 0, math.log(3.0)) == pytest.approx(0.5)


def test_rd_money_launches_versions_whose_novelty_wears_off():
    model = MarketModel(load_config(["market.n_customers=100", "market.steps=1",
                                     "market.economics.version_cost=2",
                                     "market.economics.price_unit=1",
                                     "market.economics.novelty_wear=0.25"]))
    firm = model.firms[0]
    firm.development, firm.novelty, firm.versions = 0.0, 0.0, 0
    firm._develop(150.0)  # 150 < 2 × 100: no launch yet
    assert (firm.versions, firm.novelty, firm.development) == (0, 0.0, 150.0)
    firm._develop(80.0)  # 230 ≥ 200: a launch, 30 carried over
    assert (firm.versions, firm.novelty, firm.development) == (1, 1.0, 30.0)
    firm._develop(0.0)
    firm._develop(0.0)
    assert firm.novelty == 0.75 * 0.75


def test_news_of_a_new_version_travels_with_advertising():
    # utilities 0 except β_nov × susceptibility × reach × novelty = 1000 × 1 × 0.5 × 1 for firm 1
    m = _two_known_firms()
    m.p["beta_novelty"] = 1000.0
    m.ad_reach[:] = 0.5
    m.novelty[1] = 1.0
    m.run()
    assert m.firm_of[:, 0].tolist() == [1, 1]


def test_product_lever_base_measures_product_money_per_market_or_per_own_customer():
    """market: R&D, advertising and co-creation per market customer, the customer levers per
    own relationship; own: every lever, and a version's cost, per own relationship."""
    overrides = ["market.n_customers=400", "market.steps=1"]
    market = MarketModel(load_config(overrides)).firms[0]
    own = MarketModel(load_config([*overrides,
                                   "market.economics.product_lever_base=own"])).firms[0]
    product = [LEVER[name] for name in ("rd", "advertising", "cocreation")]
    customer = [LEVER[name] for name in ("insight", "service", "retention")]
    assert not market.per_customer[product].any() and market.per_customer[customer].all()
    assert own.per_customer[[k for k in range(len(LEVERS)) if LEVERS[k] != "promotion"]].all()
    for firm in (market, own):
        firm.relationships, firm.development, firm.versions = 10, 0.0, 0
    per_relationship = own.market.economics.version_cost * own.price_unit
    own._develop(per_relationship * 10 * 1.001)  # 10 relationships' worth: one version
    market._develop(per_relationship * 10 * 1.001)  # far below 400 market customers' worth
    assert (own.versions, market.versions) == (1, 0)
    # the same stock buys more capability measured against 10 relationships than 400 customers
    own.stocks[:] = market.stocks[:] = 1.0
    own.relationships = market.relationships = 10
    own._specific_levers(np.zeros(len(LEVERS)), None)
    market._specific_levers(np.zeros(len(LEVERS)), None)
    assert own.ad_reach > market.ad_reach and own.quality > market.quality
