"""Check that this checkout's results are bit-identical to another revision's, on 1 and 2 threads.

    python experiments/benchmark/bit_identity.py [--ref main] [--customers 2000] [--steps 36]

A speed-up must change no result. This runs ``python -m sim run`` for a set of configurations
(the default, the scenarios that exercise other parts of the kernel, a fully mixed market and
a small world with homophily) with this checkout's ``sim/`` on ``NUMBA_NUM_THREADS=1`` and
``=2``, and with the ``--ref`` revision's ``sim/`` (default: the merge base with main, i.e.
main as this branch left it; exported by ``git archive`` to a cache folder with its own
presets and compiled once there) on 2 threads, and compares every Parquet table of the runs
exactly (``check_exact``, NaN equal to NaN, same columns and dtypes). With ``--merged`` the
two sides are main as it is now and main with this branch merged in (``git merge-tree``), for
a branch whose base main has moved on. The reference's tables are cached per commit under
``--cache``, so a re-run only runs the other side. Exit status 0 if all are identical, 1
otherwise (the differing tables are named).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

#: Configurations compared: name → overrides (on top of the size given on the command line).
CONFIGS = {
    "default": (),
    "subscription": ("scenario=subscription",),
    "exploitation": ("scenario=exploitation",),
    "b2b": ("scenario=b2b",),
    "empowerment": ("firms=empowerment",),
    "fully_mixed": ("market.network.kind=fully_mixed",),
    "homophily_small_world": ("market.network.kind=small_world", "market.network.homophily=0.6"),
}
TABLES = ("timeseries.parquet", "spells.parquet", "network_sample.parquet")


def export(rev: str, cache: Path) -> tuple[str, Path]:
    """``git archive`` of ``rev`` (a commit or a tree) into ``cache/src-<id>`` (once).

    Its ``conf/`` is copied to ``sim/conf`` too, so that runs of the exported tree compose its
    own presets (an editable install maps ``sim.conf`` to this checkout's ``conf/``
    otherwise). Returns (the object id, the folder).
    """
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, text=True,
                            capture_output=True).stdout.strip()
    dest = cache / f"src-{commit[:12]}"
    if not (dest / "sim").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tmp:
            subprocess.run(["git", "archive", "--format=tar", commit, "sim", "conf"], cwd=ROOT,
                           check=True, stdout=tmp)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(dest, filter="data")
    if not (dest / "sim" / "conf").is_dir():
        shutil.copytree(dest / "conf", dest / "sim" / "conf")
    return commit, dest


def merged_tree() -> str:
    """The tree of main with this branch merged in (``git merge-tree``); exits on conflicts."""
    proc = subprocess.run(["git", "merge-tree", "--write-tree", "main", "HEAD"], cwd=ROOT,
                          text=True, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"main and HEAD do not merge cleanly:\n{proc.stdout[-2000:]}")
    return proc.stdout.split()[0]


def run(tree: Path, overrides: list[str], out: Path, threads: int) -> float:
    """One ``python -m sim run`` with ``tree``'s ``sim/`` into ``out``; returns seconds."""
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "PYTHONPATH": str(tree)}
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-c",
           "import sys, sim; assert sim.__file__.startswith(sys.argv[1]), sim.__file__; "
           "from sim.cli import main; sys.argv = ['ccsim', *sys.argv[2:]]; sys.exit(main())",
           str(tree), "run", *overrides, "output.print_table=false", "output.progress=false",
           f"hydra.run.dir={out}"]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"run failed in {tree} ({' '.join(overrides)}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def same(a: Path, b: Path) -> list[str]:
    """Names of the tables that differ between two run folders (empty: identical)."""
    bad = []
    for name in TABLES:
        pa, pb = a / name, b / name
        if pa.exists() != pb.exists():
            bad.append(f"{name} (present in only one)")
            continue
        if not pa.exists():
            continue
        try:
            pd.testing.assert_frame_equal(pd.read_parquet(pa), pd.read_parquet(pb),
                                          check_exact=True)
        except AssertionError as err:
            bad.append(f"{name}: {str(err).splitlines()[0]}")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Run every configuration on both trees and compare; print one line per comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default=None,
                    help="git revision to compare with (default: where this branch left main)")
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=36)
    ap.add_argument("--seed", type=int, default=None, help="seed=... override (default: none)")
    ap.add_argument("--only", nargs="*", default=None, help="configuration names to run")
    ap.add_argument("--merged", action="store_true",
                    help="compare main as it is now with main + this branch (git merge-tree), "
                         "instead of this checkout with --ref")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ccsim-bitid")
    args = ap.parse_args(argv)
    new_tree, new_label = ROOT, "this checkout"
    if args.merged:
        args.ref = "main"
        new_tree, new_label = export(merged_tree(), args.cache)[1], "main + this branch"
    if args.ref is None:
        args.ref = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True,
                                  text=True, capture_output=True).stdout.strip()
    commit, ref_tree = export(args.ref, args.cache)
    size = [f"market.n_customers={args.customers}", f"market.steps={args.steps}",
            "output.spells=true"]
    if args.seed is not None:
        size.append(f"seed={args.seed}")
    tag = f"{args.customers}x{args.steps}" + (f"-s{args.seed}" if args.seed is not None else "")
    names = args.only or list(CONFIGS)
    failures = 0
    for name in names:
        overrides = [*size, *CONFIGS[name]]
        ref_out = args.cache / f"out-{commit[:12]}" / tag / name
        if not (ref_out / "summary.json").exists():
            run(ref_tree, overrides, ref_out, 2)
        with tempfile.TemporaryDirectory() as tmp:
            outs = {}
            for threads in (1, 2):
                outs[threads] = Path(tmp) / f"t{threads}"
                secs = run(new_tree, overrides, outs[threads], threads)
                print(f"  {name}: {new_label}, {threads} thread(s): {secs:.1f} s", flush=True)
            for label, a, b in (("1 vs 2 threads", outs[1], outs[2]),
                                (f"vs {args.ref[:12]} ({commit[:7]})", outs[2], ref_out)):
                bad = same(a, b)
                failures += bool(bad)
                print(f"{'IDENTICAL' if not bad else 'DIFFERENT'}  {name}: {label}"
                      + "".join(f"\n    {x}" for x in bad), flush=True)
    print(f"{len(names)} configurations, {failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
