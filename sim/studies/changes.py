"""The default scenario's headline after a model change: one row of the changes table.

``python experiments/economics/run.py --change "LABEL"`` runs the default scenario for seeds
0..K-1, summarises every headline KPI (mean and 95% interval, :mod:`sim.analysis.scenario_table`)
and replaces that change's rows of ``results/economics/changes.csv`` (other changes' rows stay,
in the order they were made); then it rewrites the generated table in the docs page
(:mod:`sim.analysis.change_table`). Issues 23 and 24 land one change at a time, each with its row.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..analysis.generated_blocks import HOMES
from ..cli_parser import OneLineParser
from .arguments import JOBS, CommandLineChecks

__all__ = ["main", "merge_change"]

DEFAULT_OUT = Path("results/economics")
DEFAULT_DOC = Path(HOMES["economics_changes"])
DEFAULT_SEEDS = 10
QUICK_SEEDS = 2
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=24")


def merge_change(table: pd.DataFrame | None, rows: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``rows`` (one change) in place of that change's old rows, or appended."""
    change = rows["change"].iloc[0]
    if table is None or table.empty:
        return rows.reset_index(drop=True)
    if change not in set(table["change"]):
        return pd.concat([table, rows], ignore_index=True)
    order = list(dict.fromkeys(table["change"]))
    merged = pd.concat([table[table["change"] != change], rows], ignore_index=True)
    return merged.sort_values("change", key=lambda c: c.map(order.index),
                              kind="stable").reset_index(drop=True)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``experiments/economics/run.py``."""
    p = OneLineParser(prog="experiments/economics/run.py",
                      description="The default scenario's headline over seeds after a model "
                                  "change: one row of results/economics/changes.csv and of "
                                  "the table in docs/economics.md.")
    p.add_argument("--change", required=True, help="label of the change (one table row)")
    p.add_argument("--seeds", type=int, default=None,
                   help=f"seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick: {QUICK_SEEDS})")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (" + " ".join(QUICK_OVERRIDES) + "), for tests")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})")
    p.add_argument("--doc", type=Path, default=None,
                   help=f"page whose generated block to rewrite (default {DEFAULT_DOC} unless "
                        "--quick)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Measure the change, merge its rows into changes.csv, rewrite the docs table."""
    from .. import io
    from ..analysis.change_table import COLUMNS, markdown
    from ..analysis.generated_blocks import check_page, rewrite_block
    from ..analysis.scenario_table import summarise
    from ..configure import load_config
    from .arguments import check_common, check_out
    from .elasticities import git_commit
    from .scenarios import run_study

    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
        if not args.change.strip() or "|" in args.change or "\n" in args.change:
            raise ValueError(f"--change={args.change!r}: a label of one line without '|'")
        doc = check_page(args.doc or (None if args.quick else DEFAULT_DOC), "economics_changes")
        check_out(args.out, DEFAULT_OUT)
        cfg = load_config(list(QUICK_OVERRIDES) if args.quick else [])
    if checks.status is not None:
        return checks.status
    commit = git_commit()
    runs = run_study({"experience_economy": cfg}, range(seeds), args.jobs,
                     progress=lambda line: print(line, file=sys.stderr, flush=True))
    rows = summarise(runs, metrics=COLUMNS).assign(change=args.change, commit=commit)
    path = args.out / "changes.csv"
    old = pd.read_csv(path) if path.is_file() else None
    table = merge_change(old, rows)
    io.write_text(table.to_csv(index=False, float_format="%.8g"), path)
    if doc is not None:
        rewrite_block(doc, "economics_changes", markdown(pd.read_csv(path)))
        print(f"rewrote the changes table in {doc}")
    print(f"changes: {args.change!r} measured over {seeds} seeds → {path}")
    return 0
