"""What every shipped scenario shows now: ``python experiments/scenarios/run.py [--seeds K]``.

Runs each scenario (and the default scenario's two structural checks) over seeds 0..K-1 at its
configured size, writes ``results/scenarios/{runs,summary}.csv`` and ``meta.json``, and rewrites
the README's generated table from them (:mod:`sim.studies.scenarios`). ``--quick`` runs tiny
markets into ``results/tmp/scenarios`` and leaves the README alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the default output folder and README are the repository's

from sim.studies.scenarios import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
