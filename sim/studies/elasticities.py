"""``ccsim elasticities``: how the market responds to one firm's marketing, as published.

The definition (issue 13), so that two people get the same number:

1. For each seed, the market runs a **burn-in** of :data:`BURN_IN` months. Both arms of every
   comparison continue from that same state (a deep copy of the burned-in model, which continues
   bit for bit as the original would: tested), so they share the seed's random numbers
   (common random numbers).
2. Then **one firm's lever** is changed by −10 % in one arm and +10 % in the other, for good
   (:mod:`sim.interventions`): a lever's money is scaled with every other lever's money
   unchanged; price is changed through the list price; word of mouth is a ±10 % factor on the
   firm's referral hazard. Every firm of the market is changed in turn; the others keep their
   own rules. The changed firm's budget stays on the path of an unchanged arm continued from the
   same burn-in (``budget="baseline"``, the default), so every other lever's money is unchanged
   for good, as the issue defines the change; with ``budget="rule"`` (``--budget rule``) it
   follows its budget rule, so the extra sales a change brings feed back into every lever's
   money later (the definition of the first two calibration searches).
3. **Elasticity** = ln(Q+ / Q−) / ln(1.1 / 0.9), per firm and seed; the mean over firms within
   a seed; then the mean and 95 % Student-t interval over seeds
   (:func:`sim.analysis.stats.t_ci`).
4. **Q**, summed over a window of months after the change — ``short``: months 1–12, ``long``:
   months 25–36 — for three quantities of the changed firm: ``units`` (unit sales),
   ``choice_share`` (its share of the choices customers in the market made for a firm) and
   ``acquisitions`` (new relationships). Every lever gets every quantity and window in
   ``runs``; :data:`HEADLINE` names the ones the issue asks for, and
   :data:`sim.analysis.stylised_facts.BENCHMARKS` the published values beside them.

Outputs go to ``--out``, else to a new folder ``results/elasticities/<name>_<YYYYmmdd-HHMMSS>``
(``results/tmp/elasticities/…`` with ``--quick``, which git ignores): ``runs.csv`` /
``runs.parquet`` (one row per seed × firm × lever × quantity × window), ``summary.csv`` /
``summary.parquet`` (per firm and ``mean`` over firms: n, mean, CI, benchmark) and
``meta.json`` (definition, overrides, seeds, the model's git commit, package versions).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
import subprocess
import sys
import time
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.stylised_facts import BENCHMARKS, benchmark_for
from ..cli_parser import OneLineParser
from ..strategies import LEVER
from .arguments import JOBS, CommandLineChecks, seeds
from .folders import new_study_folder

if typing.TYPE_CHECKING:
    from ..config import Config
    from ..model import MarketModel

__all__ = ["BURN_IN", "HEADLINE", "LEVERS", "apply_change", "elasticity", "format_summary",
           "main", "measure_seed", "run_study", "summarise"]

#: Months every pair of arms shares before the change.
BURN_IN = 24
#: The change: ×(1 − STEP) in one arm, ×(1 + STEP) in the other.
STEP = 0.10
#: Windows of months after the change (1-based, inclusive) over which Q is summed.
WINDOWS = {"short": (1, 12), "long": (25, 36)}
#: Months run after the change.
AFTER = max(hi for _, hi in WINDOWS.values())
#: What is changed: four levers' money, the list price, the referral hazard.
LEVERS = ("advertising", "promotion", "service", "rd", "price", "word_of_mouth")
#: Firm quantities Q is computed for.
QUANTITIES = ("units", "choice_share", "acquisitions")

#: (lever, quantity, window) the issue asks for: printed, and checked against benchmarks.
HEADLINE = (
    ("advertising", "units", "short"), ("advertising", "units", "long"),
    ("promotion", "units", "short"), ("promotion", "units", "long"),
    ("service", "units", "short"), ("service", "units", "long"),
    ("rd", "units", "short"), ("rd", "units", "long"),
    ("price", "choice_share", "short"), ("price", "units", "short"), ("price", "units", "long"),
    ("word_of_mouth", "acquisitions", "short"), ("word_of_mouth", "acquisitions", "long"),
    ("advertising", "acquisitions", "short"), ("advertising", "acquisitions", "long"),
)

#: The market of a quick check.
QUICK_OVERRIDES = ("market.n_customers=300",)
QUICK_SEEDS = 2
DEFAULT_SEEDS = 10


# ----------------------------------------------------------------------------------------------
# One seed


def apply_change(model: MarketModel, firm: int, lever: str, factor: float) -> None:
    """Set ``factor`` on one firm's ``lever`` (a :data:`LEVERS` name) through the model's API."""
    if lever == "price":
        model.set_list_price_factor(firm, factor)
    elif lever == "word_of_mouth":
        model.set_referral_factor(firm, factor)
    else:
        model.set_lever(firm, lever, factor)


def elasticity(q_plus: float, q_minus: float, step: float = STEP) -> float:
    """ln(Q+ / Q−) / ln((1 + step) / (1 − step)); NaN unless both are > 0."""
    if not (q_plus > 0 and q_minus > 0):
        return float("nan")
    return math.log(q_plus / q_minus) / math.log((1.0 + step) / (1.0 - step))


def _quantities(ts: pd.DataFrame, firm: str, first_step: int) -> dict[tuple[str, str], float]:
    """Q of ``firm`` per (quantity, window) from an arm's timeseries."""
    out = {}
    for window, (lo, hi) in WINDOWS.items():
        w = ts[(ts["step"] >= first_step + lo - 1) & (ts["step"] <= first_step + hi - 1)]
        mine = w[w["firm"] == firm]
        total_choices = float(w["choices"].sum())
        out[("units", window)] = float(mine["units"].sum())
        out[("acquisitions", window)] = float(mine["acquisitions"].sum())
        out[("choice_share", window)] = (float(mine["choices"].sum()) / total_choices
                                         if total_choices > 0 else float("nan"))
    return out


def burn_in(cfg: Config) -> MarketModel:
    """The model of ``cfg`` after :data:`BURN_IN` months."""
    from ..model import MarketModel

    model = MarketModel(cfg)
    for _ in range(BURN_IN):
        model.step()
    return model


#: The changed firm's budget after the change: on an unchanged arm's path (the default), or by
#: its rule.
BUDGETS = ("baseline", "rule")


def run_arm(base: MarketModel, firm: int, lever: str, factor: float,
            budget_path: dict[int, float] | None = None) -> pd.DataFrame:
    """Continue a copy of the burned-in ``base`` for :data:`AFTER` months with one change.

    With ``budget_path`` the changed firm's budget is held on that path (step → money).
    """
    arm = copy.deepcopy(base)
    arm.freeze_pricing()  # value-based prices do not answer the change being measured
    apply_change(arm, firm, lever, factor)
    if budget_path is not None:
        arm.set_budget_path(firm, budget_path)
    for _ in range(AFTER):
        arm.step()
    return arm.timeseries()


def baseline_budgets(base: MarketModel) -> list[dict[int, float]]:
    """Each firm's budget by step in an unchanged copy of ``base``, :data:`AFTER` months on."""
    arm = copy.deepcopy(base)
    arm.freeze_pricing()  # as in every arm (run_arm)
    for _ in range(AFTER):
        arm.step()
    first = base.steps + 1
    return [{t: b for t, b in f.budgets.items() if t >= first} for f in arm.firms]


def measure_seed(cfg: Config, seed: int, levers: Sequence[str] = LEVERS,
                 budget: str = "baseline") -> list[dict]:
    """Every firm × lever × quantity × window of one seed (run in a worker process).

    Returns:
        Rows with ``seed``, ``firm``, ``strategy``, ``lever``, ``quantity``, ``window``,
        ``q_minus``, ``q_plus``, ``elasticity``, ``spend_share`` (the firm's budget share on
        that lever at the change, NaN for price and word of mouth: a share of 0 means the
        lever has no money to change, so its elasticity is 0) and ``seconds`` (the seed's).
    """
    from .parallel import prepare_worker

    prepare_worker()
    t0 = time.perf_counter()
    base = burn_in(dataclasses.replace(cfg, seed=seed))
    first = BURN_IN + 1
    paths = baseline_budgets(base) if budget == "baseline" else [None] * len(base.firms)
    rows = []
    for k, f in enumerate(base.firms):
        for lever in levers:
            q = {}
            for sign, factor in (("minus", 1.0 - STEP), ("plus", 1.0 + STEP)):
                ts = run_arm(base, k, lever, factor, paths[k])
                q[sign] = _quantities(ts, f.name, first)
            share = (float(f.shares[LEVER[lever]]) if lever in LEVER else float("nan"))
            for (quantity, window), q_minus in q["minus"].items():
                q_plus = q["plus"][(quantity, window)]
                rows.append({"seed": seed, "firm": f.name, "strategy": f.strategy,
                             "lever": lever, "quantity": quantity, "window": window,
                             "q_minus": q_minus, "q_plus": q_plus,
                             "elasticity": elasticity(q_plus, q_minus), "spend_share": share})
    seconds = time.perf_counter() - t0
    for r in rows:
        r["seconds"] = seconds
    return rows


# ----------------------------------------------------------------------------------------------
# Many seeds


def summarise(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per firm and ``mean`` over firms: n seeds, mean elasticity and its CI, the benchmark.

    The mean over firms is taken within each seed first (NaN-skipping), then the interval over
    seeds, so the unit of replication is the seed.
    """
    from ..analysis.stats import summarise as ci

    keys = ["lever", "quantity", "window"]
    per_seed = (runs.groupby([*keys, "seed"], sort=False)["elasticity"].mean().reset_index()
                .assign(firm="mean"))
    both = pd.concat([runs[[*keys, "seed", "firm", "elasticity"]], per_seed], ignore_index=True)
    out = ci(both, by=[*keys, "firm"], values="elasticity", confidence=confidence)
    out = out.drop(columns="variable")
    bench = [benchmark_for(*r) for r in out[keys].itertuples(index=False)]
    out["benchmark"] = [b.value if b else np.nan for b in bench]
    out["source"] = [b.source if b else "" for b in bench]
    out["headline"] = [tuple(r) in HEADLINE for r in out[keys].itertuples(index=False)]
    ranks = {"lever": {v: i for i, v in enumerate(LEVERS)},
             "quantity": {v: i for i, v in enumerate(QUANTITIES)},
             "window": {v: i for i, v in enumerate(WINDOWS)},
             "firm": {v: i for i, v in enumerate(dict.fromkeys(["mean", *runs["firm"]]))}}
    out = out.sort_values(list(ranks), key=lambda col: col.map(ranks[col.name]), kind="stable")
    return out.reset_index(drop=True)


def run_study(cfg: Config, seeds: Sequence[int], levers: Sequence[str] = LEVERS,
              n_jobs: int = 2,
              progress: Callable[[str], None] | None = None,
              budget: str = "baseline") -> pd.DataFrame:
    """:func:`measure_seed` for every seed in parallel (joblib, one Numba thread per worker).

    Args:
        cfg: The validated configuration (its ``market.steps`` covers burn-in and windows).
        seeds: Model seeds.
        levers: Which of :data:`LEVERS` to change.
        n_jobs: Worker processes.
        progress: Called with one line per finished seed.
        budget: One of :data:`BUDGETS`: the changed firm's budget after the change.

    Returns:
        The rows of every seed, sorted by seed.
    """
    from .parallel import run_tasks

    def report(done: int, total: int, out: list[dict], elapsed: float) -> None:
        if progress is not None:
            progress(f"elasticities: seed {out[0]['seed']} done ({done}/{total}, "
                     f"{out[0]['seconds']:.0f} s; {elapsed:.0f} s elapsed)")

    per_seed = run_tasks(measure_seed, [(cfg, s, levers, budget) for s in seeds], n_jobs, report)
    runs = pd.DataFrame([row for rows in per_seed for row in rows])
    return runs.sort_values("seed", kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# Output


def _fmt(x: float, spec: str = "+.3f") -> str:
    return "—" if not np.isfinite(x) else format(x, spec)


def format_summary(summary: pd.DataFrame, headline_only: bool = True) -> str:
    """The printed table: mean over firms with its CI, each firm's mean, the benchmark."""
    s = summary
    if headline_only:  # in the order of HEADLINE
        rank = {key: i for i, key in enumerate(HEADLINE)}
        keys = list(zip(summary["lever"], summary["quantity"], summary["window"], strict=True))
        s = summary.assign(_rank=[rank.get(k, -1) for k in keys])
        s = s[s["_rank"] >= 0].sort_values("_rank", kind="stable")
    firms = [f for f in dict.fromkeys(s["firm"]) if f != "mean"]
    head = (f"{'lever':<14}{'Q':<14}{'window':<8}{'mean over firms [95% CI]':<28}"
            + "".join(f"{f:>9}" for f in firms) + f"{'published':>11}  source")
    lines = [head, "-" * len(head)]
    for (lever, quantity, window), g in s.groupby(["lever", "quantity", "window"], sort=False):
        m = g[g["firm"] == "mean"].iloc[0]
        ci = f"{_fmt(m['mean'])} [{_fmt(m['ci_low'])}, {_fmt(m['ci_high'])}]"
        per = {r.firm: r.mean for r in g.itertuples()}
        lines.append(f"{lever:<14}{quantity:<14}{window:<8}{ci:<28}"
                     + "".join(f"{_fmt(per.get(f, np.nan)):>9}" for f in firms)
                     + f"{_fmt(m['benchmark'], '+.2f'):>11}  {m['source']}")
    windows = ", ".join(f"{w} = months {lo}-{hi} after the change"
                        for w, (lo, hi) in WINDOWS.items())
    lines.append(f"\nelasticity = ln(Q+/Q-)/ln(1.1/0.9), ±{STEP:.0%} from month {BURN_IN + 1} "
                 f"after a common {BURN_IN}-month burn-in; {windows}; n = "
                 f"{int(s['n'].max()) if len(s) else 0} seeds. Also published: "
                 f"{BENCHMARKS[1].value:+.2f} advertising, current period "
                 f"({BENCHMARKS[1].source}); word of mouth ≈ 20× marketing events, ≈ 30× media "
                 "(Trusov et al. 2009).")
    return "\n".join(lines)


def git_commit() -> str:
    """The model's git commit (``+dirty`` if the tree has changes), or ``unknown``."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim", "conf"],
                               cwd=here.parent.parent, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def write_outputs(runs: pd.DataFrame, summary: pd.DataFrame, meta: dict,
                  out: Path) -> dict[str, Path]:
    """Write the runs and summary tables (CSV and Parquet) and meta.json; return the paths."""
    from .. import io

    files = {}
    for name, df in (("runs", runs), ("summary", summary)):
        files[f"{name}_csv"] = io.write_text(df.to_csv(index=False, float_format="%.8g"),
                                             out / f"{name}.csv")
        files[f"{name}_parquet"] = io.write_parquet(
            df, out / f"{name}.parquet",
            table="elasticity_runs" if name == "runs" else "elasticities")
    files["meta"] = io.write_json(meta, out / "meta.json")
    return files


def default_out(name: str, quick: bool = False, now: float | None = None) -> Path:
    """A new timestamped folder (``-2``, ``-3``… if it exists), so nothing is overwritten."""
    return new_study_folder("elasticities", name, quick, now)


# ----------------------------------------------------------------------------------------------
# CLI


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim elasticities`` argument parser."""
    p = OneLineParser(prog="ccsim elasticities",
                description=f"Elasticities of one firm's sales to its own marketing: a common "
                            f"{BURN_IN}-month burn-in, then one lever of one firm ±{STEP:.0%} "
                            f"for good; ln(Q+/Q-)/ln(1.1/0.9) per firm, mean over firms, 95% "
                            f"CI over seeds; published benchmarks beside.")
    p.add_argument("--seeds", type=seeds(), metavar="K",
                   help=f"seeds 0..K-1 (default {DEFAULT_SEEDS}; --quick {QUICK_SEEDS})")
    p.add_argument("--levers", metavar="L,L",
                   help=f"comma-separated subset of {','.join(LEVERS)} (default: all)")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers), 2 seeds: a check, not a measurement")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: a new results/elasticities/<name>_<time>; "
                        "with --quick results/tmp/elasticities/...)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("--budget", default="baseline", metavar="HOW",
                   help="the changed firm's budget after the change: baseline (an unchanged "
                        "arm's path: every other lever's money unchanged for good; the default) "
                        "or rule (its budget rule, so extra sales feed back into every lever)")
    p.add_argument("--all-rows", action="store_true",
                   help="print every lever × quantity × window, not only the headline rows")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="Hydra overrides of the market, e.g. scenario=subscription "
                        "market.n_customers=5000 (market.steps and seed are set by the study)")
    return p


def _check(args: argparse.Namespace) -> tuple[int, list[str]]:
    from .arguments import check_common, refuse_keys

    seeds = check_common(args, QUICK_SEEDS, DEFAULT_SEEDS)
    levers = LEVERS if not args.levers else [x.strip() for x in args.levers.split(",")]
    bad = [x for x in levers if x not in LEVERS]
    if bad:
        raise ValueError(f"--levers={args.levers}: unknown {', '.join(bad)}; allowed "
                         f"{', '.join(LEVERS)}")
    if args.budget not in BUDGETS:
        raise ValueError(f"--budget={args.budget}: unknown; allowed {', '.join(BUDGETS)}")
    refuse_keys(args.overrides, ("seed", "market.steps"),
                f"seeds by --seeds; market.steps = {BURN_IN} + {AFTER}")
    return seeds, list(levers)


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim elasticities``: prints the table and the files written. Errors: exit 2.

    Every argument, the configuration and the output folder are checked before any model
    runs; ``check_only`` stops there.
    """
    from ..configure import load_config
    from ..runner import package_versions
    from .arguments import check_out

    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        n_seeds, levers = _check(args)
        overrides = [*(QUICK_OVERRIDES if args.quick else ()), *args.overrides,
                     f"market.steps={BURN_IN + AFTER}"]
        cfg = load_config(overrides)
        out = check_out(args.out, default_out(cfg.name, args.quick))
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    t0 = time.perf_counter()
    commit = git_commit()  # the model that runs, before anyone edits the tree
    seeds = list(range(n_seeds))
    runs = run_study(cfg, seeds, levers, args.jobs,
                     progress=lambda line: print(line, file=sys.stderr, flush=True),
                     budget=args.budget)
    summary = summarise(runs)
    meta = {
        "definition": {"burn_in_months": BURN_IN, "step": STEP, "windows": WINDOWS,
                       "budget": args.budget,
                       "elasticity": "ln(Q+/Q-)/ln((1+step)/(1-step))",
                       "ci": "95% Student t over seeds of the per-seed mean over firms"},
        "overrides": overrides, "scenario": cfg.name, "n_customers": cfg.market.n_customers,
        "firms": list(cfg.firms), "seeds": seeds, "levers": levers,
        "git_commit": commit, "versions": package_versions(),
        "seconds": time.perf_counter() - t0,
    }
    files = write_outputs(runs, summary, meta, out)
    print(format_summary(summary, headline_only=not args.all_rows))
    print(f"\n{len(seeds)} seeds × {len(cfg.firms)} firms × {len(levers)} levers in "
          f"{meta['seconds']:.0f} s")
    for f in files.values():
        print(f)
    return 0
