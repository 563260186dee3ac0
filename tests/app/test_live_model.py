"""The keyword-argument model SolaraViz rebuilds, and the controls that feed it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.app import live_model as lm
from sim.configure import load_config
from sim.runner import config_yaml

SMALL = dict(n_customers=600, seed=5)


def test_overrides_are_what_ccsim_run_takes():
    over = lm.dashboard_overrides(["scenario=subscription"], n_customers=700, ad_response=0.05,
                                  network="random", mean_degree=6, need_heterogeneity=1.5,
                                  wom_strength=0.4, seed=9,
                                  strategies={"pc_a": "mix 0.25", "cc_b": "product_centric"})
    cfg = load_config(over)
    assert cfg.name == "subscription" and cfg.seed == 9 and cfg.market.n_customers == 700
    assert cfg.market.awareness.ad_response == 0.05
    assert cfg.market.awareness.wom_strength == 0.4
    assert cfg.market.network.kind.value == "random" and cfg.market.network.mean_degree == 6
    assert cfg.market.customers.need_heterogeneity == 1.5
    assert (cfg.firms["pc_a"].strategy, cfg.firms["pc_a"].mix) == ("mix", 0.25)
    assert cfg.firms["cc_b"].strategy == "product_centric"
    assert cfg.firms["cc_a"].strategy == "customer_centric"  # untouched


def test_strategy_choice_round_trips():
    for choice in lm.STRATEGY_CHOICES:
        cfg = load_config(lm.dashboard_overrides(strategies={"pc_a": choice}, n_customers=500))
        assert lm.strategy_choice(cfg.firms["pc_a"]) == choice
    with pytest.raises(ValueError, match="choose one of"):
        lm.strategy_overrides("pc_a", "bold")


def test_live_model_is_the_configured_market():
    model = lm.LiveModel(base=("scenario=product_aware_economy",), strategy_cc_a="mix 0.50",
                         **SMALL)
    cfg = load_config(["scenario=product_aware_economy", "market.n_customers=600", "seed=5",
                       "firms.cc_a.strategy=mix", "firms.cc_a.mix=0.5"])
    assert config_yaml(model.cfg) == config_yaml(cfg)
    with pytest.raises(TypeError):
        lm.LiveModel(colour="red", **SMALL)


def test_running_stops_at_the_last_step():
    model = lm.LiveModel(base=("market.steps=3",), **SMALL)
    assert model.running and model.steps == 0
    for _ in range(3):
        model.step()
    assert model.steps == 3 and not model.running


def test_controls_show_the_base_configuration():
    params = lm.model_params(["scenario=product_aware_economy", "firms=incentives"])
    cfg = load_config(["scenario=product_aware_economy", "firms=incentives"])
    a = cfg.market.awareness
    assert params["base"] == ("scenario=product_aware_economy", "firms=incentives")
    assert params["ad_response"]["value"] == a.ad_response
    assert params["wom_strength"]["value"] == a.wom_strength
    assert params["mean_degree"]["value"] == cfg.market.network.mean_degree
    assert params["need_heterogeneity"]["value"] == cfg.market.customers.need_heterogeneity
    assert params["n_customers"]["value"] == lm.DEFAULT_CUSTOMERS
    firms = [k.removeprefix(lm.STRATEGY_PREFIX) for k in params if k.startswith("strategy_")]
    assert firms == list(cfg.firms)
    assert {params[f"strategy_{f}"]["value"] for f in firms} == {"mix 0.50"}


def test_solaraviz_accepts_the_params():
    pytest.importorskip("solara")
    from mesa.visualization.solara_viz import _check_model_params

    params = lm.model_params()
    _check_model_params(lm.LiveModel.__init__, params)
    model = lm.LiveModel(**{**lm.initial_kwargs(params), "n_customers": 600})
    assert model.cfg.market.n_customers == 600


def test_set_mix_moves_the_budget_mid_run():
    model = lm.LiveModel(**SMALL)
    model.step()
    pc = model.firms[0]
    before = pc.orientation
    model.set_mix(0, 1.0)
    model.step()
    assert pc.orientation > before
    assert np.isclose(model.timeseries().query("firm == @pc.name")["orientation"].iloc[-1],
                      pc.orientation)


def test_change_now_scales_one_lever_from_the_next_step():
    twin, model = lm.LiveModel(**SMALL), lm.LiveModel(**SMALL)
    for m in (twin, model):
        m.step()
    name = model.firms[0].name
    said = lm.change_now(model, name, "advertising", 2.0)
    assert said.startswith(f"{name}: advertising × 2")
    for m in (twin, model):
        m.step()
    ts, base = model.timeseries(), twin.timeseries()
    row = (ts["firm"] == name) & (ts["step"] == ts["step"].max())
    ratio = ts.loc[row, "cost_advertising"].iloc[0] / base.loc[row, "cost_advertising"].iloc[0]
    assert ratio == pytest.approx(2.0, rel=1e-3)
    assert ts.loc[row, "cost_rd"].iloc[0] == base.loc[row, "cost_rd"].iloc[0]


@pytest.mark.parametrize("what, attr", [("list price", "list_price"),
                                        ("word of mouth", "referral")])
def test_change_now_sets_price_and_word_of_mouth(what, attr):
    model = lm.LiveModel(**SMALL)
    lm.change_now(model, 1, what, 1.3)
    assert getattr(model.firms[1].interventions, attr) == pytest.approx(1.3)


def test_change_now_refuses_what_it_cannot_change():
    model = lm.LiveModel(**SMALL)
    with pytest.raises(ValueError, match="choose one of"):
        lm.change_now(model, 0, "magic", 1.1)
