"""``ccsim optimise``'s parts on hand-checked cases: the simplex, decisions, the horizon, settling.

The decision space's simplex (normalised −log U) must put a known decision back exactly and
spread uniform draws evenly over the simplex; a firm's decision must reach its configuration;
a run of the horizon's months must equal the first months of a longer run (what lets a search
stop at the horizon); and the analysis of saved tables (paired gaps, optimism, frontier,
settled or cycling best responses) must give the numbers worked out by hand, including the
cases where it must say no.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import optuna
import pandas as pd
import pytest

from sim.analysis.optimise import (
    frontier,
    optimism,
    profile_summary,
    round_changes,
    settling,
)
from sim.analysis.stats import t_ci
from sim.config import ConfigError
from sim.configure import load_config
from sim.strategies import LEVERS, PRESETS
from sim.studies.optimise_space import (
    DecisionSpace,
    complete,
    firm_decision,
    flat,
    preset_decision,
    shares_from_u,
    unflat,
    with_decisions,
)

TINY = ["market.n_customers=300", "market.steps=24", "output.spells=false"]
SHARES = [f"share_{lever}" for lever in LEVERS]


def _same(a: dict, b: dict) -> bool:
    """Two decisions alike (floats to 1e-12; NaN terms of the other policy alike)."""
    fa, fb = flat(a), flat(b)
    return fa.keys() == fb.keys() and all(
        fa[k] == fb[k] if isinstance(fa[k], str) else math.isclose(fa[k], fb[k], abs_tol=1e-12)
        or (math.isnan(fa[k]) and math.isnan(fb[k])) for k in fa)


def test_a_known_decision_goes_back_into_the_space_exactly():
    cfg = load_config(TINY)
    space = DecisionSpace()
    for preset in PRESETS:
        decision = preset_decision(cfg.firms["pc_a"], preset)
        params = space.params_for(decision)
        back = space(optuna.trial.FixedTrial(params))
        assert back["shares"] == pytest.approx(decision["shares"], abs=1e-12)
        assert _same(complete(decision, back), decision)
    # outside the space: a lever not searched, a policy not searched, a number out of range
    narrow = DecisionSpace(levers=("rd", "advertising"), policies=("value_based",))
    assert narrow.params_for(preset_decision(cfg.firms["pc_a"], "product_centric")) is None
    only_rd = {"shares": {"rd": 0.5, "advertising": 0.5}, "budget_rate": 0.15,
               "pricing": "cost_plus", "markup": 0.6}
    assert narrow.params_for(only_rd) is None
    assert DecisionSpace().params_for({**only_rd, "markup": 5.0}) is None


def test_uniform_draws_spread_evenly_over_the_simplex():
    """−ln U normalised is Dirichlet(1,…,1): each share's mean 1/K, variance (K−1)/(K²(K+1))."""
    rng = np.random.default_rng(0)
    k = len(LEVERS)
    draws = np.array([list(shares_from_u(LEVERS, rng.uniform(size=k)).values())
                      for _ in range(4000)])
    assert np.allclose(draws.sum(axis=1), 1.0)
    assert np.allclose(draws.mean(axis=0), 1 / k, atol=0.005)
    assert np.allclose(draws.var(axis=0), (k - 1) / (k * k * (k + 1)), rtol=0.1)


def test_a_decision_reaches_the_firms_configuration_and_is_checked():
    cfg = load_config(TINY)
    decision = {"shares": dict.fromkeys(LEVERS, 0.1), "budget_rate": 0.2,
                "pricing": "value_based", "markup": 0.9, "price_test": 0.03, "price_step": 0.1}
    out = with_decisions(cfg, {"cc_a": decision})
    firm = out.firms["cc_a"]
    assert firm.strategy == "custom" and firm.shares == pytest.approx(decision["shares"])
    assert (firm.budget_rate, firm.pricing.value, firm.markup, firm.price_test,
            firm.price_step) == (0.2, "value_based", 0.9, 0.03, 0.1)
    assert _same(firm_decision(firm), decision)
    assert out.firms["pc_a"] == cfg.firms["pc_a"]  # the rivals untouched
    assert _same(unflat(flat(decision)), decision)
    assert not _same(unflat(flat(decision)), {**decision, "markup": 0.91})
    with pytest.raises(ConfigError, match="budget_rate"):
        with_decisions(cfg, {"cc_a": {"budget_rate": 1.5}})


def test_a_run_of_the_horizon_is_the_first_months_of_a_longer_run():
    """No model stage looks ahead, so a search may stop at the horizon."""
    from sim.model import MarketModel

    cfg = load_config([*TINY, "firms.pc_a.pricing=value_based", "firms.pc_a.review_every=6",
                       "firms.cc_a.objective=revenue", "firms.cc_a.review_every=6"])
    short, long_ = MarketModel(cfg), MarketModel(cfg)
    for _ in range(13):
        short.step()
    for _ in range(24):
        long_.step()
    a = short.timeseries()
    b = long_.timeseries()
    pd.testing.assert_frame_equal(a, b[b["step"] <= 13].reset_index(drop=True))
    ma, mb = short.market_table(), long_.market_table()
    pd.testing.assert_frame_equal(ma, mb[mb["step"] <= 13].reset_index(drop=True))


def _evaluation() -> pd.DataFrame:
    rows = []
    profit = {"best": [10.0, 12.0, 11.0], "plan": [9.0, 10.0, 10.5]}
    for profile, values in profit.items():
        for seed, v in enumerate(values):
            rows.append({"profile": profile, "seed": seed, "firm": "a", "profit": v,
                         "revenue": 2 * v, "customer_equity": v, "growth": 0.01 * v,
                         "price": 50.0, "industry_profit": 3 * v, "consumer_surplus": -v})
    return pd.DataFrame(rows)


def test_gaps_are_paired_by_seed():
    s = profile_summary(_evaluation(), ["best"])
    row = s[(s["profile"] == "plan") & (s["firm"] == "a") & (s["measure"] == "profit")].iloc[0]
    gap, lo, hi = t_ci([-1.0, -2.0, -0.5])  # plan − best seed by seed
    assert (row["gap"], row["gap_ci_low"], row["gap_ci_high"]) == pytest.approx((gap, lo, hi))
    mean, lo, hi = t_ci([9.0, 10.0, 10.5])
    assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((mean, lo, hi))
    market = s[(s["firm"] == "market") & (s["measure"] == "industry_profit")
               & (s["profile"] == "plan")].iloc[0]
    assert market["gap"] == pytest.approx(3 * gap) and market["n"] == 3
    assert (s.loc[s["profile"] == "best", "gap"] == 0).all()
    # unpaired seeds would give another interval: the pairing is what is tested
    unpaired = t_ci([9.0, 10.0, 10.5])[1] - t_ci([10.0, 12.0, 11.0])[2]
    assert not math.isclose(row["gap_ci_low"], unpaired)


def test_optimism_is_the_search_score_over_the_fresh_mean():
    o = optimism(12.0, [10.0, 11.0, 9.0])
    mean, lo, hi = t_ci([10.0, 11.0, 9.0])
    assert o["optimism"] == pytest.approx(12.0 - mean)
    assert (o["optimism_ci_low"], o["optimism_ci_high"]) == pytest.approx((12 - hi, 12 - lo))
    assert o["optimism_share"] == pytest.approx(0.2)


def test_the_frontier_holds_the_trials_no_other_beats_on_both():
    trials = pd.DataFrame({"state": ["COMPLETE"] * 5 + ["FAIL"],
                           "growth": [0.1, 0.2, 0.15, 0.05, 0.2, 0.9],
                           "profit": [5.0, 3.0, 4.0, 6.0, 2.0, 9.0]})
    assert frontier(trials).tolist() == [True, True, True, True, False, False]


def _rounds(moves: list[list[tuple[float, float]]]) -> pd.DataFrame:
    """Rounds of two firms; each move is (share of rd (the rest advertising), price)."""
    rows = []
    for r, firms in enumerate(moves):
        for firm, (rd, price) in zip(("a", "b"), firms, strict=True):
            row = dict.fromkeys(SHARES, 0.0)
            row.update({"round": r, "firm": firm, "share_rd": rd, "share_advertising": 1 - rd,
                        "price": price})
            rows.append(row)
    return pd.DataFrame(rows)


def test_settled_means_still_for_two_rounds_running():
    moves = [[(0.5, 50.0), (0.5, 50.0)], [(0.7, 55.0), (0.3, 52.0)],
             [(0.71, 55.2), (0.31, 52.1)], [(0.715, 55.3), (0.305, 52.0)]]
    state = settling(_rounds(moves), SHARES)
    assert state["settled"] and state["round"] == 3
    changes = round_changes(_rounds(moves), SHARES)
    assert changes.loc[(changes["round"] == 2) & (changes["firm"] == "a"), "l1_change"].iloc[0] \
        == pytest.approx(0.02)
    # one still round is not enough; a price move of 1 % is not still
    assert not settling(_rounds(moves[:3]), SHARES)["settled"]
    moved = [*moves[:3], [(0.715, 55.8), (0.305, 52.0)]]
    assert not settling(_rounds(moved), SHARES)["settled"]


def test_a_cycle_is_reported_with_its_period():
    a, b = [(0.2, 50.0), (0.8, 60.0)], [(0.8, 60.0), (0.2, 50.0)]
    state = settling(_rounds([a, b, a, b, a]), SHARES)
    assert not state["settled"] and state["cycle"] == 2 and state["cycle_rounds"] == [2, 3, 4]
    drifting = [[(0.1 * k, 50.0 + 5 * k), (0.5, 50.0)] for k in range(5)]
    state = settling(_rounds(drifting), SHARES)
    assert not state["settled"] and state["cycle"] is None


def test_the_plans_preset_and_its_custom_twin_run_alike():
    """Every firm's preset given as custom shares runs as the preset does, bit for bit."""
    from sim.studies.optimise_run import simulate_run

    cfg = load_config(TINY)
    as_preset = simulate_run(cfg, {}, 12, seed=1)
    twins = {name: firm_decision(firm) for name, firm in cfg.firms.items()}
    as_custom = simulate_run(cfg, twins, 12, seed=1)
    assert as_custom == as_preset
    cheaper = simulate_run(cfg, {"pc_a": {"budget_rate": 0.05}}, 12, seed=1)
    assert cheaper["firms"]["pc_a"] != as_preset["firms"]["pc_a"]
    assert dataclasses.asdict(cfg) == dataclasses.asdict(load_config(TINY))  # not mutated


def test_a_runs_measures_are_the_tables_own():
    """Profit, growth, industry profit and consumer surplus as the saved tables give them."""
    from sim.metrics import cagr
    from sim.model import MarketModel
    from sim.studies.optimise_run import simulate_run

    cfg = load_config([*TINY, "seed=4"])
    got = simulate_run(cfg, {}, 18, seed=4)
    model = MarketModel(cfg)
    for _ in range(18):
        model.step()
    ts, market = model.timeseries(), model.market_table()
    mine = ts[ts["firm"] == "cc_b"]
    assert got["firms"]["cc_b"]["profit"] == pytest.approx(mine["profit"].sum())
    assert got["firms"]["cc_b"]["growth"] == pytest.approx(cagr(mine["revenue"], 12))
    assert got["firms"]["cc_b"]["customer_equity"] == mine["customer_equity"].iloc[-1]
    assert got["industry_profit"] == pytest.approx(ts["profit"].sum())
    assert got["consumer_surplus"] == pytest.approx(
        market["consumer_surplus"].sum() / (300 * 18))
    assert market["consumer_surplus"].abs().sum() > 0


def _quadratic(decision: dict, seed: int) -> dict:
    s = np.array([decision["shares"][lever] for lever in LEVERS])
    value = -float(((s - 0.1) ** 2).sum()) - 0.01 * decision["budget_rate"] + 1e-4 * seed
    firm = {"profit": value, "revenue": 0.0, "customer_equity": 0.0, "growth": 0.0,
            "price": 1.0}
    return {"firms": {"a": firm}, "industry_profit": value, "consumer_surplus": 0.0}


@pytest.mark.parametrize("sampler", ["cmaes", "tpe"])
def test_the_same_search_twice_is_the_same_search(tmp_path, sampler):
    """Seeded, and never reseeded at random, even though its starts are trials already."""
    from sim.studies.optimise_run import Score, search

    cfg = load_config(TINY)
    base = firm_decision(cfg.firms["pc_a"])
    starts = [("plan", base), ("customer_centric", preset_decision(cfg.firms["pc_a"],
                                                                    "customer_centric"))]
    values = []
    for k in range(2):
        study = search(storage=tmp_path / f"s{k}.journal", study_name="s",
                       space=DecisionSpace(parts=("shares", "budget")), simulate=_quadratic,
                       score=Score("a", "profit", base), seeds=range(5), trials=8,
                       sampler=sampler, starts=starts)
        values.append([t.value for t in study.trials])
        assert [t.user_attrs.get("start") for t in study.trials[:2]] == ["plan",
                                                                          "customer_centric"]
    assert values[0] == values[1] and len(set(values[0])) == 8
