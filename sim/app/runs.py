"""Saved runs for the replay: found, checked and read through ``sim.results`` (files only).

Nothing is simulated here. The timeseries comes from :func:`sim.results.load_run` (which
refuses an incomplete folder); the spells, the network sample and the configuration are read
from the same folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import io, results, samples
from ..config import Config, ConfigError
from ..configure import read_config

#: Where ``ccsim run`` writes runs (the picker's folder unless ``CCSIM_RUNS_DIR`` says otherwise).
RUNS_DIR = Path("results") / "runs"


class RunError(ValueError):
    """A folder that is not a complete saved run; the message says which and why."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


@dataclass
class SavedRun:
    """One saved run, read for replay.

    Attributes:
        path: The run folder.
        ts: Its timeseries (one row per firm and step, with ``run_id`` and ``seed``).
        firms: Firm names in configuration order (the order of their colours).
        steps: Last step.
        steps_per_year: Steps per year of the run.
        n_categories: Product categories in the market.
        spells: Its spells table, or None if the run did not save one.
        sample: Its network sample, or None if the run predates them.
        summary: Its ``summary.json``.
        config: Its validated configuration, or None if ``config.yaml`` is missing or unreadable.
    """

    path: Path
    ts: pd.DataFrame
    firms: list[str]
    steps: int
    steps_per_year: int
    n_categories: int
    spells: pd.DataFrame | None
    sample: pd.DataFrame | None
    summary: dict
    config: Config | None = None

    @property
    def label(self) -> str:
        """Short description for pickers and headings."""
        s = self.summary
        return (f"{self.path.name} ({s.get('name', '?')}, seed {s.get('seed', '?')}, "
                f"{s.get('n_customers', 0):,} customers)")

    def firms_at(self, step: int) -> np.ndarray | None:
        """Each sampled customer's firm index after ``step`` (-1: none), from the spells."""
        if self.sample is None or self.spells is None:
            return None
        return samples.firms_from_spells(self.spells, self.sample["customer"].to_numpy(),
                                         self.n_categories, step)

    def until(self, step: int) -> pd.DataFrame:
        """The timeseries up to and including ``step``."""
        return self.ts[self.ts["step"] <= step]


def runs_dir() -> Path:
    """The picker's folder: ``$CCSIM_RUNS_DIR`` or ``results/runs``."""
    return Path(os.environ.get("CCSIM_RUNS_DIR") or RUNS_DIR)


def check_run(path: str | os.PathLike) -> Path:
    """``path`` if it is a complete run folder.

    Raises:
        RunError: no such folder, or no complete run in it.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise RunError(folder, "no such run folder")
    info = results.run_info(folder)
    if info.status != "ok":
        why = info.error or "no summary.json: the run did not finish"
        raise RunError(folder, f"not a complete run ({why})")
    if not (folder / "timeseries.parquet").exists():
        raise RunError(folder, "not a complete run (timeseries.parquet is missing)")
    return folder


def list_runs(root: str | os.PathLike | None = None) -> list[Path]:
    """Complete run folders directly under ``root`` (default :func:`runs_dir`), newest first."""
    base = Path(root) if root is not None else runs_dir()
    if not base.is_dir():
        return []
    found = [p for p in base.iterdir() if p.is_dir() and results.run_info(p).status == "ok"]
    return sorted(found, key=lambda p: p.name, reverse=True)


def _optional(path: Path) -> pd.DataFrame | None:
    return io.read_parquet(path) if path.exists() else None


def open_run(path: str | os.PathLike) -> SavedRun:
    """Read a complete run folder for replay.

    Raises:
        RunError: not a complete run (see :func:`check_run`).
    """
    folder = check_run(path)
    try:
        ts = results.load_run(folder)
    except FileNotFoundError as exc:
        raise RunError(folder, str(exc)) from None
    summary = results.run_info(folder).summary or {}
    config = {}
    if (folder / "config.yaml").exists():
        config = yaml.safe_load((folder / "config.yaml").read_text()) or {}
    firms = list(config.get("firms") or {})
    spells = _optional(folder / "spells.parquet")
    if spells is not None and not firms:
        pairs = spells[["firm", "firm_name"]].drop_duplicates().sort_values("firm")
        firms = pairs["firm_name"].tolist()
    if not firms:
        firms = list(dict.fromkeys(ts["firm"]))
    market = config.get("market") or {}
    return SavedRun(
        path=folder, ts=ts, firms=firms, steps=int(ts["step"].max()),
        steps_per_year=int(summary.get("steps_per_year") or market.get("steps_per_year") or 12),
        n_categories=len(market.get("categories") or {}) or 2,
        spells=spells, sample=_optional(folder / "network_sample.parquet"), summary=summary,
        config=_saved_config(folder / "config.yaml"))


def _saved_config(path: Path) -> Config | None:
    try:
        return read_config(path) if path.exists() else None
    except ConfigError:
        return None
