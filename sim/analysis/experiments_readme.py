"""The claims table: every experiment's verdict with its CI and region, from the saved CSVs.

One row per experiment of ``results/experiments/`` (its ``summary.csv``, ``prim.csv`` and
``prim_boxes.csv``): the experiment, the claim and the essay it comes from, the verdict at the
base point with the estimate and its 95% CI, where the claim holds among the sampled premises
(PRIM's box), and a link to the figure. :func:`write_tables` writes it into
``experiments/README.md`` and into the block ``<!-- BEGIN GENERATED: claims -->`` of whichever
Markdown file of the repository has one (the project README), so both stay generated.

Usage::

    python -m sim.analysis.experiments_readme            # rewrite both tables
    python -m sim.analysis.experiments_readme --check    # exit 1 if either is stale
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from .experiment_verdict import fmt, region_line
from .generated_blocks import block_pattern, read_block, rewrite_block

__all__ = ["BLOCK", "claims_table", "marked_files", "write_tables"]

BLOCK = "claims"
ROOT = Path(__file__).resolve().parents[2]
_HEADER = """# Experiments: the essays' claims put to the test

Each folder here holds one experiment: its `config.yaml` (the claim as data, the arms, the
premises and their ranges, the full and quick forms) and, where it needs one, a short
`analysis.py` of its own quantities. `ccsim experiment NAME` runs it (`--quick`: a check in a
tiny market; `--list`: every experiment; `--plan`: its runs and compute) and writes
`results/experiments/NAME/` (`summary.csv`, `verdict.md`, figures); `make experiments` runs
them all. The table below is generated from those CSVs (`python -m
sim.analysis.experiments_readme`); a test compares it with them.

A claim *holds* at a point of the premises when the lower 95% bound over at least 5 seeds
clears its threshold, *fails* when the upper bound misses it, and is *inconclusive* otherwise;
the region is PRIM's box (the highest-coverage box with density ≥ 0.8) among the
Latin-hypercube points where it holds.

"""


def _rows(results: Path) -> list[dict]:
    rows = []
    for folder in sorted(p for p in results.iterdir() if (p / "summary.csv").is_file()):
        summary = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
        claim = summary[summary["role"] == "claim"]
        if claim.empty:
            continue
        c = claim.iloc[0]
        spec = _spec(folder)
        prim = _csv(folder / "prim.csv")
        boxes = _csv(folder / "prim_boxes.csv")
        points = _csv(folder / "points.csv")
        if points.empty:
            where = "not sampled"
        else:
            share = (points["verdict"] == "holds").mean()
            where = f"{100 * share:.0f}% of {len(points)} points; " + region_line(boxes, prim,
                                                                                   "holds")
        ci = (f"[{fmt(c['ci_low'])}, {fmt(c['ci_high'])}]"
              if fmt(c["ci_low"]) != "n/a" else "n/a")
        figure = next((f for f in ("claim.png", "series.png") if (folder / f).is_file()), "")
        rows.append({"name": folder.name, "folder": folder, "claim": spec.get("title", ""),
                     "essay": str(spec.get("seed_file", ""))[:3],
                     "tested": c["quantity"].removeprefix("claim: "),
                     "verdict": c["verdict"], "estimate": fmt(c["estimate"]), "ci": ci,
                     "seeds": int(c["seeds"]), "where": where, "figure": figure})
    return rows


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() \
        else pd.DataFrame()


def _spec(folder: Path) -> dict:
    import yaml

    path = folder / "experiment.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def claims_table(results: str | Path, relative_to: str | Path) -> str:
    """The Markdown table, links relative to the folder of the file it goes into."""
    results, base = Path(results).resolve(), Path(relative_to).resolve()
    lines = ["| experiment | claim (essay) | tested as | verdict | estimate [95% CI], seeds "
             "| where it holds | figure |", "|---|---|---|---|---|---|---|"]
    rows = _rows(results) if results.is_dir() else []
    for r in rows:
        link = os.path.relpath(r["folder"], base).replace(os.sep, "/")
        fig = f"[{r['figure']}]({link}/{r['figure']})" if r["figure"] else ""
        lines.append(f"| [{r['name']}]({link}/verdict.md) | {r['claim']} ({r['essay']}) | "
                     f"`{r['tested']}` | **{r['verdict']}** | {r['estimate']} {r['ci']}, "
                     f"{r['seeds']} seeds | {r['where']} | {fig} |")
    if not rows:
        lines.append("| (no committed results yet: `make experiments`) | | | | | | |")
    return "\n".join(lines) + "\n"


def marked_files(root: Path = ROOT) -> list[Path]:
    """Markdown files of the repository (outside experiments/) with a ``claims`` block."""
    pattern = block_pattern(BLOCK)
    found = []
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        if path.is_file() and pattern.search(path.read_text(encoding="utf-8")):
            found.append(path)
    return found


def _experiments_readme(results: Path, root: Path) -> str:
    path = root / "experiments" / "README.md"
    return (_HEADER + f"<!-- BEGIN GENERATED: {BLOCK} -->\n"
            + claims_table(results, path.parent) + f"<!-- END GENERATED: {BLOCK} -->\n")


def write_tables(results: str | Path, root: Path = ROOT) -> list[Path]:
    """Write ``experiments/README.md`` and the ``claims`` block of every file that has one."""
    results = Path(results)
    readme = root / "experiments" / "README.md"
    readme.write_text(_experiments_readme(results, root), encoding="utf-8")
    written = [readme]
    for path in marked_files(root):
        rewrite_block(path, BLOCK, claims_table(results, path.parent))
        written.append(path)
    return written


def stale(results: str | Path, root: Path = ROOT) -> list[Path]:
    """The files whose claims table differs from the one the CSVs give."""
    results = Path(results)
    out = []
    readme = root / "experiments" / "README.md"
    if not readme.is_file() or readme.read_text(encoding="utf-8") != _experiments_readme(
            results, root):
        out.append(readme)
    for path in marked_files(root):
        if read_block(path, BLOCK) != claims_table(results, path.parent):
            out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or ``--check``) the claims tables."""
    parser = argparse.ArgumentParser(description="The claims table of the experiments.")
    parser.add_argument("--results", default=str(ROOT / "results" / "experiments"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.results)
        for path in bad:
            print(f"stale claims table: {path}", file=sys.stderr)
        return 1 if bad else 0
    for path in write_tables(args.results):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
