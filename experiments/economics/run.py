"""The default scenario's headline after a model change (:mod:`sim.studies.changes`).

``python experiments/economics/run.py --change LABEL [--seeds K]``.

Writes that change's rows of ``results/economics/changes.csv`` and rewrites the table in
``docs/economics.md``; ``--quick`` runs a tiny market and leaves the page alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the default output folder and page are the repository's

from sim.studies.changes import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
