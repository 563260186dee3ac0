"""Where a study writes when no ``--out`` is given: a new timestamped folder, never a saved one."""

from __future__ import annotations

import time
from pathlib import Path


def new_study_folder(study: str, label: str, quick: bool = False,
                     now: float | None = None) -> Path:
    """A folder that does not exist yet, so a new study never overwrites a saved one.

    ``results/<study>/<label>_<YYYYmmdd-HHMMSS>`` (``results/tmp/<study>/<label>_quick_…`` for a
    quick check); ``-2``, ``-3``… is appended if that folder exists already.

    Args:
        study: The study's folder under ``results/`` (``sensitivity``, ``elasticities``, …).
        label: What the run studies (a method or a scenario name).
        quick: A quick check: goes under ``results/tmp/``.
        now: The time to stamp (default: now).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = (Path("results/tmp") / study / f"{label}_quick_{stamp}" if quick
            else Path("results") / study / f"{label}_{stamp}")
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out
