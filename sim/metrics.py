"""Run-level KPIs from the per-firm timeseries: growth, margin, retention, share, NPS, CLV.

Pure functions of the saved table (no model object), so the same numbers come out of a live
run, a saved ``timeseries.parquet`` and a whole sweep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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


#: Run-level headline KPIs of :func:`strategy_comparison`, in the order tables show them, with
#: their units (the same names and units in summary.json, runs.parquet, tables and figures).
HEADLINE_UNITS: dict[str, str] = {
    "customer_centric_revenue_cagr": "fraction / year",
    "product_centric_revenue_cagr": "fraction / year",
    "growth_gap_points": "percentage points / year",
    "customer_centric_revenue_multiple": "× (last-year ÷ first-year revenue)",
    "product_centric_revenue_multiple": "× (last-year ÷ first-year revenue)",
    "revenue_multiple_ratio": "×",
    "growth_ratio": "×",
    "customer_centric_margin": "fraction of revenue",
    "product_centric_margin": "fraction of revenue",
    "margin_gap_points": "percentage points",
    "market_cagr": "fraction / year",
    "share_gain_points": "percentage points / year",
    "customer_centric_category_part": "share of the group's growth (log ratio)",
    "product_centric_category_part": "share of the group's growth (log ratio)",
}

_GROUP_LABELS = {"customer_centric": "customer-centric", "product_centric": "product-centric"}


def revenue_windows(revenue: pd.Series | np.ndarray,
                    steps_per_year: int) -> tuple[float, float, float]:
    """First and last revenue windows of :func:`cagr` and the years between them.

    Returns:
        ``(first, last, span)``: revenue of the first and of the last full year (of the first
        and last step with fewer than two full years) and the years from one to the other;
        NaNs with fewer than two steps.
    """
    r = np.asarray(revenue, dtype=float)
    years = len(r) // steps_per_year
    if years >= 2:
        return (float(r[:steps_per_year].sum()),
                float(r[(years - 1) * steps_per_year: years * steps_per_year].sum()),
                float(years - 1))
    if len(r) >= 2:
        return float(r[0]), float(r[-1]), (len(r) - 1) / steps_per_year
    return float("nan"), float("nan"), float("nan")


def cagr(revenue: pd.Series | np.ndarray, steps_per_year: int) -> float:
    """Compound annual growth of revenue from the first full year to the last.

    With fewer than two full years it annualises growth from the first to the last step.
    NaN when the starting revenue is zero.
    """
    first, last, span = revenue_windows(revenue, steps_per_year)
    if not first > 0:
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
    """One row per firm: revenue CAGR, mean margin, annual retention, final share, NPS, CLV.

    ``final_share`` is the firm's share of market revenue in the last step; ``nps``,
    ``mean_clv`` (money per relationship, discounted at ``market.economics.discount_rate``) and
    ``products_per_customer`` are means over the last year; ``total_revenue`` and
    ``total_profit`` are money over the whole run; ``acq_*`` count relationships won over the
    whole run by channel, and ``start_relationships`` those held before the first step (not
    acquisitions).
    """
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
            "start_relationships": _start_relationships(g),
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


def strategy_groups(ts: pd.DataFrame) -> dict[str, set]:
    """The firms of each group of :func:`strategy_comparison`, by their final budget's mix."""
    last = mix_coordinate(ts.sort_values("step").groupby("firm")["orientation"].last())
    return {"customer_centric": set(last[last > 0.5 + 1e-9].index),
            "product_centric": set(last[last < 0.5 - 1e-9].index)}


def _start_relationships(g: pd.DataFrame) -> int:
    """Relationships a firm held before its first step (the initial penetration).

    The first step's closing count less what it won plus what it lost; 0 without those columns.
    """
    cols = ("relationships", "acquisitions", "lost_churn", "lost_switch", "lost_outside")
    if not all(c in g for c in cols):
        return 0
    first = g.iloc[0]
    return int(first["relationships"] - first["acquisitions"] + first["lost_churn"]
               + first["lost_switch"] + first["lost_outside"])


def strategy_comparison(ts: pd.DataFrame, steps_per_year: int) -> dict[str, float]:
    """The headline: customer-centric vs product-centric firms as two groups.

    Groups pool their firms' revenue and profit. A firm belongs to the customer-centric group
    when its budget at the end of the run lies nearer the customer-centric preset
    (:func:`mix_coordinate` > 0.5), to the product-centric group when nearer the other; an exact
    middle (mix = 0.5) joins neither.

    Returns:
        Per group (``customer_centric_…``, ``product_centric_…``): ``firms``, ``revenue_cagr``
        (fraction / year, :func:`cagr`), ``revenue_multiple`` (last-year ÷ first-year revenue,
        the windows of :func:`cagr`) and ``margin`` (Σ profit ÷ Σ revenue); then

        * ``growth_gap_points``: 100 · (CAGR_cc − CAGR_pc), percentage points a year;
        * ``revenue_multiple_ratio``: multiple_cc ÷ multiple_pc, defined whenever both groups
            had revenue in the first window and the product-centric group in the last;
        * ``growth_ratio``: CAGR_cc ÷ CAGR_pc, only when both CAGRs are > 0 (a ratio of growth
            to shrinkage means nothing);
        * ``margin_gap_points``: 100 · (margin_cc − margin_pc), percentage points;

        and the growth of the category, apart from the groups' (issue 23):

        * ``market_cagr``: CAGR of all firms' revenue, the same windows;
        * ``share_gain_points``: 100 · (S_last − S_first) / years, S the customer-centric
            group's share of all firms' revenue in the first and last window;
        * ``<group>_category_part``: ln(1 + CAGR_market) ÷ ln(1 + CAGR_group), the part of the
            group's growth that was the category's, only when both CAGRs are > 0.

        An undefined figure is NaN; :func:`headline_reasons` says why.
    """
    out: dict[str, float] = {}
    total = ts.groupby("step")["revenue"].sum().sort_index()
    market_first, market_last, span = revenue_windows(total, steps_per_year)
    market = cagr(total, steps_per_year) if len(total) else float("nan")
    window_shares: dict[str, tuple[float, float]] = {}
    for label, members in strategy_groups(ts).items():
        g = ts[ts["firm"].isin(members)]
        by_step = g.groupby("step")[["revenue", "profit"]].sum().reindex(total.index,
                                                                          fill_value=0.0)
        first, last, _ = revenue_windows(by_step["revenue"], steps_per_year)
        out[f"{label}_firms"] = int(g["firm"].nunique())
        group_cagr = cagr(by_step["revenue"], steps_per_year) if len(g) else float("nan")
        out[f"{label}_revenue_cagr"] = group_cagr
        out[f"{label}_revenue_multiple"] = float(last / first) if first > 0 else float("nan")
        rev = by_step["revenue"].sum() if len(g) else 0.0
        out[f"{label}_margin"] = float(by_step["profit"].sum() / rev) if rev > 0 else float("nan")
        window_shares[label] = (first / market_first if market_first > 0 else float("nan"),
                                last / market_last if market_last > 0 else float("nan"))
        out[f"{label}_category_part"] = category_part(market, group_cagr)
    cc, pc = out["customer_centric_revenue_cagr"], out["product_centric_revenue_cagr"]
    out["growth_gap_points"] = float(100.0 * (cc - pc))
    m_cc, m_pc = (out["customer_centric_revenue_multiple"],
                  out["product_centric_revenue_multiple"])
    out["revenue_multiple_ratio"] = float(m_cc / m_pc) if m_pc > 0 else float("nan")
    out["growth_ratio"] = float(cc / pc) if cc > 0 and pc > 0 else float("nan")
    out["margin_gap_points"] = float(100.0 * (out["customer_centric_margin"]
                                              - out["product_centric_margin"]))
    out["market_cagr"] = float(market)
    s_first, s_last = window_shares["customer_centric"]
    out["share_gain_points"] = (float(100.0 * (s_last - s_first) / span)
                                if out["customer_centric_firms"] and span > 0
                                else float("nan"))
    return out


def category_part(market_cagr: float, group_cagr: float) -> float:
    """ln(1 + CAGR_market) ÷ ln(1 + CAGR_group): the part of a group's growth the category's.

    1 when the group grew exactly as fast as the category; below 1 when it outgrew it. Only
    defined when both CAGRs are > 0 (NaN otherwise: a share of shrinkage means nothing).
    """
    if not (market_cagr > 0 and group_cagr > 0):
        return float("nan")
    return float(math.log1p(market_cagr) / math.log1p(group_cagr))


def market_levels(ts: pd.DataFrame, first_step: int) -> dict[str, float]:
    """Levels of the whole market from ``first_step`` on, averaged over all firms (no groups).

    Returns:
        ``nps_mean``: the mean over firms of each firm's mean monthly NPS (points, −100…100;
        months without customers skipped); ``wom_acquisition_share`` and
        ``ad_acquisition_share``: word of mouth's and advertising's shares of all acquisitions
        (NaN if there were none).
    """
    late = ts[ts["step"] >= first_step]
    nps = float(late.groupby("firm")["nps"].mean().mean()) if len(late) else math.nan
    acquisitions = float(late["acquisitions"].sum())
    shares = {col: float(late[col].sum()) / acquisitions if acquisitions > 0 else math.nan
              for col in ("acq_wom", "acq_ads")}
    return {"nps_mean": nps, "wom_acquisition_share": shares["acq_wom"],
            "ad_acquisition_share": shares["acq_ads"]}


def _group_reason(c: Mapping[str, float], group: str, what: str) -> str | None:
    """Why a group's ``what`` (``revenue_cagr``, ``revenue_multiple``, ``margin``) is undefined."""
    name = _GROUP_LABELS[group]
    value = c.get(f"{group}_{what}", float("nan"))
    if _finite(value):
        return None
    if not c.get(f"{group}_firms"):
        return f"no {name} firm"
    if what == "margin":
        return f"{name} firms had no revenue"
    return f"{name} firms had no revenue at the start"


def headline_reasons(comparison: Mapping[str, float]) -> dict[str, str]:
    """Why each undefined headline figure is undefined, e.g. ``"product-centric revenue shrank"``.

    Works on a :func:`strategy_comparison` dict or a row of runs.parquet.

    Returns:
        ``{key: reason}`` for every key of :data:`HEADLINE_UNITS` whose value is NaN.
    """
    c = comparison
    out: dict[str, str] = {}
    for group in _GROUP_LABELS:
        for what in ("revenue_cagr", "revenue_multiple", "margin"):
            why = _group_reason(c, group, what)
            if why:
                out[f"{group}_{what}"] = why
    cagrs = [_group_reason(c, g, "revenue_cagr") for g in _GROUP_LABELS]
    why_cagr = "; ".join(r for r in cagrs if r)
    if not _finite(c.get("growth_gap_points")):
        out["growth_gap_points"] = why_cagr or "a revenue CAGR is undefined"
    if not _finite(c.get("revenue_multiple_ratio")):
        mult = [_group_reason(c, g, "revenue_multiple") for g in _GROUP_LABELS]
        out["revenue_multiple_ratio"] = ("; ".join(r for r in mult if r)
                                         or "product-centric revenue fell to zero")
    if not _finite(c.get("growth_ratio")):
        if why_cagr:
            out["growth_ratio"] = why_cagr
        else:
            shrank = [f"{_GROUP_LABELS[g]} revenue shrank" for g in ("product_centric",
                                                                     "customer_centric")
                      if not c.get(f"{g}_revenue_cagr", float("nan")) > 0]
            out["growth_ratio"] = " and ".join(shrank) or "a revenue CAGR is not > 0"
    if not _finite(c.get("margin_gap_points")):
        margins = [_group_reason(c, g, "margin") for g in _GROUP_LABELS]
        out["margin_gap_points"] = "; ".join(r for r in margins if r) or "a margin is undefined"
    market = c.get("market_cagr", float("nan"))
    if not _finite(market):
        out["market_cagr"] = "the firms had no revenue at the start"
    if not _finite(c.get("share_gain_points")):
        out["share_gain_points"] = (_group_reason(c, "customer_centric", "revenue_cagr")
                                    or "the firms had no revenue in the first or last year")
    for group, name in _GROUP_LABELS.items():
        key = f"{group}_category_part"
        if _finite(c.get(key)):
            continue
        why = _group_reason(c, group, "revenue_cagr")
        if why is None:
            shrank = [what for what, value in (("the category's revenue", market),
                                                (f"{name} revenue", c.get(f"{group}_revenue_cagr")))
                      if not (_finite(value) and float(value) > 0)]
            why = " and ".join(shrank) + " did not grow" if shrank else "undefined"
        out[key] = why
    return out


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
