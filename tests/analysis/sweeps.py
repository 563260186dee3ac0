"""Build small run and sweep folders from real model runs, in the formats the analysis reads.

A sweep folder gets what ``ccsim collect`` writes: ``runs.parquet`` (one row per run: run_id,
the swept override keys, status, error and the run-level KPIs of ``strategy_comparison``),
``firm_kpis.parquet`` (run × firm) and ``timeseries.parquet`` (all runs stacked), with each
run's own folder beside them. Independent of ``sim.results`` on purpose.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from sim import io
from sim.configure import load_config
from sim.runner import run

#: A tiny market: a few hundred customers over two years (well under a second per run).
TINY = ["market.n_customers=300", "market.steps=24", "output.progress=false"]


def run_dir(out: Path, overrides: list[str] = (), seed: int = 0) -> Path:
    """One run folder (timeseries, spells, config, summary) of the tiny market."""
    run(load_config([*TINY, *overrides, f"seed={seed}"]), out, progress=False)
    return out


def sweep_dir(out: Path, grid: dict[str, list], seeds: list[int] = (0, 1),
              base: list[str] = ()) -> Path:
    """A collected sweep over ``grid`` × ``seeds``, written like ``ccsim collect`` would."""
    out = Path(out)
    runs, kpis, series = [], [], []
    keys = list(grid)
    for values in itertools.product(*grid.values(), seeds):
        params = dict(zip([*keys, "seed"], values, strict=True))
        overrides = [f"{k}={v}" for k, v in params.items()]
        run_id = ",".join(overrides)
        result = run(load_config([*TINY, *base, *overrides]), out / run_id, progress=False)
        runs.append({"run_id": run_id, **params, "status": "ok", "error": None,
                     **result.summary["comparison"]})
        kpis.append(result.kpis.assign(run_id=run_id, **params))
        series.append(result.timeseries.assign(run_id=run_id, **params))
    # one failed run, as collect reports it: no tables, NaN KPIs
    runs.append({"run_id": "failed", **{k: grid[k][0] for k in keys}, "seed": 99,
                 "status": "failed", "error": "boom"})
    io.write_parquet(pd.DataFrame(runs), out / "runs.parquet")
    io.write_parquet(pd.concat(kpis, ignore_index=True), out / "firm_kpis.parquet")
    io.write_parquet(pd.concat(series, ignore_index=True), out / "timeseries.parquet")
    return out
