"""Sweep efficiency: how much of the machine a sweep of short runs spends running the model.

    efficiency = Σ runs' model time ÷ (wall-clock time × workers)

where a run's model time is its ``summary.json`` ``runtime.seconds`` (building the model and
every step; :func:`sim.runner.simulate`) and the wall-clock time is the whole sweep's, from the
command to its last run (validation, Hydra, worker start-up, each run's configuration and
writes included). 1.0 would mean every worker ran the model all the time; the goal is ≥ 0.8 on
2 cores for 1,000 runs of 2,000 customers × 120 months (issue 27). It replaces the earlier
definition, T1 / (N · TN), which compared a sweep with itself on one worker and so hid the
overhead every run pays in both.

Two paths are measured (``--path``):

* ``experiment`` (default) — the path of ``ccsim experiment``
  (:func:`sim.studies.experiment_launch.launch`): Hydra's joblib launcher, a setting's seeds
  chunked into one Hydra job, worker processes and compiled kernels reused from run to run,
  no spells written (as the experiments run);
* ``run`` — ``ccsim run -m 'seed=range(0,N)' ...``: one Hydra job per run, the default outputs.

The machine's load is recorded with each measurement: the 1-minute load average before and
after, and the CPU time other processes used while the sweep ran (from /proc/stat minus the
sweep's own). On a shared machine the figure is understated; quote it with the load.

Usage::

    python experiments/benchmark_sweep/run.py                      # 1,000 runs of 2,000 × 120
    python experiments/benchmark_sweep/run.py --path run           # the ccsim run -m path
    python experiments/benchmark_sweep/run.py --runs 6 --customers 200 --months 12 --out DIR

Appends one row per measurement to ``results/benchmark_sweep/efficiency.csv`` (or ``--out``)
and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["date", "path", "runs", "customers", "months", "workers", "chunk", "wall_seconds",
           "model_seconds", "efficiency", "mean_model_seconds", "load_before", "load_after",
           "other_cpu_seconds", "sweep_cpu_seconds", "cores", "machine", "git"]


def _lines(runs: int, customers: int, months: int) -> list[list[str]]:
    from sim.studies.experiment_design import LEAN, QUIET

    return [[f"market.n_customers={customers}", f"market.steps={months}",
             "output.spells=false", *LEAN, *QUIET, f"seed={s}"] for s in range(runs)]


def measure(path: str, runs: int, customers: int, months: int, workers: int, folder: Path,
            chunk: int = 10) -> dict:
    """Run one sweep into ``folder`` and return its row of the efficiency table."""
    from sim.studies.bench import busy_seconds, children_cpu

    load_before = os.getloadavg()[0]
    busy0, own0, cpu0 = busy_seconds(), children_cpu(), time.process_time()
    t0 = time.perf_counter()
    if path == "experiment":
        from joblib.externals.loky import get_reusable_executor

        from sim.studies.experiment_launch import launch

        rep = launch(_lines(runs, customers, months), folder,
                     [f"hydra.launcher.n_jobs={workers}"], chunk=chunk)
        if rep.ok != runs:
            raise SystemExit(f"expected {runs} complete runs, found {rep.line()}")
        wall = time.perf_counter() - t0
        get_reusable_executor().shutdown(wait=True)  # reaped workers count as our CPU time
    else:
        cmd = [sys.executable, "-m", "sim", "run", "-m", f"seed=range(0,{runs})",
               f"market.n_customers={customers}", f"market.steps={months}",
               f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={folder}"]
        proc = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise SystemExit(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        wall = time.perf_counter() - t0
    own = children_cpu() - own0 + time.process_time() - cpu0
    other = max(0.0, busy_seconds() - busy0 - own)
    model = [json.loads(p.read_text())["runtime"]["seconds"] for p in folder.glob("*/summary.json")]
    if len(model) != runs:
        raise SystemExit(f"expected {runs} complete runs, found {len(model)}")
    return {"path": path, "runs": runs, "customers": customers, "months": months,
            "workers": workers, "chunk": chunk if path == "experiment" else 1,
            "wall_seconds": round(wall, 2), "model_seconds": round(sum(model), 2),
            "efficiency": round(sum(model) / (wall * workers), 3),
            "mean_model_seconds": round(sum(model) / runs, 4),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
            "other_cpu_seconds": round(other, 1), "sweep_cpu_seconds": round(own, 1)}


def main(argv: list[str] | None = None) -> int:
    """Measure, append the row to the CSV, print it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", choices=("experiment", "run"), default="experiment")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--chunk", type=int, default=10, help="seeds per Hydra job (experiment)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_sweep")
    args = parser.parse_args(argv)
    from sim.studies.elasticities import git_commit

    scratch = Path(tempfile.mkdtemp(prefix="ccsim-efficiency-"))
    try:
        row = measure(args.path, args.runs, args.customers, args.months, args.workers,
                      scratch / "sweep", args.chunk)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    row.update({"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "cores": os.cpu_count(), "git": git_commit(),
                "machine": f"{platform.machine()}, Python {platform.python_version()}"})
    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "efficiency.csv"
    table = pd.DataFrame([row], columns=COLUMNS)
    if csv.exists():
        table = pd.concat([pd.read_csv(csv), table], ignore_index=True)
    table.to_csv(csv, index=False)
    print(pd.DataFrame([row], columns=COLUMNS).T.to_string(header=False))
    print(f"\nefficiency {row['efficiency']:.1%} (Σ model time {row['model_seconds']:.0f} s ÷ "
          f"({row['wall_seconds']:.0f} s × {row['workers']} workers)); load average "
          f"{row['load_before']:.1f} → {row['load_after']:.1f}, other processes "
          f"{row['other_cpu_seconds']:.0f} CPU s → {csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
