"""Means and confidence intervals over seeds, against hand computation."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import CI_COLUMNS, bootstrap_ci, mean_ci, summarise, t_ci

# t quantile for 95% with 4 degrees of freedom (tables: 2.776)
T_975_4 = 2.7764451051977987


def test_t_ci_matches_hand_computation():
    """The t-interval of 1..5 is 3 ± t(0.975, 4)·√0.5."""
    # mean 3, sd sqrt(2.5), sem sqrt(2.5/5) = sqrt(0.5)
    m, lo, hi = t_ci([1, 2, 3, 4, 5])
    half = T_975_4 * math.sqrt(0.5)
    assert m == pytest.approx(3.0)
    assert lo == pytest.approx(3.0 - half, rel=1e-12)
    assert hi == pytest.approx(3.0 + half, rel=1e-12)
    assert half == pytest.approx(1.9632, abs=1e-4)


def test_t_ci_edge_cases():
    """No data, one observation (after dropping NaN), and a bad confidence."""
    assert all(math.isnan(v) for v in t_ci([]))
    m, lo, hi = t_ci([2.0, float("nan")])  # NaN dropped: one observation, no interval
    assert m == 2.0 and math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError, match="confidence"):
        t_ci([1, 2], confidence=95)


def test_summarise_grouped_long_form():
    """Grouped, long output: counts, means and intervals per group and column."""
    df = pd.DataFrame({"strategy": ["a"] * 5 + ["b"] * 3 + ["c"],
                       "x": [1, 2, 3, 4, 5, 10, 10, 10, 7.0],
                       "y": [np.nan, 1, 1, 1, 1, 0, 2, 4, 1.0]})
    out = summarise(df, "strategy", ["x", "y"])
    assert list(out.columns) == ["strategy", *CI_COLUMNS]
    assert len(out) == 6
    a = out[(out.strategy == "a") & (out.variable == "x")].iloc[0]
    assert (a.n, a["mean"]) == (5, 3.0)
    assert (a.ci_low, a.ci_high) == pytest.approx(t_ci([1, 2, 3, 4, 5])[1:])
    b = out[(out.strategy == "b") & (out.variable == "x")].iloc[0]
    assert b.ci_low == b.ci_high == 10.0  # no spread, zero-width interval
    ay = out[(out.strategy == "a") & (out.variable == "y")].iloc[0]
    assert ay.n == 4  # the NaN is not an observation
    c = out[(out.strategy == "c") & (out.variable == "x")].iloc[0]
    assert c.n == 1 and math.isnan(c.ci_low)
    by = out[(out.strategy == "b") & (out.variable == "y")].iloc[0]
    # hand: mean 2, sd 2, sem 2/sqrt(3), t(0.975, 2) = 4.302653
    assert by.ci_high - 2.0 == pytest.approx(4.302652729911275 * 2 / math.sqrt(3))


def test_bootstrap_is_seeded_and_close_to_t_for_normal_data():
    """Percentile bootstrap: reproducible, near the t-interval for normal data."""
    x = np.random.default_rng(1).normal(10.0, 2.0, 200)
    assert bootstrap_ci(x, seed=3) == bootstrap_ci(x, seed=3)
    m, lo, hi = mean_ci(x, method="bootstrap")
    _, tlo, thi = mean_ci(x, method="t")
    assert lo < m < hi
    assert (hi - lo) == pytest.approx(thi - tlo, rel=0.15)
    out = summarise(pd.DataFrame({"g": 0, "v": x}), "g", "v", method="bootstrap")
    assert out.loc[0, "ci_low"] == pytest.approx(lo)
    with pytest.raises(ValueError, match="method"):
        mean_ci(x, method="normal")
