"""``kill -9`` of a sweep's main process: its joblib (loky) workers and trackers end too.

The same for the commands that start their own workers: a study (``sim.studies.parallel``,
``ccsim decompose`` here; ``ccsim fit`` and the scenario table use the same pool) and
``ccsim experiment`` (Hydra's launcher, started by ``sim.studies.experiment_launch``).

Only the main process is killed (not its process group): the workers must notice by
themselves (``sim.parent_watch``). Bounded in time; whatever is still alive at the end is
killed, so nothing is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import count

#: Jobs of a few seconds each, two at a time, so that both workers are busy when killed.
ARGS = ["market.n_customers=3000", "market.steps=120", "seed=0,1,2,3", "hydra.launcher.n_jobs=2",
        "hydra.sweep.dir=sw"]


def _children() -> dict[int, int]:
    """pid → parent pid of every process (from /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits for a reaper


def _start(args: list[str], cwd: Path, cli) -> subprocess.Popen:
    """``python -m sim ARGS`` in its own process group (so the clean-up reaches everything)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args], cwd=cwd, env=cli.env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def _kill_and_expect_gone(proc: subprocess.Popen, workers: set[int]) -> None:
    """kill -9 the main process only; every one of ``workers`` must end within 15 s."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = sorted(p for p in workers if _alive(p))
    assert not left, f"still running 15 s after the kill: {left}"


def _clean_up(proc: subprocess.Popen, workers: set[int]) -> None:
    """Whatever a failed test left running: the workers, then the command's whole group."""
    for pid in workers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_workers_end_with_a_killed_sweep(tmp_path, cli):
    proc = _start(["run", "-m", *ARGS], tmp_path, cli)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while sum(count(job, "start") for job in (tmp_path / "sw").glob("*=*")) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no two jobs started in 180 s"
            time.sleep(0.05)
        workers = _descendants(proc.pid)
        assert len(workers) >= 2, workers  # the two loky workers (and resource trackers)
        _kill_and_expect_gone(proc, workers)
    finally:
        _clean_up(proc, workers)


def _loky_workers(pid: int) -> set[int]:
    """The descendants of ``pid`` that are loky worker processes."""
    found = set()
    for child in _descendants(pid):
        try:
            cmdline = Path("/proc", str(child), "cmdline").read_bytes()
        except OSError:
            continue
        if b"popen_loky_posix" in cmdline:
            found.add(child)
    return found


@pytest.mark.parametrize("args", [
    ["decompose", "--quick", "--jobs", "2", "--out", "d"],
    ["experiment", "two_to_one", "--quick", "--jobs", "2", "--out", "e", "--work", "w"],
], ids=["study", "experiment"])
def test_workers_of_a_killed_command_end_too(args, tmp_path, cli):
    proc = _start(args, tmp_path, cli)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while len(_loky_workers(proc.pid)) < 2:
            assert proc.poll() is None, "the command ended before it could be killed"
            assert time.monotonic() < deadline, "no two workers started in 180 s"
            time.sleep(0.05)
        time.sleep(1.0)  # past the workers' start: the watch begins in their initializer
        workers = _descendants(proc.pid)
        _kill_and_expect_gone(proc, workers)
    finally:
        _clean_up(proc, workers)
