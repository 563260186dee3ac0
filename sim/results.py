"""Tidy tables from saved runs and sweeps: ``ccsim collect`` and the notebook API.

A sweep folder (Hydra's ``hydra.sweep.dir``) holds one folder per job, named by its overrides.
:func:`collect` gathers them into three plain Parquet files beside the job folders:

``runs.parquet``
    one row per job: ``run_id`` (the job folder's name), each override of the command line as
    a column named by its key (``market.n_customers``, ``seed``, …), ``seed``, ``status``
    (``ok``, ``failed``, ``incomplete`` for a job that never finished, or ``unreadable`` for a
    finished job whose files cannot be read, e.g. a truncated Parquet), ``error`` (the failed
    or unreadable job's ``Type: message``), then every run-level KPI of
    ``summary.json["comparison"]``.
``firm_kpis.parquet``
    one row per complete job × firm: ``run_id``, the override columns, ``seed``, ``firm`` and
    every per-firm KPI of ``summary.json["firms"]``.
``timeseries.parquet``
    every complete job's ``timeseries.parquet`` stacked (step × firm), with ``run_id``, the
    override columns and ``seed`` in front.

Only a job with ``summary.json`` (written last, after its tables) is read as a result, so a
killed or running job's partial files are never read. ``ccsim collect`` compares the folder with
the jobs the sweep planned (``sweep.json``) and names the ones missing, failed or unreadable.
Writes are atomic and rows are sorted by ``run_id``, so collecting twice gives byte-identical
files. Everything is read back with
pyarrow, JSON and safe YAML: nothing is ever unpickled.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from . import io
from .sweep import ERROR, MARKER, job_dirs, job_status, planned

#: What reading a damaged Parquet file raises (pyarrow's ArrowInvalid is a ValueError).
_UNREADABLE = (OSError, ValueError, pa.ArrowException)

RUNS, FIRMS, TIMESERIES = "runs.parquet", "firm_kpis.parquet", "timeseries.parquet"
#: Each collected table's name in the data dictionary (sim.columns; `ccsim columns NAME`).
DICTIONARY = {"runs": "runs", "firms": "firm_kpis", "timeseries": "sweep_timeseries"}
#: ``load_sweep(path, table=...)`` names → file in the sweep folder.
TABLES = {"runs": RUNS, "firms": FIRMS, "firm_kpis": FIRMS, "timeseries": TIMESERIES}


@dataclass
class RunInfo:
    """What a job folder says about its run, without reading its tables."""

    run_id: str
    path: Path
    status: str
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    summary: dict | None = None


def _natural_key(text: str) -> list:
    """Sort key that orders ``seed=2`` before ``seed=10``."""
    return [(0, int(tok), "") if tok.isdigit() else (1, 0, tok)
            for tok in re.split(r"(\d+)", text)]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None


def _select(tree: Any, dotted: str) -> tuple[bool, Any]:
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _params(job: Path) -> dict[str, Any]:
    """The job's command-line overrides as {key: value}, typed as the schema types them.

    Keys and values come from Hydra's ``.hydra/overrides.yaml``; a value is taken from the
    composed ``.hydra/config.yaml`` when the key is a config value there (so ``markup=1`` reads
    as ``1.0`` for a float field), else as Hydra parses it (config group choices, ``+keys``).
    """
    overrides = _read_yaml(job / ".hydra" / "overrides.yaml")
    if not isinstance(overrides, list) or not overrides:
        return {}
    from hydra.core.override_parser.overrides_parser import OverridesParser

    composed = _read_yaml(job / ".hydra" / "config.yaml")
    parser = OverridesParser.create()
    params: dict[str, Any] = {}
    for line in overrides:
        try:
            ov = parser.parse_overrides([str(line)])[0]
        except Exception:  # noqa: BLE001 - keep the raw text of an override we cannot parse
            key, _, value = str(line).lstrip("+~").partition("=")
            params[key] = value
            continue
        if ov.is_delete():
            continue
        key = ov.key_or_group
        found, value = _select(composed, key)
        if not found or isinstance(value, (dict, list)) or (
                isinstance(value, str) and "${" in value):
            value = ov.value()
            if isinstance(value, (dict, list)):
                value = ov.get_value_element_as_str()
        params[key] = value
    return params


def summary_problem(summary: Any) -> str | None:
    """What makes a parsed ``summary.json`` unusable as a run's result (None: nothing).

    ccsim writes a JSON object whose ``comparison`` maps KPI names to numbers and whose
    ``firms`` maps each firm to an object of KPIs; anything else (``[1, 2, 3]``, a
    ``comparison`` that is a string) was damaged or written by something else.
    """
    if not isinstance(summary, dict):
        return f"not a run summary (a JSON {type(summary).__name__}, expected an object)"
    for key in ("comparison", "firms"):
        if key in summary and not isinstance(summary[key], dict):
            return (f"not a run summary ({key} is a JSON {type(summary[key]).__name__}, "
                    "expected an object)")
    firms = summary.get("firms") or {}
    bad = [name for name, kpis in firms.items() if not isinstance(kpis, dict)]
    if bad:
        return f"not a run summary (firms.{bad[0]} is not an object)"
    return None


def run_info(path: str | Path, run_id: str | None = None) -> RunInfo:
    """Status, overrides, seed and summary of one run or job folder.

    Args:
        path: The folder (``ccsim run``'s output folder or a sweep's job folder).
        run_id: Its id; the folder's name by default.
    """
    job = Path(path)
    status = job_status(job)
    info = RunInfo(run_id or job.name, job, status, params=_params(job))
    if status == "ok":
        try:
            summary = io.read_json(job / MARKER)
            problem = summary_problem(summary)
        except (OSError, ValueError) as exc:  # damaged after it was written: do not trust it
            summary, problem = None, f"unreadable ({type(exc).__name__}: {exc})"
        if problem is None:
            info.summary = summary
        else:
            info.status = "unreadable"
            info.error = f"summary.json is {problem}"
    elif status == "failed":
        try:
            err = io.read_json(job / ERROR)
            if not isinstance(err, dict):
                raise ValueError("not a JSON object")
            info.error = f"{err.get('error_type', 'Error')}: {err.get('message', '')}"
        except (OSError, ValueError):
            info.error = "error.json is unreadable"
    seed = info.params.get("seed")
    if seed is None and info.summary is not None:
        seed = info.summary.get("seed")
    if seed is None:
        found, seed = _select(_read_yaml(job / ".hydra" / "config.yaml"), "seed")
    info.seed = int(seed) if isinstance(seed, (int, float)) and not isinstance(seed, bool) else None
    return info


def _normalise(values: list[Any]) -> list[Any]:
    """One Parquet type per column: ints, floats (ints widened), bools, or else strings."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if any(isinstance(v, float) for v in present):
            return [None if v is None else float(v) for v in values]
        return values
    return [None if v is None else str(v) for v in values]


def _meta_frame(infos: list[RunInfo], keys: list[str]) -> pd.DataFrame:
    """run_id, the override columns and seed, one row per run (shared by all three tables)."""
    data: dict[str, list] = {"run_id": [i.run_id for i in infos]}
    for key in keys:
        data[key] = _normalise([i.params.get(key) for i in infos])
    if "seed" not in data:
        data["seed"] = [i.seed for i in infos]
    frame = pd.DataFrame(data)
    if frame["seed"].notna().all() and len(frame):
        frame["seed"] = frame["seed"].astype("int64")
    return frame


def _param_keys(infos: list[RunInfo]) -> list[str]:
    keys: list[str] = []
    for info in infos:
        keys += [k for k in info.params if k not in keys]
    return keys


def _kpi(value: Any) -> Any:
    """A KPI as stored: JSON null (NaN when written) stays missing."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def tables(sweep_dir: str | Path, progress: bool = False) -> dict[str, pd.DataFrame]:
    """The three tables of a sweep folder as DataFrames (what :func:`collect` writes).

    ``progress`` shows a bar over the job folders read (on a terminal, after a second).
    """
    from tqdm.auto import tqdm

    root = Path(sweep_dir)
    infos = sorted((run_info(job, job.name) for job in job_dirs(root)),
                   key=lambda i: _natural_key(i.run_id))
    keys = _param_keys(infos)
    meta = _meta_frame(infos, keys)
    frames: dict[str, pd.DataFrame] = {}
    bar = tqdm(infos, desc="reading jobs", unit="job", delay=1.0, leave=False, file=sys.stderr,
               disable=None if progress else True)  # None: only on a terminal
    for info in bar:  # read first: a damaged table makes its job "unreadable", not an error
        if info.status != "ok":
            continue
        try:
            frames[info.run_id] = io.read_parquet(info.path / "timeseries.parquet")
        except _UNREADABLE as exc:
            info.status = "unreadable"
            info.error = (f"timeseries.parquet is unreadable ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''})")

    kpi_names: list[str] = []
    for info in infos:
        if info.summary:
            kpi_names += [k for k in info.summary.get("comparison", {}) if k not in kpi_names]
    runs = meta.copy()
    runs["status"] = [i.status for i in infos]
    runs["error"] = pd.Series([i.error for i in infos], dtype="string")
    for name in kpi_names:
        runs[name] = [_kpi((i.summary or {}).get("comparison", {}).get(name)) for i in infos]
        if runs[name].isna().all():
            runs[name] = runs[name].astype("float64")

    firm_rows, series = [], []
    for pos, info in enumerate(infos):
        if info.status != "ok":
            continue
        row_meta = meta.iloc[[pos]].reset_index(drop=True)
        firms = (info.summary or {}).get("firms", {})
        if firms:
            kpis = pd.DataFrame([{"firm": firm, **values} for firm, values in firms.items()])
            firm_rows.append(pd.concat([row_meta.loc[[0] * len(kpis)].reset_index(drop=True),
                                        kpis], axis=1))
        ts = frames[info.run_id]
        series.append(pd.concat([row_meta.loc[[0] * len(ts)].reset_index(drop=True),
                                 ts.reset_index(drop=True)], axis=1))
    empty = meta.iloc[0:0]
    firm_kpis = pd.concat(firm_rows, ignore_index=True) if firm_rows else empty.assign(firm=[])
    timeseries = pd.concat(series, ignore_index=True) if series else empty.copy()
    return {"runs": runs, "firms": firm_kpis, "timeseries": timeseries}


def collect(sweep_dir: str | Path, out_dir: str | Path | None = None,
            progress: bool = False) -> dict[str, Path]:
    """Write ``runs.parquet``, ``firm_kpis.parquet`` and ``timeseries.parquet`` for a sweep.

    Args:
        sweep_dir: The sweep folder (job folders inside).
        out_dir: Where to write the tables; the sweep folder by default.
        progress: Show a progress bar while reading the jobs (on a terminal).

    Returns:
        The written files by table name (``runs``, ``firms``, ``timeseries``).

    Raises:
        FileNotFoundError: ``sweep_dir`` is not a folder or holds no job folders.
    """
    root = check_sweep_dir(sweep_dir)
    out = Path(out_dir) if out_dir is not None else root
    frames = tables(root, progress)
    written = {}
    for name in ("timeseries", "firms", "runs"):  # runs.parquet last: it means "collected"
        written[name] = io.write_parquet(frames[name], out / TABLES[name],
                                         table=DICTIONARY[name])
    return written


def _with_meta(frame: pd.DataFrame, info: RunInfo) -> pd.DataFrame:
    meta = _meta_frame([info], list(info.params))
    rep = meta.loc[[0] * len(frame)].reset_index(drop=True)
    return pd.concat([rep, frame.reset_index(drop=True)], axis=1)


def load_run(path: str | Path) -> pd.DataFrame:
    """A complete run folder's timeseries (step × firm) with ``run_id``, overrides and ``seed``.

    Args:
        path: A run folder (``ccsim run``'s output) or a sweep's job folder.

    Raises:
        FileNotFoundError: the folder has no complete run (no ``summary.json``).
    """
    info = run_info(path)
    if info.status != "ok":
        why = f": {info.error}" if info.error else " (no summary.json: not finished)"
        raise FileNotFoundError(f"{path}: not a complete run{why}")
    return _with_meta(io.read_parquet(Path(path) / "timeseries.parquet"), info)


def _stale(root: Path, target: Path) -> bool:
    """A job finished (or failed) after ``target`` was written."""
    built = target.stat().st_mtime
    for job in job_dirs(root):
        for name in (MARKER, ERROR):
            try:
                if (job / name).stat().st_mtime > built:
                    return True
            except OSError:
                pass
    return False


def load_sweep(path: str | Path, table: str = "runs", refresh: bool | None = None) -> pd.DataFrame:
    """One table of a sweep as a DataFrame, collecting the sweep first when needed.

    Args:
        path: The sweep folder.
        table: ``"runs"`` (one row per job), ``"firms"`` (job × firm KPIs) or ``"timeseries"``.
        refresh: ``True`` always collects, ``False`` never does; ``None`` (default) collects if
            the table is missing or a job has finished since it was written.

    Raises:
        ValueError: unknown ``table``.
        FileNotFoundError: no such sweep folder, or no table and ``refresh=False``.
    """
    if table not in TABLES:
        raise ValueError(f"table={table!r}: choose one of runs, firms, timeseries")
    root = Path(path)
    target = root / TABLES[table]
    runs = root / RUNS
    if refresh or (refresh is None and (not target.exists() or not runs.exists()
                                        or _stale(root, runs))):
        collect(root)
    if not target.exists():
        raise FileNotFoundError(f"{target}: not collected (run `ccsim collect {root}`)")
    return io.read_parquet(target)


def build_parser() -> argparse.ArgumentParser:
    """``ccsim collect``'s argument parser (usage errors are one line)."""
    from .cli_parser import OneLineParser

    parser = OneLineParser(
        prog="ccsim collect",
        description="Gather a sweep's job folders into runs.parquet (one row per run), "
                    "firm_kpis.parquet (run × firm) and timeseries.parquet (all runs stacked).")
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR",
                        help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--out", metavar="DIR",
                        help="write the tables here instead of into SWEEP_DIR")
    return parser


def check_sweep_dir(path: str | Path, shown: str | None = None) -> Path:
    """A sweep folder to read: exists, is a folder, holds job folders; else FileNotFoundError."""
    root = Path(path)
    shown = shown or str(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{shown}: {'not a folder' if root.exists() else 'no such folder'}"
                                "; name a sweep folder (hydra.sweep.dir)")
    if not job_dirs(root):
        raise FileNotFoundError(f"{shown}: no job folders (is this a sweep folder?)")
    return root


def collect_main(argv: list[str], check_only: bool = False) -> int:
    """``ccsim collect SWEEP_DIR [--out DIR]``: write the sweep's tidy tables.

    Everything is checked before a job folder is read (the sweep folder, ``--out``); with
    ``check_only`` nothing more is done.
    """
    from .cli_parser import UsageError, check_out_dir

    try:
        args = build_parser().parse_args(argv)
        check_sweep_dir(args.sweep_dir)
        if args.out is not None:
            check_out_dir(args.out)
    except (UsageError, FileNotFoundError) as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    if check_only:
        return 0
    try:
        written = collect(args.sweep_dir, args.out, progress=True)
    except FileNotFoundError as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    runs = io.read_parquet(written["runs"])
    counts = runs["status"].value_counts()
    states = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES
                       if counts.get(s, 0) or s == "ok")
    print(f"collected {len(runs)} runs ({states}) → "
          + ", ".join(str(p) for p in written.values()))
    for line in shortfall(args.sweep_dir, runs):
        print(f"ccsim: warning: {line}", file=sys.stderr)
    _print_headline(Path(written["runs"]).parent, runs)
    return 0


main = collect_main  #: ``ccsim collect`` (every command module has ``main`` and ``build_parser``)


def _print_headline(folder: Path, runs: pd.DataFrame) -> None:
    """Write headline.csv/.parquet beside runs.parquet and print the headline over seeds."""
    from .analysis.headline import write_headline

    files, text = write_headline(folder, runs)
    print(text)
    print("headline → " + ", ".join(str(p) for p in files.values()))


#: Job statuses in ``runs.parquet``, in the order ``ccsim collect`` reports them.
STATUSES = ("ok", "failed", "incomplete", "unreadable")


def shortfall(sweep_dir: str | Path, runs: pd.DataFrame, show: int = 10) -> list[str]:
    """Lines naming the planned jobs (``sweep.json``) that have no complete, readable result.

    Args:
        sweep_dir: The sweep folder.
        runs: Its ``runs.parquet`` table.
        show: How many jobs to name (the rest are counted).

    Returns:
        Nothing if every planned job is complete (or the sweep recorded no plan), else a line
        with the counts and one line per job not complete (missing, failed, incomplete,
        unreadable), with the error of a failed or unreadable one.
    """
    plan = planned(sweep_dir)
    if plan is None:
        return []
    status = dict(zip(runs["run_id"], runs["status"], strict=True))
    error = dict(zip(runs["run_id"], runs["error"], strict=True))
    bad = []
    for job in plan:
        state = status.get(job["run_id"], "missing")
        if state != "ok":
            why = error.get(job["run_id"])
            bad.append(f"  {job['run_id']}: {state}" + (f" ({why})" if isinstance(why, str)
                                                           else ""))
    if not bad:
        return []
    lines = [f"the sweep planned {len(plan)} jobs (sweep.json) and {len(plan) - len(bad)} are "
             f"complete; not complete ({len(bad)}):", *bad[:show]]
    if len(bad) > show:
        lines.append(f"  … and {len(bad) - show} more (see runs.parquet's status column)")
    lines.append("  resume the sweep (the same ccsim run -m command plus --resume) to run them")
    return lines


__all__ = ["build_parser", "collect", "collect_main", "load_run", "load_sweep", "run_info",
           "shortfall", "summary_problem", "tables", "RunInfo", "STATUSES", "TABLES"]
