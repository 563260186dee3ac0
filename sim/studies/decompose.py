"""``ccsim decompose``: where does the customer-centric advantage come from?

Each customer-centric mechanism is switched off in turn, for every firm, while its money is
still spent (and so wasted): the firms' budgets and shares are untouched, only what the money
buys is set to its zero-spend value. With the same seeds (common random numbers) the change of
the growth gap and of the margin gap (``sim.metrics.strategy_comparison``: customer-centric
minus product-centric, percentage points) is the part of the gap that mechanism explains. The
placebo switches every mechanism off at once. Shares need not add up to one: mechanisms
interact.

A mechanism is switched off through the model's configuration only (:data:`MECHANISMS`): an
economics setting that zeroes its effect where one exists, else its lever's response curve
pushed to the top of its range (``half_saturation`` = 1e9 × the market or the firm's
relationships, so the capability bought is below 1e-6 of its full scale). Mechanisms the model
has no switch for yet are listed in :data:`NOT_DECOMPOSABLE` and printed as such.

Outputs go to ``--out``, else to a new ``results/decompose/<name>_<YYYYmmdd-HHMMSS>``
(``results/tmp/decompose/…`` with ``--quick``): ``runs.csv`` / ``.parquet`` (one row per
variant × seed: the comparison KPIs), ``summary.csv`` / ``.parquet`` (per variant: the paired
change of each gap with its 95% CI over seeds and the share of the baseline gap it explains)
and ``meta.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import typing
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..cli_parser import OneLineParser
from .arguments import JOBS, CommandLineChecks, seeds
from .folders import new_study_folder

if typing.TYPE_CHECKING:
    from ..config import Config

__all__ = ["GAPS", "MECHANISMS", "NOT_DECOMPOSABLE", "configs_for", "decompose", "main",
           "run_variants", "variants"]

OFF = 1e9  # the top of a lever curve's half_saturation range: capability < 1e-6
#: Mechanism → the overrides that switch it off for every firm (money still spent).
MECHANISMS: dict[str, tuple[str, ...]] = {
    "knowledge": ("market.economics.learn_rate=0",),
    "personalisation": ("market.economics.personalisation_reach=0",),
    "service": (f"market.levers.service.half_saturation={OFF:g}",),
    "cocreation": ("market.economics.cocreation_speed=0",),
    "retention_offers": (f"market.levers.retention.half_saturation={OFF:g}",),
    "cross_selling": (f"market.levers.cross_sell.half_saturation={OFF:g}",),
    "frontline_empowerment": (f"market.levers.recovery.half_saturation={OFF:g}",),
}
#: Mechanisms the essays name that have no separate switch in the model yet, and why.
NOT_DECOMPOSABLE = {
    "data_unification": "bought by the insight lever together with analytics; switching "
                        "knowledge off switches it off too",
}
#: The gaps decomposed (``strategy_comparison`` keys).
GAPS = ("growth_gap_points", "margin_gap_points")
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=24")
DEFAULT_OVERRIDES = ("market.n_customers=2000",)
QUICK_SEEDS = 2
DEFAULT_SEEDS = 10


def variants() -> dict[str, tuple[str, ...]]:
    """Every variant run: ``baseline``, one per mechanism off, ``placebo`` (all off)."""
    out = {"baseline": ()}
    out.update(MECHANISMS)
    out["placebo"] = tuple(ov for ovs in MECHANISMS.values() for ov in ovs)
    return out


def _run_one(cfg: Config, variant: str, seed: int) -> dict:
    """One model run in a worker: the comparison KPIs."""
    from ..metrics import strategy_comparison
    from ..runner import simulate
    from .parallel import prepare_worker

    prepare_worker()
    t0 = time.perf_counter()
    model = simulate(dataclasses.replace(cfg, seed=seed), progress=False)
    comparison = strategy_comparison(model.timeseries(), cfg.market.steps_per_year)
    return {"variant": variant, "seed": seed, **comparison,
            "seconds": time.perf_counter() - t0}


def run_variants(configs: dict[str, Config], seeds: Sequence[int], n_jobs: int = 2,
                 progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run every variant's configuration for every seed (joblib, one Numba thread each)."""
    from .parallel import run_grid

    return run_grid(_run_one, configs, seeds, "variant", n_jobs,
                    None if progress is None else lambda line: progress(f"decompose: {line}"))


def decompose(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per variant and gap: the baseline gap, the paired change and the share it explains.

    ``change`` is (baseline − variant) per seed, averaged over seeds with a Student-t interval
    (:func:`sim.analysis.stats.t_ci`): how much of the gap the switched-off mechanism carried.
    ``share`` = mean change ÷ mean baseline gap (NaN when the baseline gap is 0 or undefined).
    """
    from ..analysis.stats import t_ci

    base = runs[runs["variant"] == "baseline"].set_index("seed")
    rows = []
    for variant, g in runs.groupby("variant", sort=False):
        g = g.set_index("seed")
        for gap in GAPS:
            diff = (base[gap] - g[gap]).dropna()
            b_mean, b_lo, b_hi = t_ci(base[gap], confidence)
            v_mean, _, _ = t_ci(g[gap], confidence)
            c_mean, c_lo, c_hi = t_ci(diff, confidence)
            rows.append({"variant": variant, "gap": gap, "n": int(diff.size),
                         "baseline": b_mean, "baseline_low": b_lo, "baseline_high": b_hi,
                         "variant_gap": v_mean, "change": c_mean, "change_low": c_lo,
                         "change_high": c_hi,
                         "share": c_mean / b_mean if b_mean and np.isfinite(b_mean)
                         else float("nan")})
    return pd.DataFrame(rows)


def _fmt(x: float, spec: str = "+.2f") -> str:
    return "—" if not np.isfinite(x) else format(x, spec)


def distinguishable(low: float, high: float) -> bool:
    """True when a confidence interval [low, high] excludes 0 (both bounds finite, one sign)."""
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


def format_decomposition(summary: pd.DataFrame) -> str:
    """The printed table: per variant, each gap's change with its CI and its share.

    A share (Δ ÷ baseline gap) is printed only for a gap whose baseline confidence interval
    excludes 0: a share of a gap that cannot be told from 0 is noise (−2218% of −1.52
    [−80.8, +77.7]); such a gap's share column reads "—" and a note under the table says
    "gap not distinguishable from 0". Labels and cells are padded to their longest entry, so a
    label never runs into its number.
    """
    base = summary[summary["variant"] == "baseline"]
    shown = {r.gap: distinguishable(r.baseline_low, r.baseline_high) for r in base.itertuples()}
    rows = []
    for variant, g in summary.groupby("variant", sort=False):
        if variant == "baseline":
            continue
        cells = []
        for gap in GAPS:
            r = g[g["gap"] == gap].iloc[0]
            ci = f"{_fmt(r['change'])} [{_fmt(r['change_low'])}, {_fmt(r['change_high'])}]"
            cells += [ci, _fmt(r["share"], "+.0%") if shown.get(gap) else "—"]
        rows.append((str(variant), cells))
    heads = []
    for gap in GAPS:
        heads += [gap.removesuffix("_points") + " Δ [95% CI]", "share"]
    label_w = max([len("switched off"), *(len(v) for v, _ in rows)]) + 2
    widths = [max([len(h), *(len(c[i]) for _, c in rows)]) for i, h in enumerate(heads)]

    def line(label: str, cells: list[str]) -> str:
        out = f"{label:<{label_w}}"
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            out += f"{cell:>{w}}" if i % 2 else f"{cell:<{w}}"
            out += "  "
        return out.rstrip()

    head = line("switched off", heads)
    lines = [head, "-" * len(head), *(line(v, c) for v, c in rows)]
    gaps = "; ".join(f"{r.gap} {_fmt(r.baseline)} [{_fmt(r.baseline_low)}, "
                     f"{_fmt(r.baseline_high)}]" for r in base.itertuples())
    lines.append(f"\nbaseline (n = {int(base['n'].max()) if len(base) else 0} seeds): {gaps}")
    for r in base.itertuples():
        if not shown[r.gap]:
            lines.append(f"{r.gap}: gap not distinguishable from 0 (its 95% CI "
                         f"[{_fmt(r.baseline_low)}, {_fmt(r.baseline_high)}] contains 0 or is "
                         "undefined): no shares; more seeds or a larger market may separate it")
    lines.append("Δ = baseline gap − gap with the mechanism off (points; paired by seed); share "
                 "= Δ ÷ baseline gap, printed where the baseline gap's CI excludes 0; placebo = "
                 "every mechanism off.")
    for name, why in NOT_DECOMPOSABLE.items():
        lines.append(f"not decomposable yet: {name} ({why})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# CLI


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim decompose`` argument parser."""
    p = OneLineParser(prog="ccsim decompose",
                description="Switch off each customer-centric mechanism in turn (money still "
                            "spent) and report the share of the growth and margin gaps it "
                            "explains, plus the placebo (all off).")
    p.add_argument("--seeds", type=seeds(), metavar="K",
                   help=f"seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick {QUICK_SEEDS})")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers × 24 months), 2 seeds: a check")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: a new results/decompose/<name>_<time>; with "
                        "--quick results/tmp/decompose/...)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="Hydra overrides (default market.n_customers=2000, the scenario's months), "
                        "e.g. scenario=subscription; seed is set by --seeds")
    return p


def configs_for(overrides: Sequence[str]) -> dict[str, Config]:
    """The validated configuration of every variant (composed once, switches set on copies)."""
    from ..configure import load_config
    from .sensitivity import with_values

    base = load_config(list(overrides))
    return {v: with_values(base, {k: float(x) for k, _, x in (o.partition("=") for o in ovs)})
            for v, ovs in variants().items()}


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim decompose``: prints the decomposition and the files written. Errors: exit 2.

    Every argument, each variant's configuration and the output folder are checked before any
    model runs; ``check_only`` stops there.
    """
    from .. import io
    from ..runner import package_versions
    from .arguments import check_common, check_out, refuse_keys
    from .elasticities import git_commit

    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        n_seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
        refuse_keys(args.overrides, ("seed",), "seeds 0..K-1 by --seeds")
        overrides = [*(QUICK_OVERRIDES if args.quick else DEFAULT_OVERRIDES), *args.overrides]
        configs = configs_for(overrides)
        name = configs["baseline"].name
        out = check_out(args.out, new_study_folder("decompose", name, args.quick))
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    t0 = time.perf_counter()
    commit = git_commit()
    seeds = list(range(n_seeds))
    runs = run_variants(configs, seeds, args.jobs,
                        progress=lambda line: print(line, file=sys.stderr, flush=True))
    summary = decompose(runs)
    meta = {"overrides": overrides, "variants": {v: list(o) for v, o in variants().items()},
            "not_decomposable": NOT_DECOMPOSABLE, "seeds": seeds, "scenario": name,
            "git_commit": commit, "versions": package_versions(),
            "seconds": time.perf_counter() - t0}
    files = {}
    for fname, df in (("runs", runs), ("summary", summary)):
        files[f"{fname}_csv"] = io.write_text(df.to_csv(index=False, float_format="%.8g"),
                                              out / f"{fname}.csv")
        files[f"{fname}_parquet"] = io.write_parquet(
            df, out / f"{fname}.parquet",
            table="decompose_runs" if fname == "runs" else "decompose")
    files["meta"] = io.write_json(meta, out / "meta.json")
    print(format_decomposition(summary))
    print(f"\n{len(configs)} variants × {len(seeds)} seeds in {meta['seconds']:.0f} s")
    for f in files.values():
        print(f)
    return 0

