"""Mid-run interventions (``sim.interventions``): the past stays bit-identical, the future moves.

An intervention set before step ``t`` must leave every row of steps ``< t`` exactly as in the
plain run (the factors are exactly 1 until set), change later steps, and, for a lever, change
only that lever's money in the step it takes effect. The reference implementation applies the
same change and still docks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.configure import load_config
from sim.model import MarketModel
from sim.reference import ReferenceMarketModel
from sim.strategies import LEVERS

OVERRIDES = ["market=small", "market.n_customers=800", "market.steps=14", "seed=5"]
T = 7  # the first step run under the intervention


def _run(apply=None, model_class=MarketModel, overrides=OVERRIDES) -> pd.DataFrame:
    model = model_class(load_config(overrides))
    for step in range(1, model.cfg.market.steps + 1):
        if step == T and apply is not None:
            apply(model)
        model.step()
    return model.timeseries()


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    return _run()


def _split(ts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ts[ts["step"] < T].reset_index(drop=True), ts[ts["step"] >= T].reset_index(drop=True)


CHANGES = {
    "advertising": lambda m: m.set_lever("pc_a", "advertising", 1.1),
    "promotion": lambda m: m.set_lever(0, "promotion", 0.9),
    "service": lambda m: m.set_lever("cc_a", "service", 1.1),
    "rd": lambda m: m.set_lever("pc_b", "rd", 1.1),
    "list_price": lambda m: m.set_list_price_factor("pc_a", 1.1),
    "referral": lambda m: m.set_referral_factor("cc_b", 2.0),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_past_is_bit_identical_and_future_changes(plain, name):
    changed = _run(CHANGES[name])
    before_a, after_a = _split(plain)
    before_b, after_b = _split(changed)
    pd.testing.assert_frame_equal(before_a, before_b, check_exact=True)
    assert not after_a.equals(after_b), f"{name}: the intervention changed nothing"


def test_factor_one_changes_nothing(plain):
    def undo(m):
        m.set_lever("pc_a", "advertising", 1.0)
        m.set_list_price_factor("pc_a", 1.0)
        m.set_referral_factor("pc_a", 1.0)

    pd.testing.assert_frame_equal(plain, _run(undo), check_exact=True)


@pytest.mark.parametrize("lever", [lv for lv in LEVERS if lv != "promotion"])
def test_only_that_levers_money_changes_when_it_takes_effect(plain, lever):
    changed = _run(lambda m: m.set_lever("cc_a", lever, 1.1))
    row = (changed["step"] == T) & (changed["firm"] == "cc_a")
    base = (plain["step"] == T) & (plain["firm"] == "cc_a")
    for other in LEVERS:
        if other == "promotion":  # booked as forgone revenue, which customers' choices move
            continue
        a = plain.loc[base, f"cost_{other}"].item()
        b = changed.loc[row, f"cost_{other}"].item()
        if other == lever:
            assert b == pytest.approx(1.1 * a, rel=1e-6, abs=0.02), other
        else:
            assert b == a, f"{other} moved when {lever} was changed"
    # every other firm's money that step is untouched too
    others = (plain["step"] == T) & (plain["firm"] != "cc_a")
    cols = [f"cost_{lv}" for lv in LEVERS if lv != "promotion"]
    np.testing.assert_array_equal(plain.loc[others, cols].to_numpy(),
                                  changed.loc[(changed["step"] == T)
                                              & (changed["firm"] != "cc_a"), cols].to_numpy())


def test_list_price_moves_the_price_by_the_factor(plain):
    changed = _run(lambda m: m.set_list_price_factor("pc_a", 1.1))
    row = (changed["step"] == T) & (changed["firm"] == "pc_a")
    base = (plain["step"] == T) & (plain["firm"] == "pc_a")
    # the discount that step is set from last month's list revenue, the same in both runs
    assert changed.loc[row, "price"].item() == pytest.approx(
        1.1 * plain.loc[base, "price"].item(), abs=0.011)


def test_referral_factor_zero_stops_word_of_mouth_acquisitions():
    ts = _run(lambda m: [m.set_referral_factor(k, 0.0) for k in range(len(m.firms))])
    after = ts[ts["step"] > T]  # awareness by word of mouth at T can still convert later
    assert ts.loc[ts["step"] < T, "aware_wom"].sum() > 0  # the test can fail
    assert after["aware_wom"].sum() == 0


def test_bad_values_are_refused():
    model = MarketModel(load_config(OVERRIDES))
    with pytest.raises(ValueError, match="lever 'tv'"):
        model.set_lever(0, "tv", 1.1)
    with pytest.raises(ValueError, match="firm 'nobody'"):
        model.set_lever("nobody", "advertising", 1.1)
    with pytest.raises(ValueError, match="out of range"):
        model.set_referral_factor(9, 1.1)
    with pytest.raises(ValueError, match="finite"):
        model.set_lever(0, "advertising", -1.0)
    with pytest.raises(ValueError, match="> 0"):
        model.set_list_price_factor(0, 0.0)
    with pytest.raises(ValueError, match="budget at step 3=-5"):
        model.set_budget_path(0, {2: 10.0, 3: -5.0})
    assert model.firms[0].interventions.budget_path is None  # nothing half-set
    assert model.active_interventions() == {}
    model.set_lever(1, "service", 1.1)
    assert model.active_interventions() == {"pc_b": {"lever_service": 1.1}}


def test_reference_applies_the_same_interventions():
    """The reference shares the firms and reads the referral factor: it still docks."""
    from tests.validation.test_reference_docking import assert_docked

    def apply(m):
        m.set_lever("pc_a", "advertising", 1.3)
        m.set_list_price_factor("cc_a", 0.9)
        m.set_referral_factor("cc_b", 1.5)

    overrides = ["market.n_customers=300", "market.steps=10", "seed=2"]
    models = []
    for cls in (MarketModel, ReferenceMarketModel):
        m = cls(load_config(overrides))
        for step in range(1, 11):
            if step == 4:
                apply(m)
            m.step()
        models.append(m)
    assert_docked(*models)


def test_budget_path_replaces_the_budget_rule_in_its_steps(plain):
    """The firm's own recorded budgets as a path change nothing; a path of zeros stops its
    spending in those steps only."""
    model = MarketModel(load_config(OVERRIDES))
    for _ in range(model.cfg.market.steps):
        model.step()
    budgets = dict(model.firms[0].budgets)
    assert sorted(budgets) == list(range(0, model.cfg.market.steps + 1))  # 0: the set-up plan
    same = _run(lambda m: m.set_budget_path(0, budgets))
    pd.testing.assert_frame_equal(plain, same, check_exact=True)
    starved = _run(lambda m: m.set_budget_path("pc_a", {T: 0.0}))
    row = (starved["firm"] == "pc_a") & (starved["step"] == T)
    assert starved.loc[row, "cost_advertising"].item() == 0.0
    nxt = (starved["firm"] == "pc_a") & (starved["step"] == T + 1)
    assert starved.loc[nxt, "cost_advertising"].item() > 0.0


# ----------------------------------------------------------------------------------------------
# Pivots: set_strategy and firms.NAME.pivot


def test_pivot_from_config_keeps_the_past_and_moves_the_budget(plain):
    pivoted = _run(overrides=[*OVERRIDES, f"firms.pc_a.pivot.at={T}",
                              "firms.pc_a.pivot.to=customer_centric"])
    before_a, after_a = _split(plain)
    before_b, after_b = _split(pivoted)
    pd.testing.assert_frame_equal(before_a, before_b, check_exact=True)
    assert not after_a.equals(after_b)
    cc = pivoted[pivoted["firm"] == "cc_a"].set_index("step")
    pc = pivoted[pivoted["firm"] == "pc_a"].set_index("step")
    shares = [f"share_{lv}" for lv in LEVERS]
    np.testing.assert_array_equal(pc.loc[T:, shares].to_numpy(), cc.loc[T:, shares].to_numpy())
    assert (pc.loc[:T - 1, "orientation"] < 0.5).all() and (pc.loc[T:, "orientation"] > 0.5).all()
    assert (pc["strategy"] == "product_centric").all()  # the configured label stays


def test_set_strategy_mid_run_equals_the_configured_pivot():
    config = _run(overrides=[*OVERRIDES, f"firms.pc_b.pivot.at={T}", "firms.pc_b.pivot.to=mix",
                             "firms.pc_b.pivot.mix=0.75"])
    api = _run(lambda m: m.set_strategy("pc_b", "mix", mix=0.75))
    pd.testing.assert_frame_equal(config, api, check_exact=True)


def test_capability_stocks_carry_over():
    """After a pivot the firm spends like a customer-centric firm but is not one: the stocks
    its product-centric years built are still there (quality stays above the twin's)."""
    pivoted = _run(overrides=[*OVERRIDES, f"firms.pc_a.pivot.at={T}"])
    row = (pivoted["step"] == T)
    pc, cc = (pivoted.loc[row & (pivoted["firm"] == f)].iloc[0] for f in ("pc_a", "cc_a"))
    assert pc["share_rd"] == cc["share_rd"]  # the money moved ...
    assert pc["quality"] > cc["quality"]  # ... the R&D stock did not vanish


def test_custom_pivot_and_adaptive_firm_keep_a_budget_split():
    ts = _run(overrides=["firms=incentives", "market.n_customers=300", "market.steps=30",
                         "firms.revenue_a.review_every=3", "firms.revenue_a.pivot.at=10",
                         "firms.revenue_a.pivot.to=custom",
                         "+firms.revenue_a.pivot.shares.rd=0.5",
                         "+firms.revenue_a.pivot.shares.service=0.5"])
    firm = ts[ts["firm"] == "revenue_a"].set_index("step")
    cols = [f"share_{lv}" for lv in LEVERS]
    assert firm.loc[10, "share_rd"] == 0.5 and firm.loc[10, "share_service"] == 0.5
    assert np.allclose(firm[cols].sum(axis=1), 1.0) and (firm[cols].to_numpy() >= 0).all()
    assert not firm.loc[30, cols].equals(firm.loc[10, cols])  # the search went on from there


def test_set_strategy_refuses_bad_values():
    model = MarketModel(load_config(OVERRIDES))
    with pytest.raises(ValueError, match="unknown strategy"):
        model.set_strategy(0, "customer_centrik")
    with pytest.raises(ValueError, match="mix=1.5"):
        model.set_strategy(0, "mix", mix=1.5)
    with pytest.raises(ValueError, match="sum to"):
        model.set_strategy("pc_a", "custom", shares={"rd": 0.4})
    with pytest.raises(ValueError, match="shares are only read"):
        model.set_strategy("pc_a", "mix", shares={"rd": 1.0})
    with pytest.raises(ValueError, match="firm 'nobody'"):
        model.set_strategy("nobody", "product_centric")
    before = model.firms[0].shares.copy()
    np.testing.assert_array_equal(model.firms[0].shares, before)  # nothing half-set


@pytest.mark.parametrize("override, message", [
    ("firms.pc_a.pivot.at=99", "firms.pc_a.pivot.at=99: after the run's last month"),
    ("firms.pc_a.pivot.to=cc", "firms.pc_a.pivot.to='cc': unknown strategy"),
    ("firms.pc_a.pivot.mix=1.5", "firms.pc_a.pivot.mix=1.5: out of range"),
    ("firms.pc_a.pivot.at=-2", "firms.pc_a.pivot.at=-2: out of range"),
])
def test_bad_pivot_is_one_line_exit_2_nothing_written(tmp_path, capsys, override, message):
    from sim.cli import main

    out = tmp_path / "run"
    status = main(["run", "market.n_customers=200", "market.steps=12", override,
                   f"hydra.run.dir={out}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [f"ccsim: error: {err[0].removeprefix('ccsim: error: ')}"] and message in err[0]
    assert not out.exists()


def test_dashboard_mix_change_is_set_strategy():
    from sim.app.live_model import LiveModel

    live = LiveModel(base=["market.steps=6"], n_customers=300)
    twin = MarketModel(load_config(list(live.overrides)))
    for model, change in ((live, lambda m: m.set_mix(1, 0.25)),
                          (twin, lambda m: m.set_strategy(1, "mix", mix=0.25))):
        model.step()
        change(model)
        model.step()
    pd.testing.assert_frame_equal(live.timeseries(), twin.timeseries(), check_exact=True)
    assert live.firms[1].orientation == twin.firms[1].orientation


def test_a_pivot_to_the_firms_own_strategy_changes_nothing(plain):
    """What the pivot experiments' "stay" arms rely on: the run is bit-identical."""
    same = _run(overrides=[*OVERRIDES, f"firms.pc_a.pivot.at={T}",
                           "firms.pc_a.pivot.to=product_centric"])
    pd.testing.assert_frame_equal(plain, same, check_exact=True)
