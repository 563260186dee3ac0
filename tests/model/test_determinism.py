"""Determinism: the same seed gives bit-identical results, whatever the number of threads.

In-process runs check repeatability and seed sensitivity; thread-count independence is checked
both in-process (``numba.set_num_threads``) and as the brief asks, by running
``python -m sim run`` with ``NUMBA_NUM_THREADS=1`` and ``=2`` and comparing the saved Parquet
tables exactly. The market has more than two blocks of customers (``layout.BLOCK``), otherwise
the parallel kernel would run one block and thread count could not matter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.kernels.layout import BLOCK
from sim.runner import config_hash

OVERRIDES = ("market=small", "market.n_customers=900", "market.steps=15")
THREADED = ("market=small", f"market.n_customers={2 * BLOCK + 904}", "market.steps=18", "seed=21")


def test_same_seed_gives_identical_runs(simulate):
    a = simulate((*OVERRIDES, "seed=13"))
    b = simulate((*OVERRIDES, "seed=13"))
    pd.testing.assert_frame_equal(a.ts, b.ts, check_exact=True)
    pd.testing.assert_frame_equal(a.spells, b.spells, check_exact=True)
    for name in ("firm_of", "tenure", "spend", "aware", "belief", "knowledge", "satisfaction"):
        assert np.array_equal(getattr(a.model.state, name), getattr(b.model.state, name)), name
    assert config_hash(a.cfg) == config_hash(b.cfg)


def test_different_seeds_differ(simulate):
    a = simulate((*OVERRIDES, "seed=13"))
    b = simulate((*OVERRIDES, "seed=14"))
    assert not a.ts["revenue"].equals(b.ts["revenue"])
    assert not np.array_equal(a.model.state.spend, b.model.state.spend)
    assert config_hash(a.cfg) != config_hash(b.cfg)


def test_thread_count_does_not_change_results_in_process(simulate):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs NUMBA_NUM_THREADS >= 2")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(THREADED)
        numba.set_num_threads(2)
        two = simulate(THREADED)
    finally:
        numba.set_num_threads(before)
    assert one.cfg.market.n_customers > 2 * BLOCK  # several blocks, so threads can interleave
    pd.testing.assert_frame_equal(one.ts, two.ts, check_exact=True)
    pd.testing.assert_frame_equal(one.spells, two.spells, check_exact=True)
    assert np.array_equal(one.model.state.belief, two.model.state.belief)


def test_numba_num_threads_env_gives_identical_parquet(tmp_path, cli):
    dirs = {n: tmp_path / f"threads_{n}" for n in ("1", "2")}
    procs = {n: cli.start(["run", *THREADED, "output.print_table=false", f"hydra.run.dir={d}"],
                          cwd=tmp_path, NUMBA_NUM_THREADS=n)
             for n, d in dirs.items()}
    for n, proc in procs.items():
        done = cli.finish(proc)
        assert done.returncode == 0, f"NUMBA_NUM_THREADS={n}: {done.stderr[-2000:]}"
    for table in ("timeseries.parquet", "spells.parquet"):
        one = pd.read_parquet(dirs["1"] / table)
        two = pd.read_parquet(dirs["2"] / table)
        assert len(one) > 0
        pd.testing.assert_frame_equal(one, two, check_exact=True)


@pytest.mark.parametrize("firms", ["empowerment", "incentives"])
def test_need_estimate_cache_changes_no_bit(simulate, monkeypatch, firms):
    """The cached need-estimate normals (small markets) give the results of drawing them."""
    from sim.kernels import journey

    overrides = (*OVERRIDES, f"firms={firms}", "seed=5")
    cached = simulate(overrides)
    assert cached.model.est_z.shape[0] == cached.cfg.market.n_customers
    monkeypatch.setattr(journey, "EST_CACHE_BYTES", 0)
    drawn = simulate(overrides)
    assert drawn.model.est_z.shape[0] == 0  # nothing cached: the kernel draws
    pd.testing.assert_frame_equal(cached.ts, drawn.ts, check_exact=True)
    pd.testing.assert_frame_equal(cached.spells, drawn.spells, check_exact=True)
    for name in ("belief", "knowledge", "satisfaction", "firm_of"):
        assert np.array_equal(getattr(cached.model.state, name), getattr(drawn.model.state, name))
    assert (cached.model.state.knowledge > 0).any()  # firms learnt: the estimates were used
