"""Crash safety: a sweep killed with SIGKILL and resumed completes every job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sim import results

from .conftest import count, job_folders

#: Jobs of about a second each, so the sweep is still running when two have finished.
ARGS = ["market.n_customers=1500", "market.steps=24", "seed=range(0,8)", "hydra.launcher.n_jobs=2"]


def _summaries(root: Path) -> list[Path]:
    return sorted(root.glob("results/sweeps/*/*/summary.json"))


def test_killed_sweep_resumes_and_runs_each_job_once(tmp_path, cli):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "-m", *ARGS], cwd=tmp_path, env=cli.env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)  # its own process group: the kill takes the workers too
    try:
        deadline = time.monotonic() + 300
        while len(_summaries(tmp_path)) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no job finished in 300 s"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = {p.parent.name: p.stat().st_mtime_ns for p in _summaries(tmp_path)}
    assert 2 <= len(done_before) < 8, "kill came too late to test a resume"
    (sweep_dir,) = (tmp_path / "results" / "sweeps").iterdir()

    # same command plus --resume: finds the latest sweep with these overrides by itself
    resumed = cli.run(["run", "-m", *ARGS, "--resume"], tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"resuming {sweep_dir}" in resumed.stderr
    assert list((tmp_path / "results" / "sweeps").iterdir()) == [sweep_dir]  # no new sweep

    jobs = job_folders(sweep_dir)
    assert len(jobs) == 8
    for job in jobs:
        assert (job / "summary.json").is_file()
        assert count(job, "ok") == 1, job.name  # completed exactly once
        assert not list(job.glob(".*.tmp"))  # no leftovers of the killed attempt
        if job.name in done_before:  # finished before the kill: not run again
            assert (job / "summary.json").stat().st_mtime_ns == done_before[job.name]
            assert count(job, "start") == 1 and count(job, "skipped") == 1
    runs = results.load_sweep(sweep_dir)
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    assert sorted(runs["seed"]) == list(range(8))
    assert isinstance(runs, pd.DataFrame)


def test_resume_needs_a_sweep_to_resume(tmp_path, cli):
    proc = cli.run(["run", "-m", "seed=0,1", "--resume"], tmp_path)
    assert proc.returncode == 2
    assert "no sweep under" in proc.stderr
    proc = cli.run(["run", "seed=0", "--resume"], tmp_path)
    assert proc.returncode == 2 and "add -m" in proc.stderr
    missing = f"hydra.sweep.dir={tmp_path / 'none'}"
    proc = cli.run(["run", "-m", "seed=0,1", missing, "+resume=true"], tmp_path)
    assert proc.returncode == 2 and "no sweep to resume" in proc.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "none").exists()
