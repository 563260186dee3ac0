"""One benchmark measurement in its own process (``python -m sim.studies.bench_worker ...``).

The orchestrator (:mod:`sim.studies.bench`) starts one process per (size, path, threads) with
``NUMBA_NUM_THREADS`` set, so thread counts never share a process and peak memory is the
process's own. The worker prints one JSON object on its last line of stdout.

Measured here:

- network generation time and its peak-memory increase (``/proc/self/status`` VmHWM, reset
  beforehand by writing ``5`` to ``/proc/self/clear_refs``);
- per repeat: model build time (the network built above is reused), then steps
  ``1..warmup`` untimed and steps ``warmup+1..steps`` timed, split into the journey kernel
  (``journey_step``) and everything else in the step (firms' planning and accounting, Mesa's
  data collection: "Python per step");
- the process's peak RSS while the first repeat's model is built and stepped (VmHWM after a
  reset once the imports are done), and its peak over all repeats. The first is one market's
  memory; the second is larger from about 10^6 customers, because glibc's allocator, after the
  first model's arrays are freed, raises its mmap threshold (up to 32 MiB) and serves the next
  models' arrays from a heap it does not give back (10^6 customers, 3 repeats of 24 steps, 2
  threads: 759 MiB over all repeats, 478 MiB for the first model).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path


def _status_kib(field: str) -> int:
    """A ``kB`` field of /proc/self/status (VmHWM: peak RSS, VmRSS: current RSS) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> None:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def measure(n: int, steps: int, warmup: int, repeats: int, path: str, spells: bool,
            generator: str = "networkx") -> dict:
    """Build and step the default model ``repeats`` times; return the timings (seconds)."""
    import numba

    from sim import model as model_mod
    from sim.configure import load_config
    from sim.network import build_network

    overrides = [f"market.n_customers={n}", f"market.steps={steps}", "output.progress=false",
                 "output.print_table=false", f"output.spells={str(spells).lower()}",
                 f"market.network.generator={generator}"]
    cfg = load_config(overrides)
    if path == "reference":
        from sim.reference.model import ReferenceMarketModel as Model
    else:
        Model = model_mod.MarketModel  # noqa: N806 - a class
    # the kernel is compiled (or loaded from Numba's cache) by a tiny model first
    warm = Model(load_config(["market.n_customers=200", "market.steps=2"]))
    warm.step()
    del warm
    gc.collect()

    from sim.customers import make_traits
    persona = make_traits(cfg.market, cfg.seed).persona
    reset_peak()
    rss0 = _status_kib("VmRSS")
    t0 = time.perf_counter()
    net = build_network(cfg.market.network, persona, cfg.seed)
    network_seconds = time.perf_counter() - t0
    network_peak_kib = _status_kib("VmHWM") - rss0
    n_edges = net.n_edges
    del persona
    # every repeat's model reuses this network (its build time is measured above), so the
    # model build below excludes the network while the peak memory includes it
    real_build = model_mod.build_network
    model_mod.build_network = lambda *args: net

    kernel = {"seconds": 0.0}
    real_step = model_mod.journey_step

    def timed_step(*args):  # noqa: ANN002, ANN202 - forwards the kernel's arguments
        t = time.perf_counter()
        real_step(*args)
        kernel["seconds"] += time.perf_counter() - t

    model_mod.journey_step = timed_step
    reset_peak()
    rss_before = _status_kib("VmRSS")
    rows = []
    first_peak_kib = 0
    for r in range(repeats):
        t0 = time.perf_counter()
        model = Model(cfg)
        build = time.perf_counter() - t0
        for _ in range(warmup):
            model.step()
        kernel["seconds"] = 0.0
        t0 = time.perf_counter()
        for _ in range(steps - warmup):
            model.step()
        total = time.perf_counter() - t0
        rows.append({"build": build, "total": total, "kernel": kernel["seconds"]})
        if r == 0:  # one model's peak: later builds reuse memory the allocator kept (see above)
            first_peak_kib = _status_kib("VmHWM")
        del model
        gc.collect()
    model_mod.journey_step = real_step
    model_mod.build_network = real_build
    measured = steps - warmup
    med = {k: statistics.median(r[k] for r in rows) for k in ("build", "total", "kernel")}
    return {
        "customers": n, "path": path, "threads": numba.get_num_threads(),
        "generator": generator,
        "spells": spells, "steps": steps, "measured_steps": measured, "repeats": repeats,
        "customer_steps_per_s": n * measured / med["total"],
        "seconds_per_step": med["total"] / measured,
        "kernel_seconds_per_step": med["kernel"] / measured if path == "fast" else None,
        "python_seconds_per_step": ((med["total"] - med["kernel"]) / measured
                                    if path == "fast" else None),
        "min_customer_steps_per_s": n * measured / min(r["total"] for r in rows),
        "max_customer_steps_per_s": n * measured / max(r["total"] for r in rows),
        "build_seconds": med["build"],
        "network_seconds": network_seconds, "network_peak_mib": network_peak_kib / 1024,
        "edges": n_edges,
        "rss_before_mib": rss_before / 1024,
        # RSS after the imports and the kernel's compilation, before the network: the base of
        # this process's memory for the market (compilation leaves more behind when Numba's
        # cache is cold, so peaks of different processes are compared above this base)
        "rss_base_mib": rss0 / 1024,
        "peak_rss_mib": first_peak_kib / 1024,
        "peak_rss_all_repeats_mib": _status_kib("VmHWM") / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the worker's arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser(description="one ccsim benchmark measurement")
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--warmup", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--path", choices=("fast", "reference"), default="fast")
    parser.add_argument("--spells", action="store_true")
    parser.add_argument("--generator", choices=("networkx", "numba"), default="networkx",
                        help="market.network.generator of the measured market")
    args = parser.parse_args(argv)
    result = measure(args.customers, args.steps, args.warmup, args.repeats, args.path,
                     args.spells, args.generator)
    result["numba_threads_env"] = os.environ.get("NUMBA_NUM_THREADS", "")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
