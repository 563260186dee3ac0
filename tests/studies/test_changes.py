"""The changes table (issues 23–24): one row per model change, generated from its CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.change_table import markdown
from sim.analysis.generated_blocks import read_block
from sim.studies.changes import main, merge_change

ROOT = Path(__file__).resolve().parents[2]


def test_docs_table_is_generated_from_the_committed_csv():
    """docs/economics.md shows exactly what results/economics/changes.csv holds."""
    table = pd.read_csv(ROOT / "results/economics/changes.csv")
    assert read_block(ROOT / "docs/economics.md", "economics_changes") == markdown(table)
    assert table["change"].nunique() >= 1 and (table["runs"] >= 10).all()


def _rows(change: str, mean: float) -> pd.DataFrame:
    return pd.DataFrame({"change": [change], "metric": ["growth_gap_points"], "mean": [mean]})


def test_merge_replaces_a_change_in_place_and_appends_a_new_one():
    table = pd.concat([_rows("a", 1.0), _rows("b", 2.0)], ignore_index=True)
    again = merge_change(table, _rows("a", 5.0))
    assert list(again["change"]) == ["a", "b"] and list(again["mean"]) == [5.0, 2.0]
    more = merge_change(again, _rows("c", 3.0))
    assert list(more["change"]) == ["a", "b", "c"]
    assert list(merge_change(None, _rows("z", 0.0))["change"]) == ["z"]


def test_quick_change_writes_its_rows_and_refuses_bad_labels(tmp_path, capsys):
    assert main(["--change", "x|y", "--quick", "--out", str(tmp_path / "bad")]) == 2
    assert "--change='x|y'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    doc = tmp_path / "page.md"
    doc.write_text("<!-- BEGIN GENERATED: economics_changes -->\n"
                   "<!-- END GENERATED: economics_changes -->\n")
    assert main(["--change", "quick", "--quick", "--out", str(tmp_path), "--doc", str(doc),
                 "--jobs", "1"]) == 0
    table = pd.read_csv(tmp_path / "changes.csv")
    assert set(table["change"]) == {"quick"} and (table["runs"] == 2).all()
    assert "| quick |" in doc.read_text()
    assert {"market_cagr", "share_gain_points"} <= set(table["metric"])
