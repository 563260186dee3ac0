"""``ccsim optimise``: what should one firm spend, and charge, given what its rivals do?

``ccsim optimise [--firm NAME] [--objective profit|revenue|customer_equity] [--growth-floor G]
[--horizon MONTHS] [--decide shares,budget,price] [--levers L,...] [--pricing P,...]
[--range NAME=LOW:HIGH]... [--rivals fixed|respond] [--rounds N] [--seeds N] [--trials N]
[--fresh-seeds N] [--sampler auto|tpe|cmaes|random] [--jobs N] [--out DIR] [--quick]
[OVERRIDE...]``

1. Everything is checked first — the firm, objective, horizon (not longer than the run), the
   parts decided, levers, policies, ranges, the overrides (the firm's own plan included: shares
   that do not sum to 1 are refused by the configuration), the output folder and, if it holds a
   search, that it is the same one — and a bad value ends with one ``ccsim: error:`` line, exit
   status 2 and nothing written; ``check_only`` stops there.
2. ``--rivals fixed`` (default): the firm's decision is searched (:mod:`sim.studies.optimise_run`)
   with its rivals as configured; its plan (its configuration) and the two presets are the
   first trials. ``--rivals respond``: every firm in turn searches its best response to the
   others' latest decisions, for ``--rounds`` rounds or until they settle
   (:mod:`sim.studies.optimise_respond`).
3. The chosen decisions are run again on fresh seeds (10000, 10001, ...), beside the plan and
   the presets (or the presets' contest), and everything is written to ``--out`` (default
   ``results/optimise/<scenario>_<firm>_<time>``; ``--quick``: under ``results/tmp/``); see
   :func:`write_outputs`. Running the same command with ``--out`` on that folder after a kill
   resumes the search without repeating a finished trial.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..cli_parser import OneLineParser, integer, number
from ..config import Config
from ..strategies import LEVERS, PRESETS
from .arguments import JOBS, MAX_SEEDS, CommandLineChecks
from .optimise_run import FRESH_SEED_BASE, OBJECTIVES, Score
from .optimise_space import (
    DEFAULT_RANGES,
    PARTS,
    POLICIES,
    DecisionSpace,
    firm_decision,
    preset_decision,
)
from .optuna_search import MIN_SEEDS, SAMPLERS

__all__ = ["JOURNAL", "RESPONSES", "Plan", "journal", "build_parser", "main", "plan", "run"]

JOURNAL = "search.journal"
#: ``--rivals respond``: one journal per best response (a journal holds one study).
RESPONSES = "responses"
#: Keys the command sets itself.
SET_HERE = ("seed",)
#: ``--quick``: a tiny market, the fewest seeds, a handful of trials.
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=24")
QUICK = {"seeds": MIN_SEEDS, "trials": 6, "fresh": MIN_SEEDS, "rounds": 2, "respond_trials": 3}
#: Defaults: seeds (even, for two workers), fresh seeds, rounds, trials per searched dimension
#: (fixed rivals; from the synthetic test: 10 levers need about 800 trials to come within an
#: L1 distance of 0.05 of a smooth objective's optimum) and trials per best response.
DEFAULT = {"seeds": 6, "fresh": 30, "rounds": 5, "per_dimension": 60, "respond_trials": 150}
SAMPLER_CHOICES = ("auto", *SAMPLERS)


@dataclass
class Plan:
    """A checked ``ccsim optimise``: everything :func:`run` needs, nothing written yet."""

    cfg: Config
    overrides: list[str]
    firm: str
    rivals: str
    objective: str
    growth_floor: float | None
    horizon: int
    space: DecisionSpace
    seeds: int
    trials: int
    fresh: int
    rounds: int
    sampler: str
    jobs: int
    out: Path
    quick: bool
    order: list[str] = field(default_factory=list)

    def settings(self) -> dict[str, Any]:
        """What a resumed search must share with the saved one."""
        return {"overrides": self.overrides, "firm": self.firm, "rivals": self.rivals,
                "horizon": self.horizon, "n_customers": self.cfg.market.n_customers,
                "steps": self.cfg.market.steps}

    def seed_list(self) -> list[int]:
        """The search's seeds, 0..N−1 (common to every candidate)."""
        return list(range(self.seeds))

    def fresh_list(self) -> list[int]:
        """The fresh seeds the chosen decisions are re-evaluated on."""
        return list(range(FRESH_SEED_BASE, FRESH_SEED_BASE + self.fresh))


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim optimise`` argument parser."""
    p = OneLineParser(prog="ccsim optimise",
                      description="Search one firm's budget shares, budget rate and pricing "
                                  "for the best profit, revenue or customer equity against "
                                  "rivals held fixed (or answering back: --rivals respond), "
                                  "on common random numbers; then re-run the best on fresh "
                                  "seeds beside the firm's own plan and the presets.")
    p.add_argument("--firm", metavar="NAME",
                   help="the firm whose decision is searched (default: the first firm)")
    p.add_argument("--objective", default="profit", metavar="NAME",
                   help=f"what to maximise: {', '.join(OBJECTIVES)} (default profit)")
    p.add_argument("--growth-floor", type=number(-1.0, 10.0, "fraction / year"), metavar="G",
                   help="maximise subject to the firm's revenue CAGR >= G (e.g. 0.05); TPE")
    p.add_argument("--horizon", type=integer(1, 10**6, "months"), metavar="MONTHS",
                   help="months the objective counts (default: the whole run, market.steps)")
    p.add_argument("--decide", default=",".join(PARTS), metavar="PARTS",
                   help=f"what is searched: any of {', '.join(PARTS)} (default all)")
    p.add_argument("--levers", default=",".join(LEVERS), metavar="LEVERS",
                   help="levers whose shares are searched (others get 0; default all)")
    p.add_argument("--pricing", default=",".join(POLICIES), metavar="POLICIES",
                   help=f"pricing policies the search chooses from: {', '.join(POLICIES)} "
                        "(default both)")
    p.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH",
                   help="the range of a searched number: "
                        + ", ".join(f"{k} (default {lo:g}:{hi:g})"
                                    for k, (lo, hi) in DEFAULT_RANGES.items())
                        + "; repeatable")
    p.add_argument("--rivals", default="fixed", choices=("fixed", "respond"),
                   help="fixed: rivals keep their configuration; respond: every firm in turn "
                        "plays its best response to the others' latest decisions")
    p.add_argument("--rounds", type=integer(2, 1000, "rounds"), metavar="N",
                   help=f"--rivals respond: rounds of best responses (default "
                        f"{DEFAULT['rounds']}; --quick {QUICK['rounds']})")
    p.add_argument("--seeds", type=integer(MIN_SEEDS, MAX_SEEDS, "seeds"), metavar="N",
                   help=f"seeds every candidate runs on (default {DEFAULT['seeds']}; >= "
                        f"{MIN_SEEDS})")
    p.add_argument("--trials", type=integer(1, 10**6, "trials"), metavar="N",
                   help=f"finished trials wanted (default {DEFAULT['per_dimension']} per "
                        f"searched dimension; per best response {DEFAULT['respond_trials']})")
    p.add_argument("--fresh-seeds", type=integer(MIN_SEEDS, MAX_SEEDS, "seeds"), metavar="N",
                   help=f"fresh seeds the chosen decisions are re-run on (default "
                        f"{DEFAULT['fresh']})")
    p.add_argument("--sampler", default="auto", metavar="NAME",
                   help=f"{', '.join(SAMPLER_CHOICES)}: auto is CMA-ES (TPE for the pricing "
                        "policy's choice) without a growth floor, TPE with one")
    p.add_argument("--jobs", type=JOBS, metavar="N",
                   help="worker processes (default 2; --quick 1)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default a new results/optimise/<scenario>_<firm>_"
                        "<time>; --quick under results/tmp/); a folder holding the same "
                        "search resumes it")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers x 24 months), 5 seeds, a few trials: a check")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="Hydra overrides: the scenario and market (scenario=subscription), "
                        "the rivals, and the firm's own plan (firms.NAME.strategy=custom "
                        "+firms.NAME.shares.rd=0.3 ...)")
    return p


def _names(flag: str, text: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A comma list of names, each in ``allowed``, without repeats, in the given order."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise ValueError(f"{flag}={text}: {'unknown ' + repr(bad[0]) if bad else 'empty'}; "
                         f"allowed: {', '.join(allowed)}")
    if len(set(names)) != len(names):
        raise ValueError(f"{flag}={text}: a name is repeated")
    return names


def _ranges(specs: list[str]) -> tuple[tuple[str, float, float], ...]:
    """``--range NAME=LOW:HIGH`` over the defaults, each within the schema's range."""
    from dataclasses import fields

    from ..config import FirmConfig, _check_number

    meta = {f.name: f.metadata for f in fields(FirmConfig)}
    ranges = dict(DEFAULT_RANGES)
    for spec in specs:
        name, _, rng = spec.partition("=")
        if name not in DEFAULT_RANGES:
            raise ValueError(f"--range={spec}: unknown number; allowed: "
                             f"{', '.join(DEFAULT_RANGES)}")
        try:
            low, high = (float(v) for v in rng.split(":"))
        except ValueError:
            raise ValueError(f"--range={spec}: write NAME=LOW:HIGH with two numbers") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"--range={spec}: need finite LOW < HIGH")
        for value in (low, high):
            try:
                _check_number(f"firms.*.{name}", value, meta[name])
            except ValueError as exc:
                raise ValueError(f"--range={spec}: {exc}") from None
        ranges[name] = (low, high)
    return tuple((k, lo, hi) for k, (lo, hi) in ranges.items())


def _dimensions(space: DecisionSpace) -> int:
    """Searched dimensions: a lever each, the budget rate, the price (policy and level)."""
    return (len(space.levers) * ("shares" in space.parts) + ("budget" in space.parts)
            + 2 * ("price" in space.parts))


def plan(args: argparse.Namespace) -> Plan:
    """Check every argument; the checked plan.

    Raises:
        ValueError, sim.config.ConfigError, SearchError: a bad value (one line, exit 2).
    """
    from ..configure import load_config
    from .arguments import check_out, refuse_keys
    from .folders import new_study_folder
    from .optimise_run import make_sampler
    from .optuna_search import SearchError, check_resumable

    if args.objective not in OBJECTIVES:
        raise ValueError(f"--objective={args.objective}: unknown objective; allowed: "
                         f"{', '.join(OBJECTIVES)} (a growth floor: --growth-floor G)")
    parts = _names("--decide", args.decide, PARTS)
    levers = _names("--levers", args.levers, LEVERS)
    policies = _names("--pricing", args.pricing, POLICIES)
    if "shares" in parts and len(levers) < 2:
        raise ValueError(f"--levers={args.levers}: name at least two levers (one lever gets "
                         "the whole budget: nothing to search)")
    space = DecisionSpace(levers=levers if "shares" in parts else LEVERS, parts=parts,
                          policies=policies if "price" in parts else POLICIES,
                          ranges=_ranges(args.range))
    if args.sampler not in SAMPLER_CHOICES:
        raise ValueError(f"--sampler={args.sampler}: unknown; allowed: "
                         f"{', '.join(SAMPLER_CHOICES)}")
    constrained = args.growth_floor is not None
    sampler = args.sampler if args.sampler != "auto" else ("tpe" if constrained else "cmaes")
    try:
        make_sampler(sampler, 0, constrained)
    except SearchError as exc:
        raise ValueError(f"--sampler={args.sampler}: {str(exc).partition(': ')[2]} (a growth "
                         "floor is a constraint)") from None
    if args.rounds is not None and args.rivals != "respond":
        raise ValueError(f"--rounds={args.rounds}: only with --rivals respond")
    refuse_keys(args.overrides, SET_HERE, "--seeds sets the seeds")
    overrides = [*(QUICK_OVERRIDES if args.quick else ()), *args.overrides]
    cfg = load_config(overrides)
    firms = list(cfg.firms)
    firm = args.firm if args.firm is not None else firms[0]
    if firm not in cfg.firms:
        raise ValueError(f"--firm={firm}: no such firm; the firms are {', '.join(firms)}")
    if args.rivals == "respond" and len(firms) < 2:
        raise ValueError("--rivals=respond: needs two firms or more (firms=two_vs_two)")
    steps = cfg.market.steps
    horizon = args.horizon if args.horizon is not None else steps
    if horizon > steps:
        raise ValueError(f"--horizon={horizon}: longer than the run (market.steps={steps}); "
                         f"allowed 1 to {steps} months")
    movers = firms if args.rivals == "respond" else [firm]
    for name in movers:  # a searched firm spends as its decision says, the whole run
        firm_cfg = cfg.firms[name]
        if firm_cfg.pivot.at:
            raise ValueError(f"firms.{name}.pivot.at={firm_cfg.pivot.at}: a searched firm "
                             "keeps its decision for the whole run; remove its pivot")
        if "shares" in space.parts and firm_cfg.objective.value != "fixed":
            raise ValueError(f"firms.{name}.objective={firm_cfg.objective.value}: a searched "
                             "firm's shares are its decision, and an adaptive firm would move "
                             "them; set it to fixed (or --decide budget,price)")
    respond = args.rivals == "respond"

    def quick_or(key: str, default: int) -> int:
        return QUICK[key] if args.quick else default

    trials = args.trials or (quick_or("respond_trials", DEFAULT["respond_trials"]) if respond
                             else quick_or("trials", DEFAULT["per_dimension"]
                                           * _dimensions(space)))
    label = f"{cfg.name}_{'respond' if respond else firm}"
    out = check_out(args.out, new_study_folder("optimise", label, args.quick))
    p = Plan(cfg=cfg, overrides=overrides, firm=firm, rivals=args.rivals,
             objective=args.objective, growth_floor=args.growth_floor, horizon=horizon,
             space=space, seeds=args.seeds or quick_or("seeds", DEFAULT["seeds"]),
             trials=trials, fresh=args.fresh_seeds or quick_or("fresh", DEFAULT["fresh"]),
             rounds=args.rounds or quick_or("rounds", DEFAULT["rounds"]), sampler=sampler,
             jobs=args.jobs or (1 if args.quick else 2), out=out, quick=args.quick,
             order=[firm, *(f for f in firms if f != firm)] if respond else [firm])
    first = _study_name(p, p.order[0], 1)
    check_resumable(journal(p, p.order[0], 1), first, {**_study_settings(p, p.order[0]),
                                           "seeds": p.seed_list(), "space": repr(space),
                                           "direction": "maximize"})
    return p


def _study_name(p: Plan, firm: str, round_: int) -> str:
    return "optimise" if p.rivals == "fixed" else f"round{round_}_{firm}"


def journal(p: Plan, firm: str, round_: int) -> Path:
    """The journal of a search: ``search.journal``, or ``responses/round<r>_<firm>.journal``."""
    if p.rivals == "fixed":
        return p.out / JOURNAL
    return p.out / RESPONSES / f"{_study_name(p, firm, round_)}.journal"


def _study_settings(p: Plan, firm: str) -> dict[str, Any]:
    """The settings of one study (what :func:`sim.studies.optimise_run.search` records)."""
    return {**p.settings(), "objective": p.objective, "growth_floor": p.growth_floor,
            "sampler": p.sampler}


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(p: Plan, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Search (or respond), re-evaluate on fresh seeds, write everything; the files by name."""
    from .elasticities import git_commit
    from .optimise_outputs import write_outputs
    from .optimise_respond import respond
    from .optimise_run import Outcome, evaluate_profiles

    t0 = time.perf_counter()
    say = progress or (lambda line: None)
    commit = git_commit()
    p.out.mkdir(parents=True, exist_ok=True)
    say(f"optimise: {p.cfg.market.n_customers:,} customers, horizon {p.horizon} of "
        f"{p.cfg.market.steps} months, {p.seeds} seeds per candidate; output {p.out} (after "
        f"a kill, the same command with --out {p.out} resumes)")
    outcome: Outcome = respond(p, commit, say) if p.rivals == "respond" else \
        _optimise(p, commit, say)
    fresh = p.fresh_list()
    say(f"optimise: re-running {', '.join(outcome.profiles)} on {len(fresh)} fresh seeds "
        f"({fresh[0]}..{fresh[-1]})")
    evaluation = evaluate_profiles(p.cfg, outcome.profiles, p.horizon, fresh, p.jobs, say)
    return write_outputs(p, outcome, evaluation, commit, time.perf_counter() - t0)


def _optimise(p: Plan, commit: str, say: Callable[[str], None]) -> Any:
    """The firm's search against rivals as configured; its plan and the presets go first."""
    from .optimise_run import (
        Outcome,
        best_decision,
        search,
        search_scores,
        simulate_candidate,
        trials_frame,
    )

    base = firm_decision(p.cfg.firms[p.firm])
    presets = {name: preset_decision(p.cfg.firms[p.firm], name) for name in PRESETS}
    say(f"optimise {p.firm}: {p.trials} trials ({p.sampler}) of {', '.join(p.space.parts)}; "
        f"objective {p.objective}" + (f" with revenue growth >= {p.growth_floor:g} a year"
                                      if p.growth_floor is not None else ""))
    study = search(storage=journal(p, p.firm, 1), study_name=_study_name(p, p.firm, 1),
                   space=p.space,
                   simulate=partial(simulate_candidate, p.cfg, p.firm, p.horizon, {}),
                   score=Score(p.firm, p.objective, base, p.growth_floor, commit),
                   seeds=p.seed_list(), trials=p.trials, sampler=p.sampler,
                   starts=[("plan", base), *presets.items()], settings=p.settings(),
                   n_jobs=p.jobs, progress=say)
    trials = trials_frame(study, firm=p.firm)
    best = best_decision(study)
    decisions = {"best": {p.firm: best}, "plan": {p.firm: base},
                 **{name: {p.firm: d} for name, d in presets.items()}}
    # the plan runs as configured (untouched), every other profile changes the firm only
    profiles = {**decisions, "plan": {}}
    scores = {(k, p.firm): v for k, v in search_scores(trials, study.best_trial.number).items()}
    return Outcome(trials=trials, profiles=profiles, decisions=decisions, scores=scores,
                   references=["best", "plan"])


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim optimise``: progress on stderr, the report on stdout. Errors: exit 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        checked = plan(args)
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    files = run(checked, _say)
    print(files["report"].read_text(encoding="utf-8"))
    print(f"wrote {checked.out}")
    return 0
