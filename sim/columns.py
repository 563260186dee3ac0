"""The data dictionary: every column of every table ccsim writes, with its unit and meaning.

The tables themselves are declared in :mod:`sim.column_tables` (one :class:`Table` each); this
module is the machinery around them:

- :func:`describe` finds a column's entry (exact name, then the table's name patterns, then —
  for tables with one column per swept key — the configuration schema's own help and unit);
- :func:`arrow_schema` turns those entries into Parquet field metadata (``unit``, ``meaning``)
  that :func:`sim.io.write_parquet` writes into every file, with the table's name in the
  schema metadata (``ccsim.table``), so a file explains itself to pyarrow, polars or DuckDB;
- :func:`undocumented` lists a written table's columns that have no entry (a test runs every
  ``--quick`` command and fails on any, naming the table and the column);
- :func:`markdown` and :func:`text` render the dictionary for the documentation site and for
  ``ccsim columns [TABLE]`` (:func:`main`).

Adding a table: append a :class:`Table` to :data:`sim.column_tables.TABLES` (or the ``TABLES`` of
:mod:`sim.column_tables_fit`, :mod:`sim.column_tables_experiment`; its file names,
the command that writes it, one :class:`Column` per column), and pass ``table=NAME`` to
:func:`sim.io.write_parquet` when its file name is shared with another table (``runs.parquet``).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: Schema metadata key naming the table a Parquet file holds.
TABLE_KEY = b"ccsim.table"


@dataclass(frozen=True)
class Column:
    """One column: its unit (``""`` for labels and identifiers) and what it means."""

    unit: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One table ccsim writes.

    Attributes:
        name: Identifier (``ccsim columns NAME``; ``table=NAME`` in :func:`sim.io.write_parquet`).
        files: File names it is written as (``timeseries.parquet``, ``headline.csv``, ...).
        writer: The command or script that writes it, and where.
        row: What one row is.
        columns: Column name → entry, in the order the table has them.
        patterns: (regular expression, entry) for families of columns (``share_<lever>``); the
            entry's texts may use ``{0}``, ``{1}``, ... for the expression's groups.
        config_keys: True if some columns are named by a configuration key (the overrides of a
            sweep, sampled parameters): those are described from the schema in ``sim/config.py``.
        inherits: Names of tables whose columns this table also has (looked up after its own).
        note: A paragraph shown under the table (definitions that need more than a line).
        explicit: True if the writer always names the table (``table=NAME``), so its file name
            is left to the other table of that name (a sweep's stacked ``timeseries.parquet``).
    """

    name: str
    files: tuple[str, ...]
    writer: str
    row: str
    columns: dict[str, Column]
    patterns: tuple[tuple[str, Column], ...] = ()
    config_keys: bool = False
    inherits: tuple[str, ...] = ()
    note: str = ""
    explicit: bool = False


def tables() -> dict[str, Table]:
    """Every table by name (:mod:`sim.column_tables`, then ``ccsim fit``'s and experiments')."""
    from . import column_tables, column_tables_experiment, column_tables_fit

    return {t.name: t for module in (column_tables, column_tables_fit, column_tables_experiment)
            for t in module.TABLES}


def table_for_file(filename: str) -> str | None:
    """The one table written under ``filename``, or None if none or several share the name.

    Tables marked ``explicit`` are left out: their writers name them.
    """
    found = [t.name for t in tables().values() if filename in t.files and not t.explicit]
    return found[0] if len(found) == 1 else None


# ----------------------------------------------------------------------------------------------
# Looking a column up


@cache
def _groups() -> frozenset[str]:
    """Hydra config groups a sweep can choose presets from (``scenario``, ``firms``, ...)."""
    from .configure import conf_dir

    return frozenset(p.name for p in conf_dir().iterdir() if p.is_dir() and p.name != "hydra")


def _config_field(key: str) -> dataclasses.Field | None:
    """The dataclass field of the configuration key ``key`` (``firms.cc_a.markup`` included)."""
    from . import config as C

    cls: Any = C.Config
    parts = key.split(".")
    i = 0
    while i < len(parts):
        hints = typing.get_type_hints(cls)
        match = next((f for f in dataclasses.fields(cls) if f.name == parts[i]), None)
        if match is None:
            return None
        tp = hints[match.name]
        args = typing.get_args(tp)
        if i == len(parts) - 1:
            return match
        if dataclasses.is_dataclass(tp):
            cls, i = tp, i + 1
        elif typing.get_origin(tp) is dict and args and dataclasses.is_dataclass(args[1]):
            cls, i = args[1], i + 2  # firms.NAME.field: skip the entry's name
        else:
            return None
    return None


def config_column(key: str) -> Column | None:
    """An entry for a column named by a configuration key or a config group, else None."""
    if key in _groups():
        return Column("", f"the `{key}` preset of this run (conf/{key}/)")
    f = _config_field(key)
    if f is None:
        return None
    meta = dict(f.metadata)
    help_ = meta.get("help") or "configuration key"
    return Column(meta.get("unit", ""), f"value of `{key}` in this run: {help_}")


def describe(table: str | Table, column: str) -> Column | None:
    """The entry of ``column`` in ``table``, or None when the dictionary has none."""
    t = tables()[table] if isinstance(table, str) else table
    if column in t.columns:
        return t.columns[column]
    for pattern, entry in t.patterns:
        m = re.fullmatch(pattern, column)
        if m:
            return Column(entry.unit.format(*m.groups()), entry.meaning.format(*m.groups()))
    for parent in t.inherits:
        found = describe(parent, column)
        if found is not None:
            return found
    return config_column(column) if t.config_keys else None


def undocumented(table: str, columns: typing.Iterable[str]) -> list[str]:
    """The names among ``columns`` that ``table`` has no entry for."""
    return [c for c in columns if describe(table, c) is None]


# ----------------------------------------------------------------------------------------------
# Parquet field metadata


def arrow_schema(schema: Any, table: str | None) -> Any:
    """``schema`` (a pyarrow schema) with each documented field's ``unit`` and ``meaning``.

    The table's name goes into the schema metadata (``ccsim.table``); a column without an
    entry keeps no field metadata (the dictionary's test names it).
    """
    import pyarrow as pa

    if table is None or table not in tables():
        return schema
    fields = []
    for f in schema:
        entry = describe(table, f.name)
        meta = dict(f.metadata or {})
        if entry is not None:
            meta.update({b"unit": entry.unit.encode(), b"meaning": entry.meaning.encode()})
        fields.append(f.with_metadata(meta))
    return pa.schema(fields, metadata={**(schema.metadata or {}), TABLE_KEY: table.encode()})


def read_dictionary(path: str | Path) -> tuple[str | None, dict[str, Column | None]]:
    """A Parquet file's table name and each column's entry as written into the file."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    name = (schema.metadata or {}).get(TABLE_KEY)
    out: dict[str, Column | None] = {}
    for f in schema:
        meta = f.metadata or {}
        out[f.name] = (Column(meta[b"unit"].decode(), meta[b"meaning"].decode())
                       if b"meaning" in meta else None)
    return (name.decode() if name else None), out


# ----------------------------------------------------------------------------------------------
# Rendering


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(names: typing.Iterable[str] | None = None, heading: str = "##") -> str:
    """The dictionary as Markdown: per table a heading, where it comes from, a column table."""
    out = []
    for t in (tables()[n] for n in (names or tables())):
        out += [f"{heading} `{t.name}`", "",
                f"**Files:** {', '.join(f'`{f}`' for f in t.files)}. **Written by:** {t.writer}. "
                f"**One row per** {t.row}.", ""]
        rows = [(f"`{c}`", e.unit, e.meaning) for c, e in t.columns.items()]
        rows += [(f"`{p}` (pattern)", e.unit, e.meaning) for p, e in t.patterns]
        if t.inherits:
            rows.append(("…", "", "and every column of " +
                         ", ".join(f"[`{p}`](#{p})" for p in t.inherits)))
        if t.config_keys:
            rows.append(("`<key>`", "the key's", "one column per configuration key or preset "
                         "group that varies (a swept override, a sampled parameter): its value; "
                         "unit and meaning as in `ccsim run --help`"))
        out += ["| column | unit | meaning |", "|---|---|---|"]
        out += [f"| {_cell(a)} | {_cell(b)} | {_cell(c)} |" for a, b, c in rows]
        if t.note:
            out += ["", t.note]
        out.append("")
    return "\n".join(out)


def text(name: str | None = None) -> str:
    """What ``ccsim columns [TABLE]`` prints: the tables, or one table's columns."""
    if name is None:
        width = max(len(n) for n in tables())
        lines = ["tables ccsim writes (ccsim columns TABLE for its columns, units, meanings):"]
        lines += [f"  {t.name:<{width}}  {', '.join(t.files)}: one row per {t.row}"
                  for t in tables().values()]
        return "\n".join(lines)
    t = tables()[name]
    lines = [f"{t.name}: {', '.join(t.files)} — written by {t.writer}; one row per {t.row}"]
    entries = [(c, e) for c, e in t.columns.items()] + list(t.patterns)
    width = min(34, max(len(c) for c, _ in entries))
    uwidth = min(24, max(len(e.unit) for _, e in entries))
    lines += [f"  {c:<{width}}  {e.unit or '-':<{uwidth}}  {e.meaning}" for c, e in entries]
    if t.inherits:
        lines.append(f"  … and every column of {', '.join(t.inherits)} (ccsim columns NAME)")
    if t.config_keys:
        lines.append("  <key>: one column per configuration key that varies (its value; see "
                     "ccsim run --help)")
    if t.note:
        lines += ["", t.note]
    return "\n".join(lines)


def _file_text(path: Path) -> str:
    """``ccsim columns FILE.parquet``: the dictionary as written into the file."""
    name, cols = read_dictionary(path)
    width = max((len(c) for c in cols), default=0)
    lines = [f"{path}: table {name or '(not named in the file)'}"]
    for c, e in cols.items():
        lines.append(f"  {c:<{width}}  " + (f"{e.unit or '-'}  {e.meaning}" if e else
                                            "(no entry in the file)"))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim columns`` argument parser."""
    from .cli_parser import OneLineParser

    p = OneLineParser(prog="ccsim columns",
                      description="The data dictionary: every table ccsim writes, its columns, "
                                  "their units and meanings.")
    p.add_argument("table", nargs="?",
                   help="a table name (see the list) or a Parquet file ccsim wrote")
    p.add_argument("--markdown", action="store_true", help="print as Markdown")
    return p


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim columns [TABLE | FILE.parquet]``: print the data dictionary.

    ``check_only``: check the arguments (a known table or a Parquet file), print nothing.
    """
    from .cli_parser import UsageError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except UsageError as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    name = args.table
    path = None
    if name is not None and name not in tables():
        path = Path(name)
        if path.suffix != ".parquet" or not path.is_file():
            print(f"ccsim: error: table={name}: unknown; allowed: {', '.join(tables())} or a "
                  f".parquet file", file=sys.stderr)
            return 2
    if check_only:
        return 0
    if path is not None:
        print(_file_text(path))
        return 0
    print(markdown(None if name is None else [name]) if args.markdown else text(name))
    return 0
