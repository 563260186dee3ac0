"""Reading and writing results: Parquet and JSON only, every write atomic (temp file, rename)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

#: Temp files of atomic writes: ``.NAME.RANDOM.tmp`` beside the file they will replace.
TMP_GLOB = ".*.tmp"


def remove_leftovers(folder: str | os.PathLike) -> list[Path]:
    """Delete the temp files that writes killed half-way left in ``folder``; return them.

    Call it only where no other process writes into ``folder`` at the same time (a run's own
    folder; sweep jobs hold a lock on theirs).
    """
    removed = []
    root = Path(folder)
    if root.is_dir():
        for leftover in root.glob(TMP_GLOB):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temp file in the same folder, fsync it, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: str | os.PathLike, table: str | None = None) -> Path:
    """Write a DataFrame as Parquet (pyarrow), atomically, with the data dictionary inside.

    Each column's ``unit`` and ``meaning`` from :mod:`sim.columns` go into its field metadata
    and the table's name into the schema metadata (``ccsim.table``), so pyarrow, polars or
    DuckDB users see what a column is without the docs.

    Args:
        df: The table (its index is not written).
        path: Where to write it.
        table: Its name in the data dictionary; by default the one table written under this
            file name (``timeseries.parquet``, ...). Files whose name several tables share
            (``runs.parquet``, ``summary.parquet``) need it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .columns import arrow_schema, table_for_file

    path = Path(path)
    name = table if table is not None else table_for_file(path.name)

    def write(p: Path) -> None:
        arrow = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(arrow.cast(arrow_schema(arrow.schema, name)), p)

    return _atomic(path, write)


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf become null, NumPy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(data: Any, path: str | os.PathLike) -> Path:
    """Write JSON (NaN as null), atomically."""
    text = json.dumps(_clean(data), indent=2, sort_keys=False) + "\n"
    return _atomic(Path(path), lambda p: p.write_text(text))


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a text file atomically."""
    return _atomic(Path(path), lambda p: p.write_text(text))


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Parquet file into pandas (plain Parquet: polars and DuckDB read it too)."""
    return pd.read_parquet(path, engine="pyarrow")
