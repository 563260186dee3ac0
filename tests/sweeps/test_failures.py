"""A job that raises is recorded and the others complete; a bad value never reaches a job."""

from __future__ import annotations

import json

import numpy as np

from sim import results

from .conftest import TINY, count, job_folders


def test_failed_job_is_recorded_and_the_others_complete(tmp_path, sweep_cli):
    out = tmp_path / "sweep"
    proc = sweep_cli([*TINY, "seed=range(0,4)", f"hydra.sweep.dir={out}"], tmp_path,
                     CCSIM_FAIL_JOBS="seed=2")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 job(s) of the sweep failed" in proc.stderr and "seed=2/error.json" in proc.stderr
    jobs = {int(j.name.rsplit("seed=", 1)[1]): j for j in job_folders(out)}
    assert sorted(jobs) == [0, 1, 2, 3]
    error = json.loads((jobs[2] / "error.json").read_text())
    assert error["status"] == "failed" and error["error_type"] == "RuntimeError"
    assert "injected failure" in error["message"] and "Traceback" in error["traceback"]
    assert not (jobs[2] / "summary.json").exists()
    for seed in (0, 1, 3):
        assert (jobs[seed] / "summary.json").is_file() and not (jobs[seed] / "error.json").exists()

    runs = results.load_sweep(out).set_index("seed")
    assert runs.loc[2, "status"] == "failed"
    assert runs.loc[2, "error"].startswith("RuntimeError: injected failure")
    assert np.isnan(runs.loc[2, "growth_gap_points"])
    assert (runs.drop(index=2)["status"] == "ok").all()
    assert set(results.load_sweep(out, table="firms")["seed"]) == {0, 1, 3}

    # the cause is gone: resuming runs only the failed job
    again = sweep_cli([*TINY, "seed=range(0,4)", f"hydra.sweep.dir={out}", "--resume"], tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (jobs[2] / "summary.json").is_file() and not (jobs[2] / "error.json").exists()
    assert count(jobs[2], "start") == 2 and count(jobs[2], "ok") == 1
    for seed in (0, 1, 3):
        assert count(jobs[seed], "start") == 1
    assert (results.load_sweep(out)["status"] == "ok").all()  # re-collected: a job finished since


def test_bad_sweep_value_stops_before_any_job(tmp_path, sweep_cli):
    proc = sweep_cli(["market.n_customers=200", "seed=0,1", "market.steps=6,-3",
                      f"hydra.sweep.dir={tmp_path / 's'}"], tmp_path)
    assert proc.returncode == 2
    assert "market.steps=-3" in proc.stderr
    assert not (tmp_path / "s").exists()
