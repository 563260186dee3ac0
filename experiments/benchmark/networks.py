"""Build time and peak memory of the network generators, degree 12, at 10^3 … 10^7 customers.

Generators (column ``generator``): the Numba kernels of ``sim/kernels/networks.py`` straight to
CSR — ``numba_small_world`` (Watts–Strogatz, rewiring 0.1), ``numba_scale_free``
(Barabási–Albert, m = 6), ``numba_random`` (G(n, p)) — what ``market.network.generator=numba``
uses; ``replay_small_world``, the default network (``sim.network.build_network`` with the
default generator: networkx's small world replayed in Numba, then placed by a random
permutation); and ``networkx_small_world``, the path before the replay (a networkx graph, then
SciPy), up to ``--networkx-up-to`` (default 10^5; 10^6 takes ~30 s). For each a fresh process
with ``NUMBA_NUM_THREADS`` set builds once to compile or load the kernels, then ``--repeats``
times, and reports the median build time and the peak-RSS increase of the build (VmHWM reset
through /proc/self/clear_refs).

    python experiments/benchmark/networks.py        # → results/benchmark/networks.csv
    python experiments/benchmark/networks.py --sizes 1000 10000 --out /tmp/nets
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.studies.bench import busy_seconds, children_cpu  # noqa: E402
from sim.studies.bench_worker import _status_kib, reset_peak  # noqa: E402


def worker(n: int, generator: str, repeats: int) -> dict:
    """Build the network ``repeats`` times in this process; median time, peak memory."""
    import numpy as np

    from sim.kernels import networks as gen

    if generator.startswith("numba_"):
        kernel = {"numba_small_world": lambda m: gen.watts_strogatz_csr(m, 12, 0.1, seed=1),
                  "numba_scale_free": lambda m: gen.barabasi_albert_csr(m, 6, seed=1),
                  "numba_random": lambda m: gen.gnp_csr(m, 12 / (m - 1), seed=1)}[generator]

        def build():  # noqa: ANN202
            return kernel(n)
        kernel(1000)  # compile or load the cache
    else:
        from sim.config import NetworkConfig
        from sim.network import _to_csr, build_network

        cfg = NetworkConfig(mean_degree=12, rewire_prob=0.1)
        persona = np.zeros(n, np.int64)

        def build():  # noqa: ANN202
            if generator == "replay_small_world":
                net = build_network(cfg, persona, 1)
                return net.indptr, net.indices
            import networkx as nx

            graph = nx.watts_strogatz_graph(n, 12, 0.1, seed=1)
            return _to_csr(graph, np.random.default_rng(1).permutation(n), n)
        build_network(cfg, np.zeros(1000, np.int64), 1)  # compile or load the cache
    times, peak = [], 0
    for _ in range(repeats):
        reset_peak()
        rss0 = _status_kib("VmRSS")
        t0 = time.perf_counter()
        indptr, indices = build()
        times.append(time.perf_counter() - t0)
        peak = max(peak, _status_kib("VmHWM") - rss0)
        edges = int(indices.shape[0] // 2)
        del indptr, indices
    return {"customers": n, "generator": generator, "repeats": repeats,
            "seconds": statistics.median(times), "min_seconds": min(times),
            "peak_mib": round(peak / 1024, 1), "edges": edges,
            "bytes_per_node": round(peak * 1024 / n, 1)}


def main(argv: list[str] | None = None) -> int:
    """Measure every (size, generator) in its own process; write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10**3, 10**4, 10**5, 10**6, 10**7])
    parser.add_argument("--networkx-up-to", type=int, default=10**5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="builds per (size, generator)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark")
    parser.add_argument("--worker", nargs=3, metavar=("N", "GENERATOR", "REPEATS"))
    args = parser.parse_args(argv)
    if args.worker:
        n, generator, repeats = args.worker
        print(json.dumps(worker(int(n), generator, int(repeats))), flush=True)
        return 0
    rows = []
    plan = [(n, g) for g in ("numba_small_world", "numba_scale_free", "numba_random",
                             "replay_small_world") for n in args.sizes]
    plan += [(n, "networkx_small_world") for n in args.sizes if n <= args.networkx_up_to]
    for n, generator in plan:
        repeats = args.repeats
        busy0, own0 = busy_seconds(), children_cpu()
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--worker", str(n), generator,
                               str(repeats)], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "NUMBA_NUM_THREADS": str(args.threads)})
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        other = max(0.0, busy_seconds() - busy0 - (children_cpu() - own0))
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update(threads=args.threads,
                   other_cpu_share=round(other / (wall * (os.cpu_count() or 1)), 3))
        rows.append(row)
        print(f"{generator:20s} {n:>11,}: {row['seconds']:.3f} s, {row['peak_mib']:.0f} MiB",
              flush=True)
    table = pd.DataFrame(rows).assign(
        machine=f"{platform.machine()}, {os.cpu_count()} cores",
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "networks.csv", index=False)
    print(f"→ {args.out / 'networks.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
