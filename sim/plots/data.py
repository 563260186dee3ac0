"""Loading what the figures draw: a run folder or a (collected) sweep folder, checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import io
from ..analysis.headline import swept_params
from ..metrics import firm_kpis


@dataclass
class Results:
    """The tables of a run or a collected sweep, ready to plot.

    Attributes:
        path: The folder read.
        kind: ``"run"`` or ``"sweep"``.
        timeseries: One row per firm per step (per run, with ``run_id``, for a sweep).
        firm_kpis: One row per firm (per run) with revenue_cagr, mean_margin, ….
        runs: One row per successful run (sweep only).
        spells: Customer–firm relationships (run folders only, when written).
        params: Swept parameter columns, ``seed`` included (sweep only).
        steps_per_year: Steps in a year (for time axes in years).
        label: What the figures name: scenario, seed and market size (run folders).
    """

    path: Path
    kind: str
    timeseries: pd.DataFrame | None
    firm_kpis: pd.DataFrame | None
    runs: pd.DataFrame | None = None
    spells: pd.DataFrame | None = None
    params: list[str] = dataclasses.field(default_factory=list)
    steps_per_year: int = 12
    label: str = ""

    @property
    def varied(self) -> list[str]:
        """Swept parameters other than the seed that take more than one value."""
        if self.runs is None:
            return []
        return [p for p in self.params if p != "seed" and self.runs[p].nunique(dropna=False) > 1]

    @property
    def constants(self) -> list[tuple[str, object]]:
        """Overrides that every run of the sweep shares (``firms.cc_a.markup=0.9``), in order.

        Figures state them, so a sweep away from the defaults never looks like the baseline.
        """
        if self.runs is None or self.runs.empty:
            return []
        return [(p, self.runs[p].iloc[0]) for p in self.params
                if p != "seed" and self.runs[p].nunique(dropna=False) == 1]


class InputError(ValueError):
    """A folder or file ``ccsim plot`` cannot draw from; the message names it and says why."""


def steps_per_year_of(ts: pd.DataFrame | None, default: int = 12) -> int:
    """Steps in a year, from the ``year`` column of a timeseries (``default`` without one)."""
    if ts is None or ts.empty or "year" not in ts:
        return default
    per_year = ts.groupby("year")["step"].nunique()
    return int(per_year.max()) if len(per_year) else default


def _read_parquet(path: Path, needs: Sequence[str] = ()) -> pd.DataFrame:
    """A Parquet table, or InputError naming the file when it is unreadable or lacks columns."""
    try:
        df = io.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: unreadable Parquet file ({_first_line(exc)})") from None
    missing = [c for c in needs if c not in df]
    if missing:
        raise InputError(f"{path}: not a ccsim table (no column {', '.join(missing)})")
    return df


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_summary(path: Path) -> dict:
    """A run's ``summary.json``, checked for the fields the figures use.

    Raises:
        InputError: If the file is not JSON, or is JSON of another shape (names the file).
    """
    try:
        summary = io.read_json(path)
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InputError(f"{path}: unreadable JSON ({_first_line(exc)})") from None
    if not isinstance(summary, dict):
        raise InputError(f"{path}: not a run summary (a JSON {type(summary).__name__}, expected "
                         "an object with steps_per_year, seed, n_customers, …)")
    for key in ("steps_per_year", "steps", "seed", "n_customers"):
        value = summary.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or (key in ("steps_per_year", "steps") and value < 1)):
            raise InputError(f"{path}: not a run summary ({key} is {value!r}, expected a "
                             "positive integer)")
    return summary


def _scenario(run: Path, summary: dict) -> str:
    """The scenario of a run folder (Hydra's recorded choice), else the run's name."""
    import yaml

    try:
        hydra = yaml.safe_load((run / ".hydra" / "hydra.yaml").read_text())
        choice = hydra["hydra"]["runtime"]["choices"]["scenario"]
        if isinstance(choice, str):
            return choice
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        pass
    return str(summary.get("name", "?"))


def run_label(run: Path, summary: dict) -> str:
    """What a run figure names: scenario, seed and market size (e.g. for its title)."""
    scenario = _scenario(run, summary)
    name = summary.get("name")
    parts = [f"scenario {scenario}"]
    if name and name != scenario:
        parts.append(f"name {name}")
    parts.append(f"seed {summary.get('seed', '?')}")
    n, steps, spy = summary.get("n_customers"), summary.get("steps"), summary.get("steps_per_year")
    if isinstance(n, int):
        unit = "months" if spy == 12 else "steps"
        parts.append(f"{n:,} customers × {steps} {unit}" if isinstance(steps, int)
                     else f"{n:,} customers")
    return " · ".join(parts)


def load_results(path: str | Path, collect: bool | str = True) -> Results:
    """Read a run folder or a sweep folder (collecting an uncollected sweep first).

    Args:
        path: A complete run folder (``summary.json`` beside ``timeseries.parquet``), or a sweep
            folder: collected (``runs.parquet``) or not (job folders; see ``collect``).
        collect: Collect an uncollected sweep (``ccsim collect``: runs, firm_kpis, timeseries
            and headline tables) before reading it; ``"memory"``: read it into memory without
            writing anything; if False, such a folder is an error.

    Returns:
        The tables; failed sweep runs are dropped.

    Raises:
        FileNotFoundError: If ``path`` does not exist or holds neither kind of results.
        InputError: A killed run (no ``summary.json``), or a file that is unreadable or of the
            wrong shape; the message names the file.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such folder")
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: not a folder; give a run or sweep folder")
    if (p / "runs.parquet").exists():
        return _load_sweep(p)
    if (p / "timeseries.parquet").exists() or (p / "summary.json").exists():
        return _load_run(p)
    from ..sweep import job_dirs

    if job_dirs(p):
        if collect == "memory":  # read the job folders, write nothing (ccsim plot's checks)
            from ..results import tables

            frames = tables(p)
            return _sweep_results(p, frames["runs"], frames["timeseries"], frames["firms"])
        if not collect:
            raise FileNotFoundError(f"{p}: a sweep that is not collected yet; run "
                                    f"`ccsim collect {p}` first")
        _collect(p)
        return _load_sweep(p)
    raise FileNotFoundError(f"{p}: not a run folder (summary.json, timeseries.parquet) or a "
                            "sweep folder (job folders or runs.parquet)")


def _collect(p: Path) -> None:
    """``ccsim collect`` for a sweep folder: its tables and the headline over seeds."""
    import sys

    from ..analysis.headline import write_headline
    from ..results import collect

    print(f"collecting {p} first (ccsim collect)…", file=sys.stderr)
    try:
        written = collect(p)
        write_headline(p)
    except (OSError, ValueError) as exc:
        raise InputError(f"{p}: cannot collect the sweep ({_first_line(exc)})") from None
    if not written:
        raise InputError(f"{p}: cannot collect the sweep")


def _load_run(p: Path) -> Results:
    if not (p / "summary.json").exists():
        raise InputError(f"{p}: not a complete run (no summary.json: the run was killed or is "
                         "still running); rerun it, then plot")
    summary = read_summary(p / "summary.json")
    if not (p / "timeseries.parquet").exists():
        raise InputError(f"{p}: summary.json without timeseries.parquet; not a run folder")
    ts = _read_parquet(p / "timeseries.parquet", ("step", "firm", "strategy", "revenue"))
    spy = int(summary.get("steps_per_year") or steps_per_year_of(ts))
    spells = (_read_parquet(p / "spells.parquet", ("start", "end"))
              if (p / "spells.parquet").exists() else None)
    try:
        kpis = firm_kpis(ts, spy)
    except KeyError as exc:
        raise InputError(f"{p / 'timeseries.parquet'}: not a ccsim timeseries (no column "
                         f"{exc.args[0]})") from None
    return Results(p, "run", ts, kpis, spells=spells, steps_per_year=spy,
                   label=run_label(p, summary))


def _load_sweep(p: Path) -> Results:
    def read(name: str, needs: Sequence[str]) -> pd.DataFrame | None:
        return _read_parquet(p / name, needs) if (p / name).exists() else None

    return _sweep_results(p, _read_parquet(p / "runs.parquet", ("run_id",)),
                          read("timeseries.parquet", ("run_id", "step", "firm", "strategy")),
                          read("firm_kpis.parquet", ("run_id", "firm", "strategy")))


def _sweep_results(p: Path, runs: pd.DataFrame, ts: pd.DataFrame | None,
                   kpis: pd.DataFrame | None) -> Results:
    """A sweep's Results from its tables (read from files or collected in memory)."""
    if "status" in runs:
        runs = runs[runs["status"].astype(str) == "ok"]
    ok = set(runs["run_id"])

    def ok_only(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if df is None or "run_id" not in df else df[df["run_id"].isin(ok)]

    ts, kpis = ok_only(ts), ok_only(kpis)
    return Results(p, "sweep", ts, kpis, runs=runs.reset_index(drop=True),
                   params=swept_params(runs), steps_per_year=steps_per_year_of(ts))


def select(results: Results, where: Sequence[str]) -> Results:
    """Keep only sweep runs whose swept parameters equal the given values (``KEY=VALUE``).

    Raises:
        ValueError: On a malformed condition, a key that is not swept, or no run left.
    """
    if not where:
        return results
    if results.runs is None:
        raise ValueError("--where selects runs of a sweep; PATH is a single run")
    keep = pd.Series(True, index=results.runs.index)
    for cond in where:
        key, sep, value = cond.partition("=")
        if not sep:
            raise ValueError(f"--where {cond}: expected KEY=VALUE")
        if key not in results.runs:
            raise ValueError(f"--where {cond}: {key} is not swept; swept: "
                             f"{', '.join(results.params) or 'nothing'}")
        col = results.runs[key]
        if pd.api.types.is_numeric_dtype(col):
            try:
                keep &= np.isclose(col.astype(float), float(value), rtol=1e-9, atol=0.0)
            except ValueError:
                raise ValueError(f"--where {cond}: {key} is numeric") from None
        else:
            keep &= col.astype(str) == value
    runs = results.runs[keep]
    if runs.empty:
        raise ValueError(f"--where {' '.join(where)}: no run matches")
    ids = set(runs["run_id"])

    def sub(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if df is None else df[df["run_id"].isin(ids)]

    return dataclasses.replace(results, runs=runs, timeseries=sub(results.timeseries),
                               firm_kpis=sub(results.firm_kpis))




#: The most settings a figure shows side by side; more must be narrowed with ``--where``.
MAX_SETTINGS = 6


def settings(results: Results) -> list[tuple[str, Results]]:
    """The sweep split by every swept key other than the seed: ``(label, subset)`` per setting.

    A run folder, or a sweep that varies only the seed, is one setting (label ``""``). Figures
    draw one panel (or group) per setting, so different settings are never averaged together.
    """
    keys = results.varied
    if results.runs is None or not keys:
        return [("", results)]
    out = []
    for values, g in results.runs.groupby(keys, sort=True, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        label = ", ".join(f"{k}={_value(v)}" for k, v in zip(keys, values, strict=True))
        ids = set(g["run_id"])

        def sub(df: pd.DataFrame | None, ids: set = ids) -> pd.DataFrame | None:
            return None if df is None else df[df["run_id"].isin(ids)]

        out.append((label, dataclasses.replace(results, runs=g, timeseries=sub(results.timeseries),
                                               firm_kpis=sub(results.firm_kpis))))
    return out


def _value(v: object) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    return str(v)


def constants_text(results: Results, width: int = 120) -> str:
    """``same in every run: k=v, …`` for :attr:`Results.constants`, wrapped; ``""`` if none."""
    import textwrap

    fixed = results.constants
    if not fixed:
        return ""
    text = "same in every run: " + ", ".join(f"{k}={_value(v)}" for k, v in fixed)
    return "\n".join(textwrap.wrap(text, width=width))


def too_many_settings(results: Results, kind: str, limit: int = MAX_SETTINGS) -> str | None:
    """Why a figure cannot show every setting side by side (None if it can)."""
    n = len(settings(results))
    if n <= limit:
        return None
    keys = results.varied
    example = f"{keys[0]}={_value(results.runs[keys[0]].iloc[0])}"
    return (f"--kind {kind}: {n} settings of {', '.join(keys)} (at most {limit} side by side, "
            f"and settings are never averaged together); narrow them with --where, e.g. "
            f"--where {example}")


def seeds_phrase(runs: pd.DataFrame | None, ts: pd.DataFrame | None = None) -> str:
    """What one setting's figure pools: ``"5 seeds"`` (or ``"5 runs"`` without a seed column)."""
    table = runs if runs is not None else ts
    if table is None or "run_id" not in table:
        return "one run"
    n = table["run_id"].nunique()
    if "seed" in table and table["seed"].nunique() == n:
        return f"{n} seed{'s' * (n != 1)}"
    return f"{n} run{'s' * (n != 1)}"
