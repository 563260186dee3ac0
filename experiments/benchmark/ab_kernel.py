"""A/B of the journey kernel against another revision's, on the very same captured step.

    NUMBA_NUM_THREADS=1 python experiments/benchmark/ab_kernel.py [--ref REV] [--customers N]
        [--rounds R] [--step T]

Builds the default market with this checkout (spells off), runs steps 1..T-1, captures the
kernel's inputs of step T, then calls this checkout's ``journey_step`` and the ``--ref``
revision's (default: the merge base with main; its ``sim/`` exported by ``git archive`` as the
package ``sim_ref`` into a cache folder, compiled once there) alternately, ``R`` times each, on
fresh copies of the inputs. Prints the median seconds of each, their ratio, the other
processes' CPU share meanwhile (from /proc/stat and this process's own CPU time), and whether
every output (state arrays and tallies) is bit-identical between the two. Exit status 1 if
any output differs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def export_as(rev: str, cache: Path, name: str) -> Path:
    """``sim/`` of ``rev`` as package ``name`` under ``cache/<commit>/`` (once); the folder."""
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, text=True,
                            capture_output=True).stdout.strip()
    dest = cache / f"pkg-{commit[:12]}"
    if not (dest / name).is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tmp:
            subprocess.run(["git", "archive", "--format=tar", commit, "sim"], cwd=ROOT,
                           check=True, stdout=tmp)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(dest / "x", filter="data")
        (dest / "x" / "sim").rename(dest / name)
    return dest


def cpu_times() -> tuple[float, float]:
    """(busy seconds of all CPUs, this process's CPU seconds) so far."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [float(x) for x in fh.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    busy = (sum(fields) - fields[3] - fields[4]) / tick
    return busy, time.process_time()


def ab_parser(description: str, cache: str) -> argparse.ArgumentParser:
    """The options every A/B script takes: --ref, --cache and Hydra overrides."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--ref", default=None)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / cache)
    ap.add_argument("overrides", nargs="*")
    return ap


def parse_ab(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse, then resolve ``--ref`` to the merge base of HEAD and main when not given."""
    args = ap.parse_args(argv)
    if args.ref is None:
        args.ref = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True,
                                  text=True, capture_output=True).stdout.strip()
    return args


def main(argv: list[str] | None = None) -> int:
    """Capture one step, time both kernels alternately, compare their outputs."""
    ap = ab_parser(__doc__.splitlines()[0], "ccsim-ab")
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--step", type=int, default=13)
    args = parse_ab(ap, argv)
    sys.path.insert(0, str(export_as(args.ref, args.cache, "sim_ref")))
    ref_journey = importlib.import_module("sim_ref.kernels.journey")

    from sim import model as model_mod
    from sim.configure import load_config

    cfg = load_config([f"market.n_customers={args.customers}", "output.spells=false",
                       f"market.steps={args.step}", *args.overrides])
    model = model_mod.MarketModel(cfg)
    for _ in range(args.step - 1):
        model.step()
    captured: list[tuple] = []
    real = model_mod.journey_step

    def capture(*a):  # noqa: ANN002, ANN202
        captured.append(tuple(x.copy() if isinstance(x, np.ndarray) else x for x in a))
        return real(*a)

    model_mod.journey_step = capture
    model.step()
    model_mod.journey_step = real
    inputs = captured[0]
    kernels = {"ref": ref_journey.journey_step, "new": real}
    outs: dict[str, tuple] = {}
    times: dict[str, list[float]] = {k: [] for k in kernels}
    for k in kernels.values():  # compile / load both before timing
        k(*[x.copy() if isinstance(x, np.ndarray) else x for x in inputs])
    busy0, own0 = cpu_times()
    wall0 = time.perf_counter()
    for r in range(args.rounds):
        order = ("ref", "new") if r % 2 == 0 else ("new", "ref")
        for name in order:
            a = [x.copy() if isinstance(x, np.ndarray) else x for x in inputs]
            t = time.perf_counter()
            kernels[name](*a)
            times[name].append(time.perf_counter() - t)
            outs[name] = a
    busy1, own1 = cpu_times()
    wall = time.perf_counter() - wall0
    other = max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * os.cpu_count())
    diff = [k for k, (x, y) in enumerate(zip(outs["ref"], outs["new"], strict=True))
            if isinstance(x, np.ndarray)
            and not np.array_equal(x, y, equal_nan=x.dtype.kind == "f")]
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.customers:,} customers, step {args.step}, NUMBA_NUM_THREADS="
          f"{os.environ.get('NUMBA_NUM_THREADS', '')}, {args.rounds} rounds; ref {args.ref[:12]}")
    print(f"median ms: ref {1e3 * med['ref']:.2f}  new {1e3 * med['new']:.2f}  "
          f"new/ref {med['new'] / med['ref']:.3f}  (other processes' CPU share {other:.0%})")
    print("outputs bit-identical" if not diff else f"OUTPUTS DIFFER at argument(s) {diff}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
