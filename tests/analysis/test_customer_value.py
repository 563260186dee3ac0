"""Gupta et al.'s value arithmetic on a firm's row: hand-checked cases."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.customer_value import customer_equity, value_elasticities


def _row(n: float, m: float, r: float, d: float) -> pd.DataFrame:
    return pd.DataFrame([{"step": 5, "firm": "f", "relationships": n,
                          "customer_equity": customer_equity(n, m, r, d),
                          "clv": m * (1 + d) / (1 + d - r)}])


def test_recovers_the_firm_retention_and_the_published_definitions():
    d = 1.10 ** (1 / 12) - 1
    v = value_elasticities(_row(1000, 12.0, 0.98, d), step=5).iloc[0]
    assert v["monthly_retention"] == pytest.approx(0.98)
    assert v["annual_retention"] == pytest.approx(0.98 ** 12)
    assert v["margin"] == pytest.approx(1.0)  # customer equity is linear in the margin
    assert v["acquisition_cost"] == 0.0  # current customers only
    # annual retention +1 %: monthly r' = (1.01 r^12)^(1/12); by hand
    r2 = (1.01 * 0.98 ** 12) ** (1 / 12)
    expected = 100 * ((r2 / (1 + d - r2)) / (0.98 / (1 + d - 0.98)) - 1)
    assert v["retention"] == pytest.approx(expected)
    assert 2.5 < v["retention"] < 3.5  # ≈ (1/12)(1+d)/(1+d−r) = 3.0 for r = 0.98


def test_higher_retention_makes_customer_equity_more_sensitive_to_it():
    d = 1.10 ** (1 / 12) - 1
    low = value_elasticities(_row(100, 5.0, 0.95, d), step=5).iloc[0]["retention"]
    high = value_elasticities(_row(100, 5.0, 0.99, d), step=5).iloc[0]["retention"]
    assert high > low > 0


def test_firms_without_equity_are_left_out():
    df = _row(100, 5.0, 0.95, 0.01)
    df.loc[0, "customer_equity"] = -3.0
    assert value_elasticities(df, step=5).empty
