"""The headline of one run (``strategy_comparison``) on hand-built revenue paths."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics import (
    HEADLINE_UNITS,
    cagr,
    headline_reasons,
    market_levels,
    revenue_windows,
    strategy_comparison,
)
from sim.strategies import PRESETS, customer_orientation, shares_vector

SPY = 12


def _orientation(preset: str) -> float:
    return float(customer_orientation(shares_vector(PRESETS[preset])))


def _ts(paths: dict[str, tuple[str, np.ndarray]], margin: float = 0.1) -> pd.DataFrame:
    """A timeseries of firms with the given (preset, monthly revenue) and a fixed margin."""
    rows = []
    for firm, (preset, revenue) in paths.items():
        for step, r in enumerate(revenue, start=1):
            rows.append({"step": step, "firm": firm, "strategy": preset,
                         "orientation": _orientation(preset), "revenue": float(r),
                         "profit": margin * float(r) if preset == "product_centric"
                         else 0.5 * margin * float(r)})
    return pd.DataFrame(rows)


def _growing(first_year: float, factor: float, years: int = 3) -> np.ndarray:
    """Monthly revenue: each year's months equal, yearly revenue × factor a year."""
    return np.concatenate([np.full(SPY, first_year * factor**y / SPY) for y in range(years)])


def test_hand_computed_headline():
    """CAGRs, multiples, gap in points, both ratios and the margin gap, by hand."""
    ts = _ts({"cc_a": ("customer_centric", _growing(1200, 1.5)),
              "pc_a": ("product_centric", _growing(1200, 1.2))})
    c = strategy_comparison(ts, SPY)
    assert c["customer_centric_revenue_cagr"] == pytest.approx(0.5)
    assert c["product_centric_revenue_cagr"] == pytest.approx(0.2)
    assert c["growth_gap_points"] == pytest.approx(30.0)  # points, not a fraction
    assert c["customer_centric_revenue_multiple"] == pytest.approx(1.5**2)
    assert c["product_centric_revenue_multiple"] == pytest.approx(1.2**2)
    assert c["revenue_multiple_ratio"] == pytest.approx((1.5 / 1.2) ** 2)
    assert c["growth_ratio"] == pytest.approx(2.5)
    assert c["margin_gap_points"] == pytest.approx(-5.0)
    assert headline_reasons(c) == {}
    assert "growth_gap" not in c  # the old fraction is gone
    assert set(HEADLINE_UNITS) <= set(c)


def test_shrinking_product_centric_group_keeps_gap_and_multiple_defined():
    """pc revenue shrinks: growth_ratio is undefined and says why; the others stay defined."""
    ts = _ts({"cc_a": ("customer_centric", _growing(1200, 1.3)),
              "pc_a": ("product_centric", _growing(1200, 0.8))})
    c = strategy_comparison(ts, SPY)
    assert math.isnan(c["growth_ratio"])
    assert c["growth_gap_points"] == pytest.approx(50.0)
    assert c["revenue_multiple_ratio"] == pytest.approx((1.3 / 0.8) ** 2)
    assert headline_reasons(c) == {"growth_ratio": "product-centric revenue shrank",
                                   "product_centric_category_part":
                                   "product-centric revenue did not grow"}


def test_shrinking_customer_centric_group_and_both():
    """The ratio needs both CAGRs > 0 (a negative ratio is not reported)."""
    c = strategy_comparison(_ts({"cc_a": ("customer_centric", _growing(1200, 0.9)),
                                 "pc_a": ("product_centric", _growing(1200, 1.1))}), SPY)
    assert math.isnan(c["growth_ratio"]) and c["growth_gap_points"] == pytest.approx(-20.0)
    assert headline_reasons(c)["growth_ratio"] == "customer-centric revenue shrank"
    c = strategy_comparison(_ts({"cc_a": ("customer_centric", _growing(1200, 0.9)),
                                 "pc_a": ("product_centric", _growing(1200, 0.9))}), SPY)
    assert headline_reasons(c)["growth_ratio"] == (
        "product-centric revenue shrank and customer-centric revenue shrank")


def test_missing_group_and_zero_revenue_say_why():
    """No product-centric firm, or no revenue at the start: NaN with the reason."""
    c = strategy_comparison(_ts({"cc_a": ("customer_centric", _growing(1200, 1.3))}), SPY)
    why = headline_reasons(c)
    for key in ("product_centric_revenue_cagr", "growth_gap_points", "revenue_multiple_ratio",
                "growth_ratio", "margin_gap_points"):
        assert math.isnan(c[key]) and why[key] == "no product-centric firm", key
    assert c["product_centric_firms"] == 0
    late = np.concatenate([np.zeros(SPY), _growing(1200, 1.2, 2)])
    c = strategy_comparison(_ts({"cc_a": ("customer_centric", _growing(1200, 1.3)),
                                 "pc_a": ("product_centric", late)}), SPY)
    assert math.isnan(c["revenue_multiple_ratio"]) and math.isfinite(c["margin_gap_points"])
    assert headline_reasons(c)["revenue_multiple_ratio"] == (
        "product-centric firms had no revenue at the start")


def test_pc_revenue_falling_to_zero_makes_only_the_multiple_ratio_undefined():
    """A group whose revenue ends at zero: multiple 0, the ratio of multiples is undefined."""
    dying = np.concatenate([_growing(1200, 1.0, 2), np.zeros(SPY)])
    c = strategy_comparison(_ts({"cc_a": ("customer_centric", _growing(1200, 1.3)),
                                 "pc_a": ("product_centric", dying)}), SPY)
    assert c["product_centric_revenue_multiple"] == 0.0
    assert headline_reasons(c)["revenue_multiple_ratio"] == "product-centric revenue fell to zero"
    assert c["product_centric_revenue_cagr"] == pytest.approx(-1.0)


def test_short_runs_use_first_and_last_step():
    """With fewer than two full years the windows are the first and the last step."""
    r = np.array([100.0, 110.0, 121.0])
    assert revenue_windows(r, SPY) == (100.0, 121.0, 2 / SPY)
    assert cagr(r, SPY) == pytest.approx(1.21 ** (SPY / 2) - 1)
    assert math.isnan(cagr(np.array([5.0]), SPY))


def test_market_levels_average_over_firms_after_the_first_step():
    # two firms, steps 1-3; step 1 is before first_step and must not count
    ts = pd.DataFrame({
        "step": [1, 1, 2, 2, 3, 3],
        "firm": ["a", "b"] * 3,
        "nps": [-90.0, -90.0, 10.0, 40.0, 30.0, float("nan")],
        "acquisitions": [50, 50, 4, 2, 3, 1],
        "acq_wom": [50, 0, 1, 1, 2, 0],
        "acq_ads": [0, 50, 3, 0, 0, 1],
    })
    levels = market_levels(ts, first_step=2)
    # firm a: (10 + 30) / 2 = 20; firm b: 40 (its month without customers skipped); mean 30
    assert levels["nps_mean"] == pytest.approx(30.0)
    assert levels["wom_acquisition_share"] == pytest.approx(4 / 10)
    assert levels["ad_acquisition_share"] == pytest.approx(4 / 10)
    none = market_levels(ts.assign(acquisitions=0), first_step=2)
    assert math.isnan(none["wom_acquisition_share"])


def test_category_growth_share_gain_and_parts_by_hand():
    """market CAGR, share gain and each group's category part, computed by hand (issue 23).

    cc: 1,200 → 1,800 → 2,700 a year (×1.5); pc: 2,400 → 2,400 → 2,400 (flat) plus a middle firm
    (mix 0.5, in neither group) at 600 a year throughout.
    """
    ts = _ts({"cc_a": ("customer_centric", _growing(1200, 1.5)),
              "pc_a": ("product_centric", _growing(2400, 1.0))})
    middle = ts[ts["firm"] == "pc_a"].assign(
        firm="mid", strategy="mix", revenue=50.0, profit=0.0,
        orientation=(_orientation("customer_centric") + _orientation("product_centric")) / 2)
    ts = pd.concat([ts, middle], ignore_index=True)
    c = strategy_comparison(ts, SPY)
    assert c["customer_centric_firms"] == 1 and c["product_centric_firms"] == 1
    first, last = 1200 + 2400 + 600, 2700 + 2400 + 600
    assert c["market_cagr"] == pytest.approx((last / first) ** 0.5 - 1)
    s_first, s_last = 1200 / first, 2700 / last
    assert c["share_gain_points"] == pytest.approx(100 * (s_last - s_first) / 2)
    assert c["customer_centric_category_part"] == pytest.approx(
        math.log(1 + c["market_cagr"]) / math.log(1.5))
    # the product-centric group did not grow: its category part is undefined, with the reason
    assert math.isnan(c["product_centric_category_part"])
    why = headline_reasons(c)
    assert why["product_centric_category_part"] == "product-centric revenue did not grow"
    assert "customer_centric_category_part" not in why and "share_gain_points" not in why


def test_category_part_is_one_when_a_group_grows_with_the_category():
    """Both groups grow ×1.2 a year: the category grows ×1.2, both parts are 1, no share gain."""
    ts = _ts({"cc_a": ("customer_centric", _growing(1000, 1.2)),
              "pc_a": ("product_centric", _growing(3000, 1.2))})
    c = strategy_comparison(ts, SPY)
    assert c["market_cagr"] == pytest.approx(0.2)
    assert c["customer_centric_category_part"] == pytest.approx(1.0)
    assert c["product_centric_category_part"] == pytest.approx(1.0)
    assert c["share_gain_points"] == pytest.approx(0.0, abs=1e-12)


def test_shrinking_category_leaves_parts_undefined_with_reason():
    """The category shrinks while cc grows: cc's category part is undefined, and says so."""
    ts = _ts({"cc_a": ("customer_centric", _growing(1200, 1.1)),
              "pc_a": ("product_centric", _growing(6000, 0.5))})
    c = strategy_comparison(ts, SPY)
    assert c["market_cagr"] < 0 and c["customer_centric_revenue_cagr"] > 0
    why = headline_reasons(c)
    assert why["customer_centric_category_part"] == "the category's revenue did not grow"
    assert why["product_centric_category_part"] == (
        "the category's revenue and product-centric revenue did not grow")
    assert c["share_gain_points"] > 0
