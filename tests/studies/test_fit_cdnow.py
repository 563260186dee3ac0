"""The CDNOW report: the sample read without lifetimes' loaders, BG/NBD as published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import data
from sim.analysis import fit_cdnow as cd


@pytest.fixture(scope="module")
def summary():
    return cd.summarise(cd.read_cdnow())


def test_the_sample_matches_lifetimes_own_summary(summary):
    """lifetimes ships the same customers summarised (frequency, recency, T in weeks)."""
    path = cd.cdnow_path().parent / "cdnow_customers_summary.csv"
    theirs = pd.read_csv(path).set_index("ID").sort_index()
    assert len(summary) == 2357 == len(theirs)
    ours = summary.sort_index()
    assert (ours["x"].to_numpy() == theirs["frequency"].to_numpy()).all()
    assert np.allclose(ours["t_x"], theirs["recency"], atol=0.01)
    assert np.allclose(ours["T"], theirs["T"], atol=0.01)


def test_bgnbd_reproduces_the_published_estimates(summary):
    fit = cd.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    p = data.read_csv("published_estimates.csv")
    pub = p[p["target"] == "cdnow"].set_index("parameter")["value"]
    for name in ("r", "alpha", "a", "b"):
        assert fit[name] == pytest.approx(pub[name], abs=1e-3), name


def test_bgnbd_agrees_with_lifetimes_when_it_imports(summary):
    lifetimes = pytest.importorskip("lifetimes")
    bgf = lifetimes.BetaGeoFitter().fit(summary["x"], summary["t_x"], summary["T"])
    ours = cd.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    for name in ("r", "alpha", "a", "b"):
        assert ours[name] == pytest.approx(bgf.params_[name], rel=1e-3), name
    x, t_x, T = (summary[c].to_numpy()[:50] for c in ("x", "t_x", "T"))
    theirs = bgf.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    assert np.allclose(cd.bgnbd_conditional(ours, x, t_x, T, 39.0), theirs, rtol=1e-3)
    assert np.allclose(cd.bgnbd_p_alive(ours, x, t_x, T),
                       bgf.conditional_probability_alive(x, t_x, T), rtol=1e-3)
    assert np.allclose(cd.bgnbd_expected(ours, np.array([10.0, 39.0])),
                       bgf.expected_number_of_purchases_up_to_time(np.array([10.0, 39.0])),
                       rtol=1e-3)


def test_a_customer_without_repeat_purchases_is_more_likely_alive_the_sooner_it_is():
    p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    # a repeat buyer silent for a long time is less likely alive than one who just bought
    assert cd.bgnbd_p_alive(p, 3, 5.0, 39.0) < cd.bgnbd_p_alive(p, 3, 38.0, 39.0)
    assert cd.bgnbd_p_alive(p, 0, 0.0, 39.0) == 1.0
    assert cd.bgnbd_expected(p, 0.0) == pytest.approx(0.0)


def test_the_report_says_what_the_numbers_are(summary):
    rep = cd.report()
    t = rep["timing"]
    assert rep["holdout"]["actual"] == summary["holdout"].sum()
    assert 0 < t["share_of_later_months_with_a_purchase"] < 1
    assert t["variance_to_mean_repeat_counts"] > 1
    assert rep["weekly"]["actual"].iloc[-1] == t["repeat_purchases_78w"]
    text = "\n".join(cd.markdown(rep))
    assert f"{rep['fit']['r']:.3f}" in text and "Do the data support it?" in text
