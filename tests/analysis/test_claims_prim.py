"""PRIM regions of a claim (sim.analysis.prim_regions) on hand-made point tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.prim_regions import DENSITY, find_region


@pytest.fixture(scope="module")
def points():
    gen = np.random.default_rng(0)
    n = 200
    x = pd.DataFrame({"beta_ad": gen.uniform(0, 10, n), "noise": gen.uniform(0, 1, n),
                      "degree": gen.integers(2, 9, n),
                      "pricing": gen.choice(["cost_plus", "value_based"], n)})
    verdict = np.where((x["beta_ad"] > 6) & (x["pricing"] == "value_based"), "holds",
                       np.where(x["beta_ad"] < 3, "fails", "inconclusive"))
    return x, verdict


def test_the_box_finds_the_planted_region(points):
    x, verdict = points
    r = find_region(x, verdict, "holds")
    chosen = r.chosen
    assert chosen is not None and chosen["density"] >= DENSITY
    dense = r.trajectory[r.trajectory["density"] >= DENSITY]
    assert chosen["coverage"] == dense["coverage"].max()  # highest coverage at density >= 0.8
    box = r.box.set_index("premise")
    assert box.loc["beta_ad", "restricted"] and 5.0 < box.loc["beta_ad", "low"] < 6.5
    assert box.loc["pricing", "categories"] == "value_based"
    assert not box.loc["noise", "restricted"]
    assert r.points == int((verdict == "holds").sum()) and r.total == 200


def test_the_fails_box_is_another_region(points):
    x, verdict = points
    box = find_region(x, verdict, "fails").box.set_index("premise")
    assert box.loc["beta_ad", "high"] < 3.5
    assert set(box.loc["pricing", "categories"].split("|")) == {"cost_plus", "value_based"}


def test_the_trajectory_peels_down_to_the_minimum_mass(points):
    x, verdict = points
    t = find_region(x, verdict, "holds").trajectory
    assert t["mass"].iloc[0] == 1.0 and t["mass"].min() >= 0.05 - 1e-9
    assert (np.diff(t["mass"].to_numpy()[:5]) < 0).all()


def test_no_point_of_interest_gives_no_box(points):
    x, _ = points
    r = find_region(x, ["inconclusive"] * len(x), "holds")
    assert r.box.empty and r.chosen is None and "no point" in r.note


def test_every_point_gives_the_whole_space(points):
    x, _ = points
    r = find_region(x, ["fails"] * len(x), "fails")
    assert r.chosen["coverage"] == 1.0 and not r.box["restricted"].any()


def test_no_dense_box_is_said(points):
    x, _ = points
    gen = np.random.default_rng(1)
    scattered = np.where(gen.uniform(size=len(x)) < 0.2, "holds", "fails")  # no structure
    r = find_region(x, scattered, "holds")
    assert r.box.empty and "density" in r.note
