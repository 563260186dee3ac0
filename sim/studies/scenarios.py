"""What each shipped scenario shows now: the headline over seeds, with 95% intervals.

``python experiments/scenarios/run.py`` runs every case of :data:`CASES` (each scenario at its
own configured size and horizon, as ``ccsim run scenario=NAME`` would) for seeds 0..K-1, writes
one row per run (``runs.csv``: the :func:`sim.metrics.strategy_comparison` KPIs, each
group's share of market revenue in the last month and the market's levels after the first year,
:func:`sim.metrics.market_levels`), the summary over seeds (``summary.csv``)
and ``meta.json`` (commit, versions, seeds), and rewrites the generated table of docs/results.md
from the summary (:mod:`sim.analysis.scenario_table`). Its numbers are therefore the committed
CSV's, and ``tests/studies/test_scenarios.py`` checks that they agree.

Cases are the scenarios in which both groups exist (the exploitation scenario's two firms are
both an even mix; Bass has one firm), the product-aware economy with its product levers measured
per own customer (how much of its result rests on that premise, ODD §7.12.2), plus the two
structural checks of the default scenario:
neutral levers (every unit of lever money buys the same appeal: the groups should tie) and one
shared concave curve per lever (the gap the curves' shape alone opens, §9.8 of the ODD).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ..analysis.generated_blocks import HOMES
from ..cli_parser import OneLineParser
from .arguments import JOBS, CommandLineChecks, seeds

if typing.TYPE_CHECKING:
    from ..config import Config

__all__ = ["CASES", "case_configs", "main", "run_case", "run_study"]

#: Case → (what it is, the overrides that make it).
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "experience_economy": ("default scenario (experience economy)", ()),
    "subscription": ("subscription", ("scenario=subscription",)),
    "product_aware_economy": ("product-aware economy (1700s)",
                              ("scenario=product_aware_economy",)),
    "product_aware_economy_own": ("product-aware economy, product levers per own customer",
                                  ("scenario=product_aware_economy",
                                   "market.economics.product_lever_base=own")),
    "b2b": ("business to business", ("scenario=b2b",)),
    "neutral": ("default, neutral levers (structural null)",
                ("market.economics.lever_response=neutral",)),
    "neutral_per_lever": ("default, one shared concave curve per lever",
                          ("market.economics.lever_response=neutral_per_lever",)),
}
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=24")
QUICK_SEEDS = 2
DEFAULT_SEEDS = 10
DEFAULT_OUT = Path("results/scenarios")
DEFAULT_README = Path(HOMES["scenarios"])  # docs/results.md, from the repository root


def case_configs(extra: Sequence[str] = ()) -> dict[str, Config]:
    """Every case's validated configuration, with ``extra`` overrides applied to each."""
    from ..configure import load_config

    return {case: load_config([*overrides, *extra]) for case, (_, overrides) in CASES.items()}


def run_case(cfg: Config, case: str, seed: int) -> dict:
    """One run in a worker: the headline KPIs and each group's final share of market revenue."""
    from ..metrics import market_levels, strategy_comparison, strategy_groups
    from ..runner import simulate
    from .parallel import prepare_worker

    prepare_worker()
    t0 = time.perf_counter()
    model = simulate(dataclasses.replace(cfg, seed=seed), progress=False)
    ts = model.timeseries()
    row = {"case": case, "label": CASES[case][0], "seed": seed,
           "n_customers": cfg.market.n_customers, "steps": cfg.market.steps,
           **strategy_comparison(ts, cfg.market.steps_per_year)}
    last = ts[ts["step"] == ts["step"].max()]
    for group, members in strategy_groups(ts).items():
        row[f"{group}_final_share"] = float(last.loc[last["firm"].isin(members),
                                                     "market_share"].sum())
    row.update(market_levels(ts, first_step=cfg.market.steps_per_year + 1))
    row["seconds"] = time.perf_counter() - t0
    return row


def run_study(configs: dict[str, Config], seeds: Sequence[int], n_jobs: int = 2,
              progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every case for every seed; one row per run, sorted by case (in ``configs`` order), seed."""
    from .parallel import run_grid

    return run_grid(run_case, configs, seeds, "case", n_jobs,
                    None if progress is None else lambda line: progress(f"scenarios: {line}"))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"--readme={path}: cannot be read ({exc.strerror})") from None


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``experiments/scenarios/run.py``."""
    p = OneLineParser(prog="experiments/scenarios/run.py",
                      description="Run every shipped scenario over seeds; write runs.csv, "
                                  "summary.csv, meta.json and the table of docs/results.md.")
    p.add_argument("--seeds", type=seeds(), default=None,
                   help=f"seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick: {QUICK_SEEDS})")
    p.add_argument("--quick", action="store_true",
                   help="tiny markets (" + " ".join(QUICK_OVERRIDES) + "), for tests")
    p.add_argument("--out", metavar="DIR", default=None,
                   help=f"output folder (default {DEFAULT_OUT}; --quick: results/tmp/scenarios)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("--readme", type=Path, default=None,
                   help=f"Markdown file whose generated block to rewrite (default: "
                        f"{DEFAULT_README} when --out is not given, none with --quick)")
    p.add_argument("overrides", nargs="*", help="key=value overrides applied to every case")
    return p


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """Run the study, write its files and (unless ``--quick``) the table of docs/results.md.

    Every argument, each case's configuration and the output folder are checked before any
    model runs; ``check_only`` stops there.
    """
    from .. import io
    from ..analysis.scenario_table import BLOCK, rewrite_readme, summarise
    from ..runner import package_versions
    from .arguments import check_common, check_out, refuse_keys
    from .elasticities import git_commit

    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
        refuse_keys(args.overrides, ("seed", "scenario"),
                    "seeds 0..K-1 by --seeds, one case per scenario")
        extra = [*(QUICK_OVERRIDES if args.quick else ()), *args.overrides]
        configs = case_configs(extra)
        out = check_out(args.out, Path("results/tmp/scenarios") if args.quick else DEFAULT_OUT)
        readme = args.readme or (DEFAULT_README if args.out is None and not args.quick else None)
        if readme is not None and not BLOCK.search(_read(readme)):
            raise ValueError(f"--readme={readme}: no 'BEGIN GENERATED: scenarios' block")
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    commit = git_commit()
    runs = run_study(configs, range(seeds), args.jobs,
                     progress=lambda line: print(line, file=sys.stderr, flush=True))
    io.write_text(runs.to_csv(index=False, float_format="%.8g"), out / "runs.csv")
    # the table is rendered from the CSV as written, so the test that reads it back agrees
    summary = summarise(pd.read_csv(out / "runs.csv"))
    io.write_text(summary.to_csv(index=False, float_format="%.8g"), out / "summary.csv")
    io.write_json({"seeds": list(range(seeds)), "overrides": extra,
                   "cases": {c: {"label": CASES[c][0], "overrides": list(CASES[c][1])}
                             for c in CASES},
                   "git_commit": commit, "versions": package_versions()}, out / "meta.json")
    if readme is not None:
        rewrite_readme(readme, pd.read_csv(out / "summary.csv"))
        print(f"rewrote the scenario table in {readme}")
    print(f"scenarios: {len(runs)} runs → {out}")
    return 0
