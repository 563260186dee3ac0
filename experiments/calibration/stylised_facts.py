"""Rewrite the stylised-facts table of docs/ODD.md from the committed elasticity measurements.

``python experiments/calibration/stylised_facts.py`` reads every ``ccsim elasticities`` folder
listed in :data:`FOLDERS` (``summary.csv`` and ``meta.json`` under ``results/calibration/``) and
the scenario study (:data:`LEVELS`, for the NPS), builds the table with
:func:`sim.analysis.stylised_facts.facts_table` and ``levels_table`` and replaces the block
between ``<!-- BEGIN GENERATED: stylised_facts -->`` and its END marker in docs/ODD.md, and the
calibration table of docs/results.md (``<!-- BEGIN GENERATED: calibration -->``).
``tests/studies/test_stylised_facts.py`` checks that the ODD and the CSVs agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from sim.analysis.generated_blocks import block_pattern, home, rewrite_block  # noqa: E402
from sim.analysis.stylised_facts import (  # noqa: E402
    facts_table,
    levels_table,
    markdown,
    readme_table,
)

#: The measurements the ODD's table shows, in its order.
FOLDERS = ("results/calibration/elasticities_default",
           "results/calibration/elasticities_subscription",
           "results/calibration/elasticities_product_aware_economy",
           "results/calibration/elasticities_exploitation",
           "results/calibration/elasticities_b2b")
#: The scenario study whose market levels (NPS) the table shows after the elasticities.
LEVELS = "results/scenarios"
ODD = ROOT / "docs" / "ODD.md"
README = home("calibration", ROOT)  # docs/results.md
README_BLOCK = block_pattern("calibration")
BLOCK = block_pattern("stylised_facts")


def generated() -> str:
    """The table as the ODD should show it."""
    return markdown(pd.concat([facts_table([ROOT / f for f in FOLDERS]),
                               levels_table(ROOT / LEVELS)], ignore_index=True))


def generated_readme() -> str:
    """The README's calibration table as it should read."""
    return readme_table([ROOT / f for f in FOLDERS])


def main() -> int:
    """Rewrite both blocks; exit 1 if docs/ODD.md or docs/results.md lacks its block."""
    for path, name, table in ((ODD, "stylised_facts", generated()),
                              (README, "calibration", generated_readme())):
        try:
            rewrite_block(path, name, table)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"{path}: table rewritten from {', '.join(FOLDERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
