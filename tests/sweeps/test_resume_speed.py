"""Resuming a complete 40-job sweep: under 3 s (median of 3) and no worker process started."""

from __future__ import annotations

import statistics
import time

import pytest

from .conftest import TINY, events, job_folders


@pytest.mark.slow
def test_resuming_a_complete_40_job_sweep_is_quick(tmp_path, sweep_cli):
    args = [*TINY, "seed=range(0,40)", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    first = sweep_cli(args, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    jobs = job_folders(tmp_path / "sweep")
    logged = sum(len(events(j)) for j in jobs)
    seconds = []
    for _ in range(3):
        t0 = time.perf_counter()
        again = sweep_cli([*args, "--resume"], tmp_path)
        seconds.append(time.perf_counter() - t0)
        assert again.returncode == 0 and "40 ok of 40" in again.stdout, again.stderr[-2000:]
    assert sum(len(events(j)) for j in jobs) == logged  # no worker touched a job
    assert statistics.median(seconds) < 3.0, seconds
