"""The headline over seeds: means and CIs per setting, never pooled, and the 2:1 test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.headline import (
    HEADLINE,
    format_headline,
    group_keys,
    headline_table,
    two_to_one,
    write_headline,
)
from sim.analysis.stats import t_ci


def _runs(cc, pc, **params) -> pd.DataFrame:
    """A runs table with the given CAGRs (fractions) per seed, KPIs derived as metrics does."""
    cc, pc = np.asarray(cc, dtype=float), np.asarray(pc, dtype=float)
    df = pd.DataFrame({"run_id": [f"r{i}" for i in range(len(cc))], "seed": range(len(cc)),
                       **{k: v for k, v in params.items()}, "status": "ok", "error": None,
                       "customer_centric_firms": 2, "product_centric_firms": 2,
                       "customer_centric_revenue_cagr": cc, "product_centric_revenue_cagr": pc})
    df["customer_centric_revenue_multiple"] = (1 + cc) ** 4
    df["product_centric_revenue_multiple"] = (1 + pc) ** 4
    df["growth_gap_points"] = 100 * (cc - pc)
    df["revenue_multiple_ratio"] = ((1 + cc) / (1 + pc)) ** 4
    df["growth_ratio"] = np.where((cc > 0) & (pc > 0), cc / np.where(pc > 0, pc, 1), np.nan)
    df["customer_centric_margin"] = 0.05
    df["product_centric_margin"] = 0.12
    df["margin_gap_points"] = -7.0
    return df


@pytest.mark.parametrize(("cc", "pc", "verdict", "words"), [
    ([0.50, 0.52, 0.48, 0.51], [0.10, 0.11, 0.10, 0.09], "holds", "lower 95% bound"),
    ([0.12, 0.13, 0.11, 0.12], [0.10, 0.11, 0.10, 0.09], "fails", "upper 95% bound"),
    ([0.40, 0.10, 0.30, 0.05], [0.10, 0.11, 0.10, 0.09], "inconclusive", "contains 2"),
    ([0.30, 0.30, 0.30], [-0.05, -0.02, 0.01], "not applicable", "product-centric revenue shrank"),
    ([0.30, 0.30, 0.30], [0.05, -0.02, 0.06], "inconclusive", "shrank in 1 of 3 runs"),
    ([-0.10, -0.05], [0.05, 0.06], "fails", "customer-centric revenue shrank in every run"),
    ([0.3], [0.1], "inconclusive", "one run"),
])
def test_two_to_one_verdicts(cc, pc, verdict, words):
    """Each verdict, with a reason that says why."""
    got, reason = two_to_one(_runs(cc, pc))
    assert got == verdict and words in reason, reason


def test_two_to_one_bounds_are_the_t_interval_of_growth_ratio():
    """'holds' exactly when the lower t bound of the mean growth_ratio is at least 2."""
    pc = np.full(5, 0.1)
    for shift in (0.19, 0.2, 0.21, 0.25):
        cc = shift + np.array([-0.02, -0.01, 0.0, 0.01, 0.02])
        _, lo, hi = t_ci(cc / pc)
        verdict, _ = two_to_one(_runs(cc, pc))
        expected = "holds" if lo >= 2 else "fails" if hi < 2 else "inconclusive"
        assert verdict == expected, (shift, lo, hi)


def test_failed_runs_are_ignored():
    """A failed run's NaN KPIs do not count as a run."""
    runs = _runs([0.5, 0.5, 0.52], [0.1, 0.1, 0.11])
    runs.loc[2, "status"] = "failed"
    runs.loc[2, list(HEADLINE)] = np.nan
    table = headline_table(runs)
    assert table["runs"].item() == 2 and table["growth_ratio_n"].item() == 2


def test_settings_are_never_pooled():
    """Two scenarios × a parameter: one row each, means of that setting's seeds only."""
    parts = []
    for k, (scenario, x) in enumerate([("a", 0.0), ("a", 2.0), ("b", 0.0), ("b", 2.0)]):
        cc = 0.2 + 0.1 * k + np.array([0.0, 0.01, 0.02])
        parts.append(_runs(cc, [0.05, 0.06, 0.04], scenario=scenario,
                           **{"market.choice.switching_cost": x}))
    runs = pd.concat(parts, ignore_index=True)
    assert group_keys(runs) == ["scenario", "market.choice.switching_cost"]
    table = headline_table(runs)
    assert len(table) == 4 and (table["runs"] == 3).all() and (table["seeds"] == 3).all()
    for _, row in table.iterrows():
        g = runs[(runs.scenario == row["scenario"])
                 & (runs["market.choice.switching_cost"] == row["market.choice.switching_cost"])]
        m, lo, hi = t_ci(g["growth_gap_points"])
        assert row["growth_gap_points_mean"] == pytest.approx(m)
        assert (row["growth_gap_points_ci_low"], row["growth_gap_points_ci_high"]) == \
            pytest.approx((lo, hi))
    text = format_headline(table)
    assert text.count("2:1 test") == 4
    assert "scenario=b, market.choice.switching_cost=2.0 — 3 run(s), 3 seed(s)" in text


def test_undefined_kpis_say_why():
    """growth_ratio undefined in some or all runs: n, note and n/a with the reason."""
    runs = _runs([0.3, 0.3, 0.3], [0.05, -0.02, 0.06])
    row = headline_table(runs).iloc[0]
    assert row["growth_ratio_n"] == 2
    assert row["growth_ratio_note"] == ("undefined in 1 of 3 runs: product-centric revenue "
                                        "shrank")
    assert row["growth_gap_points_n"] == 3 and row["growth_gap_points_note"] == ""
    runs = _runs([0.3, 0.3], [-0.05, -0.02])
    text = format_headline(headline_table(runs))
    line = next(x for x in text.splitlines() if x.strip().startswith("growth_ratio"))
    assert line.split(None, 1)[1] == "n/a: product-centric revenue shrank"
    assert "not applicable: product-centric revenue shrank" in text


def test_write_headline_files(tmp_path):
    """headline.csv and headline.parquet beside runs.parquet, one row per setting."""
    runs = pd.concat([_runs([0.5, 0.51], [0.1, 0.1], scenario=s) for s in ("a", "b")],
                     ignore_index=True)
    runs.to_parquet(tmp_path / "runs.parquet")
    files, text = write_headline(tmp_path)
    table = pd.read_parquet(files["parquet"])
    assert list(table["scenario"]) == ["a", "b"]
    assert pd.read_csv(files["csv"])["two_to_one"].tolist() == list(table["two_to_one"])
    assert "scenario=a" in text


def test_no_complete_run_gives_an_empty_headline():
    """Only failed runs: no rows, and the printed headline says so."""
    runs = _runs([0.5, 0.5], [0.1, 0.1], scenario="a")
    runs["status"] = "failed"
    table = headline_table(runs)
    assert table.empty
    assert format_headline(table).endswith("no complete run: nothing to summarise")
    runs = runs.drop(columns="scenario")
    assert headline_table(runs).empty
