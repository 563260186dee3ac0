"""End to end: ``ccsim collect`` prints the headline; ``ccsim plot`` collects, refuses bad input.

A real Hydra sweep (two values of a parameter × two seeds, tiny market) is left uncollected so
``ccsim plot`` must collect it; a real run folder is copied and damaged for the bad-input cases.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

TINY = ["market.n_customers=200", "market.steps=12"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory, cli):
    """(sweep folder, run folder), both made by the real CLI."""
    cwd = tmp_path_factory.mktemp("plotcli")
    sweep = cli.start(["run", "-m", *TINY, "seed=0,1", "market.choice.switching_cost=0,2",
                       "hydra.sweep.dir=sweep"], cwd)
    single = cli.start(["run", *TINY, "hydra.run.dir=run"], cwd)
    for proc in (cli.finish(sweep), cli.finish(single)):
        assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd / "sweep", cwd / "run"


def test_plot_collects_an_uncollected_sweep_first(folders, tmp_path, cli):
    """`ccsim plot SWEEP` on job folders collects them (tables and headline), then draws."""
    sweep, _ = folders
    work = tmp_path / "sweep"
    shutil.copytree(sweep, work)
    assert not (work / "runs.parquet").exists()
    done = cli.run(["plot", str(work), "--format", "png"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "collecting" in done.stderr
    for name in ("runs.parquet", "firm_kpis.parquet", "timeseries.parquet", "headline.csv"):
        assert (work / name).is_file(), name
    written = done.stdout.split()
    assert [p.rsplit("/", 1)[-1] for p in written] == [
        "share.png", "revenue.png", "kpis.png", "headline.png", "retention.png"]


def test_collect_prints_and_writes_the_headline(folders, tmp_path, cli):
    """`ccsim collect`: the headline per setting over seeds, in the terminal and in files."""
    sweep, _ = folders
    work = tmp_path / "sweep"
    shutil.copytree(sweep, work)
    done = cli.run(["collect", str(work)], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert out.count("2:1 test") == 2  # one per setting, never pooled
    assert "market.choice.switching_cost=0.0 — 2 run(s), 2 seed(s)" in out
    for kpi in ("growth_gap_points", "revenue_multiple_ratio", "growth_ratio",
                "margin_gap_points"):
        assert kpi in out
    table = pd.read_parquet(work / "headline.parquet")
    assert sorted(table["market.choice.switching_cost"]) == [0.0, 2.0]
    assert (table["runs"] == 2).all()
    assert set(table["two_to_one"]) <= {"holds", "fails", "inconclusive", "not applicable"}
    runs = pd.read_parquet(work / "runs.parquet")
    assert "growth_gap" not in runs.columns and "growth_gap_points" in runs.columns
    one = runs[runs["market.choice.switching_cost"] == 2.0]["growth_gap_points"]
    row = table[table["market.choice.switching_cost"] == 2.0].iloc[0]
    assert row["growth_gap_points_mean"] == pytest.approx(one.mean())
    assert (work / "headline.csv").read_text().startswith("market.n_customers,")


def _damaged(run, tmp_path, name, damage):
    work = tmp_path / name
    shutil.copytree(run, work)
    damage(work)
    return work


CASES = {
    # id: (damage, words the one-line error must contain)
    "summary_wrong_shape": (lambda d: (d / "summary.json").write_text("[1, 2, 3]"),
                            ["summary.json", "not a run summary"]),
    "summary_wrong_field": (lambda d: (d / "summary.json").write_text(json.dumps(
        {**json.loads((d / "summary.json").read_text()), "steps_per_year": "monthly"})),
        ["summary.json", "steps_per_year"]),
    "summary_not_json": (lambda d: (d / "summary.json").write_text('{"seed": 0,'),
                         ["summary.json", "unreadable JSON"]),
    "killed_run": (lambda d: (d / "summary.json").unlink(),
                   ["not a complete run", "no summary.json"]),
    "truncated_timeseries": (lambda d: (d / "timeseries.parquet").write_bytes(
        (d / "timeseries.parquet").read_bytes()[:200]), ["timeseries.parquet", "unreadable"]),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_one_line_exit_2_nothing_written(folders, tmp_path, cli, case):
    """Each damaged folder: `ccsim: error: …` naming the file, exit 2, no figures folder."""
    _, run = folders
    damage, words = CASES[case]
    work = _damaged(run, tmp_path, case, damage)
    before = sorted(p.name for p in work.iterdir())
    done = cli.run(["plot", str(work)], tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in work.iterdir()) == before  # nothing written


def test_run_label_reads_the_recorded_scenario(folders):
    """A CLI run folder: the label takes the scenario from Hydra's record."""
    from sim.plots import load_results

    _, run = folders
    assert load_results(run).label == (
        "scenario experience_economy · seed 0 · 200 customers × 12 months")
