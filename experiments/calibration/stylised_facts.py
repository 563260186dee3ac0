"""Rewrite the stylised-facts table of docs/ODD.md from the committed elasticity measurements.

``python experiments/calibration/stylised_facts.py`` reads every ``ccsim elasticities`` folder
listed in :data:`FOLDERS` (``summary.csv`` and ``meta.json`` under ``results/calibration/``) and
the scenario study (:data:`LEVELS`, for the NPS), builds the table with
:func:`sim.analysis.stylised_facts.facts_table` and ``levels_table`` and replaces the block
between ``<!-- BEGIN GENERATED: stylised_facts -->`` and its END marker in docs/ODD.md.
``tests/studies/test_stylised_facts.py`` checks that the ODD and the CSVs agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from sim.analysis.stylised_facts import facts_table, levels_table, markdown  # noqa: E402

#: The measurements the ODD's table shows, in its order.
FOLDERS = ("results/calibration/elasticities_default",
           "results/calibration/elasticities_subscription",
           "results/calibration/elasticities_product_aware_economy",
           "results/calibration/elasticities_exploitation",
           "results/calibration/elasticities_b2b")
#: The scenario study whose market levels (NPS) the table shows after the elasticities.
LEVELS = "results/scenarios"
ODD = ROOT / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: stylised_facts -->\n)(.*?)"
                   r"(<!-- END GENERATED: stylised_facts -->)", re.S)


def generated() -> str:
    """The table as the ODD should show it."""
    return markdown(pd.concat([facts_table([ROOT / f for f in FOLDERS]),
                               levels_table(ROOT / LEVELS)], ignore_index=True))


def main() -> int:
    """Rewrite the block; exit 1 if docs/ODD.md has no such block."""
    text = ODD.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        print(f"{ODD}: no stylised_facts block", file=sys.stderr)
        return 1
    ODD.write_text(BLOCK.sub(lambda m: m.group(1) + generated() + m.group(3), text),
                   encoding="utf-8")
    print(f"{ODD}: stylised-facts table rewritten from {', '.join(FOLDERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
