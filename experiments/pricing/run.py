"""Each group under each pricing policy (:mod:`sim.studies.pricing_combinations`).

``python experiments/pricing/run.py [--seeds K]``.

Writes ``results/pricing/{runs,summary}.csv`` and ``meta.json`` and rewrites the table in
``docs/economics.md``; ``--quick`` runs tiny markets into ``results/tmp/pricing`` and leaves the
page alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the default output folder and page are the repository's

from sim.studies.pricing_combinations import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
