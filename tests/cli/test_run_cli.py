"""End to end through the ``ccsim`` console script: reproducible runs and a small sweep.

``ccsim run seed=7`` twice (each in its own working directory) must write identical
timeseries; a two-job multirun must complete both jobs with their own seeds. The three
processes start together to share the wait.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cli):
    dirs = {k: tmp_path_factory.mktemp(k) for k in ("seed7_a", "seed7_b", "sweep")}
    procs = {
        "seed7_a": cli.start(["run", "seed=7"], cwd=dirs["seed7_a"], script=True),
        "seed7_b": cli.start(["run", "seed=7"], cwd=dirs["seed7_b"], script=True),
        "sweep": cli.start(["run", "-m", "seed=1,2", "market=small", "market.n_customers=300",
                            "market.steps=6", f"hydra.sweep.dir={dirs['sweep'] / 'sw'}"],
                           cwd=dirs["sweep"], script=True),
    }
    return {k: (cli.finish(p, timeout=600), dirs[k]) for k, p in procs.items()}


def _run_dir(cwd):
    found = list((cwd / "results" / "runs").iterdir())
    assert len(found) == 1, found
    return found[0]


def test_same_seed_twice_gives_identical_timeseries(runs):
    tables = []
    for key in ("seed7_a", "seed7_b"):
        done, cwd = runs[key]
        assert done.returncode == 0, done.stderr[-3000:]
        run_dir = _run_dir(cwd)
        assert json.loads((run_dir / "summary.json").read_text())["seed"] == 7
        tables.append(pd.read_parquet(run_dir / "timeseries.parquet"))
    assert len(tables[0]) == 4 * 120  # the default market: four firms, 120 months
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)


def test_multirun_completes_every_job(runs):
    done, cwd = runs["sweep"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    summaries = [json.loads(p.read_text()) for p in (cwd / "sw").rglob("summary.json")]
    assert sorted(s["seed"] for s in summaries) == [1, 2]
    assert all(s["n_customers"] == 300 and s["steps"] == 6 for s in summaries)
    assert not (cwd / "results").exists()  # the sweep went where it was told
