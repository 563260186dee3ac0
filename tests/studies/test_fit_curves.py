"""The classical fits and losses beside which `ccsim fit` reads the model; the shipped data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import data
from sim.analysis import fit_curves as fc
from sim.analysis.retention import fit_sbg
from sim.validation.bass import closed_form


def _published(target: str) -> pd.Series:
    p = data.read_csv("published_estimates.csv")
    return p[p["target"] == target].set_index("parameter")["value"]


@pytest.mark.parametrize(("target", "segment"), list(fc.SBG_SEGMENTS.items()))
def test_the_papers_sbg_estimates_are_reproduced_as_the_data_file_says(target, segment):
    obs = fc.survivors_observed(segment)["percent"].to_numpy()
    fit = fit_sbg(obs[:8] * 10.0)
    pub = _published(target)
    assert fit.alpha == pytest.approx(pub["alpha"], abs=5e-4)
    assert fit.beta == pytest.approx(pub["beta"], abs=5e-4)


def test_bass_published_values_are_marked_not_verified():
    p = data.read_csv("published_estimates.csv")
    bass = p[p["target"].str.startswith("bass")]
    assert len(bass) == 3 and bass["checked"].str.contains("not verified").all()


def test_every_published_value_and_range_has_a_source():
    for name in ("published_estimates.csv", "retention_ranges.csv"):
        table = data.read_csv(name)
        assert table["source"].str.len().gt(10).all(), name
    assert "Bass (1969)" in data.text("README.md")


def test_published_subscription_ranges_are_the_two_segments_retention():
    """The subscription ranges are computed from Fader & Hardie's table, year by year."""
    ranges = data.read_csv("retention_ranges.csv")
    sub = ranges[ranges["market"] == "subscription"].set_index("year")
    ret = {seg: fc.retention_by_year(fc.survivors_observed(seg)["percent"]) * 100
           for seg in ("regular", "high_end")}
    for year, row in sub.iterrows():
        assert row["status"] == "published"
        assert row["low"] == pytest.approx(ret["regular"][year - 1], abs=0.05)
        assert row["high"] == pytest.approx(ret["high_end"][year - 1], abs=0.05)


def test_assumed_ranges_are_marked_and_at_most_ten_points_wide():
    ranges = data.read_csv("retention_ranges.csv")
    assumed = ranges[ranges["status"] == "assumed"]
    assert set(ranges["status"]) <= {"published", "assumed"}
    assert len(assumed) and ((assumed["high"] - assumed["low"]) <= 10).all()
    assert assumed["source"].str.startswith("assumed").all()


@pytest.mark.parametrize("discrete", [False, True])
def test_nls_recovers_a_bass_curve(discrete):
    m, p, q = 15_000.0, 0.012, 0.45
    y = m * fc.bass_shape(p, q, 14, discrete)
    fit = fc.bass_nls(y, discrete=discrete)
    assert fit["p"] == pytest.approx(p, rel=1e-4) and fit["q"] == pytest.approx(q, rel=1e-4)
    assert fit["m"] == pytest.approx(m, rel=1e-4) and fit["rmse"] < 1e-3


def test_the_closed_form_shape_matches_the_validation_modules():
    f = closed_form(0.02, 0.4, np.arange(11.0))
    assert np.allclose(fc.bass_shape(0.02, 0.4, 10), np.diff(f))


def test_bass_ols_is_exact_on_the_discrete_map():
    """Bass's regression S_t = pm + (q − p)Y − (q/m)Y² holds exactly for the discrete map."""
    m, p, q = 20_000.0, 0.02, 0.35
    fit = fc.bass_ols(m * fc.bass_shape(p, q, 12, discrete=True))
    assert fit == pytest.approx({"m": m, "p": p, "q": q}, rel=1e-8)


def test_best_scale_is_least_squares():
    s = np.array([0.1, 0.3, 0.2])
    assert fc.best_scale(3.0 * s, s) == pytest.approx(3.0)
    y = np.array([1.0, 2.0, 2.5])
    m = fc.best_scale(y, s)
    for other in (m * 0.99, m * 1.01):
        assert np.sum((y - m * s) ** 2) < np.sum((y - other * s) ** 2)
    assert fc.best_scale(y, np.zeros(3)) == 0.0


def test_survivor_loglik_is_the_sbg_likelihood_per_member():
    counts = fc.survivors_observed("regular")["percent"].to_numpy()[:8] * 10.0
    fit = fit_sbg(counts)
    ll = fc.survivor_loglik(counts, fit.survival(np.arange(8)))
    assert ll == pytest.approx(fit.log_likelihood / counts[0], rel=1e-9)
    # percentages or counts: the same value; a worse curve scores worse
    assert fc.survivor_loglik(counts / 10.0, fit.survival(np.arange(8))) == pytest.approx(ll)
    flat = 0.8 ** np.arange(8)
    assert fc.survivor_loglik(counts, flat) < ll
    # a curve with no churn in a year where some churned is floored, not -inf
    assert math.isfinite(fc.survivor_loglik(counts, np.ones(8)))


def test_prediction_errors_and_retention():
    e = fc.prediction_errors([10.0, 20.0], [11.0, 18.0])
    assert e == pytest.approx({"mae": 1.5, "mape": 10.0})
    assert np.allclose(fc.retention_by_year([1.0, 0.5, 0.25, 0.0, 0.0])[:3], [0.5, 0.5, 0.0])


def test_sbg_heterogeneity_of_the_paper():
    h = fc.sbg_heterogeneity(0.704, 1.182)
    assert h["mean_theta"] == pytest.approx(0.704 / 1.886)
    assert h["theta_p10"] < h["theta_p50"] < h["theta_p90"]
    assert h["monthly_hazard_p50"] == pytest.approx(1 - (1 - h["theta_p50"]) ** (1 / 12))


def test_range_loss_is_least_in_the_middle_and_grows_outside():
    mid = fc.range_loss(75.0, 70.0, 80.0)
    edge = fc.range_loss(79.0, 70.0, 80.0)
    out = fc.range_loss(85.0, 70.0, 80.0)
    assert mid == 0.0 < edge < 0.1 < out
    assert fc.range_loss(float("nan"), 70.0, 80.0) == math.inf
