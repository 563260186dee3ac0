"""The numbers that answer each lesson's question, as small tables of the timeseries so far.

Each function takes a per-firm timeseries (live or saved, up to the step shown) and returns the
table its lesson's answer panel shows, formatted for reading, and a one-line note. They only
read numbers the run produced (through :mod:`sim.metrics`, the definitions every table and
figure uses); none says which strategy should win.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..metrics import annual_retention, mix_coordinate, strategy_comparison, strategy_groups
from ..plots.style import GROUP_LABELS
from ..strategies import CUSTOMER_LEVERS
from .views import CHANNELS, growth_wait

#: An answer: (timeseries so far, steps per year) → (table, note).
Answer = Callable[[pd.DataFrame, int], tuple[pd.DataFrame, str]]


def _pct(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def _num(x: float, fmt: str = "{:,.0f}") -> str:
    return fmt.format(x) if np.isfinite(x) else "n/a"


def _last(ts: pd.DataFrame) -> pd.DataFrame:
    return ts[ts["step"] == ts["step"].max()].set_index("firm")


def _firms(ts: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(ts.sort_values("step")["firm"].astype(str)))


def _months(ts: pd.DataFrame) -> str:
    return f"after month {int(ts['step'].max())}"


def groups(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """The two strategy groups as the headline compares them (revenue and profit pooled).

    Rows: customer-centric, product-centric. Growth is the headline's pooled revenue CAGR, or
    ``n/a until month 13`` before a year of data.
    """
    c = strategy_comparison(ts, spy)
    members = strategy_groups(ts)
    last = _last(ts)
    wait = growth_wait(ts, spy)
    rows = []
    for group in ("customer_centric", "product_centric"):
        firms = sorted(members[group])
        share = float(last.loc[last.index.isin(firms), "market_share"].sum())
        revenue = float(ts.loc[ts["firm"].isin(firms), "revenue"].sum())
        rows.append({"group": GROUP_LABELS[group], "firms": ", ".join(firms) or "none",
                     "market share now": _pct(share) if firms else "n/a",
                     "revenue so far": _num(revenue),
                     "revenue growth (CAGR / year)":
                         wait or _pct(c[f"{group}_revenue_cagr"], signed=True),
                     "margin so far": _pct(c[f"{group}_margin"])})
    gap = c["growth_gap_points"]
    note = (f"{_months(ts)}; growth gap (cc − pc): "
            + (wait if wait else f"{gap:+.1f} percentage points a year" if np.isfinite(gap)
               else "n/a"))
    return pd.DataFrame(rows), note


def channels(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """Acquisitions so far by the channel through which customers first heard of the firm."""
    total = float(ts["acquisitions"].sum()) if "acquisitions" in ts else float("nan")
    rows = []
    for col, (label, *_) in CHANNELS.items():
        n = float(ts[col].sum())
        rows.append({"channel": label, "customers won so far": _num(n),
                     "share of all acquisitions": _pct(n / total) if total > 0 else "n/a"})
    return pd.DataFrame(rows), f"{_months(ts)}; {_num(total)} acquisitions in all"


def cross_selling(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """Per firm: its place on the mix, what cross-selling won it, products per customer, revenue."""
    last = _last(ts)
    rows = []
    for firm in _firms(ts):
        g = ts[ts["firm"] == firm]
        rows.append({"firm": firm,
                     "mix (0 product … 1 customer)": _num(float(mix_coordinate(
                         last.loc[firm, "orientation"])), "{:.2f}"),
                     "customers won by cross-sell": _num(float(g["acq_cross_sell"].sum())),
                     "products per customer now": _num(float(last.loc[firm,
                                                                      "products_per_customer"]),
                                                       "{:.2f}"),
                     "revenue so far": _num(float(g["revenue"].sum()))})
    return pd.DataFrame(rows), _months(ts)


def budgets(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """Per firm: objective, budget on customer levers at the start and now, share, margin."""
    first = ts[ts["step"] == ts["step"].min()].set_index("firm")
    last = _last(ts)
    cust = [f"share_{lv}" for lv in CUSTOMER_LEVERS]
    rows = []
    for firm in _firms(ts):
        g = ts[ts["firm"] == firm]
        rev = float(g["revenue"].sum())
        rows.append({"firm": firm,
                     "rewarded on": str(last.loc[firm, "objective"]) if "objective" in last
                     else "?",
                     "budget on customer levers, start": _pct(float(first.loc[firm, cust].sum())),
                     "now": _pct(float(last.loc[firm, cust].sum())),
                     "market share now": _pct(float(last.loc[firm, "market_share"])),
                     "margin so far": _pct(float(g["profit"].sum()) / rev) if rev > 0
                     else "n/a"})
    return pd.DataFrame(rows), f"{_months(ts)}; budgets move once a year"


def retention(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """Per firm: relationships kept a year (at the mean rate so far), customers and NPS now."""
    last = _last(ts)
    rows = []
    for firm in _firms(ts):
        g = ts[ts["firm"] == firm].sort_values("step")
        rows.append({"firm": firm,
                     "relationships kept a year": _pct(annual_retention(g["retention"], spy)),
                     "customers now": _num(float(last.loc[firm, "customers"])),
                     "NPS now": _num(float(last.loc[firm, "nps"]), "{:+.0f}")})
    return pd.DataFrame(rows), _months(ts)


def exploitation(ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """Per firm: revenue so far, price, NPS and customers now."""
    last = _last(ts)
    rows = []
    for firm in _firms(ts):
        g = ts[ts["firm"] == firm]
        rows.append({"firm": firm, "revenue so far": _num(float(g["revenue"].sum())),
                     "price now": _num(float(last.loc[firm, "price"]), "{:,.2f}"),
                     "NPS now": _num(float(last.loc[firm, "nps"]), "{:+.0f}"),
                     "customers now": _num(float(last.loc[firm, "customers"]))})
    return pd.DataFrame(rows), _months(ts)


#: Answer functions by name (a lesson names its answer).
ANSWERS: dict[str, Answer] = {
    "groups": groups, "channels": channels, "cross_selling": cross_selling,
    "budgets": budgets, "retention": retention, "exploitation": exploitation,
}


def answer(name: str, ts: pd.DataFrame, spy: int) -> tuple[pd.DataFrame, str]:
    """The answer table ``name`` of the timeseries so far (an empty table before any step)."""
    if ts.empty:
        return pd.DataFrame(), "no steps yet: press Step or ▶"
    return ANSWERS[name](ts, spy)
