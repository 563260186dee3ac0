"""A 6-job sweep on the default (joblib) launcher, then ``ccsim collect`` and the loaders."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil

import pandas as pd
import pytest

from sim import results

from .conftest import TINY, count, events, job_folders

GRID = ["market.network.mean_degree=4,8", "seed=range(0,3)"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, sweep_cli):
    """The finished sweep folder and the completed process."""
    cwd = tmp_path_factory.mktemp("joblib")
    out = cwd / "sweep"
    proc = sweep_cli([*TINY, *GRID, "hydra.sweep.dir=sweep"], cwd)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc


def test_every_combination_runs_once_with_one_numba_thread(sweep):
    out, proc = sweep
    jobs = job_folders(out)
    assert [j.name for j in jobs] == [
        f"market.n_customers=200,market.network.mean_degree={d},market.steps=6,seed={s}"
        for d in (4, 8) for s in range(3)]
    for job in jobs:
        assert (job / "summary.json").is_file() and not (job / "error.json").exists()
        assert count(job, "start") == 1 and count(job, "ok") == 1
        start = next(e for e in events(job) if e["event"] == "start")
        assert start["numba_threads"] == 1  # NUMBA_NUM_THREADS=1 took effect in the worker
    assert len({e["pid"] for j in jobs for e in events(j)}) >= 2  # ran on parallel workers
    assert "[sweep] 6/6 jobs done" in proc.stdout
    assert "left" in proc.stdout and "elapsed" in proc.stdout


def test_collect_writes_tidy_tables(sweep, cli):
    out, _ = sweep
    proc = cli.run(["collect", str(out)], out.parent)
    assert proc.returncode == 0, proc.stderr
    assert "collected 6 runs (6 ok)" in proc.stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 6
    assert list(runs.columns[:7]) == ["run_id", "market.n_customers", "market.steps",  # as typed
                                      "market.network.mean_degree", "seed", "status", "error"]
    for kpi in ("growth_gap_points", "revenue_multiple_ratio", "margin_gap_points",
                "customer_centric_revenue_cagr",
                "product_centric_revenue_cagr", "customer_centric_margin",
                "product_centric_margin"):
        assert kpi in runs.columns and runs[kpi].notna().all()
    assert sorted(zip(runs["market.network.mean_degree"], runs["seed"], strict=True)) == [
        (d, s) for d in (4, 8) for s in range(3)]
    assert runs["market.network.mean_degree"].dtype.kind == "i"
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()

    firms = pd.read_parquet(out / "firm_kpis.parquet")
    assert len(firms) == 6 * 4
    assert {"run_id", "market.network.mean_degree", "seed", "firm", "strategy", "revenue_cagr",
            "mean_margin", "annual_retention", "final_share", "nps"} <= set(firms.columns)

    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 6 * 6 * 4  # runs × steps × firms
    assert {"run_id", "market.network.mean_degree", "seed", "step", "firm", "revenue"} <= set(
        series.columns)
    assert series.groupby("run_id").size().eq(24).all()


def _digests(folder):
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in ("runs.parquet", "firm_kpis.parquet", "timeseries.parquet")}


def test_collect_is_idempotent(sweep):
    out, _ = sweep
    results.collect(out)
    first = _digests(out)
    results.collect(out)
    assert _digests(out) == first


def test_loading_never_unpickles(sweep, tmp_path, monkeypatch):
    out, _ = sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("*.parquet"))
    for job in job_folders(out):  # the job tables, but not the collected ones
        shutil.copy(job / "timeseries.parquet", copy / job.name / "timeseries.parquet")

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    runs = results.load_sweep(copy)  # collects first: no runs.parquet yet
    assert (copy / "runs.parquet").is_file() and len(runs) == 6
    assert len(results.load_sweep(copy, table="firms")) == 24
    assert len(results.load_sweep(copy, table="timeseries")) == 144
    one = results.load_run(job_folders(copy)[0])
    assert len(one) == 24
    assert list(one.columns[:5]) == ["run_id", "market.n_customers", "market.steps",
                                     "market.network.mean_degree", "seed"]


def test_rerun_into_the_same_folder_skips_complete_jobs(sweep, sweep_cli):
    out, _ = sweep
    jobs = job_folders(out)
    stale = jobs[0] / "summary.json"  # as if made from another configuration (config changed)
    summary = json.loads(stale.read_text())
    stale.write_text(json.dumps({**summary, "config_hash": "0" * 64}))
    stamps = {j.name: (j / "summary.json").stat().st_mtime_ns for j in jobs}
    proc = sweep_cli([*TINY, *GRID, f"hydra.sweep.dir={out}"], out.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "6 already complete" in proc.stdout
    assert json.loads(stale.read_text())["config_hash"] == summary["config_hash"]
    assert count(jobs[0], "start") == 2 and count(jobs[0], "skipped") == 0
    for job in jobs[1:]:
        assert (job / "summary.json").stat().st_mtime_ns == stamps[job.name]
        assert count(job, "start") == 1 and count(job, "skipped") == 1
