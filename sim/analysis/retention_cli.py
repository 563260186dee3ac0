"""``ccsim retention RUN_DIR``: the command line, its printed table and the files it writes.

Bad input — a missing, unfinished or unreadable run folder, a file of the wrong shape, an
unknown option value — ends with one line ``ccsim: error: ...`` naming the file or option, exit
status 2, and nothing written. Output piped into ``head`` ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import io
from ..cli_parser import OneLineParser, UsageError, check_out_dir, integer, number
from .retention_figure import plot_survival, population_note, save_figure
from .retention_report import (
    RetentionReport,
    RetentionReportError,
    RunData,
    build_report,
    load_run,
    resolve_category,
)

__all__ = ["build_parser", "format_table", "main", "run_report", "write_report"]


def format_table(report: RetentionReport) -> str:
    """The fits as a compact text table (one line per firm and cohort)."""
    f = report.fits
    if f.empty:
        return "(no cohort had enough customers to fit)"
    u = report.meta.get("unit", "steps")
    table = pd.DataFrame({
        "firm": f["firm"],
        "cohort": f["cohort"],
        f"acquired ({u})": [f"{a}–{b}" for a, b in zip(f["first_step"], f["last_step"],
                                                      strict=True)],
        "n": f["n"].map("{:,}".format),
        "periods": f["n_periods"],
        "alpha": [_param(a, d) for a, d in zip(f["alpha"], f["degenerate"], strict=True)],
        "beta": [_param(b, d) for b, d in zip(f["beta"], f["degenerate"], strict=True)],
        "r(1)": f["retention_t1"].map("{:.1%}".format),
        "r(12)": f["retention_t12"].map("{:.1%}".format),
        "S(12)": f["survival_t12"].map("{:.1%}".format),
        "DERL": f["derl"].map(lambda v: "n/a" if v != v else f"{v:.1f}"),
        "max|fit-obs|": f["max_abs_diff"].map("{:.3f}".format),
    })
    return table.to_string(index=False)


def _param(value: float, degenerate: str) -> str:
    """α or β for the table: "degen.*" when the fit is degenerate (footnoted below the table)."""
    return "degen.*" if degenerate else f"{value:.3g}"


def degenerate_notes(report: RetentionReport) -> list[str]:
    """One line per reason some fits are degenerate, listing those fits (firm/cohort)."""
    f = report.fits
    if f.empty:
        return []
    lines = []
    for reason, group in f[f["degenerate"] != ""].groupby("degenerate", sort=False):
        fits = ", ".join(f"{r.firm}/{r.cohort}" for r in group.itertuples())
        lines.append(f"* degenerate fit, alpha and beta not estimated ({fits}): {reason}")
    return lines



def write_report(report: RetentionReport, out_dir: str | Path) -> dict[str, Path]:
    """Write the tables and the figure into ``out_dir`` (created if needed), atomically.

    Args:
        report: A report from :func:`build_report`.
        out_dir: Output folder.

    Returns:
        Mapping of output kind → path written.
    """
    out = Path(out_dir)
    paths = {
        "fits_csv": io.write_text(report.fits.to_csv(index=False), out / "sbg_fits.csv"),
        "fits": io.write_parquet(report.fits, out / "sbg_fits.parquet"),
        "cohorts": io.write_parquet(report.cohorts, out / "cohort_survival.parquet"),
        "kaplan_meier": io.write_parquet(report.kaplan_meier, out / "kaplan_meier.parquet"),
    }
    fig = plot_survival(report)
    paths["png"] = save_figure(fig, out / "survival.png")
    paths["pdf"] = save_figure(fig, out / "survival.pdf")
    return paths



def build_parser() -> argparse.ArgumentParser:
    """``ccsim retention``'s argument parser (usage errors are one line)."""
    p = OneLineParser(
        prog="ccsim retention",
        description="Fit the sBG retention model per firm to a saved run's acquisition cohorts "
                    "and plot observed vs fitted survival with Kaplan–Meier curves.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (from ccsim run)")
    p.add_argument("--category", default=None,
                   help="category name or index (default: the first, e.g. core)")
    p.add_argument("--cohort-length", type=integer(1, 10_000, "steps"), default=12,
                   help="steps per acquisition cohort (default 12)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default RUN_DIR/retention)")
    p.add_argument("--min-spells", type=integer(1, 10**9, "relationships"), default=30,
                   help="smallest cohort that is fitted (default 30)")
    p.add_argument("--min-periods", type=integer(1, 10_000, "periods"), default=3,
                   help="fewest observed periods a fitted cohort needs (default 3)")
    p.add_argument("--discount-rate", type=number(0, 10, "a year", low_open=True), default=0.10,
                   help="annual discount rate for DERL (default 0.10)")
    return p


@dataclass
class _Plan:
    """A checked ``ccsim retention`` command line: the run read, where to write, the category."""

    data: RunData
    out_dir: Path
    category: tuple[int, str]


def _plan(run_dir: str | Path, category: str | int | None, out: str | Path | None) -> _Plan:
    """Read and check the run folder, the output folder and the category; nothing is written.

    Raises:
        RetentionReportError: naming the folder, the file or the option.
    """
    data = load_run(run_dir)
    out_dir = Path(out) if out is not None else Path(run_dir) / "retention"
    try:
        check_out_dir(out_dir, "--out" if out is not None else "output folder")
    except UsageError as exc:
        raise RetentionReportError(str(exc)) from None
    present = sorted(int(c) for c in data.spells["category"].unique())
    try:
        chosen = resolve_category(category, data.category_names, present)
    except RetentionReportError as exc:
        raise RetentionReportError(f"--category={category}: {exc}") from None
    return _Plan(data, out_dir, chosen)


def run_report(run_dir: str | Path, *, category: str | int | None = None,
               cohort_length: int = 12, out: str | Path | None = None,
               min_spells: int = 30, min_periods: int = 3, discount_rate: float = 0.10,
               progress: bool | None = False) -> tuple[RetentionReport, dict[str, Path]]:
    """Read a run folder, build the report and write it (what ``ccsim retention`` does).

    Args:
        run_dir: The run folder.
        category: Category name or index (default the first).
        cohort_length: Steps per acquisition cohort.
        out: Output folder (default ``run_dir/retention``).
        min_spells: Smallest cohort that is fitted.
        min_periods: Fewest observed periods a fitted cohort needs.
        discount_rate: Annual discount rate for DERL.
        progress: Show a progress bar while fitting (None: only on a terminal).

    Returns:
        The report and the paths written.

    Raises:
        RetentionReportError: On a missing/incomplete run folder or invalid options.
    """
    return _report(_plan(run_dir, category, out), cohort_length=cohort_length,
                   min_spells=min_spells, min_periods=min_periods, discount_rate=discount_rate,
                   progress=progress)


def _report(plan: _Plan, *, cohort_length: int, min_spells: int, min_periods: int,
            discount_rate: float, progress: bool | None) -> tuple[RetentionReport,
                                                                 dict[str, Path]]:
    data, (index, name) = plan.data, plan.category
    s = data.summary
    strategies = {f: v.get("strategy", "") for f, v in (s.get("firms") or {}).items()
                  if isinstance(v, dict)}
    n_customers = s.get("n_customers")
    label = ", ".join(x for x in (
        f"run '{s['name']}'" if s.get("name") else "",
        f"seed {s['seed']}" if s.get("seed") is not None else "",
        f"{n_customers:,} customers" if isinstance(n_customers, int) else "") if x)
    report = build_report(
        data.spells, s["steps"], category=index, category_name=name,
        cohort_length=cohort_length, steps_per_year=s["steps_per_year"],
        min_spells=min_spells, min_periods=min_periods, discount_rate=discount_rate,
        strategies=strategies, run_label=label, progress=progress)
    return report, write_report(report, plan.out_dir)


def main(argv: list[str], check_only: bool = False) -> int:
    """``ccsim retention RUN_DIR [--category C] [--cohort-length L] [--out DIR]``.

    Args:
        argv: Arguments after ``retention``.
        check_only: Check the options, the run folder and the output folder, then return
            without fitting or writing.

    Returns:
        Exit status: 0 on success, 2 on a usage error or unusable run folder.
    """
    try:
        args = build_parser().parse_args(argv)
        plan = _plan(args.run_dir, args.category, args.out)
        if check_only:
            return 0
        report, paths = _report(
            plan, cohort_length=args.cohort_length, min_spells=args.min_spells,
            min_periods=args.min_periods, discount_rate=args.discount_rate, progress=None)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except (RetentionReportError, UsageError) as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    try:
        print(summary_text(report, args.run_dir, paths), flush=True)
    except BrokenPipeError:  # `ccsim retention RUN | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def summary_text(report: RetentionReport, run_dir: str | Path,
                 paths: dict[str, Path]) -> str:
    """What ``ccsim retention`` prints: a heading, the fits, who was counted, what was written."""
    m = report.meta
    lines = [f"sBG retention — {m['run_label'] or run_dir}, {m['category']} category, "
             f"cohorts of {m['cohort_length']} {m['unit']}, {m['steps']} {m['unit']} observed",
             format_table(report), *degenerate_notes(report), population_note(m)]
    if not report.skipped.empty:
        lines.append("not fitted: " + ", ".join(
            f"{r.firm}/{r.cohort} ({r.reason})" for r in report.skipped.itertuples()))
    lines.append(f"r(t): retention rate, the share of a cohort's relationships alive after "
                 f"t−1 {m['unit']} that stay through {m['unit'][:-1] or m['unit']} t; S(12): "
                 f"the share still alive 12 {m['unit']} after acquisition (sBG; ccsim columns "
                 "sbg_fits)")
    lines.append(f"DERL: discounted expected {m['unit']} of payments after acquisition at "
                 f"{m['discount_rate']:.0%}/yr (CLV = DERL × margin per period)")
    lines.append(f"wrote {paths['fits_csv'].parent}")
    return "\n".join(lines)
