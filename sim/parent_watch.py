"""Sweep workers that end with the process that started them.

Hydra's joblib launcher runs a sweep's jobs in loky worker processes. If the ``ccsim run -m``
process is killed outright (``kill -9``, the OOM killer), loky never tells its workers to stop:
they are adopted by init and stay, about 280 MB each, for good (a job they were running is
left incomplete and is re-run by ``--resume`` anyway). So each worker watches its parent from
a daemon thread and ends itself when the parent is gone.

:func:`watch_workers` makes the ``loky`` backend that Hydra's joblib launcher asks for start
its workers with :func:`start` as their initializer. Nothing here imports Numba or the model,
so a worker's Numba settings (``NUMBA_NUM_THREADS``) are still made by the job.
"""

from __future__ import annotations

import os
import threading
import time

#: Seconds between two looks at the parent process.
INTERVAL = 0.5

_started = False

__all__ = ["INTERVAL", "start", "watch_workers"]


def _watch(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:  # adopted by init or a subreaper: the parent died
            os._exit(1)  # no cleanup to wait for: a job's files are written atomically


def start(interval: float = INTERVAL) -> bool:
    """In a worker: end this process (exit status 1) as soon as its parent is gone.

    Returns:
        Whether a watcher was started (one per process; not when the parent is init already).
    """
    global _started
    parent = os.getppid()
    if _started or parent <= 1:
        return False
    threading.Thread(target=_watch, args=(parent, interval), name="ccsim-parent-watch",
                     daemon=True).start()
    _started = True
    return True


def watch_workers() -> None:
    """Make joblib's ``loky`` backend (Hydra's joblib launcher) start watched workers.

    Registered under the name the launcher asks for, so its workers run :func:`start` first.
    Call it in the process that launches the sweep; it is idempotent.
    """
    from joblib import parallel
    from joblib._parallel_backends import LokyBackend

    class WatchedLokyBackend(LokyBackend):
        """loky workers that end with their parent (:func:`start` as initializer)."""

        def __init__(self, nesting_level: int | None = None,
                     inner_max_num_threads: int | None = None, **kwargs: object) -> None:
            kwargs.setdefault("initializer", start)
            super().__init__(nesting_level=nesting_level,
                             inner_max_num_threads=inner_max_num_threads, **kwargs)

    if getattr(parallel.BACKENDS.get("loky"), "__name__", "") != "WatchedLokyBackend":
        parallel.register_parallel_backend("loky", WatchedLokyBackend)
