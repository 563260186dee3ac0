"""Gupta, Lehmann & Stuart (2004) on the model's firms (``sim.analysis.customer_value``).

Customer equity per 1 % better retention, margin and acquisition cost.

``python experiments/calibration/customer_value.py`` runs the default and subscription
scenarios (3,000 customers × 60 months, seeds 0–2), applies the arithmetic to each firm's row at
month 60 and writes ``results/calibration/customer_value.csv`` (one row per scenario × seed ×
firm) and prints the mean per firm.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from sim import io  # noqa: E402
from sim.analysis.customer_value import value_elasticities  # noqa: E402
from sim.configure import load_config  # noqa: E402
from sim.model import MarketModel  # noqa: E402

SCENARIOS = ("experience_economy", "subscription")
SEEDS = range(3)
N, STEPS = 3000, 60
OUT = ROOT / "results" / "calibration" / "customer_value.csv"


def main() -> int:
    """Run, tabulate, write, print."""
    out = []
    for scenario in SCENARIOS:
        for seed in SEEDS:
            cfg = load_config([f"scenario={scenario}", f"market.n_customers={N}",
                               f"market.steps={STEPS}", f"seed={seed}"])
            model = MarketModel(cfg)
            for _ in range(STEPS):
                model.step()
            eco = cfg.market.economics
            v = value_elasticities(model.timeseries(), STEPS, eco.discount_rate,
                                   cfg.market.steps_per_year)
            out.append(v.assign(scenario=scenario, seed=seed))
    table = pd.concat(out, ignore_index=True)
    io.write_text(table.to_csv(index=False, float_format="%.6g"), OUT)
    cols = ["annual_retention", "retention", "margin", "acquisition_cost"]
    print(table.groupby(["scenario", "firm"])[cols].mean().round(3).to_string())
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
