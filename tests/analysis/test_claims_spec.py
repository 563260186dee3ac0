"""Experiments as data: what a config.yaml may say (sim.analysis.experiment_spec)."""

from __future__ import annotations

import pytest
import yaml

from sim.analysis.experiment_spec import SpecError, list_experiments, load
from sim.analysis.sensitivity import PARAMETERS

GOOD = {
    "title": "t", "claim_text": "c", "seed_file": "003_x.txt", "question": "q",
    "base": ["firms=two_vs_two"],
    "arms": {"a": [], "b": {"overrides": ["market.choice.beta_ad=1"], "without": ["knowledge"]}},
    "claim": {"metric": "growth_gap_points", "op": ">", "threshold": 0, "undefined": "fail",
              "arms": {"a": 1, "b": -1}},
    "premises": [{"key": "market.network.mean_degree"},
                 {"key": "pricing", "why": "w", "presets": {"x": [], "y": ["seed=1"]}}],
    "forms": {"full": {"customers": 100, "months": 24, "seeds": 20, "points": 200,
                       "point_seeds": 5},
              "quick": {"customers": 100, "months": 24, "seeds": 2, "points": 2,
                        "point_seeds": 2}},
}


def _write(tmp_path, spec, name="x"):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(spec))
    return load(name, root=tmp_path)


def test_a_good_spec_is_read(tmp_path):
    exp = _write(tmp_path, GOOD)
    assert exp.claim.arms == {"a": 1.0, "b": -1.0} and exp.claim_arms == ["a", "b"]
    assert exp.arms["b"].overrides == ("market.choice.beta_ad=1", "market.economics.learn_rate=0")
    degree = exp.premises[0]
    known = next(p for p in PARAMETERS if p.key == degree.key)
    assert (degree.low, degree.high, degree.why) == (known.low, known.high, known.rationale)
    assert degree.integer and exp.premises[1].categorical
    assert exp.form(True).point_customers == 100


@pytest.mark.parametrize("change, message", [
    ({"claim": {**GOOD["claim"], "arms": {"nope": 1}}}, "unknown arm 'nope'"),
    ({"claim": {**GOOD["claim"], "op": "=="}}, "claim.op"),
    ({"claim": {**GOOD["claim"], "undefined": "skip"}}, "claim.undefined"),
    ({"arms": {"a": {"without": ["telepathy"]}}}, "unknown mechanism 'telepathy'"),
    ({"arms": {"a": "seed=1"}}, "a list of overrides"),
    ({"premises": [{"key": "market.nope"}]}, "give low, high and why"),
    ({"premises": [{"key": "market.nope", "low": 0, "high": 1, "why": "w"}]},
     "not a key of the configuration schema"),
    ({"premises": [{"key": "market.choice.beta_ad", "low": 2, "high": 1}]}, "must be below"),
    ({"premises": [{"key": "p", "presets": {"only": []}, "why": "w"}]}, "at least two presets"),
    ({"forms": {**GOOD["forms"], "full": {**GOOD["forms"]["full"], "seeds": 3}}},
     "at least 5 seeds"),
    ({"forms": {**GOOD["forms"], "quick": {**GOOD["forms"]["quick"], "seeds": 1}}},
     "at least 2"),
    ({"forms": {"full": GOOD["forms"]["full"]}}, "a full and a quick form"),
    ({"colour": "blue"}, "unknown key 'colour'"),
])
def test_what_a_spec_may_not_say(tmp_path, change, message):
    with pytest.raises(SpecError, match=message) as err:
        _write(tmp_path, {**GOOD, **change})
    assert "\n" not in str(err.value) and str(err.value).startswith("experiments/x/config.yaml")


def test_a_claim_arm_may_not_pin_a_premise(tmp_path):
    spec = {**GOOD, "premises": [{"key": "market.choice.beta_ad"}]}
    with pytest.raises(SpecError, match="premise market.choice.beta_ad is set by the claim's "
                                        "arm b"):
        _write(tmp_path, spec)


def test_an_unknown_experiment_names_the_others(tmp_path):
    _write(tmp_path, GOOD, "real")
    with pytest.raises(SpecError, match="nope: unknown experiment; allowed: real"):
        load("nope", root=tmp_path)


def test_the_seventeen_experiments_of_the_issue_are_there():
    assert set(list_experiments()) >= {
        "two_to_one", "margin_and_price", "product_aware_1700s", "marketing_immunity",
        "journey_before_contact", "needs_over_products", "knowledge_and_data", "co_creation",
        "mattress_and_bedlinen", "lifetime_value_incentives", "value_80_20",
        "renting_not_owning", "punishing_exploitation", "frontline_empowerment", "b2b_pivot",
        "pivot_j_curve", "bass_docking"}
    for name in list_experiments():
        exp = load(name)
        assert exp.seed_file.startswith(("000_", "003_")) and exp.claim_text, name
