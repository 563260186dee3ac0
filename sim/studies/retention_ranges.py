"""Sensitivity of the headline to the *assumed* retention ranges (issue 25): one row per range.

The churn premises of the experience-goods and B2B scenarios are fitted (``ccsim fit
retention_<scenario>``) into first-year cohort retention ranges that no published study gives
(``sim/data/retention_ranges.csv``, status ``assumed``). This study moves each assumed range by
:data:`SHIFT` points either way, re-fits the scenario's churn premises into the moved range
(same search, same sizes, ``--range``), and measures the scenario's headline (growth and margin
gap, mean and 95 % interval over seeds) at the fitted premises of each range: if the verdict
moves with the range, the range is a premise that decides it.

``python -m sim.studies.retention_ranges [--quick] [--seeds K] [--jobs N] [--out DIR]
[--doc FILE]`` writes ``DIR/sensitivity.csv`` (one row per scenario, range and KPI) and the
shifted fits under ``DIR/<target>_<low>_<high>/`` (a finished fit of the same commit is read
back, a killed one resumes),
then rewrites the ``retention_ranges`` block of the docs' results page. The stated range's row
reads the committed fit under ``results/fits/``. The objective of every fit reads only the
cohort's retention, never the strategy comparison.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..cli_parser import OneLineParser
from .arguments import JOBS, CommandLineChecks

__all__ = ["CASES", "SHIFT", "build_parser", "cases", "main", "markdown"]

DEFAULT_OUT = Path("results/fits/ranges")
FITS = Path("results/fits")
DEFAULT_SEEDS = 10
QUICK_SEEDS = 2
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=36")
#: Points each assumed range is moved either way (half its width of 10 points).
SHIFT = 5.0
#: The scenario whose headline speaks for each market with an assumed range: the default
#: (experience economy) for consumer experience goods, the B2B scenario for contracts.
CASES = {"experience_goods": "experience_economy", "b2b_contracts": "b2b"}
KPIS = ("growth_gap_points", "margin_gap_points", "growth_ratio")


@dataclass(frozen=True)
class Case:
    """One range of one scenario: where its fit lives and what it is."""

    scenario: str
    market: str
    low: float
    high: float
    stated: bool

    @property
    def target(self) -> str:
        return f"retention_{self.scenario}"

    def folder(self, out: Path) -> Path:
        """The stated range's committed fit, or this shifted range's own fit under ``out``."""
        if self.stated:
            return FITS / self.target
        return out / f"{self.target}_{self.low:g}_{self.high:g}"


def cases(markets: list[str] | None = None, shift: float = SHIFT) -> list[Case]:
    """Each assumed first-year range of ``markets`` (default all), stated and moved by ``shift``."""
    from .. import data

    ranges = data.read_csv("retention_ranges.csv")
    out = []
    for market, scenario in CASES.items():
        if markets and market not in markets:
            continue
        rows = ranges[(ranges["market"] == market) & (ranges["status"] == "assumed")]
        for r in rows.itertuples():
            for d in (-shift, 0.0, shift):
                low, high = max(0.0, r.low + d), min(100.0, r.high + d)
                out.append(Case(scenario, market, low, high, stated=d == 0))
    return out


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m sim.studies.retention_ranges``."""
    p = OneLineParser(prog="python -m sim.studies.retention_ranges",
                      description="Re-fit each scenario's churn premises into its assumed "
                                  f"retention range moved {SHIFT:g} points either way, and "
                                  "measure the headline at each fit.")
    p.add_argument("--seeds", type=int, default=None,
                   help=f"headline seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick: {QUICK_SEEDS})")
    p.add_argument("--quick", action="store_true",
                   help="the fits' and the headline's quick sizes (" + " ".join(QUICK_OVERRIDES)
                        + "): a check of the machinery, not a measurement")
    p.add_argument("--out", type=Path, default=None,
                   help=f"folder (default {DEFAULT_OUT}; --quick: results/tmp/retention_ranges)")
    p.add_argument("--doc", type=Path, default=None,
                   help="page whose retention_ranges block to rewrite (default the results "
                        "page unless --quick)")
    p.add_argument("--market", action="append", choices=list(CASES), default=None,
                   help="only this market's range (repeatable; default every assumed range)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    return p


def _fit(case: Case, out: Path, quick: bool, jobs: int, commit: str) -> dict[str, float]:
    """The fitted churn premises of ``case`` (tied as the scenario's), fitting it if need be.

    A shifted range's fit made at another commit than ``commit`` is made again (a model change
    moves it); a killed one resumes from its journal.
    """
    import shutil

    from .. import io
    from ..configure import load_config
    from . import fit
    from .fit_survival import tied

    folder = out / f"{case.target}_{case.low:g}_{case.high:g}" if quick else case.folder(out)
    meta_path = folder / "meta.json"
    if not case.stated and meta_path.exists() and io.read_json(meta_path)["git_commit"] != commit:
        shutil.rmtree(folder)
    if not (folder / "meta.json").exists():
        if case.stated and not quick:
            raise ValueError(f"{folder}: no committed fit of the stated range; run "
                             f"ccsim fit {case.target}")
        argv = [case.target, "--out", str(folder), "--jobs", str(jobs),
                "--range", f"1={case.low:g}:{case.high:g}"] + (["--quick"] if quick else [])
        if fit.main(argv) != 0:
            raise RuntimeError(f"ccsim fit {' '.join(argv)} failed")
    meta = io.read_json(folder / "meta.json")
    band = pd.read_parquet(folder / "band.parquet")
    premises = tied(load_config([f"scenario={case.scenario}"]), meta["best"]["params"])
    return {**premises, "retention_year_1": float(band["model_mean"].iloc[0]),
            "fit_commit": meta["git_commit"]}


def markdown(table: pd.DataFrame) -> str:
    """One row per scenario and range: fitted premises, year-1 retention, the headline's gaps."""
    from ..analysis.scenario_table import cell

    head = ["scenario", "first-year range", "base hazard", "switching cost",
            "retention, year 1", "growth gap (points/yr)", "margin gap (points)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_range = table.groupby(["scenario", "range_low", "range_high"], sort=False)
    for (scenario, low, high), g in by_range:
        first = g.iloc[0]
        cells = {r["metric"]: cell(r) for _, r in g.iterrows()}
        switching = first.get("market.choice.switching_cost")
        lines.append("| " + " | ".join([
            scenario, f"{low:g}-{high:g} %" + (" (stated, assumed)" if first["stated"] else ""),
            f"{first['market.churn.base']:.4g}",
            "—" if pd.isna(switching) else f"{switching:.3g}",
            f"{first['retention_year_1']:.1f} %"
            + ("" if low <= first["retention_year_1"] <= high else " (outside: not reached)"),
            cells["growth_gap_points"], cells["margin_gap_points"]]) + " |")
    if len(table):
        first = table.iloc[0]
        lines += ["", f"Each range's churn premises fitted as `ccsim fit retention_<scenario> "
                  f"--range 1=LOW:HIGH` (the stated range: the committed fit; a range the "
                  f"search of churn's level cannot reach is marked outside); headline over "
                  f"seeds 0–{int(first['runs']) - 1} at the scenario's own size: mean with the "
                  "95% Student-t interval."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Fit every range, measure its headline, write the CSV and the docs block."""
    from .. import io
    from ..analysis.generated_blocks import check_page, home, rewrite_block
    from ..analysis.scenario_table import summarise
    from ..configure import load_config
    from .arguments import check_common, check_out
    from .elasticities import git_commit
    from .scenarios import run_study
    from .sensitivity import with_values

    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
        doc = check_page(args.doc or (None if args.quick else home("retention_ranges")),
                         "retention_ranges")
        out = check_out(args.out, Path("results/tmp/retention_ranges") if args.quick
                        else DEFAULT_OUT)
    if checks.status is not None:
        return checks.status
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    commit = git_commit()
    rows = []
    todo = cases(args.market)
    for case in todo:
        say(f"retention ranges: {case.scenario} {case.low:g}-{case.high:g} %")
        fitted = _fit(case, out, args.quick, args.jobs, commit)
        premises = {k: v for k, v in fitted.items() if k.startswith("market.")}
        cfg = with_values(load_config([f"scenario={case.scenario}",
                                       *(QUICK_OVERRIDES if args.quick else ())]), premises)
        runs = run_study({case.scenario: cfg}, range(seeds), args.jobs, progress=say)
        rows.append(summarise(runs, metrics=KPIS).assign(
            scenario=case.scenario, market=case.market, range_low=case.low,
            range_high=case.high,
            stated=case.stated, **fitted, commit=commit))
    table = pd.concat(rows, ignore_index=True)
    path = io.write_text(table.to_csv(index=False, float_format="%.8g"),
                         out / "sensitivity.csv")
    if doc is not None:
        rewrite_block(doc, "retention_ranges", markdown(pd.read_csv(path)))
        print(f"rewrote the retention_ranges block in {doc}")
    print(f"retention ranges: {len(todo)} ranges × {seeds} seeds → {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
