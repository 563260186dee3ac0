"""Checks the studies' command lines share: seed count, worker count, output folder, keys.

Value ranges are argparse types (:func:`seeds`, :data:`JOBS`), so a bad value is refused while
the command line is read, naming the flag (``--seeds=0: out of range; allowed: 2 to 10,000``);
the rest raises :class:`ValueError` with the one-line message the CLI prints (exit status 2).
Every check runs before any model does (``main(argv, check_only=True)`` stops after them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType

from ..cli_parser import UsageError, check_out_dir, integer

__all__ = ["JOBS", "MAX_JOBS", "MAX_SEEDS", "CommandLineChecks", "check_common",
           "check_configs", "check_out", "refuse_keys", "seeds"]

#: Most seeds a study runs (each is a full set of model runs).
MAX_SEEDS = 10_000
#: Most worker processes (joblib would start them all).
MAX_JOBS = 256
#: ``--jobs``: worker processes, 1 to :data:`MAX_JOBS`.
JOBS = integer(1, MAX_JOBS, "worker processes")


class CommandLineChecks:
    """``with CommandLineChecks() as checks:`` around a study's checks of its command line.

    argparse's own exit (``--help``: 0; a refusal it printed: 2) and a refused value
    (:class:`~sim.cli_parser.UsageError` or :class:`ValueError`, ``ConfigError`` and
    ``SpecError`` among them) end the block; a refused value is printed as the one line
    ``ccsim: error: ...``. ``checks.status`` is then the command's exit status (None while
    every check passed), so the study returns it before any model runs.
    """

    status: int | None = None

    def __enter__(self) -> CommandLineChecks:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if isinstance(exc, SystemExit):
            self.status = int(exc.code or 0) if not isinstance(exc.code, str) else 2
            return True
        if isinstance(exc, (UsageError, ValueError)):
            print(f"ccsim: error: {exc}", file=sys.stderr)
            self.status = 2
            return True
        return False


def seeds(low: int = 2) -> Callable[[str], int]:
    """``--seeds``: a count of seeds from ``low`` (2: a confidence interval needs two)."""
    return integer(low, MAX_SEEDS, "seeds")


def check_common(args: argparse.Namespace, quick_seeds: int, default_seeds: int) -> int:
    """The number of seeds: ``--seeds``, else the quick or default count.

    ``--seeds`` and ``--jobs`` are range-checked by their argparse types (:func:`seeds`,
    :data:`JOBS`); this checks them again for callers that build the namespace themselves.
    """
    n = args.seeds if args.seeds is not None else (quick_seeds if args.quick else default_seeds)
    if not 2 <= n <= MAX_SEEDS:
        raise ValueError(f"--seeds={n}: out of range; allowed: 2 to {MAX_SEEDS:,} seeds (a "
                         "confidence interval needs two)")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise ValueError(f"--jobs={args.jobs}: out of range; allowed: 1 to {MAX_JOBS} worker "
                         "processes")
    return n


def check_out(out: str | Path | None, default: Path) -> Path:
    """The output folder (``--out``, else ``default``), refused now if it cannot be written.

    Raises:
        ValueError: ``--out=PATH: why`` (a file, under a file, not writable).
    """
    from ..cli_parser import UsageError

    try:
        return check_out_dir(out if out is not None else default,
                             "--out" if out is not None else "output folder")
    except UsageError as exc:
        raise ValueError(str(exc)) from None


def check_configs(overrides: Sequence[str]) -> None:
    """Validate a study's Hydra overrides as ``ccsim run`` would (one ConfigError line)."""
    from ..configure import load_config

    load_config(list(overrides))


def refuse_keys(overrides: Iterable[str], keys: Iterable[str], why: str) -> None:
    """Refuse an override of a key the study sets itself (``why`` says how it sets it)."""
    keys = set(keys)
    for ov in overrides:
        key = ov.partition("=")[0].lstrip("+~")
        if key in keys:
            raise ValueError(f"{ov}: {key} is set by the study ({why})")
