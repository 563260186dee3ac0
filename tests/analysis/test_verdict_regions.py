"""Where the verdict reverses: thirds of each range on hand-made samples."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.analysis.verdict_regions import format_regions, verdict_regions

A = SimpleNamespace(key="a", low=0.0, high=3.0)
B = SimpleNamespace(key="b", low=10.0, high=40.0)


def _samples() -> pd.DataFrame:
    # the gap is negative exactly when a is in its top third; b is unrelated to it
    a = np.array([0.5, 1.5, 2.5, 2.9, 0.1, 1.9, 2.2, 3.0])
    b = np.array([11, 39, 25, 12, 14, 26, 15, 35], dtype=float)
    gap = np.where(a >= 2.0, -1.0, 2.0)
    gap[0] = np.nan  # an undefined output is left out
    return pd.DataFrame({"a": a, "b": b, "gap": gap})


def test_thirds_count_points_and_reversals():
    r = verdict_regions(_samples(), [A, B], ["gap"]).set_index(["parameter", "third"])
    assert list(r.loc["a", "points"]) == [1, 2, 4]  # the NaN point (a = 0.5) is left out
    assert list(r.loc["a", "reversed_share"]) == [0.0, 0.0, 1.0]
    assert r.loc[("a", "high"), "mean"] == -1.0 and r.loc[("a", "low"), "mean"] == 2.0
    assert r.loc[("a", "middle"), "low"] == pytest.approx(1.0)
    assert r.loc[("a", "middle"), "high"] == pytest.approx(2.0)
    assert r.loc["b", "points"].sum() == 7
    assert 0.0 < r.loc[("b", "low"), "reversed_share"] < 1.0  # a mix where b does not decide


def test_format_names_the_region_where_it_reverses():
    s = _samples()
    text = format_regions(verdict_regions(s, [A, B], ["gap"]), s, top=1)
    assert "gap: reversed (< 0) at 4 of 7 points (57%)" in text
    assert "a in [2, 3] (high third): reversed at 100% of 4 points, mean -1.00" in text
