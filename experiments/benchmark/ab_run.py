"""A/B of the default ``ccsim run`` end to end (warm), this checkout against another revision.

    python experiments/benchmark/ab_run.py [--ref REV] [--repeats 5] [overrides ...]

Runs ``python -m sim run`` (output to a temporary folder, no table printed) with the
``--ref`` revision's ``sim/`` (default: the merge base with main; exported and compiled once
by :mod:`bit_identity`) and with this checkout's, alternately, each once untimed first so
that both Numba caches are warm; prints every wall time, the medians and their ratio, and the
other processes' CPU share meanwhile. The tables of the last two runs are compared exactly.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab_kernel import ab_parser, cpu_times, parse_ab  # noqa: E402 - the folder is put on the path above
from bit_identity import ROOT, export, run, same  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Alternate the two trees' runs; print the times and whether the tables are identical."""
    ap = ab_parser(__doc__.splitlines()[0], "ccsim-bitid")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = parse_ab(ap, argv)
    commit, ref_tree = export(args.ref, args.cache)
    trees = {"ref": ref_tree, "new": ROOT}
    secs: dict[str, list[float]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {k: Path(tmp) / k for k in trees}
        for k, tree in trees.items():  # warm both caches
            run(tree, args.overrides, outs[k], args.threads)
        busy0, _ = cpu_times()
        kids0 = os.times().children_user + os.times().children_system
        wall0 = time.perf_counter()
        for r in range(args.repeats):
            for k in (("ref", "new") if r % 2 == 0 else ("new", "ref")):
                secs[k].append(run(trees[k], args.overrides, outs[k], args.threads))
        wall = time.perf_counter() - wall0
        busy1, _ = cpu_times()
        kids = os.times().children_user + os.times().children_system - kids0
        other = max(0.0, (busy1 - busy0) - kids) / (wall * os.cpu_count())
        bad = same(outs["ref"], outs["new"])
    med = {k: statistics.median(v) for k, v in secs.items()}
    print(f"ccsim run {' '.join(args.overrides) or '(default)'}, NUMBA_NUM_THREADS="
          f"{args.threads}, ref {commit[:7]}; other processes' CPU share {other:.0%}")
    for k, v in secs.items():
        print(f"  {k}: " + " ".join(f"{x:.2f}" for x in v) + f"  median {med[k]:.2f} s")
    print(f"  new/ref {med['new'] / med['ref']:.3f}")
    print("tables bit-identical" if not bad else f"TABLES DIFFER: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
