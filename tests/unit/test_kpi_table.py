"""The KPI table ``ccsim run`` prints: units and windows stated, n/a lines say why."""

from __future__ import annotations

import dataclasses

import pytest

from sim.configure import load_config
from sim.metrics import strategy_comparison
from sim.runner import format_table, run


@pytest.fixture(scope="module")
def tiny():
    """A real run of a tiny market (300 customers, 24 months)."""
    cfg = load_config(["market.n_customers=300", "market.steps=24",
                       "market.economics.discount_rate=0.07", "output.progress=false"])
    return run(cfg, None, progress=False)


def test_table_states_units_windows_and_money(tiny):
    """Revenue and profit in money; units and windows of every column in the footers."""
    text = format_table(tiny)
    header = text.splitlines()[0].split()
    assert header[:4] == ["firm", "strategy", "revenue", "profit"]
    first = text.splitlines()[1].split()
    firm = first[0]
    k = tiny.kpis.set_index("firm").loc[firm]
    assert first[2] == f"{k['total_revenue']:,.0f}" and first[3] == f"{k['total_profit']:,.0f}"
    flat = " ".join(text.split())
    for phrase in ("money over the whole run (24 months)", "first year to last year",
                   "share of market revenue in the last step",
                   "CLV: money per customer relationship",
                   "discounted at 7% a year",  # the configured rate, not a constant
                   "mean of the last 12 months",
                   "at start: held before the first step, not acquisitions",
                   "won over the whole run (24 months)"):
        assert phrase in flat, phrase
    customers = next(line for line in text.splitlines() if line.startswith("firm at start"))
    assert "acq known" in customers and "acq x-sell" in customers
    row = next(line for line in text.splitlines()[text.splitlines().index(customers):]
               if line.startswith(firm))
    assert row.split()[1] == f"{int(k['start_relationships']):,}"
    assert int(k["start_relationships"]) > 0


def test_start_relationships_balance(tiny):
    """Start + acquisitions − losses over the run = relationships at the end, per firm."""
    ts = tiny.timeseries
    for firm, g in ts.groupby("firm"):
        k = tiny.kpis.set_index("firm").loc[firm]
        lost = g[["lost_churn", "lost_switch", "lost_outside"]].to_numpy().sum()
        assert k["start_relationships"] + g["acquisitions"].sum() - lost == \
            g.sort_values("step")["relationships"].iloc[-1], firm


def test_headline_lines_with_units(tiny):
    """The headline lines use the summary's names, each with its unit."""
    text = format_table(tiny)
    c = tiny.summary["comparison"]
    line = next(x for x in text.splitlines() if x.strip().startswith("growth_gap_points"))
    assert f"{c['growth_gap_points']:+.1f} percentage points a year" in line
    line = next(x for x in text.splitlines() if x.strip().startswith("revenue_multiple_ratio"))
    assert f"{c['revenue_multiple_ratio']:.2f}" in line
    assert "margin_gap_points" in text and "percentage points" in text


def test_undefined_figures_say_why(tiny):
    """A shrinking product-centric group: growth_ratio reads n/a with the reason."""
    ts = tiny.timeseries.copy()
    pc = ts["strategy"] == "product_centric"
    cc = ts["strategy"] == "customer_centric"
    ts.loc[pc, "revenue"] *= 0.9 ** ts.loc[pc, "step"]  # shrinks ~10% a month
    ts.loc[cc, "revenue"] = 100.0 * 1.01 ** ts.loc[cc, "step"]  # grows: only one group shrank
    comparison = strategy_comparison(ts, 12)
    assert comparison["product_centric_revenue_cagr"] < 0
    shrunk = dataclasses.replace(tiny, summary={**tiny.summary, "comparison": comparison})
    text = format_table(shrunk)
    line = next(x for x in text.splitlines() if x.strip().startswith("growth_ratio"))
    assert line.split(None, 1)[1] == "n/a: product-centric revenue shrank"
    line = next(x for x in text.splitlines() if x.strip().startswith("growth_gap_points"))
    assert "n/a" not in line  # the gap stays defined
    no_pc = {**comparison, "product_centric_firms": 0, "product_centric_revenue_cagr": float("nan"),
             "product_centric_revenue_multiple": float("nan"),
             "product_centric_margin": float("nan"), "growth_gap_points": float("nan"),
             "revenue_multiple_ratio": float("nan"), "growth_ratio": float("nan"),
             "margin_gap_points": float("nan"),
             "product_centric_category_part": float("nan")}
    text = format_table(dataclasses.replace(tiny, summary={**tiny.summary, "comparison": no_pc}))
    assert "nan" not in text.lower().replace("n/a", "")
    assert text.count("n/a: no product-centric firm") == 6  # five KPIs and the category part


def test_windows_from_the_timeseries_when_the_summary_has_none(tiny):
    """A bare summary (the dashboard's live table): windows come from the timeseries."""
    from sim.runner import RunResult

    bare = RunResult(tiny.timeseries, None, tiny.kpis,
                     {"comparison": tiny.summary["comparison"]})
    flat = " ".join(format_table(bare).split())
    assert "money over the whole run (24 months)" in flat and "first year to last year" in flat
    assert "mean of the last 12 months" in flat and "(0 months)" not in flat
    half = tiny.timeseries[tiny.timeseries["step"] <= 18]
    flat = " ".join(format_table(RunResult(half, None, tiny.kpis, {
        "comparison": tiny.summary["comparison"]})).split())
    assert "(18 months)" in flat and "first step to last step, annualised" in flat
