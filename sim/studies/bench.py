"""``ccsim bench``: throughput, memory and end-to-end time of the model on this machine.

``ccsim bench [--quick] [--with-1e7] [--max-wait S] [--out DIR]`` measures, each in its own
process (:mod:`sim.studies.bench_worker`, ``NUMBA_NUM_THREADS`` set per process):

- the full model step (default scenario: 4 firms, 2 categories, small world of degree 12;
  network built by ``--generator``, default ``numba``) at
  10^3 … 10^6 customers (10^7 with ``--with-1e7``), 1 and 2 Numba threads: medians over the
  repeats of the time of steps 13..N (steps 1..12, the start-up, excluded), split into the
  journey kernel and the Python work of the step (firms, accounting, Mesa's data collection);
- spell recording on (the default; off in the other rows) at 10^3 … 10^6 (quick: 10^3 and
  10^4), 2 threads, so its cost in time and memory per customer is measured;
- peak RSS per process (``VmHWM``) while the first repeat's model runs (the peak over all
  repeats is kept too: see :mod:`sim.studies.bench_worker`), hence memory per customer
  ``(peak RSS at N − peak RSS at 10^3) / N`` (network included; each peak above its process's
  RSS after imports and the kernel's compilation, which a cold Numba cache inflates), and the
  network's build time and peak memory at each size;
- the plain Mesa reference (:mod:`sim.reference`) at 10^3 (and 10^4 in the full form), same
  configuration and seed, and the fast path's ratio to it;
- ``ccsim run`` end to end (the real command in a subprocess): cold (an empty Numba cache
  folder, ``NUMBA_CACHE_DIR``) and warm, and the same run through :func:`sim.runner.run` split
  into imports, composition, model build, kernel, Python per step, collection and writes.

The full form waits (up to ``--max-wait`` s) for an idle machine before each measurement, as
``experiments/benchmark_sweep/run.py`` does, and records the CPU seconds other processes used
during it. ``--quick`` (10^3 and 10^4, 2 repeats, 24 steps, reference 10^3, warm run of 1,000
customers only; no waiting) checks the machinery in well under a minute.

Writes ``benchmark.csv`` (one row per measurement), ``end_to_end.csv``, ``scaling.png`` and
``README.md`` (:mod:`sim.analysis.bench_table`: every figure, and issue 14's targets against
them) to ``--out`` (default ``results/benchmark``; with ``--quick``
``results/tmp/benchmark_quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim.analysis.bench_table import loglog_slope, write_readme

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")

#: Full form: customers → (steps, repeats, reference steps or 0). Steps 1..12 are start-up;
#: the reference runs the size's repeats too. 10^7 is measured over steps 13..24 (a step takes
#: seconds there: 5 repeats of 120 months would take hours).
FULL = {1_000: (120, 5, 24), 10_000: (120, 5, 18), 100_000: (120, 5, 0),
        1_000_000: (120, 5, 0)}
HUGE = {10_000_000: (24, 5, 0)}
QUICK = {1_000: (24, 2, 14), 10_000: (24, 2, 0)}
THREADS = (1, 2)
#: Sizes at which spell recording (``output.spells=true``, the default) is measured too.
SPELLS_FULL, SPELLS_QUICK = (1_000, 10_000, 100_000, 1_000_000), (1_000, 10_000)


def busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK


def children_cpu() -> float:
    """CPU seconds used by this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_until_idle(max_wait: float, window: float = 3.0, threshold: float = 0.15) -> float:
    """Wait until the CPUs were less than ``threshold`` busy over ``window`` s; return the wait."""
    cores = os.cpu_count() or 1
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_wait:
        before = busy_seconds()
        time.sleep(window)
        if (busy_seconds() - before) / (window * cores) < threshold:
            break
    return time.monotonic() - t0


def _measured(cmd: list[str], env: dict[str, str], max_wait: float) -> tuple[str, dict]:
    """Run ``cmd`` (after waiting for an idle machine); its stdout and the load it met."""
    waited = wait_until_idle(max_wait) if max_wait > 0 else 0.0
    busy0, own0 = busy_seconds(), children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    own = children_cpu() - own0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    other = max(0.0, busy_seconds() - busy0 - own)
    return proc.stdout, {"waited_seconds": round(waited, 1), "wall_seconds": round(wall, 2),
                         "other_cpu_seconds": round(other, 1),
                         "other_cpu_share": round(other / (wall * (os.cpu_count() or 1)), 3)}


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **extra}
    env.pop("NUMBA_NUM_THREADS", None)
    env.update(extra)
    return env


def step_rows(sizes: dict, threads: tuple[int, ...], max_wait: float,
              spells_at: tuple[int, ...] = (), generator: str = "numba") -> list[dict]:
    """One row per (size, path, threads, spells): the worker's measurement and its load.

    Spell recording is off except at the sizes ``spells_at`` (with the most threads).
    """
    rows = []
    plan = [(n, "fast", t, False) for n in sizes for t in threads]
    plan += [(n, "fast", max(threads), True) for n in spells_at if n in sizes]
    plan += [(n, "reference", 1, False) for n, (_, _, ref) in sizes.items() if ref]
    for n, path, t, spells in plan:
        steps, repeats, ref_steps = sizes[n]
        if path == "reference":
            steps = ref_steps
        cmd = [sys.executable, "-m", "sim.studies.bench_worker", f"--customers={n}",
               f"--steps={steps}", f"--repeats={repeats}", f"--path={path}",
               f"--generator={generator}", *(["--spells"] if spells else [])]
        print(f"bench: {path} path, {n:,} customers, {t} thread(s), spells "
              f"{'on' if spells else 'off'}, steps 13..{steps}, "
              f"{repeats} repeat(s) …", file=sys.stderr, flush=True)
        out, load = _measured(cmd, _env(NUMBA_NUM_THREADS=str(t)), max_wait)
        row = json.loads(out.strip().splitlines()[-1])
        row.update(load)
        rows.append(row)
        print(f"  {row['customer_steps_per_s'] / 1e6:.3f} M customer-steps/s, peak RSS "
              f"{row['peak_rss_mib']:.0f} MiB (other processes: "
              f"{load['other_cpu_share']:.0%} of the CPUs)", file=sys.stderr, flush=True)
    return rows


def add_derived(table: pd.DataFrame) -> pd.DataFrame:
    """Memory per customer against the smallest size and the ratio to the reference."""
    table = table.copy()
    table["bytes_per_customer"] = float("nan")
    table["ratio_to_reference"] = float("nan")
    # each process's market memory is its peak above its own base (after imports and the
    # kernel's compilation, which a cold Numba cache makes larger in whichever process compiles)
    market = table["peak_rss_mib"] - (table["rss_base_mib"] if "rss_base_mib" in table else 0.0)
    for _, group in table.groupby(["path", "threads", "spells"]):
        base = group.loc[group["customers"].idxmin()]
        for i, row in group.iterrows():
            if row["customers"] > base["customers"]:
                table.loc[i, "bytes_per_customer"] = round(
                    (market[i] - market[base.name]) * 2**20 / row["customers"], 1)
    ref = table[table["path"] == "reference"].set_index("customers")["customer_steps_per_s"]
    for i, row in table[(table["path"] == "fast") & ~table["spells"]].iterrows():
        if row["customers"] in ref.index:
            table.loc[i, "ratio_to_reference"] = round(
                row["customer_steps_per_s"] / ref[row["customers"]], 1)
    return table


def e2e_rows(quick: bool, max_wait: float) -> list[dict]:
    """``ccsim run`` end to end, cold and warm, and the split of a run through the library."""
    rows = []
    size = ["market.n_customers=1000", "market.steps=24"] if quick else []
    ccsim = [sys.executable, "-m", "sim", "run", "output.print_table=false", *size]
    with tempfile.TemporaryDirectory(prefix="ccsim-bench-") as scratch:
        cache = Path(scratch) / "numba_cache"
        kinds = [("warm", 1)] if quick else [("cold", 1), ("warm", 3)]
        env = _env() if quick else _env(NUMBA_CACHE_DIR=str(cache))
        for kind, repeats in kinds:
            for r in range(repeats):
                folder = Path(scratch) / f"{kind}{r}"
                print(f"bench: ccsim run {' '.join(size) or '(default)'} — {kind} …",
                      file=sys.stderr, flush=True)
                _, load = _measured([*ccsim, f"hydra.run.dir={folder}"], env, max_wait)
                rows.append({"what": "ccsim run", "cache": kind, "stage": "total",
                             "seconds": load["wall_seconds"], **load})
        split_cache = Path(scratch) / "split_cache"
        for kind in kinds:
            env = _env() if quick else _env(NUMBA_CACHE_DIR=str(split_cache))
            cmd = [sys.executable, "-m", "sim.studies.bench_split", "--out",
                   str(Path(scratch) / f"split_{kind[0]}"), *size]
            out, load = _measured(cmd, env, max_wait)
            for stage, seconds in json.loads(out.strip().splitlines()[-1]).items():
                rows.append({"what": "sim.runner.run", "cache": kind[0], "stage": stage,
                             "seconds": round(seconds, 3), **load})
    return rows


def environment() -> dict[str, object]:
    """Machine, versions, thread counts and hashes recorded with every row."""
    import importlib.metadata as md

    from sim.configure import load_config
    from sim.fingerprint import config_hash

    try:
        git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        git += "-dirty" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        git = "unknown"
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"machine": f"{platform.machine()} {cpu}", "cores": os.cpu_count(),
            "python": platform.python_version(),
            **{pkg: md.version(pkg) for pkg in ("numba", "numpy", "mesa", "hydra-core")},
            "git": git, "config_hash": config_hash(load_config([]))[:12],
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def plot(table: pd.DataFrame, path: Path) -> None:
    """Log-log time per step against customers, per path, thread count and spell recording."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for (p, t, spells), g in table.groupby(["path", "threads", "spells"]):
        g = g.sort_values("customers")
        label = f"{p}, {t} thread{'s' if t > 1 else ''}{', spells on' if spells else ''}"
        slope, _ = loglog_slope(g)
        if not np.isnan(slope):
            label += f" (slope {slope:.2f} from 10^4)"
        ax.loglog(g["customers"], g["seconds_per_step"], "s--" if spells else "o-", label=label)
    ax.set_xlabel("customers")
    ax.set_ylabel("seconds per step (median, steps 13..N)")
    ax.set_title("ccsim: full model step, default scenario")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: Longest wait for an idle machine before a measurement (an hour).
MAX_WAIT = 3600.0


def build_parser() -> argparse.ArgumentParser:
    """``ccsim bench``'s options."""
    from ..cli_parser import OneLineParser, number

    parser = OneLineParser(prog="ccsim bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10^3 and 10^4 only, 2 repeats, no waiting (under a minute)")
    parser.add_argument("--with-1e7", action="store_true", dest="huge",
                        help="add 10^7 customers (needs ~10+ GiB and many minutes)")
    parser.add_argument("--max-wait", type=number(0, MAX_WAIT, "seconds"), default=60.0,
                        help="seconds to wait for an idle machine before each measurement "
                             "(full form; default 60)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end runs")
    parser.add_argument("--generator", choices=("numba", "networkx"), default="numba",
                        help="market.network.generator of the measured markets (default numba: "
                             "networkx cannot build 10^7; ccsim run's own default stays networkx)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="output folder (default results/benchmark in the current folder; "
                             "with --quick results/tmp/benchmark_quick)")
    return parser


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim bench``: measure, write the CSVs and the plot, print the table.

    The arguments and the output folder are checked before anything is measured;
    ``check_only`` stops there.
    """
    from ..cli_parser import UsageError, check_out_dir

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        default = Path("results", "tmp/benchmark_quick" if args.quick else "benchmark")
        out = check_out_dir(args.out if args.out is not None else default,
                            "--out" if args.out is not None else "output folder")
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except UsageError as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    if check_only:
        return 0
    sizes = dict(QUICK) if args.quick else {**FULL, **(HUGE if args.huge else {})}
    max_wait = 0.0 if args.quick else args.max_wait
    env = environment()
    spells_at = SPELLS_QUICK if args.quick else SPELLS_FULL
    table = add_derived(pd.DataFrame(step_rows(sizes, THREADS, max_wait, spells_at,
                                               args.generator)))
    table = table.assign(**env)
    e2e = pd.DataFrame([] if args.no_e2e else e2e_rows(args.quick, max_wait)).assign(**env)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "benchmark.csv", index=False)
    e2e.to_csv(out / "end_to_end.csv", index=False)
    plot(table, out / "scaling.png")
    write_readme(out)
    cols = ["customers", "path", "threads", "customer_steps_per_s", "kernel_seconds_per_step",
            "python_seconds_per_step", "network_seconds", "bytes_per_customer",
            "ratio_to_reference", "other_cpu_share"]
    print(table[cols].to_string(index=False))
    if len(e2e):
        print(e2e[["what", "cache", "stage", "seconds"]].to_string(index=False))
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
