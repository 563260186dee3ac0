"""Run-level KPIs from the per-firm timeseries: growth, margin, retention, share, NPS, CLV.

Pure functions of the saved table (no model object), so the same numbers come out of a live
run, a saved ``timeseries.parquet`` and a whole sweep.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CHANNEL_COLUMNS = ("acq_ads", "acq_wom", "acq_search", "acq_cross_sell", "acq_initial")


def mix_coordinate(orientation: float | np.ndarray | pd.Series) -> float | np.ndarray | pd.Series:
    """Where a budget's customer-lever share lies between the two presets.

    0 is the product-centric preset, 1 the customer-centric one; a ``strategy=mix`` firm's
    coordinate is its ``mix``.
    """
    from .strategies import PRESETS, customer_orientation, shares_vector

    pc = customer_orientation(shares_vector(PRESETS["product_centric"]))
    cc = customer_orientation(shares_vector(PRESETS["customer_centric"]))
    if isinstance(orientation, pd.Series):
        return (orientation.astype(float) - pc) / (cc - pc)
    return (np.asarray(orientation, dtype=float) - pc) / (cc - pc)


def cagr(revenue: pd.Series | np.ndarray, steps_per_year: int) -> float:
    """Compound annual growth of revenue from the first full year to the last.

    With fewer than two full years it annualises growth from the first to the last step.
    NaN when the starting revenue is zero.
    """
    r = np.asarray(revenue, dtype=float)
    years = len(r) // steps_per_year
    if years >= 2:
        first = r[:steps_per_year].sum()
        last = r[(years - 1) * steps_per_year: years * steps_per_year].sum()
        span = years - 1
    elif len(r) >= 2:
        first, last, span = r[0], r[-1], (len(r) - 1) / steps_per_year
    else:
        return float("nan")
    if first <= 0:
        return float("nan")
    return float((last / first) ** (1.0 / span) - 1.0)


def annual_retention(retention: pd.Series, steps_per_year: int) -> float:
    """Share of customers kept over a year at the run's geometric-mean monthly retention."""
    r = np.asarray(retention, dtype=float)
    r = r[np.isfinite(r)]  # NaN: the firm had no customers at the start of that step
    if r.size == 0:
        return float("nan")
    if (r <= 0).any():  # a month that lost every customer
        return 0.0
    return float(math.exp(steps_per_year * np.log(r).mean()))


def firm_kpis(ts: pd.DataFrame, steps_per_year: int) -> pd.DataFrame:
    """One row per firm: revenue CAGR, mean margin, annual retention, final share, NPS, CLV."""
    rows = []
    last_year = ts["step"] > ts["step"].max() - steps_per_year
    for firm, g in ts.sort_values("step").groupby("firm", sort=False):
        revenue = g["revenue"].sum()
        ly = g[last_year.loc[g.index]]
        row = {
            "firm": firm,
            "strategy": g["strategy"].iloc[0],
            "orientation": float(g["orientation"].iloc[-1]),
            "revenue_cagr": cagr(g["revenue"], steps_per_year),
            "mean_margin": float(g["profit"].sum() / revenue) if revenue > 0 else float("nan"),
            "annual_retention": annual_retention(g["retention"], steps_per_year),
            "final_share": float(g["market_share"].iloc[-1]),
            "final_customers": int(g["customers"].iloc[-1]),
            "nps": float(ly["nps"].mean()),
            "mean_clv": float(ly["clv"].mean()),
            "products_per_customer": float(ly["products_per_customer"].mean()),
            "intangible_share": float(g["intangible_share"].iloc[-1]),
            "total_revenue": float(revenue),
            "total_profit": float(g["profit"].sum()),
        }
        for col in CHANNEL_COLUMNS:
            row[col] = int(g[col].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def strategy_comparison(ts: pd.DataFrame, steps_per_year: int) -> dict[str, float]:
    """Customer-centric vs product-centric firms as two groups: growth ratio and margin gap.

    Groups pool their firms' revenue and profit. A firm belongs to the customer-centric group
    when its budget at the end of the run lies nearer the customer-centric preset
    (:func:`mix_coordinate` > 0.5), to the product-centric group when nearer the other; an exact
    middle (mix = 0.5) joins neither. The growth ratio is NaN unless the product-centric group
    grew (a ratio of a positive to a negative growth means nothing).
    """
    last = mix_coordinate(ts.sort_values("step").groupby("firm")["orientation"].last())
    groups = {"customer_centric": set(last[last > 0.5 + 1e-9].index),
              "product_centric": set(last[last < 0.5 - 1e-9].index)}
    out: dict[str, float] = {}
    for label, members in groups.items():
        g = ts[ts["firm"].isin(members)]
        by_step = g.groupby("step")[["revenue", "profit"]].sum().sort_index()
        out[f"{label}_firms"] = int(g["firm"].nunique())
        out[f"{label}_revenue_cagr"] = (cagr(by_step["revenue"], steps_per_year)
                                       if len(by_step) else float("nan"))
        rev = by_step["revenue"].sum() if len(by_step) else 0.0
        out[f"{label}_margin"] = float(by_step["profit"].sum() / rev) if rev > 0 else float("nan")
    cc, pc = out["customer_centric_revenue_cagr"], out["product_centric_revenue_cagr"]
    out["growth_ratio"] = float(cc / pc) if pc > 0 and math.isfinite(cc) else float("nan")
    out["growth_gap"] = float(cc - pc)
    out["margin_gap_points"] = float(100.0 * (out["customer_centric_margin"]
                                              - out["product_centric_margin"]))
    return out
