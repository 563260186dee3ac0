"""The argument parser of ccsim's subcommands: a usage error is one line, never a usage dump.

Each command catches :class:`UsageError` with its other input errors and prints
``ccsim: error: ...`` with exit status 2 (argparse itself would print its usage and exit).
Messages follow the project's form ``FLAG=VALUE: what is allowed``: :func:`one_line` rewrites
argparse's own complaints into it, and the value types here (:func:`integer`, :func:`number`)
refuse out-of-range values with it, so a command checks every flag before any work.

Every ``ccsim`` command module exposes ``build_parser()`` (its parser: ``ccsim COMMAND --help``
and the bad-input table test, ``tests/cli/test_bad_input.py``, read it) and
``main(argv, check_only=False)``: with ``check_only`` it validates the whole command line
(files it reads, the output folder it would write) and returns 0 or 2 without doing the work.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import tempfile
import typing
from pathlib import Path

__all__ = ["OneLineParser", "UsageError", "check_out_dir", "integer", "number", "one_line",
           "write_problem"]


class UsageError(Exception):
    """A command line argparse refused; the message says what is wrong."""


#: Marks a value-type error whose message starts with the value (``=VALUE: why``), so that
#: :func:`one_line` can write it as ``FLAG=VALUE: why``.
_VALUE_FIRST = "\x00"


def one_line(message: str) -> str:
    """Argparse's complaint as ``FLAG=VALUE: what is allowed`` (one line, no usage)."""
    m = re.match(r"argument ([^:]+): (.*)$", message, re.S)
    if not m:
        m2 = re.match(r"unrecognized arguments: (.*)$", message)
        if m2:
            return f"{m2.group(1)}: unknown option or extra argument; see --help"
        m2 = re.match(r"the following arguments are required: (.*)$", message)
        if m2:
            return f"{m2.group(1)}: missing; see --help"
        return message.splitlines()[0] if message else "bad arguments"
    names = m.group(1).split("/")  # "--package/-p": name the long form
    flag = next((n for n in names if n.startswith("--")), names[0])
    why = m.group(2)
    if why.startswith(_VALUE_FIRST):
        return f"{flag}{why[len(_VALUE_FIRST):]}"
    m2 = re.match(r"invalid (\w+) value: '(.*)'$", why, re.S)
    if m2:
        kind = {"int": "an integer", "float": "a number"}.get(m2.group(1), m2.group(1))
        return f"{flag}={m2.group(2)}: not {kind}"
    m2 = re.match(r"invalid choice: '(.*)' \(choose from (.*)\)$", why, re.S)
    if m2:
        return f"{flag}={m2.group(1)}: allowed: {m2.group(2).replace(chr(39), '')}"
    if why.startswith(("expected one argument", "expected at most one argument")):
        return f"{flag}: needs a value"
    return f"{flag}: {why}"


class OneLineParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` (one line) instead of printing usage and exiting."""

    def error(self, message: str) -> typing.NoReturn:  # noqa: D102 - argparse's hook
        raise UsageError(one_line(message))


def _refuse(text: str, why: str) -> typing.NoReturn:
    raise argparse.ArgumentTypeError(f"{_VALUE_FIRST}={text}: {why}")


def integer(low: int, high: int, what: str = "") -> typing.Callable[[str], int]:
    """An argparse ``type``: an integer from ``low`` to ``high`` (``what`` names the unit)."""
    unit = f" {what}" if what else ""

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            _refuse(text, f"not an integer; allowed: {low:,} to {high:,}{unit}")
        if not low <= value <= high:
            _refuse(text, f"out of range; allowed: {low:,} to {high:,}{unit}")
        return value

    convert.__name__ = "integer"
    return convert


def number(low: float, high: float, what: str = "", *, low_open: bool = False
           ) -> typing.Callable[[str], float]:
    """An argparse ``type``: a finite number in ``[low, high]`` (``(low, high]`` if low_open)."""
    unit = f" {what}" if what else ""
    shown = f"{'(' if low_open else '['}{low:g}, {high:g}]"

    def convert(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            _refuse(text, f"not a number; allowed: {shown}{unit}")
        if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
            _refuse(text, f"out of range; allowed: {shown}{unit}")
        return value

    convert.__name__ = "number"
    return convert


def check_out_dir(path: str | os.PathLike, flag: str = "--out") -> Path:
    """Refuse an output folder that could not be written, before any work is done.

    The folder itself need not exist (it is made when the results are written); the nearest
    part of the path that exists must be a folder this process can create files in (tried
    with a temporary folder that is removed at once, so nothing is left behind).

    Raises:
        UsageError: ``FLAG=PATH: why``.
    """
    out = Path(path)
    shown = f"{flag}={path}"
    if not str(path).strip():
        raise UsageError(f"{shown}: empty; name a folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{shown}: is a file, not a folder; name a folder")
    problem = write_problem(out)
    if problem:
        raise UsageError(f"{shown}: {problem}")
    return out


def write_problem(folder: Path) -> str | None:
    """Why ``folder`` could not be created or written in (None: it can).

    The nearest part of the path that exists must be a folder (not a file, not a broken
    link) in which this process can create files: tried with a temporary folder that is
    removed at once, so nothing is left behind.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            return f"{existing} is a broken symbolic link; name a folder"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder; name a folder"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".ccsim-probe-", dir=existing))
    except OSError as exc:
        return f"cannot write in {existing} ({exc.strerror}); name a folder you can write to"
    return None
