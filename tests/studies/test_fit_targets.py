"""The fit targets' losses and runs: what they score, and what they never read."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import fit_curves as fc
from sim.configure import load_config
from sim.model import MarketModel
from sim.studies import fit
from sim.studies.fit_targets import cohort_alive, cohort_steps

TARGETS = fit.targets()


def test_every_scenario_with_churn_has_a_retention_target_and_bass_has_none():
    names = {n for n in TARGETS if n.startswith("retention_")}
    assert names == {"retention_subscription", "retention_b2b", "retention_experience_economy",
                     "retention_product_aware_economy", "retention_exploitation"}


def test_the_bass_loss_is_zero_on_the_observed_shape_and_profiles_m():
    t = TARGETS["bass_room_ac"]
    y = t.observed()["sales"].to_numpy()
    shape = y / 20_000.0
    ev = t.score({}, [shape.tolist()] * 5)
    assert ev.value == pytest.approx(0.0, abs=1e-6) and ev.attrs["m"] == pytest.approx(20_000)
    worse = t.score({}, [(shape * np.linspace(0.8, 1.2, y.size)).tolist()] * 5)
    assert worse.value > 1.0 and len(worse.per_seed) == 5


def test_the_sbg_loss_prefers_the_observed_curve():
    t = TARGETS["sbg_regular"]
    obs = t.observed()[:8]
    counts = [list(obs * 10)] * 5
    exact = t.score({}, counts)
    assert exact.value == pytest.approx(-fc.survivor_loglik(obs, obs / 100))
    flatter = [list(1000 * 0.8 ** np.arange(8))] * 5
    assert t.score({}, flatter).value > exact.value
    # an empty cohort gets a finite, large loss (Optuna needs a number)
    assert t.score({}, [[0] * 8] * 5).value >= 1e6


def test_the_retention_loss_is_small_inside_the_ranges_and_large_outside():
    t = TARGETS["retention_subscription"]
    r = t.ranges()
    mid = ((r["low"] + r["high"]) / 200).to_numpy()
    inside = [list(1000 * np.concatenate(([1.0], np.cumprod(mid))))] * 5
    low = [list(1000 * 0.3 ** np.arange(4))] * 5
    assert t.score({}, inside).value < 1e-6 < 1.0 < t.score({}, low).value


def test_the_retention_tie_break_chooses_among_equal_fits_toward_the_configured_premises():
    """Equal retention, different premises: the one nearer the scenario's values scores lower."""
    import dataclasses

    from sim.studies.fit_survival import PRIOR_WEIGHT
    t = TARGETS["retention_b2b"]
    r = t.ranges()
    mid = ((r["low"] + r["high"]) / 200).to_numpy()
    inside = [list(1000 * np.concatenate(([1.0], np.cumprod(mid))))] * 5
    near = {"market.churn.base": 0.005, "market.choice.switching_cost": 1.8}
    far = {"market.churn.base": 0.005, "market.choice.switching_cost": 0.0}
    assert t.score(far, inside).value == t.score(near, inside).value  # no prior: no tie-break
    t = dataclasses.replace(t, prior=(("market.churn.base", 0.005),
                                      ("market.choice.switching_cost", 2.0)))
    at_prior = t.score({"market.churn.base": 0.005, "market.choice.switching_cost": 2.0}, inside)
    assert at_prior.value < 1e-6 < t.score(near, inside).value < t.score(far, inside).value
    # switching cost 2 -> 0 is a quarter of its 0-8 range: the weight times 0.25 squared
    gap = t.score(far, inside).value - at_prior.value
    assert gap == pytest.approx(PRIOR_WEIGHT * 0.0625)
    low = [list(1000 * 0.3 ** np.arange(2))] * 5  # missing the range costs far more
    assert t.score(far, low).value > 100 * gap


def test_the_retention_fit_scales_the_churn_mix_it_does_not_change_it():
    from sim.studies.fit_survival import tied
    cfg = load_config(["scenario=experience_economy"])
    ratio = cfg.market.churn.sensitivity / cfg.market.churn.base
    out = tied(cfg, {"market.churn.base": 0.002})
    assert out["market.churn.sensitivity"] == pytest.approx(0.002 * ratio)
    searched = {"market.churn.base": 0.002, "market.churn.sensitivity": 0.7}
    assert tied(cfg, searched) == searched  # --search untied it
    assert tied(cfg, {"market.choice.switching_cost": 3.0}) == {"market.choice.switching_cost": 3.0}


@pytest.fixture(scope="module")
def b2b():
    return load_config(["scenario=b2b", "market.n_customers=300",
                        f"market.steps={cohort_steps(1)}", "output.progress=false"])


def test_the_cohort_never_depends_on_which_firm_a_relationship_is_with(b2b, monkeypatch):
    """The objective pools every firm: relabelling the firms of the spells changes nothing, so
    it cannot read a strategy or the strategy comparison."""
    plain = cohort_alive(b2b, 1, {}, 3)
    real = MarketModel.spells_table

    def scrambled(self):
        s = real(self)
        s["firm"] = (s["firm"] + 1) % len(self.firms)
        s["firm_name"] = "x"
        return s

    monkeypatch.setattr(MarketModel, "spells_table", scrambled)
    assert cohort_alive(b2b, 1, {}, 3) == plain and plain[0] > 0


def test_a_longer_run_sees_the_same_first_years(b2b):
    """The band's runs are longer than the search's: the model must not read market.steps, so
    a longer run's first year is the shorter run's."""
    longer = load_config(["scenario=b2b", "market.n_customers=300",
                          f"market.steps={cohort_steps(2)}", "output.progress=false"])
    params = {"market.churn.base": 0.002}
    assert cohort_alive(longer, 2, params, 5)[:2] == cohort_alive(b2b, 1, params, 5)


def test_the_searched_premise_reaches_the_run(b2b):
    few = cohort_alive(b2b, 1, {"market.churn.base": 0.3}, 1)
    many = cohort_alive(b2b, 1, {"market.churn.base": 0.0005}, 1)
    assert few[1] / few[0] < many[1] / many[0]


def test_a_retention_search_centres_its_tie_break_on_the_configured_premises():
    cfg = load_config(["scenario=b2b"])
    t = TARGETS["retention_b2b"].searching_from(cfg)
    assert dict(t.prior) == {"market.churn.base": cfg.market.churn.base,
                             "market.choice.switching_cost": cfg.market.choice.switching_cost}
    bass = TARGETS["bass_room_ac"]
    assert bass.searching_from(load_config(["scenario=bass"])) is bass
