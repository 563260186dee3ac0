"""The assumed retention ranges' sensitivity rows (``python -m sim.studies.retention_ranges``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.generated_blocks import home, read_block
from sim.studies import retention_ranges as rr

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "results" / "fits" / "ranges" / "sensitivity.csv"


def test_every_assumed_range_is_moved_both_ways_and_kept_ten_points_wide():
    from sim import data

    ranges = data.read_csv("retention_ranges.csv")
    assumed = ranges[ranges["status"] == "assumed"]
    cases = rr.cases()
    assert len(cases) == 3 * len(assumed)
    for market, g in pd.DataFrame([c.__dict__ for c in cases]).groupby("market"):
        stated = assumed[assumed["market"] == market].iloc[0]
        assert sorted(g["low"] - stated["low"]) == [-rr.SHIFT, 0.0, rr.SHIFT]
        assert (g["high"] - g["low"] == stated["high"] - stated["low"]).all()
        assert g["stated"].sum() == 1


def test_the_quick_form_fits_each_range_measures_it_and_rewrites_its_block(tmp_path):
    page = tmp_path / "results.md"
    shutil.copy(home("retention_ranges"), page)
    out = tmp_path / "out"
    assert rr.main(["--quick", "--market", "b2b_contracts", "--out", str(out),
                    "--doc", str(page), "--jobs", "2"]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["metric"]) == set(rr.KPIS)
    ranges = table.groupby(["range_low", "range_high"])
    assert ranges.ngroups == 3
    for (low, high), g in ranges:
        fit = out / f"retention_b2b_{low:g}_{high:g}"
        assert (fit / "meta.json").exists() and (fit / "search.journal").exists()
        assert g["market.churn.base"].nunique() == 1 and (g["runs"] == rr.QUICK_SEEDS).all()
    assert read_block(page, "retention_ranges") == rr.markdown(table)


def test_a_page_without_the_block_is_refused_before_anything_runs(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text("no block\n")
    assert rr.main(["--quick", "--doc", str(page), "--out", str(tmp_path / "out")]) == 2
    assert "--doc=" in capsys.readouterr().err and not (tmp_path / "out").exists()


@pytest.mark.skipif(not COMMITTED.exists(), reason="the ranges' sensitivity is not committed")
def test_the_committed_rows_are_on_the_results_page_and_the_stated_fits_are_in_range():
    table = pd.read_csv(COMMITTED)
    assert read_block(home("retention_ranges"), "retention_ranges") == rr.markdown(table)
    rows = table.drop_duplicates(["scenario", "range_low", "range_high"])
    assert len(rows) == len(rr.cases())
    for r in rows.itertuples():
        inside = r.range_low <= r.retention_year_1 <= r.range_high
        assert inside or not r.stated, (r.scenario, r.range_low)


def test_a_range_the_fit_does_not_reach_is_marked_outside():
    row = {"scenario": "s", "range_low": 75.0, "range_high": 85.0, "stated": False,
           "market.churn.base": 1e-4, "retention_year_1": 73.4, "runs": 2, "defined": 2,
           "mean": 0.0, "low": -1.0, "high": 1.0}
    table = pd.DataFrame([{**row, "metric": m} for m in rr.KPIS])
    assert "73.4 % (outside" in rr.markdown(table)
    assert "(outside" not in rr.markdown(table.assign(retention_year_1=80.0))
