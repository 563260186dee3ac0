"""Checks the studies' command lines share: seed count, worker count, keys the study sets.

Each raises :class:`ValueError` with the one-line message the CLI prints (exit status 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

__all__ = ["check_common", "refuse_keys"]


def check_common(args: argparse.Namespace, quick_seeds: int, default_seeds: int) -> int:
    """The number of seeds: ``--seeds``, else the quick or default count.

    Checks it and ``--jobs``: a confidence interval needs two seeds, a study one worker.
    """
    seeds = args.seeds if args.seeds is not None else (quick_seeds if args.quick
                                                       else default_seeds)
    if seeds < 2:
        raise ValueError(f"--seeds={seeds}: at least 2 (a confidence interval needs two seeds)")
    if args.jobs < 1:
        raise ValueError(f"--jobs={args.jobs}: must be at least 1")
    return seeds


def refuse_keys(overrides: Iterable[str], keys: Iterable[str], why: str) -> None:
    """Refuse an override of a key the study sets itself (``why`` says how it sets it)."""
    keys = set(keys)
    for ov in overrides:
        key = ov.partition("=")[0].lstrip("+~")
        if key in keys:
            raise ValueError(f"{ov}: {key} is set by the study ({why})")
