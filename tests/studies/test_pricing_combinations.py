"""Each group under each pricing policy (issue 24): the docs table and the margin verdicts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.generated_blocks import home, read_block
from sim.studies.pricing_combinations import COMBINATIONS, SCENARIOS, main, markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_table_is_generated_from_the_committed_csvs():
    out = ROOT / "results/pricing"
    summary, runs = pd.read_csv(out / "summary.csv"), pd.read_csv(out / "runs.csv")
    assert read_block(home("pricing_combinations"), "pricing_combinations") == markdown(
        summary, runs)
    assert len(runs) == len(SCENARIOS) * len(COMBINATIONS) * runs["seed"].nunique()
    assert runs["seed"].nunique() >= 10


def test_every_combination_sets_each_groups_policy(tmp_path, capsys):
    assert main(["--quick", "--out", str(tmp_path / "bad"), "--seeds", "1"]) == 2
    assert "--seeds" in capsys.readouterr().err and not (tmp_path / "bad").exists()
    assert main(["--quick", "--out", str(tmp_path), "--jobs", "1"]) == 0
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert sorted(runs["case"].unique()) == sorted(
        f"{s}/cc={cc}/pc={pc}" for s in SCENARIOS for cc, pc in COMBINATIONS)
    # the prices the groups settle at are reported, and the verdicts follow the table
    assert runs["customer_centric_price"].gt(0).all()
    text = markdown(pd.read_csv(tmp_path / "summary.csv"), runs)
    assert text.count(": margin gap") == len(SCENARIOS) * len(COMBINATIONS)
