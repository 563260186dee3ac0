"""A/B of whole model steps against another revision's model, stepped alternately in one process.

    NUMBA_NUM_THREADS=1 python experiments/benchmark/ab_step.py [--ref REV] [--customers N]
        [--steps T] [--warmup W] [overrides ...]

Builds the same market twice, once with the ``--ref`` revision's ``sim/`` (default: the merge
base with main; exported as the package ``sim_ref`` by :mod:`ab_kernel`) and once with this
checkout's, runs ``W`` steps of each, then steps the two models alternately (``T`` steps each)
timing every step and, inside it, the journey kernel. Prints the medians of the whole step,
the kernel and the rest (the Python per step), their ratios, the other processes' CPU share,
and whether the two timeseries tables (and spells tables, if recorded) are bit-identical.
Exit status 1 if they differ.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab_kernel import ab_parser, cpu_times, export_as, parse_ab  # noqa: E402 - the folder is put on the path above


def main(argv: list[str] | None = None) -> int:
    """Step both models alternately; print medians, ratios and the identity check."""
    ap = ab_parser(__doc__.splitlines()[0], "ccsim-ab")
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=12)
    args = parse_ab(ap, argv)
    sys.path.insert(0, str(export_as(args.ref, args.cache, "sim_ref")))
    overrides = [f"market.n_customers={args.customers}", "output.spells=false",
                 f"market.steps={args.warmup + args.steps}", *args.overrides]
    times: dict[str, dict[str, list[float]]] = {}
    models = {}
    for name, pkg in (("ref", "sim_ref"), ("new", "sim")):
        configure = importlib.import_module(f"{pkg}.configure")
        model_mod = importlib.import_module(f"{pkg}.model")
        cfg = configure.load_config(overrides)
        t = times[name] = {"step": [], "kernel": []}
        real = model_mod.journey_step

        def timed(*a, _real=real, _t=t):  # noqa: ANN002, ANN202
            t0 = time.perf_counter()
            out = _real(*a)
            _t["kernel"].append(time.perf_counter() - t0)
            return out

        model_mod.journey_step = timed
        models[name] = model_mod.MarketModel(cfg)
        for _ in range(args.warmup):
            models[name].step()
        t["step"].clear()
        t["kernel"].clear()
    busy0, own0 = cpu_times()
    wall0 = time.perf_counter()
    for r in range(args.steps):
        for name in (("ref", "new") if r % 2 == 0 else ("new", "ref")):
            t0 = time.perf_counter()
            models[name].step()
            times[name]["step"].append(time.perf_counter() - t0)
    busy1, own1 = cpu_times()
    wall = time.perf_counter() - wall0
    other = max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * os.cpu_count())
    med = {}
    for name, t in times.items():
        rest = [s - k for s, k in zip(t["step"], t["kernel"], strict=True)]
        med[name] = {"step": statistics.median(t["step"]),
                     "kernel": statistics.median(t["kernel"]), "python": statistics.median(rest)}
    print(f"{args.customers:,} customers, steps {args.warmup + 1}..{args.warmup + args.steps} "
          f"alternately, NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', '')}; "
          f"ref {args.ref[:12]}; other processes' CPU share {other:.0%}")
    for part in ("step", "kernel", "python"):
        print(f"  {part:7s} median ms: ref {1e3 * med['ref'][part]:8.3f}  "
              f"new {1e3 * med['new'][part]:8.3f}  new/ref "
              f"{med['new'][part] / med['ref'][part]:.3f}")
    tables = ["timeseries"] + (["spells_table"] if models["new"].cfg.output.spells else [])
    for table in tables:
        try:
            pd.testing.assert_frame_equal(getattr(models["ref"], table)(),
                                          getattr(models["new"], table)(), check_exact=True)
        except AssertionError as err:
            print(f"{table.upper()} DIFFER: {str(err).splitlines()[0]}")
            return 1
    print(f"{' and '.join(tables)} bit-identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
