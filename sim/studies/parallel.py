"""Run a study's independent model runs in worker processes, one Numba thread each.

The studies (decompose, the scenario table) run many short, independent models; joblib's loky
workers run them side by side and each worker limits Numba to one thread, so the cores are not
oversubscribed; they end with the process that started them, even after ``kill -9``
(:mod:`sim.parent_watch`). Results come back as they finish; the caller sorts them (a run's
result depends only on its configuration and seed, never on which worker ran it or when).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

__all__ = ["prepare_worker", "run_grid", "run_tasks"]


def prepare_worker() -> None:
    """In a worker process: one Numba thread (``sim.sweep.limit_numba_threads``), quiet Mesa."""
    import logging

    from ..sweep import limit_numba_threads

    limit_numba_threads()
    logging.getLogger("MESA").setLevel(logging.WARNING)


def run_tasks(fn: Callable[..., Any], tasks: Sequence[tuple], n_jobs: int = 2,
              progress: Callable[[int, int, Any, float], None] | None = None) -> list[Any]:
    """Call ``fn(*task)`` for every task in parallel; return the results in finishing order.

    Args:
        fn: A picklable function returning one result (e.g. a row as a dict) per task.
        tasks: Argument tuples, one per call.
        n_jobs: Worker processes (capped at the number of tasks).
        progress: Called after each finished task with (done, total, row, seconds elapsed).
    """
    from joblib import Parallel, delayed, parallel_config

    from ..parent_watch import watch_workers

    rows: list[Any] = []
    if not tasks:
        return rows
    watch_workers()  # the workers end with this process, even after kill -9
    t0 = time.perf_counter()
    with parallel_config(backend="loky", inner_max_num_threads=1):
        par = Parallel(n_jobs=max(1, min(n_jobs, len(tasks))), return_as="generator_unordered")
        results: Iterable[Any] = par(delayed(fn)(*task) for task in tasks)
        for done, row in enumerate(results, 1):
            rows.append(row)
            if progress is not None:
                progress(done, len(tasks), row, time.perf_counter() - t0)
    return rows


def run_grid(fn: Callable[[Any, str, int], dict], configs: dict[str, Any], seeds: Iterable[int],
             key: str, n_jobs: int = 2,
             progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """``fn(config, name, seed)`` for every named configuration and seed, as one table.

    Args:
        fn: Returns one row with ``key`` (the configuration's name) and ``seed`` among its
            fields.
        configs: Name → configuration, in the order the rows are sorted.
        seeds: Model seeds.
        key: The rows' column naming the configuration (also the progress lines' prefix word).
        n_jobs: Worker processes.
        progress: Called with one line per finished run.

    Returns:
        One row per run, sorted by configuration (in ``configs`` order), then seed.
    """
    def report(done: int, total: int, row: dict, elapsed: float) -> None:
        if progress is not None:
            progress(f"{row[key]} seed {row['seed']} done ({done}/{total}, "
                     f"{elapsed:.0f} s elapsed)")

    tasks = [(cfg, name, s) for name, cfg in configs.items() for s in seeds]
    runs = pd.DataFrame(run_tasks(fn, tasks, n_jobs, report))
    order = {name: i for i, name in enumerate(configs)}
    return runs.sort_values([key, "seed"], key=lambda c: c.map(order) if c.name == key else c,
                            kind="stable").reset_index(drop=True)
