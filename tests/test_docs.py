"""docs/ODD.md tells the truth about the code, and the README's first commands work.

The parameter tables of docs/ODD.md are parsed here independently of the generator
(docs/params.py): every configuration key of the schema must have a row, and the row's default
must equal the code's. When a test here fails after a change to sim/config.py, sim/model.py or
conf/, regenerate the tables with ``python docs/params.py`` (and add a source or a meaning in
docs/params.py where asked).
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from sim import config as C
from sim.analysis.generated_blocks import block_pattern

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
REGENERATE = "regenerate with `python docs/params.py`"

# A table row of the parameter tables: | `key` | `default` | ...
ROW = re.compile(r"^\|\s*`(?P<key>[A-Za-z_<>][\w.<>]*)`\s*\|\s*`(?P<default>[^`]*)`\s*\|")


def _odd_text() -> str:
    assert ODD.exists(), "docs/ODD.md is missing"
    return ODD.read_text(encoding="utf-8")


def _block(text: str, name: str) -> str:
    m = block_pattern(name).search(text)
    assert m, f"docs/ODD.md has no generated block {name!r}"
    return m.group(2)


def schema_defaults() -> dict[str, Any]:
    """Every configuration key of sim.config.Config with its default, by full dotted key.

    Nested dataclasses are walked; a dict of dataclasses contributes its default entries
    (``market.categories.core.*``), or, when it has none, its entry schema under ``<name>``
    (``firms.<name>.*``).
    """
    out: dict[str, Any] = {}

    def walk(cls: type, obj: Any, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            key = f"{prefix}.{f.name}" if prefix else f.name
            value = getattr(obj, f.name)
            args = typing.get_args(tp)
            if dataclasses.is_dataclass(tp):
                walk(tp, value, key)
            elif typing.get_origin(tp) is dict and args and dataclasses.is_dataclass(args[1]):
                if value:
                    for name, sub in value.items():
                        walk(args[1], sub, f"{key}.{name}")
                else:
                    walk(args[1], args[1](), f"{key}.<name>")
            else:
                out[key] = value

    walk(C.Config, C.Config(), "")
    return out


def documented_defaults() -> dict[str, str]:
    """Key → default text of every row of the parameter tables in docs/ODD.md."""
    rows: dict[str, str] = {}
    for line in _block(_odd_text(), "parameters").splitlines():
        m = ROW.match(line)
        if m:
            assert m["key"] not in rows, f"docs/ODD.md documents {m['key']} twice"
            rows[m["key"]] = m["default"]
    return rows


def parse_default(text: str) -> Any:
    """A documented default as a Python value (YAML-like: null, true/false, {}, numbers)."""
    text = text.strip()
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text == "{}":
        return {}
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def same_default(documented: Any, code: Any) -> bool:
    """True if a parsed documented default equals the code's default."""
    if isinstance(code, Enum):
        code = code.value
    if isinstance(code, bool) or code is None or isinstance(code, (dict, str)):
        return type(documented) is type(code) and documented == code
    if isinstance(code, (int, float)) and isinstance(documented, (int, float)) \
            and not isinstance(documented, bool):
        return math.isclose(float(documented), float(code), rel_tol=1e-12, abs_tol=0.0) \
            or float(documented) == float(code)
    return documented == code


# ----------------------------------------------------------------------------------------------
# The parameter tables


def test_parser_reads_the_tables():
    rows = documented_defaults()
    assert len(rows) >= 50, f"only {len(rows)} parameter rows parsed from docs/ODD.md"
    assert rows["market.awareness.ad_response"] == "0.03"


def test_every_config_key_is_documented():
    missing = sorted(set(schema_defaults()) - set(documented_defaults()))
    assert not missing, f"config keys missing from docs/ODD.md §8.1: {missing}; {REGENERATE}"


def test_no_documented_key_is_stale():
    stale = sorted(set(documented_defaults()) - set(schema_defaults()))
    assert not stale, f"docs/ODD.md §8.1 documents keys the schema no longer has: {stale}; " \
                      f"{REGENERATE}"


@pytest.mark.parametrize("key", sorted(schema_defaults()))
def test_documented_default_equals_code(key):
    rows = documented_defaults()
    if key not in rows:
        pytest.fail(f"{key} is not documented; {REGENERATE}")
    code = schema_defaults()[key]
    documented = parse_default(rows[key])
    assert same_default(documented, code), (
        f"{key}: docs/ODD.md says {rows[key]!r}, the code's default is {code!r}; {REGENERATE}")


def test_default_comparison_catches_differences():
    assert same_default(parse_default("0.03"), 0.03)
    assert same_default(parse_default("10000"), 10_000)
    assert same_default(parse_default("small_world"), C.NetworkKind.small_world)
    assert same_default(parse_default("null"), None)
    assert same_default(parse_default("true"), True)
    assert same_default(parse_default("{}"), {})
    assert not same_default(parse_default("0.3"), 0.03)
    assert not same_default(parse_default("random"), C.NetworkKind.small_world)
    assert not same_default(parse_default("false"), True)
    assert not same_default(parse_default("0"), None)


# ----------------------------------------------------------------------------------------------
# Other generated tables


def test_every_output_column_is_documented():
    from sim.model import FIRM_METRICS

    block = _block(_odd_text(), "outputs")
    documented = set(re.findall(r"^\|\s*`(\w+)`\s*\|", block, re.M))
    missing = [c for c in ("step", "year", "firm", "strategy", "objective", *FIRM_METRICS)
               if c not in documented]
    assert not missing, (f"timeseries columns missing from docs/ODD.md §4.11: {missing}; "
                         f"{REGENERATE}")
    assert "(undocumented)" not in block, \
        "an output column has no meaning: add it to TIMESERIES in sim/column_tables.py"


def test_every_scenario_is_documented():
    block = _block(_odd_text(), "scenarios")
    for path in sorted((ROOT / "conf" / "scenario").glob("*.yaml")):
        assert f"`{path.stem}`" in block, f"scenario {path.stem} missing from docs/ODD.md §8.4; " \
                                          f"{REGENERATE}"


# ----------------------------------------------------------------------------------------------
# The README's first screen, the Makefile and CI


def _first_code_block(markdown: str) -> str:
    m = re.search(r"```[^\n]*\n(.*?)```", markdown, re.S)
    assert m, "README.md has no code block"
    return m.group(1)


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    targets: set[str] = set()
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\- ]+?)\s*:(?!=)", line)
        if m and not line.startswith("\t"):
            targets.update(m.group(1).split())
    return targets


def test_readme_first_screen_commands_are_make_targets():
    block = _first_code_block((ROOT / "README.md").read_text())
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    commands = [c for c in commands if c]
    assert "make run" in commands and "make test" in commands, (
        f"README's first code block should show `make run` and `make test`; it shows {commands}")
    targets = _make_targets()
    for cmd in commands:
        if cmd.startswith("make "):
            target = cmd.split()[1]
            assert target in targets, f"README runs `{cmd}` but the Makefile has no {target!r} " \
                                      f"target (targets: {sorted(targets)})"


def test_ci_runs_make_test_then_builds_the_docs():
    lines = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    tests = [i for i, line in enumerate(lines) if re.fullmatch(r"(exec\s+)?make\s+test(\s.*)?",
                                                                line)]
    docs = [i for i, line in enumerate(lines) if re.fullmatch(r"make\s+docs(\s.*)?", line)]
    assert tests, ".ci/run does not call `make test`"
    assert docs and docs[0] > tests[0], ".ci/run does not build the docs after `make test`"
    recipe = (ROOT / "Makefile").read_text().split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    assert "mkdocs build --strict" in recipe, "make docs must build with --strict"


def test_make_target_parser():
    assert {"setup", "run", "test", "test-all", "clean", "docs"} <= _make_targets()
