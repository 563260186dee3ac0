"""What every shipped scenario shows now: ``python experiments/scenarios/run.py [--seeds K]``.

Runs each scenario (and the default scenario's two structural checks) over seeds 0..K-1 at its
configured size, writes ``results/scenarios/{runs,summary}.csv`` and ``meta.json``, and rewrites
the generated table of docs/results.md from them (:mod:`sim.studies.scenarios`). ``--quick``
runs tiny markets into ``results/tmp/scenarios`` and leaves docs/results.md alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the default output folder and docs/results.md are the repository's

from sim.studies.scenarios import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
