"""Parallel efficiency of a sweep on this machine: the same 40 jobs with 1 worker and with N.

For each job size (default: long jobs of 40,000 customers × 120 months, about 4 s each, and
short jobs of 20,000 × 60, about 1.3 s each) it runs ``ccsim run -m seed=range(0,40)
market.n_customers=C market.steps=S`` twice through Hydra's joblib launcher (the default):
``hydra.launcher.n_jobs=1`` (jobs one after another in one process) and
``hydra.launcher.n_jobs=N`` (N = cores), each in a fresh sweep folder, and times the whole
command (validating every swept value, Hydra's start-up, worker start-up and every job's
writes included).

    efficiency = T1 / (N · TN)        (1.0 = ideal speed-up)

What does not parallelise is the sweep's start (validating the command line, Hydra's start-up,
workers importing the model and loading Numba's cache) plus Hydra's bookkeeping of each job
(composing its config, writing ``.hydra/``) in the process that runs it; with short jobs that
is a larger share of the work, so short-job efficiency is the harder figure. Numba runs one
thread per job in sweeps, so N workers use N cores.

The machine may be shared: before each sweep the script waits (up to ``--max-wait`` seconds)
until the CPUs have been idle for a few seconds, and it records the CPU time other processes
used while each sweep ran (``other_cpu_seconds``, from /proc/stat minus this sweep's own CPU
time): in the 1-worker sweep it can inflate T1 (efficiency overstated), in the N-worker sweep it
slows the workers (efficiency understated).

Usage::

    python experiments/benchmark_sweep/run.py                   # long and short jobs, 1 vs N
    python experiments/benchmark_sweep/run.py --sizes 20000x60  # short jobs only
    python experiments/benchmark_sweep/run.py --jobs 8 --sizes 2000x24   # quick check

Appends to ``results/benchmark_sweep/benchmark.csv`` (one row per configuration and run, with
its date) and prints this run's rows and the efficiency of each job size.
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

from sim.studies.bench import busy_seconds, children_cpu, wait_until_idle

ROOT = Path(__file__).resolve().parents[2]


def run_sweep(workers: int, jobs: int, customers: int, steps: int, folder: Path) -> dict:
    """Run one sweep with ``workers`` joblib workers; return its timings."""
    cmd = [sys.executable, "-m", "sim", "run", "-m", f"seed=range(0,{jobs})",
           f"market.n_customers={customers}", f"market.steps={steps}",
           f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={folder}"]
    busy0, own0 = busy_seconds(), children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    own = children_cpu() - own0
    other = max(0.0, busy_seconds() - busy0 - own)
    if proc.returncode != 0:
        raise SystemExit(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    job_seconds = [json.loads(p.read_text())["runtime"]["seconds"]
                   for p in folder.glob("*/summary.json")]
    if len(job_seconds) != jobs:
        raise SystemExit(f"expected {jobs} complete jobs, found {len(job_seconds)}")
    return {"workers": workers, "jobs": jobs, "customers": customers, "steps": steps,
            "wall_seconds": round(wall, 2),
            "mean_job_seconds": round(sum(job_seconds) / jobs, 3),
            "sweep_cpu_seconds": round(own, 1), "other_cpu_seconds": round(other, 1)}


def _size(text: str) -> tuple[int, int]:
    customers, _, steps = text.lower().partition("x")
    try:
        return int(customers), int(steps)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give CUSTOMERSxSTEPS, e.g. 20000x60") from None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the CSV and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--sizes", type=_size, nargs="+",
                        default=[(40_000, 120), (20_000, 60)],
                        help="job sizes as CUSTOMERSxSTEPS (default: 40000x120 20000x60)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--max-wait", type=float, default=600.0,
                        help="seconds to wait for an idle machine before each sweep")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_sweep")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="ccsim-bench-"))
    tables = []
    try:
        for customers, steps in args.sizes:
            rows = []
            for workers in (1, args.workers):
                waited = wait_until_idle(args.max_wait, window=5.0)
                print(f"sweep of {args.jobs} jobs of {customers:,} × {steps} with {workers} "
                      f"worker(s) (waited {waited:.0f} s for an idle machine) …", flush=True)
                rows.append(run_sweep(workers, args.jobs, customers, steps,
                                      scratch / f"c{customers}s{steps}w{workers}"))
                print(f"  {rows[-1]['wall_seconds']:.1f} s", flush=True)
            table = pd.DataFrame(rows)
            t1 = table["wall_seconds"].iloc[0]
            table["speedup"] = (t1 / table["wall_seconds"]).round(3)
            table["efficiency"] = (table["speedup"] / table["workers"]).round(3)
            tables.append(table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table = pd.concat(tables, ignore_index=True)
    table["cores"] = os.cpu_count()
    table["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    table["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "benchmark.csv"  # one pair of rows per size and benchmark run, oldest first
    history = pd.read_csv(csv) if csv.exists() else None
    pd.concat([history, table], ignore_index=True).to_csv(csv, index=False)
    print(table.drop(columns=["machine", "date"]).to_string(index=False))
    for part in tables:
        last = part.iloc[-1]
        kind = "short" if last["customers"] * last["steps"] < 2_000_000 else "long"
        size = f"{int(last['customers']):,} × {int(last['steps'])}"
        print(f"\nparallel efficiency, {kind} jobs ({size}) with {args.workers} workers: "
              f"{last['efficiency']:.1%} of ideal")
        busy = part["other_cpu_seconds"] > 0.05 * part["wall_seconds"]
        if busy.iloc[0]:
            print("  note: other processes used the CPUs during the 1-worker sweep: T1, and so "
                  "the efficiency, may be overstated")
        if busy.iloc[-1]:
            print(f"  note: other processes used the CPUs during the {args.workers}-worker "
                  "sweep: the efficiency may be understated")
    print(f"→ {csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
