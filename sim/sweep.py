"""Sweeps: what each Hydra multirun job does around the model run, and the sweep's bookkeeping.

Hydra launches the jobs (its joblib launcher by default; Ray or submitit through their Hydra
plugins); nothing here schedules anything. A sweep is made resumable and crash-safe by making
every job idempotent:

* a sweep is one folder whatever it sweeps (``hydra.sweep.dir`` depends on nothing a job's
  configuration sets), and a job's folder is derived from its overrides (``hydra.sweep.subdir``
  is ``${hydra.job.override_dirname}``, shortened when too long: :mod:`sim.sweep_plan`), so the
  same command names the same folders again;
* ``summary.json`` is the completion marker: :func:`sim.runner.run` writes it last, every file
  atomically. A job first looks for it and does nothing if it is there and was made from the
  same configuration (same config hash), so a complete job never runs twice;
* a job holds an exclusive ``flock`` on its folder while it runs (the kernel drops it when the
  process dies, even on ``kill -9``); a job whose lock another process holds waits for it and
  then finds the job finished (``skipped``, "finished by another process"), so two sweeps
  resumed at once never run one job twice and both end with every job accounted for;
* a job that raises writes ``error.json`` (status, error type, message, traceback) and returns
  normally, so the launcher goes on with the other jobs; ``ccsim run -m`` then exits 1;
* a ``summary.json`` that is not a JSON object of the same config hash is no result: the job
  runs again;
* the sweep folder gets ccsim's marker ``.ccsim-sweep`` and each job folder ``.ccsim-run``
  (:mod:`sim.folders`), and the joblib launcher's workers end with the launching process,
  even after ``kill -9`` (:mod:`sim.parent_watch`).

Each job also appends one JSON line per event (``start``, ``ok``, ``failed``, ``skipped``) to
``events.jsonl`` in its folder, and prints a progress line counted from the markers on disk, so
it is right whichever worker finishes first. :class:`SweepCallback` (``hydra.callbacks`` in
``conf/config.yaml``) records the planned jobs (folder and overrides) and the start time in
``sweep.json`` and reports the outcome at the end. :func:`all_complete` lets ``ccsim run -m ...
--resume`` end at once, without starting Hydra's launcher, when every planned job is complete;
:func:`find_sweep` finds the sweep to resume by the jobs it plans, whatever the order of the
overrides and of each sweep's values.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from . import sweep_plan  # registers the ccsim.job_dir resolver (hydra.sweep.subdir) in workers
from .folders import RUN_MARKER, SWEEP_MARKER, claim, is_sweep_folder

log = logging.getLogger("ccsim.sweep")

MARKER = "summary.json"  #: written last by a complete run (sim.runner)
ERROR = "error.json"  #: written by a job that raised
EVENTS = "events.jsonl"  #: one JSON line per job event
SWEEP_INFO = "sweep.json"  #: number of jobs and start time of the current sweep session
LOCK = ".lock"

#: Numba threads per job inside a sweep (default 1: one process per core does the parallelism).
THREADS_ENV = "CCSIM_SWEEP_THREADS"
#: Fault injection for tests and drills: jobs with any of these ``;``-separated overrides raise.
FAIL_ENV = "CCSIM_FAIL_JOBS"

_BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


@dataclass
class SweepReport:
    """State of a sweep folder: how many jobs are complete, failed, or not finished.

    ``total`` is the number of planned jobs (``sweep.json``; None if unknown). With a plan, the
    counts are over the planned jobs and a planned job without a folder counts as incomplete.
    """

    sweep_dir: Path
    total: int | None
    ok: int
    failed: int
    incomplete: int
    failed_dirs: list[Path]
    incomplete_ids: list[str] = field(default_factory=list)  #: run ids of unfinished jobs

    def line(self) -> str:
        """``4 ok of 4`` (failed and incomplete jobs named when there are any)."""
        parts = [f"{self.ok} ok"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.incomplete:
            parts.append(f"{self.incomplete} incomplete")
        total = self.total if self.total is not None else self.ok + self.failed + self.incomplete
        return f"{', '.join(parts)} of {total}"


#: The report of the last sweep this process ran (set by :class:`SweepCallback`).
LAST_REPORT: SweepReport | None = None


# ----------------------------------------------------------------------------------------------
# Job folders and their status


def job_status(job_dir: str | os.PathLike) -> str:
    """``"ok"`` (summary.json present), ``"failed"`` (error.json present) or ``"incomplete"``."""
    job = Path(job_dir)
    if (job / MARKER).is_file():
        return "ok"
    if (job / ERROR).is_file():
        return "failed"
    return "incomplete"


def job_dirs(sweep_dir: str | os.PathLike) -> list[Path]:
    """The job folders of a sweep: visible sub-folders that Hydra or a job wrote into."""
    root = Path(sweep_dir)
    if not root.is_dir():
        return []
    found = []
    for entry in os.scandir(root):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        path = Path(entry.path)
        if any((path / name).exists() for name in (".hydra", MARKER, ERROR, EVENTS)):
            found.append(path)
    return sorted(found)


def planned(sweep_dir: str | os.PathLike) -> list[dict] | None:
    """The jobs ``sweep.json`` planned: ``{"run_id": folder name, "overrides": [...]}`` each.

    None if the sweep recorded no plan (another sweeper, a custom ``hydra.sweep.subdir``, or a
    sweep from before plans were recorded).
    """
    jobs = _read_info(Path(sweep_dir)).get("jobs")
    if not isinstance(jobs, list) or not all(isinstance(j, dict) and j.get("run_id")
                                             for j in jobs):
        return None
    return jobs


def _tracked(root: Path) -> list[Path]:
    """The planned job folders (existing or not), or every job folder if there is no plan."""
    plan = planned(root)
    if plan is None:
        return job_dirs(root)
    return [root / job["run_id"] for job in plan]


def report(sweep_dir: str | os.PathLike, total: int | None = None) -> SweepReport:
    """Count the sweep's jobs by status (the planned ones if ``sweep.json`` has a plan)."""
    root = Path(sweep_dir)
    if total is None:
        total = _read_info(root).get("total")
    counts = {"ok": 0, "failed": 0, "incomplete": 0}
    failed, incomplete = [], []
    for job in _tracked(root):
        status = job_status(job)
        counts[status] += 1
        if status == "failed":
            failed.append(job)
        elif status == "incomplete":
            incomplete.append(job.name)
    return SweepReport(root, total, counts["ok"], counts["failed"], counts["incomplete"], failed,
                       incomplete)


def _read_info(sweep_dir: Path) -> dict:
    """``sweep.json`` as a dict (empty if missing or damaged; wrongly typed fields dropped)."""
    try:
        info = json.loads((sweep_dir / SWEEP_INFO).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(info, dict):
        return {}
    total, started = info.get("total"), info.get("started")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        info.pop("total", None)
    if not isinstance(started, (int, float)) or isinstance(started, bool):
        info.pop("started", None)
    return info


# ----------------------------------------------------------------------------------------------
# The job


def limit_numba_threads() -> int:
    """Give this job ``$CCSIM_SWEEP_THREADS`` (default 1) Numba threads; return the count in force.

    ``NUMBA_NUM_THREADS`` is set before Numba is first imported (it sizes the thread pool then);
    if Numba is already loaded, ``numba.set_num_threads`` lowers the count instead.
    """
    wanted = max(1, int(os.environ.get(THREADS_ENV, "1")))
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = str(wanted)
    import numba

    numba.set_num_threads(min(wanted, numba.config.NUMBA_NUM_THREADS))
    return numba.get_num_threads()


@contextlib.contextmanager
def _job_lock(job_dir: Path, run_id: str = "") -> Iterator[bool]:
    """Hold an exclusive flock on the job folder, waiting while another process holds it.

    Yields:
        Whether another process held the lock (so this one waited for it to finish the job).
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, jobs stay idempotent through their marker
        yield False
        return
    job_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(job_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            log.info("%s: another process is running this job; waiting for it", run_id)
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when that process ends, even on kill -9
            waited = True
        yield waited
    finally:
        os.close(fd)  # closing releases the lock


def _event(job_dir: Path, event: str, **fields: Any) -> None:
    """Append one JSON line to the job's event log (one write call, so lines never interleave)."""
    line = json.dumps({"event": event, "time": time.time(), "pid": os.getpid(),
                       "host": socket.gethostname(), **fields}) + "\n"
    with open(job_dir / EVENTS, "a", encoding="utf-8") as fh:
        fh.write(line)


def _is_complete(job_dir: Path, config_hash: str) -> bool:
    """A complete result of this very configuration exists (summary.json, same config hash).

    A ``summary.json`` that is not a JSON object (damaged, or written by something else) is
    no result: the job runs again.
    """
    try:
        summary = json.loads((job_dir / MARKER).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(summary, dict) and summary.get("config_hash") == config_hash


def _injected_failure(overrides: list[str]) -> None:
    spec = os.environ.get(FAIL_ENV, "")
    hits = [o for o in spec.split(";") if o and o in overrides]
    if hits:
        raise RuntimeError(f"injected failure: {hits[0]} is listed in ${FAIL_ENV}")


def run_job(cfg: DictConfig) -> str:
    """Run one sweep job idempotently in Hydra's job folder; never raise for a failed run.

    If another process is running the same job (two resumes of one sweep), this waits for it
    and then, finding the job finished, skips it.

    Args:
        cfg: The job's composed configuration (Hydra's task argument).

    Returns:
        ``"ok"``, ``"failed"`` or ``"skipped"`` (a complete result was already there).
    """
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    job_dir = Path(hc.runtime.output_dir)
    sweep_dir = Path(os.path.abspath(str(hc.sweep.dir)))
    run_id = os.path.relpath(job_dir, sweep_dir)
    overrides = [str(o) for o in hc.overrides.task]
    if job_dir.is_symlink() or run_id.startswith("..") or os.path.isabs(run_id):
        # checked before the sweep started (sim.hydra_policy); a link put there since is not
        # followed, and nothing is written
        log.error("ccsim: error: %s: the job folder is a symbolic link or outside the sweep "
                  "folder; not run", job_dir)
        return "failed"
    claim(job_dir, RUN_MARKER)
    threads = limit_numba_threads()
    t0 = time.perf_counter()
    with _job_lock(job_dir, run_id) as waited:
        status, detail = _run_locked(cfg, job_dir, run_id, overrides, threads, waited)
    progress_line(sweep_dir, run_id, status, time.perf_counter() - t0, detail)
    return status


def _run_locked(cfg: DictConfig | None, job_dir: Path, run_id: str, overrides: list[str],
                threads: int, waited: bool = False, config: Any = None) -> tuple[str, str]:
    """One job in its locked folder; ``config``: its validated Config if built already."""
    from . import io, runner
    from .configure import to_config

    if config is None:
        try:
            config = to_config(cfg)
        except Exception:  # noqa: BLE001 - recorded below as the job's failure
            config = None
    if config is not None and (job_dir / MARKER).exists() and _is_complete(
            job_dir, runner.config_hash(config)):
        _event(job_dir, "skipped", run_id=run_id, by_other_process=waited)
        return "skipped", "finished by another process" if waited else "already complete"
    if waited and (job_dir / ERROR).exists() and not (job_dir / MARKER).exists():
        # the process this one waited for ran the job and it failed: report, do not run twice
        return "failed", "failed in another process (see its error.json)"
    if (job_dir / MARKER).exists():  # withdrawn first: the old marker must not vouch for new files
        log.warning("ccsim: warning: %s: summary.json is not a result of this configuration; "
                    "running again", run_id)
        (job_dir / MARKER).unlink()
    io.remove_leftovers(job_dir)  # temp files of a killed attempt (atomic writes)
    (job_dir / ERROR).unlink(missing_ok=True)
    _event(job_dir, "start", run_id=run_id, overrides=overrides, numba_threads=threads)
    t0 = time.perf_counter()
    try:
        if config is None:
            config = to_config(cfg)  # raises the configuration's error
        _injected_failure(overrides)
        result = runner.run(config, job_dir, progress=False)
    except (Exception, SystemExit) as exc:  # a job's failure must not end the sweep
        seconds = time.perf_counter() - t0
        message = str(exc) or type(exc).__name__
        io.write_json({"status": "failed", "run_id": run_id, "overrides": overrides,
                       "error_type": type(exc).__name__, "message": message,
                       "traceback": traceback.format_exc(), "seconds": seconds,
                       "time": time.time(), "host": socket.gethostname(), "pid": os.getpid()},
                      job_dir / ERROR)
        _event(job_dir, "failed", run_id=run_id, error=f"{type(exc).__name__}: {message}",
               seconds=seconds)
        return "failed", f"{type(exc).__name__}: {message}"
    seconds = time.perf_counter() - t0
    _event(job_dir, "ok", run_id=run_id, seconds=seconds)
    gap = result.summary["comparison"].get("growth_gap_points")  # defined whenever both grew or not
    shown = f"{gap:+.1f}" if isinstance(gap, float) and math.isfinite(gap) else "n/a"
    return "ok", f"growth gap {shown} points"


# ----------------------------------------------------------------------------------------------
# Progress


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


#: A process counts the markers on disk for its progress lines at most this often (seconds); in
#: between it adds its own finished jobs to its last count. Counting reads ``sweep.json`` and
#: stats every planned job, about 10 ms at 1,000 jobs: for sweeps of thousands of runs of a
#: quarter of a second that was 4 % of the machine. Near the end (:data:`RECOUNT_LAST` jobs
#: left) every line counts again, so the sweep's last line reads N/N.
RECOUNT_SECONDS = 2.0
RECOUNT_LAST = 32


@dataclass
class _Count:
    """A process's last count of a sweep's finished jobs."""

    stamp: int | None  # sweep.json's mtime_ns: a new launch counts again
    at: float  # time.monotonic() of the count
    total: int | None
    started: float | None
    done: int = 0
    failed: int = 0
    recent: int = 0  # finished since ``started``


_counts: dict[str, _Count] = {}


def _count(root: Path, stamp: int | None) -> _Count:
    info = _read_info(root)
    count = _Count(stamp, time.monotonic(), info.get("total"), info.get("started"))
    for job in _tracked(root):
        for name in (MARKER, ERROR):
            try:
                mtime = (job / name).stat().st_mtime
            except OSError:
                continue
            count.done += 1
            count.failed += name == ERROR
            count.recent += count.started is not None and mtime >= count.started
            break
    return count


def _progress(root: Path, status: str) -> _Count:
    """The sweep's counts after a job of this process ended with ``status``."""
    try:
        stamp: int | None = (root / SWEEP_INFO).stat().st_mtime_ns
    except OSError:
        stamp = None
    last = _counts.get(str(root))
    if (last is None or last.stamp != stamp or time.monotonic() - last.at >= RECOUNT_SECONDS
            or last.total is None or last.total - last.done <= RECOUNT_LAST):
        last = _counts[str(root)] = _count(root, stamp)  # this job's marker is on disk
    elif status in ("ok", "failed"):  # a new marker since the count ("skipped": counted)
        last.done += 1
        last.failed += status == "failed"
        last.recent += last.started is not None
    return last


def progress_line(sweep_dir: str | os.PathLike, run_id: str, status: str, seconds: float,
                  detail: str = "") -> str:
    """Log (and return) the sweep's progress after a job ended: done / total, elapsed, remaining.

    Counts come from the markers on disk, so the line is right with any number of workers
    (counted at most every :data:`RECOUNT_SECONDS` by each process; in between, other workers'
    jobs show at the next count); the estimate of what is left uses the jobs finished since
    this sweep session started.
    """
    c = _progress(Path(sweep_dir), status)
    total, started = c.total, c.started
    parts = [f"{c.done}/{total if total is not None else '?'} jobs done"
             + (f" ({c.failed} failed)" if c.failed else "")]
    if started is not None:
        elapsed = max(0.0, time.time() - started)
        parts.append(f"elapsed {_clock(elapsed)}")
        if total is not None and c.recent:
            parts.append(f"~{_clock(elapsed / c.recent * max(0, total - c.done))} left")
    parts.append(f"{status} {run_id} ({seconds:.1f} s{', ' + detail if detail else ''})")
    line = "[sweep] " + " · ".join(parts)
    log.info(line)
    return line


def plan_jobs(config: DictConfig) -> list[dict] | None:
    """The jobs Hydra's basic sweeper makes of a multirun config, with their folder names.

    Returns:
        ``[{"run_id": folder name, "overrides": [...]}, ...]`` in launch order; ``run_id`` is
        None if ``hydra.sweep.subdir`` is not ccsim's (job folders named by their overrides).
        None for another sweeper, or if the command line cannot be planned.
    """
    if OmegaConf.select(config, "hydra.sweeper._target_") != _BASIC_SWEEPER:
        return None
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    lines = [f"{k}={v}" for k, v in params.items()]
    lines += [str(o) for o in config.hydra.overrides.task]
    try:
        jobs = sweep_plan.jobs(lines, sweep_plan.config_loader())
    except Exception:  # noqa: BLE001 - the sweeper will report what is wrong
        return None
    subdir = OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir")
    named = OmegaConf.select(config, "hydra.job.config.override_dirname")
    out = []
    for job in jobs:
        run_id = None
        if subdir == sweep_plan.SUBDIR and named is not None:
            run_id = sweep_plan.job_dirname(job, list(named.exclude_keys), named.item_sep,
                                            named.kv_sep)
        out.append({"run_id": run_id, "overrides": list(job)})
    return out


def count_jobs(config: DictConfig) -> int | None:
    """Number of jobs Hydra's basic sweeper makes of a multirun config (None for other sweepers)."""
    jobs = plan_jobs(config)
    return None if jobs is None else len(jobs)


class SweepCallback(Callback):
    """Hydra callback: writes ``sweep.json`` when a sweep starts, reports the outcome at its end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record the planned jobs and the start time (read by each job's progress line)."""
        from . import io
        from .parent_watch import watch_workers

        global LAST_REPORT
        LAST_REPORT = None
        sweep_dir = Path(str(config.hydra.sweep.dir))
        claim(sweep_dir, SWEEP_MARKER)  # checked before the sweep (sim.configure): ccsim's
        watch_workers()  # joblib workers end with this process, even after kill -9
        jobs = plan_jobs(config)
        total = None if jobs is None else len(jobs)
        info: dict[str, Any] = {"total": total, "started": time.time(),
                                "overrides": [str(o) for o in config.hydra.overrides.task],
                                "launcher": OmegaConf.select(config, "hydra.launcher._target_")}
        if jobs is not None and all(j["run_id"] for j in jobs):
            info["jobs"] = jobs
        io.write_json(info, sweep_dir / SWEEP_INFO)
        _skip_revalidation(config)
        before = report(sweep_dir, total)
        resumed = (f"; {before.ok} already complete (kept unless their configuration changed)"
                   if before.ok else "")
        log.info("sweep of %s jobs → %s%s", total if total is not None else "?", sweep_dir,
                 resumed)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Count complete and failed jobs; ``ccsim run`` exits 1 if any failed."""
        global LAST_REPORT
        _restore_revalidation()
        rep = report(Path(str(config.hydra.sweep.dir)))
        LAST_REPORT = rep
        log.info("sweep finished: %s → %s", rep.line(), rep.sweep_dir)


_HYDRA_VALIDATE: Any = None


def _skip_revalidation(config: DictConfig) -> None:
    """Spare Hydra's basic sweeper composing every job once more before launching it.

    ``BasicSweeper.validate_batch_is_legal`` composes each job's configuration in the main
    process, one after another, only to see that it composes (each worker composes its job
    again anyway); for 40 short jobs that is several seconds of the sweep's serial start. When
    ``ccsim run``'s up-front check (``sim.configure.check_overrides``) has already composed and
    validated every swept value of this very command line in this process, the sweeper's check
    is skipped for this sweep (restored at its end). Anything else keeps Hydra's check.
    """
    global _HYDRA_VALIDATE
    shared = sweep_plan.Composer._shared
    task = tuple(str(o) for o in config.hydra.overrides.task)
    if shared is None or task not in shared.validated or OmegaConf.select(
            config, "hydra.sweeper._target_") != _BASIC_SWEEPER:
        return
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    if _HYDRA_VALIDATE is None:
        _HYDRA_VALIDATE = BasicSweeper.validate_batch_is_legal
        BasicSweeper.validate_batch_is_legal = lambda self, batch: None  # type: ignore[method-assign]


def _restore_revalidation() -> None:
    global _HYDRA_VALIDATE
    if _HYDRA_VALIDATE is not None:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        BasicSweeper.validate_batch_is_legal = _HYDRA_VALIDATE  # type: ignore[method-assign]
        _HYDRA_VALIDATE = None


def all_complete(folder: str | os.PathLike, overrides: list[str]) -> SweepReport | None:
    """Whether a sweep needs no job run: every planned job complete from the same configuration.

    Cheap (no worker, no Hydra launcher): the plan of ``overrides`` must equal the one
    ``sweep.json`` recorded, and each job's ``summary.json`` must hold the config hash of the
    job's configuration, composed once per set of config-group choices (:mod:`sim.sweep_plan`).

    Args:
        folder: The sweep folder.
        overrides: The command line's overrides (``hydra.*`` ones are ignored; a command that
            changes the sweeper or how job folders are named is never called complete here).

    Returns:
        The sweep's report if every planned job is complete, else None (run the sweep).
    """
    from .fingerprint import config_hash

    root = Path(folder)
    plan = planned(root)
    if plan is None or any(o.lstrip("+~").startswith(("hydra.sweeper", "hydra/sweeper",
                                                      "hydra.job", "hydra.sweep.subdir"))
                           for o in overrides):
        return None
    try:
        composer = sweep_plan.Composer.shared()
        wanted = sweep_plan.jobs(sweep_plan.plain_overrides(overrides), composer.loader)
    except Exception:  # noqa: BLE001 - the full path reports what is wrong
        return None
    if len(plan) != len(wanted) or ({frozenset(j["overrides"]) for j in plan}
                                    != {frozenset(job) for job in wanted}):
        return None  # another set of jobs (the order of values and overrides does not count)
    for job in plan:
        try:
            summary = json.loads((root / job["run_id"] / MARKER).read_text())
            if summary.get("config_hash") != config_hash(composer.config(job["overrides"])):
                return None
        except Exception:  # noqa: BLE001 - missing, unreadable or invalid: not complete
            return None
    return report(root)


# ----------------------------------------------------------------------------------------------
# Resuming


RESUME_FLAGS = ("--resume", "+resume=true", "resume=true")


def recorded_overrides(sweep_dir: str | os.PathLike) -> list[str] | None:
    """The task overrides a sweep folder's ``multirun.yaml`` recorded (None if unreadable)."""
    try:
        recorded = OmegaConf.load(Path(sweep_dir) / "multirun.yaml").hydra.overrides.task
        lines = OmegaConf.to_container(recorded)
    except Exception:  # noqa: BLE001 - missing, not YAML, not a Hydra record
        return None
    if not isinstance(lines, list) or not all(isinstance(o, str) for o in lines):
        return None
    return lines


def find_sweep(task_overrides: list[str], root: str | os.PathLike) -> Path | None:
    """The most recently run sweep under ``root`` that asked for the same jobs as these overrides.

    The same jobs whatever the order: of the overrides (``seed=0,1 scenario=a`` and
    ``scenario=a seed=0,1``) and of a sweep's values (``scenario=b,a`` after ``scenario=a,b``,
    ``seed=range(0,3)`` and ``seed=0,1,2``): :func:`sim.sweep_plan.sweep_key`.
    """
    base = Path(root)
    best: tuple[float, Path] | None = None
    if not base.is_dir():
        return None
    loader = sweep_plan.config_loader()
    try:
        wanted = sweep_plan.sweep_key(task_overrides, loader)
    except Exception:  # noqa: BLE001 - checked before; nothing to compare with
        return None
    for path in base.glob("*/multirun.yaml"):
        recorded = recorded_overrides(path.parent)
        if recorded is None:
            continue  # not a readable Hydra sweep: not a candidate
        try:
            if sweep_plan.sweep_key(recorded, loader) != wanted:
                continue
        except Exception:  # noqa: BLE001 - a record this version cannot plan: not a candidate
            continue
        stamp = path.stat().st_mtime
        if best is None or stamp > best[0]:
            best = (stamp, path.parent)
    return best[1] if best else None


def absolute_sweep_dir(arg: str) -> str:
    """``hydra.sweep.dir=REL`` → ``hydra.sweep.dir=/abs/REL``; any other argument unchanged."""
    key, sep, value = arg.partition("=")
    if key != "hydra.sweep.dir" or not sep:
        return arg
    raw = value.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    if "${" in raw or os.path.isabs(raw):
        return arg
    return f"hydra.sweep.dir={_quote(os.path.abspath(raw))}"


def _quote(value: str) -> str:
    if all(c.isalnum() or c in "/._-+" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def resume_overrides(overrides: list[str]) -> tuple[list[str], Path]:
    """Add ``hydra.sweep.dir`` of the sweep to resume to a multirun command line.

    With ``hydra.sweep.dir=DIR`` given, DIR must hold a sweep (``multirun.yaml``). Otherwise the
    sweep root is the parent of the configured sweep dir (``results/sweeps``), and the most
    recently run sweep there whose recorded task overrides equal these is chosen.

    Returns:
        The overrides with ``hydra.sweep.dir`` set, and that folder.

    Raises:
        ConfigError: nothing to resume.
    """
    from .config import ConfigError

    given = [o for o in overrides if o.startswith("hydra.sweep.dir=")]
    if given:
        folder = Path(given[-1].split("=", 1)[1].strip("'\""))
        if not (folder / "multirun.yaml").is_file():
            raise ConfigError(f"{given[-1]}: no sweep to resume there (no multirun.yaml)")
        if recorded_overrides(folder) is None or not is_sweep_folder(folder):
            what = ("multirun.yaml is not a readable record of a sweep"
                    if recorded_overrides(folder) is None
                    else "not a ccsim sweep folder (no .ccsim-sweep or sweep.json)")
            raise ConfigError(f"{given[-1]}: {what}; nothing to resume there (run the command "
                              "without --resume to start a sweep into a new folder)")
        return list(overrides), folder
    task = [o for o in overrides if not o.startswith(("hydra.", "hydra/"))]
    root = _sweep_root(overrides)
    folder = find_sweep(task, root)
    if folder is None:
        raise ConfigError(f"--resume: no sweep under {root} was run with these overrides "
                          f"({' '.join(task) or 'none'}); run it without --resume to start it")
    return [*overrides, f"hydra.sweep.dir={_quote(str(folder.resolve()))}"], folder


def _sweep_root(overrides: list[str]) -> Path:
    """Parent folder of the configured ``hydra.sweep.dir`` (timestamps resolve to now).

    The shipped setting (``${hydra.runtime.cwd}/results/sweeps/${now:...}``) is read without
    composing; anything else (a ``hydra.sweep.dir`` override, an edited config) is composed.
    """
    from .configure import conf_dir

    if not any(o.lstrip("+").startswith("hydra.sweep.dir=") for o in overrides):
        try:
            raw = str(OmegaConf.load(conf_dir() / "config.yaml").hydra.sweep._get_node("dir")
                      ._value())
        except Exception:  # noqa: BLE001 - compose below
            raw = ""
        parent = os.path.dirname(raw).replace("${hydra.runtime.cwd}", os.getcwd())
        if parent and "${" not in parent and "${" in os.path.basename(raw):
            return Path(parent)
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.utils import setup_globals

    from .config import register_configs

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    plain = [ov.input_line for ov in parsed if not ov.is_sweep_override()]  # compose: no sweeps
    setup_globals()  # registers Hydra's ${now:...} resolver
    register_configs()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=plain, return_hydra_config=True)
            return Path(str(OmegaConf.select(cfg, "hydra.sweep.dir"))).parent
    finally:
        GlobalHydra.instance().clear()
