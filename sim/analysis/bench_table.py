"""Markdown tables of a ``ccsim bench`` run: every measurement and issue 14's targets against it.

``python -m sim.analysis.bench_table [DIR] [--readme docs/results.md]`` (default
``results/benchmark``) reads ``benchmark.csv`` and ``end_to_end.csv`` there and writes
``DIR/README.md`` (and, with ``--readme``, the targets table into that file's
``BEGIN/END GENERATED: benchmark`` block); ``ccsim bench`` calls :func:`write_readme` itself.
The targets table is computed from the saved figures (a target the run did not measure, e.g.
10^7 without ``--with-1e7``, reads "not measured"), so the table the results page quotes cannot
drift from the CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .generated_blocks import read_block, rewrite_block

#: Issue 14's numeric targets (the hard target of bit identity is checked by the tests).
TARGET_RATE_1E6, TARGET_RATE_1E7 = 20e6, 10e6
TARGET_RATIO, TARGET_WARM, TARGET_COLD = 200.0, 3.0, 30.0
TARGET_BYTES, TARGET_NETWORK_1E7 = 300.0, 30.0
SLOPE_RANGE = (0.9, 1.1)


def _power(n: int) -> str:
    k = int(round(np.log10(n)))
    return f"10^{k}" if 10**k == n else f"{n:,}"


def steps_table(table: pd.DataFrame) -> str:
    """One row per measurement of the step: throughput, split, memory, ratio, load."""
    lines = ["| customers | path | threads | spells | M customer-steps/s (min–max) "
             "| kernel ms/step | Python ms/step | bytes/customer | × reference | network s "
             "| repeats × steps | other CPU |", "|" + "---|" * 12]
    order = table.sort_values(["path", "spells", "customers", "threads"],
                              key=lambda c: c.map({"fast": 0, "reference": 1}) if c.name == "path"
                              else c)
    for _, r in order.iterrows():
        def num(v, fmt):  # noqa: ANN001, ANN202
            return "–" if pd.isna(v) else format(v, fmt)
        low, high = sorted((r["min_customer_steps_per_s"], r["max_customer_steps_per_s"]))
        lines.append(
            f"| {_power(int(r['customers']))} | {r['path']} | {int(r['threads'])} "
            f"| {'on' if r['spells'] else 'off'} "
            f"| {r['customer_steps_per_s'] / 1e6:.3f} ({low / 1e6:.3f}–{high / 1e6:.3f}) "
            f"| {num(r['kernel_seconds_per_step'] * 1e3, '.2f')} "
            f"| {num(r['python_seconds_per_step'] * 1e3, '.2f')} "
            f"| {num(r['bytes_per_customer'], ',.0f')} | {num(r['ratio_to_reference'], '.0f')} "
            f"| {r['network_seconds']:.2f} | {int(r['repeats'])} × {int(r['measured_steps'])} "
            f"| {r['other_cpu_share']:.0%} |")
    return "\n".join(lines)


def e2e_table(e2e: pd.DataFrame) -> str:
    """``ccsim run`` end to end (each run) and the split of one run by stage."""
    if e2e.empty:
        return "(end-to-end runs skipped)"
    lines = ["| what | cache | stage | seconds |", "|---|---|---|---|"]
    for _, r in e2e.iterrows():
        lines.append(f"| {r['what']} | {r['cache']} | {r['stage']} | {r['seconds']:.2f} |")
    return "\n".join(lines)


def _fast(table: pd.DataFrame, threads: int) -> pd.DataFrame:
    return table[(table["path"] == "fast") & ~table["spells"]
                 & (table["threads"] == threads)].sort_values("customers")


def _rate(table: pd.DataFrame, n: int, threads: int) -> float:
    row = _fast(table, threads)
    row = row[row["customers"] == n]
    return float(row["customer_steps_per_s"].iloc[0]) if len(row) else float("nan")


def loglog_slope(rows: pd.DataFrame, low: int = 10_000) -> tuple[float, int]:
    """Log-log slope of time per step against customers from ``low`` customers up, and the top N.

    ``rows``: one path, thread count and spell setting; NaN (and 0) with fewer than 2 sizes.
    """
    g = rows[rows["customers"] >= low]
    if len(g) < 2:
        return float("nan"), 0
    fit = np.polyfit(np.log10(g["customers"]), np.log10(g["seconds_per_step"]), 1)[0]
    return float(fit), int(g["customers"].max())


def slope(table: pd.DataFrame, threads: int, low: int = 10_000) -> tuple[float, int]:
    """:func:`loglog_slope` of the fast path, spells off, on ``threads`` threads."""
    return loglog_slope(_fast(table, threads), low)


def targets(table: pd.DataFrame, e2e: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(target, measured, status) for each numeric target of issue 14, from the saved figures."""
    def status(value: float, ok: bool) -> str:
        return "not measured" if np.isnan(value) else ("met" if ok else "**not met**")

    rows = []
    for n, goal in ((1_000_000, TARGET_RATE_1E6), (10_000_000, TARGET_RATE_1E7)):
        rate = _rate(table, n, 2)
        rows.append((f"≥ {goal / 1e6:.0f} M customer-steps/s at {_power(n)}, 2 threads",
                     "–" if np.isnan(rate) else f"{rate / 1e6:.2f} M/s",
                     status(rate, rate >= goal)))
    ratio = table[(table["customers"] == 10_000) & (table["threads"] == 2)
                  & table["ratio_to_reference"].notna()]["ratio_to_reference"]
    r = float(ratio.iloc[0]) if len(ratio) else float("nan")
    rows.append((f"≥ {TARGET_RATIO:.0f}× the Mesa reference at 10^4 (2 threads)",
                 "–" if np.isnan(r) else f"{r:.0f}×", status(r, r >= TARGET_RATIO)))
    runs = e2e[(e2e["what"] == "ccsim run") & (e2e["stage"] == "total")] if len(e2e) else e2e
    for kind, goal in (("warm", TARGET_WARM), ("cold", TARGET_COLD)):
        s = runs[runs["cache"] == kind]["seconds"] if len(runs) else pd.Series(dtype=float)
        v = float(s.median()) if len(s) else float("nan")
        rows.append((f"{kind} `ccsim run` < {goal:.0f} s",
                     "–" if np.isnan(v) else f"{v:.2f} s (median of {len(s)})",
                     status(v, v < goal)))
    for t in (1, 2):
        b, top = slope(table, t)
        rows.append((f"log-log slope {SLOPE_RANGE[0]}–{SLOPE_RANGE[1]} from 10^4, {t} thread(s)",
                     "–" if np.isnan(b) else f"{b:.2f} (10^4 to {_power(top)})",
                     status(b, SLOPE_RANGE[0] <= b <= SLOPE_RANGE[1])))
    huge = _fast(table, 2)
    huge = huge[huge["customers"] == 10_000_000]
    mem = float(huge["bytes_per_customer"].iloc[0]) if len(huge) else float("nan")
    net = float(huge["network_seconds"].iloc[0]) if len(huge) else float("nan")
    rows.append((f"10^7: ≤ {TARGET_BYTES:.0f} bytes/customer, network included, spells off",
                 "–" if np.isnan(mem) else f"{mem:.0f}", status(mem, mem <= TARGET_BYTES)))
    rows.append((f"network for 10^7 in < {TARGET_NETWORK_1E7:.0f} s",
                 "–" if np.isnan(net) else f"{net:.1f} s", status(net, net < TARGET_NETWORK_1E7)))
    return rows


def targets_markdown(table: pd.DataFrame, e2e: pd.DataFrame) -> str:
    """Issue 14's targets against the run's figures, with the run's provenance."""
    first = table.iloc[0]
    lines = ["| target | measured | status |", "|---|---|---|",
             *(f"| {a} | {b} | {c} |" for a, b, c in targets(table, e2e))]
    return "\n".join([*lines, "", f"From `results/benchmark/` (git `{first['git']}`, "
                       f"{first['date']}; bit identity for any thread count is checked by the "
                       "tests: `tests/model/test_determinism.py`, "
                       "`experiments/benchmark/bit_identity.py`)."]) + "\n"


def render(table: pd.DataFrame, e2e: pd.DataFrame) -> str:
    """The whole ``README.md`` of a bench folder."""
    first = table.iloc[0]
    head = (f"# `ccsim bench` results\n\nGenerated by `sim.analysis.bench_table` from "
            f"`benchmark.csv` and `end_to_end.csv`: git `{first['git']}`, {first['date']}, "
            f"{first['machine']}, {int(first['cores'])} cores, Python {first['python']}, "
            f"Numba {first['numba']}, network generator `{first['generator']}`. Throughput is "
            f"the median over the repeats of steps 13..N (start-up excluded); 'other CPU' is "
            f"the share of the CPUs other processes used during the measurement.\n")
    return "\n".join([head, "## Issue 14's targets\n", targets_markdown(table, e2e),
                      "## The step\n", steps_table(table),
                      "\n## `ccsim run` end to end\n", e2e_table(e2e), ""])


def read_bench(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``benchmark.csv`` and ``end_to_end.csv`` of a bench folder (the latter may be empty)."""
    table = pd.read_csv(folder / "benchmark.csv")
    e2e_path = folder / "end_to_end.csv"
    e2e = pd.read_csv(e2e_path) if e2e_path.exists() and e2e_path.stat().st_size > 1 else \
        pd.DataFrame()
    return table, e2e


def write_readme(folder: Path, readme: Path | None = None) -> Path:
    """Render ``folder``'s CSVs into ``folder/README.md`` (and ``readme``'s benchmark block)."""
    table, e2e = read_bench(folder)
    out = folder / "README.md"
    out.write_text(render(table, e2e), encoding="utf-8")
    if readme is not None:
        rewrite_block(readme, "benchmark", targets_markdown(table, e2e))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write ``DIR/README.md``; with ``--readme``, also that file's ``benchmark`` block."""
    from ..cli_parser import OneLineParser, UsageError

    parser = OneLineParser(prog="python -m sim.analysis.bench_table",
                           description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("results", "benchmark"))
    parser.add_argument("--readme", type=Path, default=None,
                        help="also rewrite this file's 'BEGIN GENERATED: benchmark' block")
    try:
        args = parser.parse_args(argv)
        if not (args.folder / "benchmark.csv").is_file():
            raise ValueError(f"folder={args.folder}: no benchmark.csv (run ccsim bench first)")
        if args.readme is not None and not args.readme.is_file():
            raise ValueError(f"--readme={args.readme}: no such file")
        if args.readme is not None and read_block(args.readme, "benchmark") is None:
            raise ValueError(f"--readme={args.readme}: no 'BEGIN GENERATED: benchmark' block")
    except (OSError, ValueError, UsageError) as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    print(write_readme(args.folder, args.readme))
    if args.readme is not None:
        print(args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
