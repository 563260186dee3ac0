"""``ccsim experiment``: put a claim of the essays to the test, one command per experiment.

``ccsim experiment NAME [NAME ...] [--quick] [--seeds N]`` reads ``experiments/NAME/config.yaml``
(:mod:`sim.analysis.experiment_spec`), plans its runs (:mod:`sim.studies.experiment_design`:
every arm at the base point on common random numbers, then the claim's arms at each
Latin-hypercube point of the premises), checks every run's configuration before anything is
written, runs what is not complete yet through Hydra's launcher as one sweep
(:mod:`sim.studies.experiment_launch`; resumable: the same command again runs only what is
missing), adds seeds until the claim's 95% CI has the half-width the config asks for (full form),
and analyses the saved runs into ``results/experiments/NAME/`` (:mod:`sim.analysis.
experiment_report`). ``--all`` runs every experiment (their runs share one sweep, and a run two
experiments both need runs once); ``--list`` names them with their claims; ``--plan`` states
each one's runs and estimated compute without running anything.

Defaults: full forms write into ``results/experiments/NAME`` with their runs in
``results/sweeps/experiments`` (git ignores it); ``--quick`` forms into
``results/tmp/experiments/NAME`` with runs in ``results/tmp/experiments/sweep``. Hydra overrides
of the launcher (``hydra/launcher=ray``, ``hydra.launcher.n_jobs=4``) pass through.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..analysis.experiment_spec import Experiment, SpecError, list_experiments, load
from ..cli_parser import OneLineParser, UsageError, check_out_dir
from .arguments import JOBS, CommandLineChecks, seeds
from .experiment_design import BASE, Job, extra_seeds, jobs_for, points_table

__all__ = ["DEFAULT_OUT", "Checked", "build_parser", "check_experiments", "estimate", "main",
           "plan_rows", "run_experiments"]

DEFAULT_OUT = Path("results/experiments")
DEFAULT_WORK = Path("results/sweeps/experiments")
QUICK_OUT = Path("results/tmp/experiments")
QUICK_WORK = Path("results/tmp/experiments/sweep")
#: For ``--plan``'s estimates: model throughput of one worker (customer-steps a second, about
#: what one thread does at 2,000-10,000 customers here) and the time each job costs besides
#: the model (Hydra composing its configuration, writing its files), measured on this machine.
RATE = 1.0e6
OVERHEAD = 0.5


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim experiment`` argument parser."""
    p = OneLineParser(prog="ccsim experiment",
                      description="Run an experiment that puts a claim of the essays to the "
                                  "test, and write its verdict with confidence intervals and "
                                  "the region of the premises where it holds.")
    p.add_argument("names", nargs="*", metavar="NAME | HYDRA_OVERRIDE",
                   help="experiments to run (ccsim experiment --list names them), then any "
                        "launcher settings, e.g. hydra/launcher=ray hydra.launcher.n_jobs=4")
    p.add_argument("--all", action="store_true", help="every experiment")
    p.add_argument("--list", action="store_true", help="list the experiments and their claims")
    p.add_argument("--plan", action="store_true",
                   help="print the runs and estimated compute of each experiment; run nothing")
    p.add_argument("--quick", action="store_true",
                   help="the quick form: a tiny market, few seeds and points (a check)")
    p.add_argument("--seeds", type=seeds(), metavar="N",
                   help="seeds per arm at the base point, 2 to 10,000 (default: the form's, "
                        "extended to the target CI half-width in the full form)")
    p.add_argument("--out", metavar="DIR",
                   help=f"results folder (default {DEFAULT_OUT}; --quick {QUICK_OUT})")
    p.add_argument("--work", metavar="DIR",
                   help=f"the sweep folder of the runs (default {DEFAULT_WORK}; --quick "
                        f"{QUICK_WORK})")
    p.add_argument("--jobs", type=JOBS, metavar="N",
                   help="worker processes, 1 to 256 (hydra.launcher.n_jobs of the joblib "
                        "launcher)")
    p.add_argument("--no-figures", action="store_true", help="write the tables only")
    return p


# ----------------------------------------------------------------------------------------------
# Planning


def estimate(jobs: Sequence[Job], rate: float = RATE, overhead: float = OVERHEAD) -> float:
    """Estimated CPU seconds of jobs: the model's customer-steps at ``rate`` plus overheads."""
    total = 0.0
    for j in jobs:
        size = {o.partition("=")[0]: o.partition("=")[2] for o in j.overrides}
        total += overhead + int(size["market.n_customers"]) * int(size["market.steps"]) / rate
    return total


def plan_rows(exps: Sequence[Experiment], quick: bool) -> pd.DataFrame:
    """One row per experiment: sizes, arms, seeds, points, runs and estimated CPU hours.

    The full form's seeds are its first round; the target half-width may add up to
    ``max_seeds`` per arm, so the table shows that bound too.
    """
    rows = []
    for exp in exps:
        form = exp.form(quick)
        jobs = jobs_for(exp, quick)
        most = jobs_for(exp, quick, seeds=max(form.seeds, form.max_seeds))
        base = [j for j in jobs if j.point == BASE]
        rows.append({"experiment": exp.name, "customers": form.customers, "months": form.months,
                     "arms": len(exp.arms), "seeds": form.seeds, "max_seeds": form.max_seeds,
                     "points": form.points, "point_seeds": form.point_seeds,
                     "point_customers": form.point_customers, "runs": len(jobs),
                     "base_runs": len(base), "runs_at_most": len(most),
                     "cpu_hours": estimate(jobs) / 3600,
                     "cpu_hours_at_most": estimate(most) / 3600})
    return pd.DataFrame(rows)


def _print_plan(exps: Sequence[Experiment], quick: bool, workers: int) -> None:
    table = plan_rows(exps, quick)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    print(f"\nall: {int(table['runs'].sum()):,} runs (at most {int(table['runs_at_most'].sum()):,}"
          f" with extra seeds), about {table['cpu_hours'].sum():.1f} CPU hours (at most "
          f"{table['cpu_hours_at_most'].sum():.1f}); on {workers} workers about "
          f"{table['cpu_hours'].sum() / workers:.1f} h (at most "
          f"{table['cpu_hours_at_most'].sum() / workers:.1f} h). Estimates: {RATE:.0e} "
          f"customer-steps/s per worker plus {OVERHEAD} s per run.")


def _list(exps: Sequence[Experiment]) -> None:
    for exp in exps:
        print(f"{exp.name}\n  {exp.title}\n  claim (essay {exp.seed_file[:3]}): "
              f"“{exp.claim_text}”\n  tested as: {exp.claim.text()}")


# ----------------------------------------------------------------------------------------------
# Checking and running


def _check_configs(jobs: Sequence[Job]) -> dict[tuple[str, ...], object]:
    """The validated configuration of every distinct run setting (seeds aside)."""
    from ..config import ConfigError
    from ..sweep_plan import Composer

    composer = Composer.shared()
    configs: dict[tuple[str, ...], object] = {}
    for job in jobs:
        if job.overrides in configs:
            continue
        try:
            configs[job.overrides] = composer.config(list(job.overrides))
        except ConfigError as exc:
            where = f"arm {job.arm}" + ("" if job.point == BASE else f", point {job.point}")
            raise SpecError(f"experiments/{job.experiment}: {where}: {exc}") from None
    return configs


def _names(jobs: Sequence[Job], master: object, known: dict[tuple[str, ...], str]) -> None:
    """Add the run folder name of every job not named yet to ``known`` (line → name)."""
    from .experiment_launch import job_names

    todo = list(dict.fromkeys(tuple(j.line) for j in jobs if tuple(j.line) not in known))
    known.update(zip(todo, job_names(todo, master), strict=True))


def _run(jobs: Sequence[Job], configs: dict, work: Path, hydra: Sequence[str],
         names: dict[tuple[str, ...], str]) -> None:
    """Launch the jobs that are not complete yet; raise RuntimeError if any failed."""
    from .experiment_launch import launch, pending, with_seed

    by_name = {names[tuple(j.line)]: j for j in jobs}  # one run per folder: the same
    unique = [tuple(j.line) for j in by_name.values()]  # overrides in another order are one
    by_line = {tuple(j.line): j for j in jobs}
    todo = pending(work, [names[u] for u in unique],
                   [with_seed(configs[by_line[u].overrides], by_line[u].seed) for u in unique])
    print(f"ccsim experiment: {len(unique):,} runs, {len(unique) - len(todo):,} complete "
          f"already, {len(todo):,} to run → {work}", file=sys.stderr, flush=True)
    rep = launch([unique[i] for i in todo], work, hydra, planned=unique)
    if rep.failed or rep.incomplete:
        shown = "\n  ".join(str(d / "error.json") for d in rep.failed_dirs[:10])
        raise RuntimeError(f"{rep.failed} run(s) failed and {rep.incomplete} did not finish "
                           f"({rep.line()}); errors:\n  {shown}\nfix the cause and run the "
                           "same command again: only what is missing runs")


def _frame(jobs: Sequence[Job], names: dict[tuple[str, ...], str]) -> pd.DataFrame:
    return pd.DataFrame({"run_id": [names[tuple(j.line)] for j in jobs],
                         "arm": [j.arm for j in jobs], "point": [j.point for j in jobs],
                         "seed": [j.seed for j in jobs]})


def _half_width(exp: Experiment, frame: pd.DataFrame, work: Path) -> float:
    from ..analysis.claims import claim_values
    from ..analysis.experiment_report import gather
    from ..analysis.stats import t_ci

    base = frame[(frame["point"] == BASE) & frame["arm"].isin(exp.claim_arms)]
    values = claim_values(gather(exp, base, work), exp.claim)
    _, lo, hi = t_ci(values)
    return (hi - lo) / 2


def _commands(exp: Experiment, jobs: Sequence[Job], argv: Sequence[str],
              points: pd.DataFrame) -> list[str]:
    """The exact commands: this one, and a ``ccsim run`` per arm and per region point."""
    lines = ["ccsim " + " ".join(shlex.quote(a) for a in argv)]
    base = [j for j in jobs if j.point == BASE]
    for arm in exp.arms:
        mine = [j for j in base if j.arm == arm]
        seeds = sorted({j.seed for j in mine})
        lines.append(f"ccsim run -m {' '.join(shlex.quote(o) for o in mine[0].overrides)} "
                     f"'seed=range({seeds[0]},{seeds[-1] + 1})'  # arm {arm}")
    region = [j for j in jobs if j.point != BASE]
    if region:
        j = region[0]
        seeds = sorted({r.seed for r in region})
        lines.append(f"ccsim run -m {' '.join(shlex.quote(o) for o in j.overrides)} "
                     f"'seed=range({seeds[0]},{seeds[-1] + 1})'  # point {j.point}, arm {j.arm}; "
                     f"points {points['point'].iloc[0]}–{points['point'].iloc[-1]} of points.csv "
                     "likewise, with each claim arm")
    return lines


@dataclass
class Checked:
    """Experiments whose every run was checked: what :func:`run_experiments` runs, unwritten."""

    exps: Sequence[Experiment]
    quick: bool
    seeds: int | None
    out: Path
    work: Path
    hydra: Sequence[str]
    plans: dict[str, list[Job]]
    configs: dict[tuple[str, ...], object]
    parallel: bool


def check_experiments(exps: Sequence[Experiment], quick: bool = False, seeds: int | None = None,
                      out: Path | None = None, work: Path | None = None,
                      hydra: Sequence[str] = ()) -> Checked:
    """Plan the experiments' runs and check all of them; nothing is written.

    Checked: every run's configuration, Hydra's launcher settings, the memory the runs need,
    and that the results and sweep folders can be written.

    Raises:
        SpecError: an experiment, a run's configuration, the launcher or a folder is not valid.
    """
    from ..config import ConfigError
    from ..footprint import check_memory

    out = Path(out) if out else (QUICK_OUT if quick else DEFAULT_OUT)
    work = Path(work) if work else (QUICK_WORK if quick else DEFAULT_WORK)
    try:
        check_out_dir(out, "--out")
        check_out_dir(work, "--work")
    except UsageError as exc:
        raise SpecError(str(exc)) from None
    for exp in exps:
        target = out / exp.name
        if target.exists() and not target.is_dir():
            raise SpecError(f"--out={out}: {target} is a file; give a folder")
    plans = {exp.name: jobs_for(exp, quick, seeds) for exp in exps}
    configs = _check_configs([j for jobs in plans.values() for j in jobs])
    try:
        from ..configure import check_launch

        launch = check_launch([*hydra, f"hydra.sweep.dir={work.resolve()}"], multirun=True)
        check_memory(list(configs.values()), parallel=launch.parallel)
    except ConfigError as exc:
        raise SpecError(str(exc)) from None
    return Checked(exps, quick, seeds, out, work, tuple(hydra), plans, configs, launch.parallel)


def run_experiments(exps: Sequence[Experiment], quick: bool = False, seeds: int | None = None,
                    out: Path | None = None, work: Path | None = None,
                    hydra: Sequence[str] = (), figures: bool = True,
                    argv: Sequence[str] = (), checked: Checked | None = None
                    ) -> dict[str, Path]:
    """Plan, check, run and analyse experiments; return each one's results folder.

    Args:
        exps: The experiments.
        quick: Their quick forms (a tiny market, few seeds and points).
        seeds: Seeds per arm at the base point (default: the form's, extended to the target
            half-width in the full form).
        out: The results folder (one subfolder per experiment).
        work: The sweep folder of the runs.
        hydra: Launcher overrides (``hydra/launcher=ray``, ``hydra.launcher.n_jobs=4``).
        figures: Draw the figures as well as the tables.
        argv: The command line, recorded in each experiment's ``stamp.json``.
        checked: The experiments as :func:`check_experiments` checked them (then ``exps``,
            ``quick``, ``seeds``, ``out``, ``work`` and ``hydra`` are taken from it).

    Raises:
        SpecError: an experiment or one of its runs' configurations is not valid (nothing is
            written).
        RuntimeError: runs failed (their errors are in the sweep; the same call resumes).
    """
    from ..runner import package_versions
    from .elasticities import git_commit
    from .experiment_launch import compose_master

    t0 = time.perf_counter()
    c = checked or check_experiments(exps, quick, seeds, out, work, hydra)
    exps, quick, seeds, out, work, hydra = c.exps, c.quick, c.seeds, c.out, c.work, c.hydra
    plans, configs = dict(c.plans), dict(c.configs)
    every = [j for jobs in plans.values() for j in jobs]
    master = compose_master(work, hydra)
    names: dict[tuple[str, ...], str] = {}
    _names(every, master, names)
    _run(every, configs, work, hydra, names)
    widths: dict[str, dict] = {}
    extra: list[Job] = []
    for exp in exps:  # more seeds where the claim's interval is wider than the target
        form = exp.form(quick)
        if seeds is not None or form.half_width is None:
            continue
        first = _half_width(exp, _frame(plans[exp.name], names), work)
        wanted = extra_seeds(first, form.seeds, form.half_width, form.max_seeds)
        widths[exp.name] = {"target": form.half_width, "first_seeds": form.seeds,
                            "first": first, "cap": form.max_seeds}
        if wanted > form.seeds:
            more = jobs_for(exp, quick, wanted, start=form.seeds)
            plans[exp.name] = plans[exp.name] + more
            extra += more
    if extra:
        configs.update(_check_configs(extra))
        _names(extra, master, names)
        _run(extra, configs, work, hydra, names)
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = git_commit()
    tasks = []
    for exp in exps:
        form = exp.form(quick)
        jobs = plans[exp.name]
        frame = _frame(jobs, names)
        points = points_table(exp, form)
        n_seeds = len({j.seed for j in jobs if j.point == BASE})
        if exp.name in widths:
            widths[exp.name]["final"] = _half_width(exp, frame, work)
        base_runs = frame[frame["point"] == BASE]["run_id"]
        scenarios = sorted({_scenario(work / r) for r in base_runs})
        stamp = {"experiment": exp.name, "form": form.name, "git_commit": commit.split("+")[0],
                 "git_dirty": commit.endswith("+dirty"), "date": date,
                 "seconds": time.perf_counter() - t0, "jobs": len(jobs),
                 "customers": form.customers, "months": form.months, "seeds": n_seeds,
                 "points": form.points if exp.premises else 0, "point_seeds": form.point_seeds,
                 "point_customers": form.point_customers, "point_months": form.point_months,
                 "lhs_seed": form.lhs_seed, "scenarios": scenarios,
                 "half_width": widths.get(exp.name, {}),
                 "claim": {"metric": exp.claim.metric, "op": exp.claim.op,
                           "threshold": exp.claim.threshold, "undefined": exp.claim.undefined,
                           "arms": dict(exp.claim.arms)},
                 "sweep": str(work), "commands": _commands(exp, jobs, argv, points),
                 "versions": package_versions()}
        tasks.append((exp, frame, work, points, out / exp.name, stamp, figures))
    from .parallel import run_tasks

    done = {}
    for name, folder in sorted(run_tasks(_analyse, tasks, c.parallel)):
        done[name] = folder
        print(f"{name}: {_headline(folder)} → {folder}", flush=True)
    return done


def _analyse(exp: Experiment, frame: pd.DataFrame, work: Path, points: pd.DataFrame,
             folder: Path, stamp: dict, figures: bool) -> tuple[str, Path]:
    """One experiment's analysis (in a worker process): its results folder written."""
    from ..analysis.experiment_report import write_report

    write_report(exp, frame, work, points, folder, stamp, figures)
    return exp.name, folder


def _scenario(folder: Path) -> str:
    from .. import io

    try:
        return str(io.read_json(folder / "summary.json").get("name", "?"))
    except (OSError, ValueError):
        return "?"


def _headline(folder: Path) -> str:
    summary = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
    row = summary[summary["role"] == "claim"].iloc[0]
    return (f"{row['verdict']} ({row['quantity'].removeprefix('claim: ')}: "
            f"{row['estimate']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}], "
            f"{int(row['seeds'])} seeds)")


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim experiment``: errors are one line with exit status 2, failed runs exit 1.

    Every argument, every run's configuration, the launcher settings and the folders are
    checked before anything runs; ``check_only`` stops there.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        hydra = [a for a in args.names if "=" in a]
        args.names = [a for a in args.names if "=" not in a]
        bad = [h for h in hydra if not h.lstrip("+~").startswith(("hydra.", "hydra/"))]
        if bad:
            raise ValueError(f"{bad[0]}: only launcher settings (hydra.* or hydra/...) may "
                             "follow; an experiment's runs are set by its config.yaml")
        known = list_experiments()
        unknown = [n for n in args.names if n not in known]
        if unknown:
            raise ValueError(f"NAME={unknown[0]}: unknown experiment; allowed: "
                             f"{', '.join(known)}")
        names = known if (args.all or args.list or (args.plan and not args.names)) \
            else args.names
        if not names:
            raise ValueError("NAME: missing; name an experiment (ccsim experiment --list), or "
                             "give --all")
        exps = [load(n) for n in names]
        if args.jobs is not None and not any(h.startswith("hydra/launcher=") for h in hydra):
            hydra.append(f"hydra.launcher.n_jobs={args.jobs}")
        for flag, folder in (("--out", args.out), ("--work", args.work)):
            if folder is not None:
                check_out_dir(folder, flag)
        checked = None if args.list or args.plan else check_experiments(
            exps, args.quick, args.seeds, args.out and Path(args.out),
            args.work and Path(args.work), hydra)
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    if args.list:
        _list(exps)
        return 0
    if args.plan:
        _print_plan(exps, args.quick, args.jobs or 2)
        return 0
    try:
        done = run_experiments(exps, figures=not args.no_figures, argv=["experiment", *argv],
                               checked=checked)
    except SpecError as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"ccsim: {exc}", file=sys.stderr)
        return 1
    if not args.quick and not args.out:
        from ..analysis.experiments_readme import write_tables

        for path in write_tables(DEFAULT_OUT):
            print(f"claims table → {path}")
    print(f"{len(done)} experiment(s) done")
    return 0
