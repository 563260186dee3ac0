"""Saved runs for the replay: found, checked and read through ``sim.results`` (files only).

Nothing is simulated here. The timeseries comes from :func:`sim.results.load_run` (which
refuses an incomplete folder); the spells, the network sample and the configuration are read
from the same folder, and anything damaged or of the wrong shape is a :class:`RunError` that
names the file, before the page draws anything.

The page opens folders only below its roots (:func:`allowed_roots`: ``results/`` under the
folder the dashboard was started in, the ``--run`` folder, and any ``--root``), so a visitor
cannot use Replay to learn which folders exist elsewhere on the machine.
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
#: The folder Replay and Compare may open runs from unless ``ccsim dashboard --root`` adds more.
DEFAULT_ROOT = Path("results")
#: Environment variable through which ``ccsim dashboard`` passes the roots (os.pathsep-joined).
ROOTS_ENV = "CCSIM_DASHBOARD_ROOTS"
#: Columns of timeseries.parquet the replay draws (a file without them is not a ccsim run).
NEEDED_COLUMNS = ("step", "firm", "strategy", "orientation", "customers", "revenue", "profit",
                  "margin", "market_share", "nps", "retention", "acq_wom", "acq_ads",
                  "acq_search", "acq_cross_sell")


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
    def first_step(self) -> int:
        """First saved step."""
        return int(self.ts["step"].min())

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


def allowed_roots() -> list[Path]:
    """The folders the page may open runs from: ``$CCSIM_DASHBOARD_ROOTS``, else ``results/``."""
    given = [p for p in os.environ.get(ROOTS_ENV, "").split(os.pathsep) if p]
    return [Path(p).resolve() for p in (given or [str(DEFAULT_ROOT)])]


def check_allowed(path: str | os.PathLike, roots: list[Path]) -> Path:
    """``path`` resolved, if it lies below one of ``roots``.

    The same refusal whether or not the folder exists (symbolic links are followed first), so
    the answer tells nothing about folders outside the roots.

    Raises:
        RunError: the folder lies outside every root.
    """
    resolved = Path(path).expanduser().resolve()
    if any(resolved == r or r in resolved.parents for r in roots):
        return resolved
    shown = ", ".join(str(r) for r in roots)
    raise RunError(path, f"outside the folders this dashboard opens ({shown}); start it with "
                         "ccsim dashboard --root FOLDER to open runs elsewhere")


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


def list_runs(root: str | os.PathLike | None = None,
              roots: list[Path] | None = None) -> list[Path]:
    """Complete run folders directly under ``root`` (default :func:`runs_dir`), newest first.

    With ``roots``, only folders below one of them (what the page may open).
    """
    base = Path(root) if root is not None else runs_dir()
    if not base.is_dir():
        return []
    found = [p for p in base.iterdir() if p.is_dir() and results.run_info(p).status == "ok"]
    if roots is not None:
        found = [p for p in found if _below(p, roots)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def _below(path: Path, roots: list[Path]) -> bool:
    try:
        check_allowed(path, roots)
    except RunError:
        return False
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _table(path: Path, needs: tuple[str, ...] = ()) -> pd.DataFrame:
    """A Parquet file of the run, or RunError naming it (unreadable, or a column missing)."""
    try:
        df = io.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise RunError(path.parent, f"{path.name} is unreadable ({_first_line(exc)})") from None
    missing = [c for c in needs if c not in df]
    if missing:
        raise RunError(path.parent, f"{path.name} is not a ccsim table (no column "
                                    f"{', '.join(missing)})")
    return df


def _optional(path: Path, needs: tuple[str, ...] = ()) -> pd.DataFrame | None:
    return _table(path, needs) if path.exists() else None


def _mapping(path: Path) -> dict:
    """``config.yaml`` as a mapping ({} if absent), or RunError if it is not one."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RunError(path.parent, f"{path.name} is unreadable ({_first_line(exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RunError(path.parent, f"{path.name} is not a configuration (a YAML "
                                    f"{type(data).__name__}, expected a mapping)")
    return data


def open_run(path: str | os.PathLike, roots: list[Path] | None = None) -> SavedRun:
    """Read a complete run folder for replay, checking every file the page will draw from.

    Args:
        path: The run folder.
        roots: If given, refuse a folder outside them first (:func:`check_allowed`).

    Raises:
        RunError: outside the roots, not a complete run (see :func:`check_run`), or a file that
            is unreadable or of the wrong shape (the message names it).
    """
    if roots is not None:
        check_allowed(path, roots)
    folder = check_run(path)
    _table(folder / "timeseries.parquet", NEEDED_COLUMNS)
    try:
        ts = results.load_run(folder)
    except FileNotFoundError as exc:
        raise RunError(folder, str(exc)) from None
    summary = results.run_info(folder).summary
    if not isinstance(summary, dict):
        raise RunError(folder, "summary.json is not a run summary (expected a JSON object)")
    config = _mapping(folder / "config.yaml")
    firms = list(config.get("firms") or {}) if isinstance(config.get("firms"), dict) else []
    spells = _optional(folder / "spells.parquet", ("customer", "category", "firm", "start", "end"))
    if spells is not None and not firms and "firm_name" in spells:
        pairs = spells[["firm", "firm_name"]].drop_duplicates().sort_values("firm")
        firms = pairs["firm_name"].tolist()
    if not firms or set(firms) != set(ts["firm"].astype(str)):
        firms = list(dict.fromkeys(ts["firm"].astype(str)))
    market = config.get("market") if isinstance(config.get("market"), dict) else {}
    spy = summary.get("steps_per_year") or market.get("steps_per_year") or 12
    if isinstance(spy, bool) or not isinstance(spy, int) or spy < 1:
        raise RunError(folder, f"summary.json is not a run summary (steps_per_year is {spy!r})")
    categories = market.get("categories")
    return SavedRun(
        path=folder, ts=ts, firms=firms, steps=int(ts["step"].max()), steps_per_year=spy,
        n_categories=len(categories) if isinstance(categories, dict) and categories else 2,
        spells=spells,
        sample=_optional(folder / "network_sample.parquet", ("customer", "x", "y", "neighbours")),
        summary=summary, config=_saved_config(folder / "config.yaml"))


def _saved_config(path: Path) -> Config | None:
    try:
        return read_config(path) if path.exists() else None
    except ConfigError:
        return None
