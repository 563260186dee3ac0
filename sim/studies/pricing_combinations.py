"""Who is paid more? The default and B2B scenarios with each group under each pricing policy.

``python experiments/pricing/run.py`` runs the four combinations (customer-centric firms on
cost-plus or value-based pricing × product-centric firms on either) in the default and the
business-to-business scenario for seeds 0..K-1, writes one row per run (``runs.csv``: the
headline of :func:`sim.metrics.strategy_comparison` and the price each group settles at),
the summary over seeds (``summary.csv``) and ``meta.json``, and rewrites the generated table of
the docs page from the summary (issue 24: the margin claim can come out either way only if
prices are a firm's decision).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..analysis.generated_blocks import HOMES
from ..cli_parser import OneLineParser
from .arguments import JOBS, CommandLineChecks

__all__ = ["COMBINATIONS", "SCENARIOS", "main", "markdown", "run_combination"]

#: (customer-centric policy, product-centric policy) in table order.
COMBINATIONS: tuple[tuple[str, str], ...] = (
    ("cost_plus", "cost_plus"), ("value_based", "cost_plus"),
    ("cost_plus", "value_based"), ("value_based", "value_based"))
#: Scenario → (label, overrides).
SCENARIOS: dict[str, tuple[str, tuple[str, ...]]] = {
    "experience_economy": ("default scenario (experience economy)", ()),
    "b2b": ("business to business", ("scenario=b2b",)),
}
#: The KPIs the table shows (:data:`sim.analysis.scenario_table.METRICS` names).
COLUMNS = ("growth_gap_points", "margin_gap_points", "share_gain_points",
           "customer_centric_margin", "product_centric_margin",
           "customer_centric_price", "product_centric_price")
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=36")
DEFAULT_SEEDS, QUICK_SEEDS = 10, 2
DEFAULT_OUT = Path("results/pricing")
DEFAULT_DOC = Path(HOMES["pricing_combinations"])


def case_name(scenario: str, cc: str, pc: str) -> str:
    """The runs table's case: scenario, then each group's policy."""
    return f"{scenario}/cc={cc}/pc={pc}"


def combination_overrides(cfg_firms: Sequence[str], groups: dict[str, set[str]], cc: str,
                          pc: str) -> list[str]:
    """``firms.NAME.pricing`` for every firm: ``cc`` for customer-centric firms, else ``pc``."""
    return [f"firms.{name}.pricing={cc if name in groups['customer_centric'] else pc}"
            for name in cfg_firms]


def run_combination(cfg, case: str, seed: int) -> dict:  # noqa: ANN001 - a Config
    """One run in a worker: the headline and the core price each group settles at."""
    from ..metrics import strategy_comparison, strategy_groups
    from ..runner import simulate
    from .parallel import prepare_worker

    prepare_worker()
    t0 = time.perf_counter()
    ts = simulate(dataclasses.replace(cfg, seed=seed), progress=False).timeseries()
    spy = cfg.market.steps_per_year
    row = {"case": case, "label": case, "seed": seed, "n_customers": cfg.market.n_customers,
           "steps": cfg.market.steps, **strategy_comparison(ts, spy)}
    last = ts[ts["step"] > ts["step"].max() - spy]
    for group, members in strategy_groups(ts).items():
        row[f"{group}_price"] = float(last.loc[last["firm"].isin(members), "price"].mean())
    row["seconds"] = time.perf_counter() - t0
    return row


def customer_centric_firms(cfg) -> set[str]:  # noqa: ANN001 - a Config
    """The firms whose budget starts nearer the customer-centric preset (the headline's groups)."""
    from ..metrics import mix_coordinate
    from ..strategies import customer_orientation, resolve_shares

    return {name for name, f in cfg.firms.items()
            if mix_coordinate(customer_orientation(
                resolve_shares(f.strategy, f.mix, dict(f.shares)))) > 0.5}


def configs(extra: Sequence[str] = ()) -> dict[str, object]:
    """Every scenario × combination's validated configuration."""
    from ..configure import load_config

    out = {}
    for scenario, (_, overrides) in SCENARIOS.items():
        base = load_config([*overrides, *extra])
        groups = {"customer_centric": customer_centric_firms(base)}
        for cc, pc in COMBINATIONS:
            out[case_name(scenario, cc, pc)] = load_config(
                [*overrides, *extra, *combination_overrides(list(base.firms), groups, cc, pc)])
    return out


#: The essays' margin claim (essay 003): customer-centric margins 5–10 points higher.
MARGIN_CLAIM = 5.0


def margin_claim_lines(runs: pd.DataFrame) -> list[str]:
    """Per scenario and combination, the margin claim judged by the experiments' rule.

    ``margin_gap_points >= 5`` over the seeds (:func:`sim.analysis.claims.judge`: holds if the
    lower 95% bound clears 5, fails if the upper bound misses it, else inconclusive).
    """
    from ..analysis.claims import Claim, judge

    claim = Claim(metric="margin_gap_points", op=">=", threshold=MARGIN_CLAIM,
                  arms={"run": 1.0})
    lines = []
    for case, g in runs.groupby("case", sort=False):
        scenario, cc, pc = case.split("/")
        v = judge(g.sort_values("seed")["margin_gap_points"].to_numpy(dtype=float), claim)
        lines.append(f"- {SCENARIOS[scenario][0]}, customer-centric {cc[3:]}, product-centric "
                     f"{pc[3:]}: margin gap {v.estimate:+.2f} [{v.ci_low:+.2f}, "
                     f"{v.ci_high:+.2f}] points — the claim of +{MARGIN_CLAIM:g} or more "
                     f"**{v.verdict}** ({v.reason})")
    return lines


def markdown(summary: pd.DataFrame, runs: pd.DataFrame | None = None) -> str:
    """The docs table: one row per scenario × combination, ``mean [95% CI]`` per KPI.

    With ``runs`` (the per-seed table), the essays' margin claim judged under each row follows.
    """
    from ..analysis.scenario_table import METRICS, cell

    head = ["scenario", "customer-centric pricing", "product-centric pricing",
            *(METRICS[m][0] for m in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case, g in summary.groupby("case", sort=False):
        scenario, cc, pc = case.split("/")
        cells = {r["metric"]: cell(r) for _, r in g.iterrows()}
        lines.append("| " + " | ".join([SCENARIOS[scenario][0], cc[3:], pc[3:],
                                        *(cells.get(m, "—") for m in COLUMNS)]) + " |")
    if len(summary):
        first = summary.iloc[0]
        lines += ["", f"Mean over seeds 0–{int(first['runs']) - 1} with the 95% Student-t "
                  "interval, each scenario at its configured size; prices: the mean price paid "
                  "in the core category over the last year, averaged over the group's firms "
                  "(money; B2B prices are 100× a consumer's)."]
    if runs is not None and len(runs):
        lines += ["", "The essays' margin claim (customer-centric margins at least 5 points "
                  "higher), judged by the experiments' rule over the seeds:", "",
                  *margin_claim_lines(runs)]
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``experiments/pricing/run.py``."""
    p = OneLineParser(prog="experiments/pricing/run.py",
                      description="Each group under each pricing policy, in the default and "
                                  "B2B scenarios: runs.csv, summary.csv, meta.json and the "
                                  "docs table.")
    p.add_argument("--seeds", type=int, default=None,
                   help=f"seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick: {QUICK_SEEDS})")
    p.add_argument("--quick", action="store_true",
                   help="tiny markets (" + " ".join(QUICK_OVERRIDES) + "), for tests")
    p.add_argument("--out", type=Path, default=None,
                   help=f"folder (default {DEFAULT_OUT}; --quick: results/tmp/pricing)")
    p.add_argument("--doc", type=Path, default=None,
                   help=f"page whose generated block to rewrite (default {DEFAULT_DOC} unless "
                        "--quick or --out)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run every combination, write the tables and (unless --quick) the docs table."""
    from .. import io
    from ..analysis.generated_blocks import check_page, rewrite_block
    from ..analysis.scenario_table import summarise
    from ..runner import package_versions
    from .arguments import check_common, check_out
    from .elasticities import git_commit
    from .parallel import run_grid

    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
        out = check_out(args.out, Path("results/tmp/pricing") if args.quick else DEFAULT_OUT)
        doc = check_page(args.doc or (DEFAULT_DOC if args.out is None and not args.quick
                                      else None), "pricing_combinations")
        cases = configs(QUICK_OVERRIDES if args.quick else ())
    if checks.status is not None:
        return checks.status
    commit = git_commit()
    runs = run_grid(run_combination, cases, range(seeds), "case", args.jobs,
                    lambda line: print(f"pricing: {line}", file=sys.stderr, flush=True))
    io.write_text(runs.to_csv(index=False, float_format="%.8g"), out / "runs.csv")
    summary = summarise(pd.read_csv(out / "runs.csv"), metrics=COLUMNS)
    io.write_text(summary.to_csv(index=False, float_format="%.8g"), out / "summary.csv")
    io.write_json({"seeds": list(range(seeds)), "quick": bool(args.quick),
                   "combinations": [list(c) for c in COMBINATIONS],
                   "scenarios": {k: list(v[1]) for k, v in SCENARIOS.items()},
                   "git_commit": commit, "versions": package_versions()}, out / "meta.json")
    if doc is not None:
        rewrite_block(doc, "pricing_combinations", markdown(pd.read_csv(out / "summary.csv"),
                                                            pd.read_csv(out / "runs.csv")))
        print(f"rewrote the pricing table in {doc}")
    print(f"pricing: {len(runs)} runs → {out}")
    return 0
