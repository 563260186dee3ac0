"""An experiment's design (sim.studies.experiment_design) and its launch in chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.experiment_spec import SpecError, list_experiments, load
from sim.studies.experiment_design import BASE, extra_seeds, jobs_for, merge, points_table
from sim.studies.experiment_launch import chunks


@pytest.fixture(scope="module")
def two_to_one():
    return load("two_to_one")


def test_every_arm_runs_the_same_seeds(two_to_one):
    jobs = jobs_for(two_to_one, quick=False)
    base = [j for j in jobs if j.point == BASE]
    by_arm = {}
    for j in base:
        by_arm.setdefault(j.arm, []).append(j.seed)
    form = two_to_one.form(False)
    assert set(by_arm) == set(two_to_one.arms)
    assert all(seeds == list(range(form.seeds)) for seeds in by_arm.values())
    sizes = {o for j in base for o in j.overrides if o.startswith("market.n_customers=")}
    assert sizes == {f"market.n_customers={form.customers}"}


def test_region_runs_only_the_claims_arms_at_every_point(two_to_one):
    form = two_to_one.form(False)
    region = [j for j in jobs_for(two_to_one, quick=False) if j.point != BASE]
    assert {j.arm for j in region} == set(two_to_one.claim.arms)
    assert len(region) == form.points * form.point_seeds * len(two_to_one.claim.arms)
    assert len({j.point for j in region}) == form.points >= 200


def test_the_latin_hypercube_covers_each_range_once_per_slice(two_to_one):
    form = two_to_one.form(False)
    points = points_table(two_to_one, form)
    assert len(points) == form.points
    for p in two_to_one.premises:
        if p.categorical:
            assert set(points[p.key]) == set(p.presets), p.key
            continue
        x = points[p.key].to_numpy(dtype=float)
        assert x.min() >= p.low and x.max() <= p.high, p.key
        if p.integer:
            assert (x == np.round(x)).all(), p.key
        else:  # one point in each of the n equal slices of the range (rounding to 4
            # significant digits moves a few across a slice's edge)
            slices = np.floor((x - p.low) / (p.high - p.low) * form.points)
            assert len(np.unique(np.clip(slices, 0, form.points - 1))) >= 0.95 * form.points
    again = points_table(two_to_one, form)
    assert points.equals(again)  # seeded


def test_categorical_premises_take_their_presets(two_to_one):
    import dataclasses

    from sim.analysis.experiment_spec import Premise

    preset = Premise("firms", "number of firms", presets={"four": ("firms=two_vs_two",),
                                                           "five": ("firms=mix_ladder",)})
    exp = dataclasses.replace(two_to_one, premises=(preset,))
    form = dataclasses.replace(two_to_one.form(False), points=40)
    points = points_table(exp, form)
    assert set(points["firms"]) == {"four", "five"}
    assert (points["firms"] == "four").sum() == 20  # equal slices of the hypercube
    assert preset.overrides("five") == ["firms=mix_ladder"]


def test_later_overrides_win_and_a_key_appears_once():
    assert merge(["market.n_customers=300", "seed=1"], ["market.n_customers=500"]) == (
        "seed=1", "market.n_customers=500")
    assert merge(["+a.b=1"], ["a.b=2"]) == ("a.b=2",)


def test_form_variables_fill_the_overrides():
    exp = load("pivot_j_curve")
    full = {o for j in jobs_for(exp) if j.arm == "pivot" for o in j.overrides}
    quick = {o for j in jobs_for(exp, quick=True) if j.arm == "pivot" for o in j.overrides}
    assert "firms.pc_a.pivot.at=36" in full and "firms.pc_a.pivot.at=12" in quick


def test_extra_seeds_reach_the_target_half_width():
    assert extra_seeds(0.2, 20, 0.1, 60) == 60  # 4× the seeds, capped
    assert extra_seeds(0.2, 20, 0.1, 100) == 80
    assert extra_seeds(0.05, 20, 0.1, 60) == 20
    assert extra_seeds(math.nan, 20, 0.1, 60) == 20
    assert extra_seeds(0.3, 20, None, 60) == 20


def test_more_seeds_extend_every_arm_from_where_it_stopped(two_to_one):
    more = jobs_for(two_to_one, seeds=25, start=20)
    assert {j.seed for j in more} == set(range(20, 25)) and {j.point for j in more} == {BASE}
    assert len(more) == 5 * len(two_to_one.arms)


def test_runs_go_to_hydra_in_chunks_of_one_setting():
    lines = [["a=1", f"seed={s}"] for s in range(12)] + [["a=2", "seed=0"]]
    out = chunks(lines, size=5)
    assert out == [["a=1", "+ccsim_seeds=[0,1,2,3,4]"], ["a=1", "+ccsim_seeds=[5,6,7,8,9]"],
                   ["a=1", "+ccsim_seeds=[10,11]"], ["a=2", "+ccsim_seeds=[0]"]]
    with pytest.raises(ValueError, match="one seed"):
        chunks([["a=1"]])


@pytest.mark.parametrize("name", list_experiments())
def test_every_full_form_is_an_experiment_worth_running(name):
    """Every full form: at least 20 seeds an arm when the claim compares arms, 5 per point, 200
    points (Latin hypercube) when it has premises, a stated half-width target for its seeds."""
    exp = load(name)
    form = exp.form(False)
    if len(exp.claim.arms) > 1:
        assert form.seeds >= 20
    assert form.point_seeds >= 5
    assert not exp.premises or form.points >= 200
    assert form.half_width is not None or form.seeds >= 10
    quick = exp.form(True)
    assert quick.customers <= 3000 and quick.months <= 36 and quick.seeds <= 3


def test_an_override_with_an_unknown_variable_is_refused(tmp_path):
    exp = load("pivot_j_curve")
    import dataclasses

    form = dataclasses.replace(exp.form(True), vars={})
    bad = dataclasses.replace(exp, forms={"quick": form, "full": exp.form(False)})
    with pytest.raises(SpecError, match="pivot_at"):
        jobs_for(bad, quick=True)
