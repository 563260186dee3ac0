"""The argument parser of ccsim's subcommands: a usage error is one line, never a usage dump.

Each command catches :class:`UsageError` with its other input errors and prints
``ccsim: error: ...`` with exit status 2 (argparse itself would print its usage and exit).
"""

from __future__ import annotations

import argparse
import typing


class UsageError(Exception):
    """A command line argparse refused; the message says what is wrong."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> typing.NoReturn:  # noqa: D102 - argparse's hook
        raise UsageError(message)
