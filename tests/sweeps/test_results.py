"""``sim.results`` on hand-made sweep folders: partial, failed and late jobs, column types."""

from __future__ import annotations

import os
import shutil
import time

import pandas as pd
import pytest
import yaml

from sim import io, results
from sim.cli import main as ccsim

from .conftest import TINY


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One complete run folder of the tiny market (written by sim.runner, summary.json last)."""
    from sim.configure import load_config
    from sim.runner import run

    out = tmp_path_factory.mktemp("run") / "run"
    run(load_config([*TINY, "seed=1"]), out, progress=False)
    return out


def _job(root, name, source=None, overrides=()):
    """A job folder as Hydra leaves it (.hydra/overrides.yaml), with a run's files if given."""
    job = root / name
    if source is not None:
        shutil.copytree(source, job)
    (job / ".hydra").mkdir(parents=True, exist_ok=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(list(overrides)))
    return job


def test_partial_files_are_never_read_as_results(tmp_path, finished_run):
    root = tmp_path / "sweep"
    _job(root, "seed=1", finished_run, ["seed=1"])
    partial = _job(root, "seed=2", finished_run, ["seed=2"])  # killed before summary.json
    (partial / "summary.json").unlink()
    (partial / "timeseries.parquet").write_bytes(b"PAR1 not really parquet")
    (partial / ".summary.json.x1y2.tmp").write_text("{")
    failed = _job(root, "seed=3", overrides=["seed=3"])
    io.write_json({"status": "failed", "error_type": "ValueError", "message": "bad"},
                  failed / "error.json")

    written = results.collect(root)
    runs = pd.read_parquet(written["runs"])
    assert list(runs["run_id"]) == ["seed=1", "seed=2", "seed=3"]
    assert list(runs["status"]) == ["ok", "incomplete", "failed"]
    assert list(runs["seed"]) == [1, 2, 3]
    assert runs["error"].iloc[2] == "ValueError: bad" and pd.isna(runs["error"].iloc[1])
    assert (runs["growth_gap_points"].iloc[1:].isna().all()
            and runs["growth_gap_points"].notna().iloc[0])
    series = pd.read_parquet(written["timeseries"])
    assert set(series["run_id"]) == {"seed=1"}
    assert set(pd.read_parquet(written["firms"])["run_id"]) == {"seed=1"}
    with pytest.raises(FileNotFoundError, match="not a complete run"):
        results.load_run(partial)
    with pytest.raises(FileNotFoundError, match="ValueError: bad"):
        results.load_run(failed)


def test_load_sweep_collects_again_when_a_job_finishes(tmp_path, finished_run):
    root = tmp_path / "sweep"
    _job(root, "seed=1", finished_run, ["seed=1"])
    assert len(results.load_sweep(root)) == 1
    late = _job(root, "seed=2", finished_run, ["seed=2"])
    future = time.time() + 5
    os.utime(late / "summary.json", (future, future))  # finished after runs.parquet was written
    assert len(results.load_sweep(root, refresh=False)) == 1
    assert len(results.load_sweep(root)) == 2
    assert len(results.load_sweep(root, table="timeseries")) == 2 * 6 * 4
    with pytest.raises(ValueError, match="table="):
        results.load_sweep(root, table="spells")


def test_override_columns_get_one_type(tmp_path, finished_run):
    root = tmp_path / "sweep"
    _job(root, "a", finished_run, ["firms.cc_a.markup=1", "scenario=subscription", "seed=1"])
    _job(root, "b", finished_run, ["firms.cc_a.markup=0.5", "scenario=experience_economy",
                                   "seed=2"])
    runs = results.load_sweep(root)
    assert runs["firms.cc_a.markup"].tolist() == [1.0, 0.5]
    assert runs["firms.cc_a.markup"].dtype.kind == "f"
    assert runs["scenario"].tolist() == ["subscription", "experience_economy"]
    assert results.load_run(root / "a")["firms.cc_a.markup"].eq(1.0).all()


def test_collect_command_errors(tmp_path, capsys):
    assert ccsim(["collect", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert ccsim(["collect", str(tmp_path)]) == 2
    assert "no job folders" in capsys.readouterr().err


def _plan(root, run_ids):
    """The sweep.json a sweep of these jobs writes (sim.sweep.SweepCallback)."""
    io.write_json({"total": len(run_ids), "started": 0.0,
                   "jobs": [{"run_id": r, "overrides": [r]} for r in run_ids]},
                  root / "sweep.json")


def test_collect_names_planned_jobs_that_are_missing_failed_or_unreadable(tmp_path, finished_run,
                                                                          cli):
    root = tmp_path / "sweep"
    _job(root, "seed=1", finished_run, ["seed=1"])
    truncated = _job(root, "seed=2", finished_run, ["seed=2"])
    data = (truncated / "timeseries.parquet").read_bytes()
    (truncated / "timeseries.parquet").write_bytes(data[: len(data) // 2])  # cut off mid-file
    failed = _job(root, "seed=3", overrides=["seed=3"])
    io.write_json({"status": "failed", "error_type": "ValueError", "message": "bad"},
                  failed / "error.json")
    _plan(root, ["seed=1", "seed=2", "seed=3", "seed=4"])  # seed=4 never started

    proc = cli.run(["collect", str(root)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "collected 3 runs (1 ok, 1 failed, 1 unreadable)" in proc.stdout
    err = proc.stderr
    assert "ccsim: warning: the sweep planned 4 jobs (sweep.json) and 1 are complete" in err
    assert "seed=2: unreadable (timeseries.parquet is unreadable (ArrowInvalid" in err
    assert "seed=3: failed (ValueError: bad)" in err
    assert "seed=4: missing" in err
    assert "seed=1:" not in err
    runs = pd.read_parquet(root / "runs.parquet").set_index("run_id")
    assert runs.loc["seed=2", "status"] == "unreadable" and runs.loc["seed=1", "status"] == "ok"
    assert set(pd.read_parquet(root / "timeseries.parquet")["run_id"]) == {"seed=1"}
    assert set(pd.read_parquet(root / "firm_kpis.parquet")["run_id"]) == {"seed=1"}


def test_collect_of_a_complete_planned_sweep_warns_of_nothing(tmp_path, finished_run, cli):
    root = tmp_path / "sweep"
    for seed in (1, 2):
        _job(root, f"seed={seed}", finished_run, [f"seed={seed}"])
    _plan(root, ["seed=1", "seed=2"])
    proc = cli.run(["collect", str(root)], tmp_path)
    assert proc.returncode == 0 and "collected 2 runs (2 ok)" in proc.stdout
    assert proc.stderr.strip() == ""
