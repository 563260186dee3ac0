"""Helpers for the sweep tests: run ``python -m sim run -m ...`` on a tiny market in a subprocess.

Sweeps run the way users run them (a fresh process, Hydra's launcher, workers), on markets
small enough that a job takes about a second: the cost is mostly starting the processes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: A tiny market: 200 customers over 6 months.
TINY = ["market.n_customers=200", "market.steps=6"]


def events(job_dir: Path) -> list[dict]:
    """The job's event log (one dict per line of events.jsonl)."""
    path = Path(job_dir) / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def count(job_dir: Path, event: str) -> int:
    """How many times ``event`` (start, ok, failed, skipped) was logged for this job."""
    return sum(e["event"] == event for e in events(job_dir))


def job_folders(sweep_dir: Path) -> list[Path]:
    """The job folders of a sweep (visible sub-folders)."""
    return sorted(p for p in Path(sweep_dir).iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="session")
def sweep_cli(cli):
    """``sweep_cli(args, cwd, timeout=..., **env)``: run ``python -m sim run -m ARGS``."""

    def run(args, cwd: Path, timeout: float = 600, **env: str):
        return cli.run(["run", "-m", *args], cwd, timeout=timeout, **env)

    return run
