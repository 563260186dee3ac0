"""``ccsim run --help``: every key with its value, meaning, unit and range, and every preset.

The text is generated from the schema in :mod:`sim.config` (each field's ``metadata``: ``help``,
``unit``, ``lo``/``hi``) and from the preset files Hydra finds in each config group, so it cannot
drift from what ``ccsim run`` accepts. Values are those of the command line given with
``--help`` (``ccsim run --help scenario=bass`` shows the Bass scenario's).
"""

from __future__ import annotations

import functools
import shutil
import textwrap
import typing
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from .config import Config

_wrap = functools.partial(textwrap.wrap, break_on_hyphens=False, break_long_words=False)

#: Config groups whose presets are listed, in order (hydra/launcher: where sweep jobs run).
GROUPS = ("market", "firms", "scenario", "hydra/launcher")

HEADER = """\
usage: ccsim run [-m] [--resume] [KEY=VALUE ...]

Runs one market (or, with -m, one job per combination of comma-separated values) and saves it
under results/. Overrides use Hydra's syntax: KEY=VALUE, GROUP=PRESET, a sweep as
KEY=A,B or 'KEY=range(0,5)' with -m (quote anything with brackets or spaces).

flags:
  -m, --multirun         a sweep: every combination of the swept values, one job each
  --resume               with -m: continue the same sweep; only jobs without a result run
  --cfg job|hydra|all    print the composed configuration instead of running (Hydra;
                         --resolve resolves interpolations)
  --info                 Hydra's view of the config search path and defaults
  --config-dir DIR       also look for presets in DIR (e.g. DIR/scenario/mine.yaml)
  --config-name NAME     the primary config in conf/ (default: config)
  --hydra-help           Hydra's own help
"""


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return f"{value:g}"


def _allowed(tp: Any, meta: dict) -> str:
    """'allowed' part of a key's line: a range with its unit, the choices, or the type."""
    if "lo" in meta or "hi" in meta:
        lo, hi = meta.get("lo"), meta.get("hi")
        left = "(" if meta.get("lo_open") else "["
        text = f"{left}{_number(lo)}, {_number(hi)}]"
        unit = meta.get("unit", "")
        return f"{text} {unit}" if unit and unit != "0–1" else text
    if isinstance(tp, type) and issubclass(tp, Enum):
        return " | ".join(m.value for m in tp)
    if "choices" in meta:
        return " | ".join(meta["choices"])
    if tp is bool:
        return "true | false"
    return meta.get("unit", "")


def _shown(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_shown(v)}" for k, v in value.items()) + "}" if value else "{}"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


class _Writer:
    """Lines of ``KEY=VALUE  meaning (allowed)``, wrapped to the terminal width."""

    def __init__(self) -> None:
        self.width = max(80, min(120, shutil.get_terminal_size((100, 24)).columns))
        self.lines: list[str] = []

    def section(self, title: str, doc: str = "") -> None:
        self.lines.append("")
        self.lines.extend(_wrap(f"{title}" + (f" — {doc}" if doc else ""), self.width,
                                        subsequent_indent="    "))

    def key(self, left: str, meaning: str, allowed: str) -> None:
        right = meaning + (f" ({allowed})" if allowed else "")
        col = 40
        indent = " " * (col + 2)
        if len(left) + 2 > col:
            self.lines.append(f"  {left}")
            self.lines.extend(_wrap(right, self.width, initial_indent=indent,
                                            subsequent_indent=indent) or [""])
            return
        wrapped = _wrap(right, self.width - col - 2) or [""]
        self.lines.append(f"  {left:<{col}}{wrapped[0]}")
        self.lines.extend(indent + w for w in wrapped[1:])


def _keys(out: _Writer, obj: Any, path: str, title: str | None = None) -> None:
    """One section per dataclass: its plain keys, then its nested dataclasses and dicts."""
    hints = typing.get_type_hints(type(obj))
    plain, nested = [], []
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if is_dataclass(value) or (isinstance(value, dict) and value
                                   and all(is_dataclass(v) for v in value.values())):
            nested.append((key, value))
        else:
            plain.append((key, f, value))
    if plain:
        out.section(title or path, _first_line(type(obj).__doc__))
        for key, f, value in plain:
            tp = hints[f.name]
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if typing.get_origin(tp) is typing.Union and len(args) == 1 else tp
            out.key(f"{key}={_shown(value)}", f.metadata.get("help", ""),
                    _allowed(tp, dict(f.metadata)))
    for key, value in nested:
        if is_dataclass(value):
            _keys(out, value, key)
        else:
            _entries(out, key, value)


def _entries(out: _Writer, path: str, entries: dict[str, Any]) -> None:
    """A dict of dataclasses (firms, categories): one line per key, every entry's value on it."""
    first = next(iter(entries.values()))
    hints = typing.get_type_hints(type(first))
    names = ", ".join(entries)
    out.section(f"{path}.NAME", f"{_first_line(type(first).__doc__)} NAME: {names}")
    _entry_fields(out, f"{path}.NAME", first, hints, entries, ())


def _entry_fields(out: _Writer, path: str, first: Any, hints: dict, entries: dict[str, Any],
                  parents: tuple[str, ...]) -> None:
    """Each field of the entries (a nested dataclass such as a firm's pivot: each of its own)."""
    def value_of(entry: Any, name: str) -> Any:
        for part in parents:
            entry = getattr(entry, part)
        return getattr(entry, name)

    for f in fields(first):
        if is_dataclass(getattr(first, f.name)):
            sub = getattr(first, f.name)
            _entry_fields(out, f"{path}.{f.name}", sub, typing.get_type_hints(type(sub)),
                          entries, (*parents, f.name))
            continue
        values = " ".join(f"{name}={_shown(value_of(e, f.name))}" for name, e in entries.items())
        tp = hints[f.name]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0] if typing.get_origin(tp) is typing.Union and len(args) == 1 else tp
        allowed = _allowed(tp, dict(f.metadata))
        out.key(f"{path}.{f.name}", f.metadata.get("help", ""), allowed)
        out.lines.append(" " * 6 + "now: " + values)


#: Words ending in a full stop that do not end a sentence ("e.g. the default").
_ABBREVIATIONS = ("e.g.", "i.e.", "cf.", "vs.", "al.", "etc.", "approx.", "no.", "p.", "pp.")


def _first_sentence(text: str) -> str:
    """``text`` up to the end of its first sentence.

    That is a full stop outside brackets, followed by a space, that does not end an
    abbreviation (``e.g.``) or an initial (``J.``).
    """
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "." and depth == 0 and text[i + 1:i + 2] == " ":
            word = text[:i + 1].rsplit(" ", 1)[-1]
            if word.lower() in _ABBREVIATIONS or (len(word) == 2 and word[0].isupper()):
                continue
            return text[:i + 1]
    return text


def preset_description(path: Path) -> str:
    """First sentence of a preset file's opening comment (after Hydra's ``# @package`` line).

    The whole sentence, never cut short: ``ccsim run --help`` wraps it over as many lines as
    it needs.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    words: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            break
        line = line.lstrip("#").strip()
        if line.startswith("@package"):
            continue
        if not line:
            if words:
                break
            continue
        words.append(line)
    return _first_sentence(" ".join(" ".join(words).split()))


def _presets(out: _Writer, choices: dict[str, str], options: dict[str, list[str]],
             folders: list[Path]) -> None:
    out.section("presets", "choose one per group with GROUP=NAME (* = chosen now)")
    for group in GROUPS:
        names = options.get(group, [])
        if not names:
            continue
        out.lines.append(f"  {group}=")
        for name in names:
            mark = "*" if choices.get(group) == name else " "
            desc = ""
            for folder in folders:
                desc = preset_description(folder / group / f"{name}.yaml")
                if desc:
                    break
            line = f"    {mark} {name:<24}{desc}"
            out.lines.extend(_wrap(line, out.width, subsequent_indent=" " * 30)
                             or [line])


def run_help(overrides: list[str] | tuple[str, ...] = (), *, config_name: str = "config",
             config_dir: str | None = None) -> str:
    """The text of ``ccsim run --help`` for a command line (its values, its chosen presets).

    Raises:
        ConfigError: the command line itself is not valid.
    """
    from .configure import check_overrides, conf_dir, group_options

    plain = [o for o in overrides if not o.startswith(("hydra.", "hydra/"))]
    where = {"config_name": config_name, "config_dir": config_dir}
    cfg: Config = check_overrides(plain, multirun=True, **where)[0]
    choices, options = group_options(list(overrides), GROUPS, **where)
    folders = [conf_dir()] + ([Path(config_dir)] if config_dir else [])
    out = _Writer()
    out.lines.append(HEADER.rstrip("\n"))
    _presets(out, choices, options, folders)
    out.section("keys", "KEY=VALUE as now, then meaning (allowed values, unit); sweep any of "
                "them with -m KEY=A,B")
    _keys(out, cfg, "", title="run")
    out.lines.append("")
    out.lines.append("Examples:  ccsim run seed=7 scenario=subscription market=small")
    out.lines.append("           ccsim run -m 'seed=range(0,5)' scenario=experience_economy,"
                     "product_aware_economy")
    return "\n".join(out.lines)
