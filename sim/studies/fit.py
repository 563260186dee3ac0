"""``ccsim fit TARGET``: the model's premises fitted to an observed curve.

``ccsim fit TARGET [--quick] [--seeds N] [--trials N] [--out DIR] [--jobs N] [--n-customers N]
[--sampler tpe|cmaes|random] [--search KEY=LOW:HIGH[:log]]... [OVERRIDE...]``; ``ccsim fit
--list`` names the targets. Each target (:mod:`sim.studies.fit_bass`,
:mod:`sim.studies.fit_survival`) documents its loss; ``cdnow`` is a report on data
(:mod:`sim.analysis.fit_cdnow`), not a search.

How a fit runs:

1. Everything is checked first — the target, the numbers, the searched ranges against the
   config schema, the overrides, the output folder, and a saved search's settings if the folder
   holds one — and a bad value ends with one ``ccsim: error:`` line, exit status 2 and nothing
   written.
2. The search (:func:`sim.studies.optuna_search.run_search`, TPE by default): every candidate is
   run on the same seeds 0..N−1 (common random numbers, N >= 5) in worker processes, and
   scored by the target's loss; one line per trial on stderr. The journal ``search.journal``
   is the search's log: a killed fit run again with the same command resumes it and repeats no
   finished trial (``--trials`` may grow).
3. The best candidate is run again on fresh seeds (10000, 10001, ...) for the band: the
   2.5–97.5 percentiles over those seeds around the seeds' mean.
4. Written to ``--out`` (default ``results/fits/<target>``; with ``--quick``
   ``results/tmp/fits/<target>_quick``): ``trials.parquet`` (every trial: parameters, loss,
   per-seed losses, git commit), ``band.parquet``, ``parameters.parquet`` (the fitted premises
   beside the published and classical estimates) and each target's further tables, each also
   as CSV; ``meta.json`` (settings, seeds, best trial, the git commit, versions);
   ``report.md`` (:mod:`sim.analysis.fit_report`) and ``fit.png`` / ``fit.pdf``
   (:mod:`sim.plots.fits`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..cli_parser import OneLineParser, integer
from .arguments import JOBS, MAX_SEEDS, CommandLineChecks, seeds
from .fit_bass import bass_targets
from .fit_survival import retention_targets, sbg_targets
from .fit_targets import BAND_SEED_BASE, FitTarget, Size
from .optuna_search import SAMPLERS, Param, SearchError

__all__ = ["REPORTS", "build_parser", "main", "plan", "run", "targets"]

#: Targets that are reports on data, not searches.
REPORTS = ("cdnow",)
JOURNAL = "search.journal"
#: Keys a fit sets itself (refused as overrides).
SET_BY_FIT = ("seed", "market.steps", "market.n_customers", "scenario")
#: Fewest seeds per candidate (and for the band): fewer make a noisy loss and a thin band.
MIN_SEEDS = 5
#: Most trials one command asks for (each is --seeds runs of the model).
MAX_TRIALS = 100_000
#: Most customers (the configuration schema's bound on market.n_customers).
MAX_CUSTOMERS = 10**9


def targets() -> dict[str, FitTarget]:
    """Every search target by name, in the order ``--list`` prints them."""
    return {t.name: t for t in (*bass_targets(), *sbg_targets(), *retention_targets())}


@dataclass
class Plan:
    """A checked fit: everything ``run`` needs, nothing written yet."""

    target: FitTarget
    size: Size
    space: tuple[Param, ...]
    overrides: list[str]
    cfg: Any
    cfg_band: Any
    out: Path
    sampler: str
    jobs: int
    quick: bool

    def settings(self) -> dict[str, Any]:
        """What a resumed search must share with the saved one."""
        out = {"target": self.target.name, "n_customers": self.size.n_customers,
               "steps": self.cfg.market.steps, "overrides": self.overrides,
               "sampler": self.sampler}
        ranges = getattr(self.target, "range_overrides", ())
        return out | ({"ranges": [list(r) for r in ranges]} if ranges else {})


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim fit`` argument parser."""
    p = OneLineParser(prog="ccsim fit",
                      description="Fit the model's premises to an observed curve (Optuna, "
                                  "common random numbers, >= 5 seeds per candidate); cdnow is "
                                  "a report on purchase-timing data.")
    p.add_argument("target", nargs="?", metavar="TARGET", help="what to fit (--list names them)")
    p.add_argument("--list", action="store_true", help="name the targets and exit")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers), 5 seeds, 3 trials: a check, not a fit")
    p.add_argument("--seeds", type=seeds(MIN_SEEDS), metavar="N",
                   help=f"seeds per candidate ({MIN_SEEDS} to {MAX_SEEDS:,})")
    p.add_argument("--trials", type=integer(1, MAX_TRIALS, "trials"), metavar="N",
                   help=f"finished trials wanted in total (1 to {MAX_TRIALS:,})")
    p.add_argument("--n-customers", type=integer(1, MAX_CUSTOMERS, "customers"), metavar="N",
                   help="customers in the market")
    p.add_argument("--band-seeds", type=seeds(MIN_SEEDS), metavar="N",
                   help="fresh seeds the best candidate is re-run on for the band "
                        f"({MIN_SEEDS} to {MAX_SEEDS:,})")
    p.add_argument("--sampler", default="tpe", metavar="NAME",
                   help=f"Optuna sampler: {', '.join(SAMPLERS)} (default tpe)")
    p.add_argument("--search", action="append", default=[], metavar="KEY=LOW:HIGH[:log]",
                   help="search this premise too (or over another range), e.g. a churn "
                        "frailty once the model has one; repeatable")
    p.add_argument("--range", action="append", default=[], metavar="YEAR=LOW:HIGH",
                   help="retention targets: replace a year's range (in %%), for a sensitivity "
                        "fit beside the stated one; repeatable")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default results/fits/<target>; --quick: "
                        "results/tmp/fits/<target>_quick); a folder holding the same search "
                        "resumes it")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="Hydra overrides of fixed premises, e.g. firms=single")
    return p


def _search_param(spec: str) -> Param:
    """``KEY=LOW:HIGH[:log]`` as a :class:`Param` (the key checked against the schema)."""
    from ..analysis.sensitivity import _schema_field

    key, _, rng = spec.partition("=")
    parts = rng.split(":")
    if not key or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise ValueError(f"--search={spec}: write KEY=LOW:HIGH or KEY=LOW:HIGH:log")
    try:
        _schema_field(key)
        low, high = float(parts[0]), float(parts[1])
    except KeyError:
        raise ValueError(f"--search={spec}: {key} is not a key of the configuration "
                         "(ccsim run --help lists them)") from None
    except ValueError:
        raise ValueError(f"--search={spec}: LOW and HIGH must be numbers") from None
    try:
        return Param(key, low, high, log=len(parts) == 3, why="--search")
    except SearchError as exc:
        raise ValueError(f"--search={spec}: {exc}") from None


def _ranges(target: FitTarget, specs: list[str]) -> FitTarget:
    """The target with ``--range YEAR=LOW:HIGH`` applied (retention targets only)."""
    if not specs:
        return target
    if not hasattr(target, "range_overrides"):
        raise ValueError(f"--range={specs[0]}: only retention targets have ranges")
    years = set(target.ranges()["year"])
    out = []
    for spec in specs:
        year, _, rng = spec.partition("=")
        try:
            y, (low, high) = int(year), (float(v) for v in rng.split(":"))
        except ValueError:
            raise ValueError(f"--range={spec}: write YEAR=LOW:HIGH (percent)") from None
        if y not in years or not 0 <= low < high <= 100:
            allowed = ", ".join(map(str, sorted(years)))
            raise ValueError(f"--range={spec}: a year with a range ({allowed}) and "
                             "0 <= LOW < HIGH <= 100")
        out.append((y, low, high))
    return dataclasses.replace(target, range_overrides=tuple(out))


def default_out(name: str, quick: bool) -> Path:
    """``results/fits/<target>``, or ``results/tmp/fits/<target>_quick`` (git ignores tmp)."""
    return Path("results/tmp/fits") / f"{name}_quick" if quick else Path("results/fits") / name


def plan(args: argparse.Namespace) -> Plan | str:
    """Check every argument; a search's :class:`Plan`, or the report target's name.

    Raises:
        ValueError, sim.config.ConfigError, SearchError: a bad value (one line, exit 2).
    """
    from ..configure import load_config
    from .arguments import check_out, refuse_keys
    from .optuna_search import check_resumable, make_sampler
    from .sensitivity import with_values

    known = targets()
    allowed = [*known, *REPORTS]
    if args.target not in allowed:
        raise ValueError(f"TARGET={args.target}: unknown target; allowed {', '.join(allowed)}")
    if args.sampler not in SAMPLERS:
        raise ValueError(f"--sampler={args.sampler}: unknown; allowed: {', '.join(SAMPLERS)}")
    out = check_out(args.out, default_out(args.target, args.quick))
    if args.target in REPORTS:
        given = [f"--{n.replace('_', '-')}" for n in ("seeds", "trials", "n_customers",
                                                      "band_seeds")
                 if getattr(args, n) is not None] + (["--search"] if args.search else []) \
            + (["--range"] if args.range else []) + args.overrides
        if given:
            raise ValueError(f"TARGET={args.target}: a report on data, no search; "
                             f"{', '.join(given)} do(es) not apply")
        return args.target
    target = _ranges(known[args.target], args.range)
    make_sampler(args.sampler)
    base = target.quick if args.quick else target.full
    size = Size(n_customers=args.n_customers or base.n_customers,
                seeds=args.seeds or base.seeds, trials=args.trials or base.trials,
                band_seeds=args.band_seeds or base.band_seeds)
    extra = {p.key: p for p in (_search_param(s) for s in args.search)}
    space = tuple(extra.pop(p.key, p) for p in target.space) + tuple(extra.values())
    refuse_keys(args.overrides, [*SET_BY_FIT, *(p.key for p in space)],
                "the target, --n-customers and the searched premises set it")
    cfg = load_config([*target.overrides(size), *args.overrides])
    for bound in ("low", "high"):  # every value the search may try is allowed by the schema
        with_values(cfg, {p.key: getattr(p, bound) for p in space})
    cfg_band = load_config([*target.overrides(size, band=True), *args.overrides])
    p = Plan(target, size, space, list(args.overrides), cfg, cfg_band, out, args.sampler,
             args.jobs, args.quick)
    check_resumable(out / JOURNAL, target.name, _search_settings(p))
    return p


def _search_settings(p: Plan) -> dict[str, Any]:
    """:meth:`Plan.settings` plus what :func:`run_search` adds (to check before writing)."""
    return {**p.settings(), "seeds": list(range(p.size.seeds)),
            "space": [dataclasses.asdict(x) for x in p.space], "direction": "minimize"}


def run(p: Plan, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Search, re-run the best candidate on fresh seeds, write everything; the files by name."""
    from .. import io
    from ..analysis.fit_report import write_report
    from ..plots.fits import save_figure
    from ..runner import package_versions
    from .elasticities import git_commit
    from .optuna_search import evaluate_seeds, run_search, trials_table

    t0 = time.perf_counter()
    say = progress or (lambda line: None)
    commit = git_commit()
    p.out.mkdir(parents=True, exist_ok=True)
    target = dataclasses.replace(p.target, space=p.space).searching_from(p.cfg)

    def score(params: dict, results: list) -> Any:
        ev = target.score(params, results)
        ev.attrs = {**ev.attrs, "git_commit": commit}
        return ev

    say(f"fit {target.name}: {p.size.trials} trials × {p.size.seeds} seeds, "
        f"{p.size.n_customers:,} customers × {p.cfg.market.steps} steps"
        + (f" — {target.caveat}" if target.caveat else ""))
    study = run_search(storage=p.out / JOURNAL, study_name=target.name, space=p.space,
                       simulate=target.simulator(p.cfg), score=score,
                       seeds=range(p.size.seeds), n_trials=p.size.trials, sampler=p.sampler,
                       n_jobs=p.jobs, settings=p.settings(), progress=say)
    trials = trials_table(study)
    best_trial = study.best_trial
    best = {"params": dict(best_trial.params), "attrs": dict(best_trial.user_attrs),
            "value": best_trial.value, "number": best_trial.number}
    band_seeds = list(range(BAND_SEED_BASE, BAND_SEED_BASE + p.size.band_seeds))
    say(f"fit {target.name}: best trial #{best['number']} (loss {best['value']:.5g}); "
        f"re-running it on {len(band_seeds)} fresh seeds ({p.cfg_band.market.steps} steps) "
        "for the band")
    band_results = evaluate_seeds(target.simulator(p.cfg_band, band=True), best["params"],
                                  band_seeds, p.jobs)
    outputs = target.outputs(best, band_results, p.cfg)
    files: dict[str, Path] = {}
    tables = {"trials": trials, "band": outputs.band,
              "parameters": outputs.parameters.assign(git_commit=commit), **outputs.tables}
    for name, df in tables.items():
        files[name] = io.write_parquet(df, p.out / f"{name}.parquet")
        files[f"{name}_csv"] = io.write_text(_csv(df), p.out / f"{name}.csv")
    versions = package_versions()
    for pkg in ("optuna", "scipy"):
        versions[pkg] = _version(pkg)
    commits = sorted({str(c) for c in trials.get("git_commit", pd.Series(dtype=str)).dropna()})
    files["meta"] = io.write_json({
        "target": target.name, "title": target.title, "caveat": target.caveat,
        "scenario": target.scenario, "quick": p.quick, "loss": target.LOSS,
        "size": dataclasses.asdict(p.size), "seeds": list(range(p.size.seeds)),
        "band_seeds": band_seeds, "steps": p.cfg.market.steps,
        "band_steps": p.cfg_band.market.steps, "overrides": p.overrides,
        "space": [dataclasses.asdict(x) for x in p.space], "sampler": p.sampler,
        "best": {"number": best["number"], "loss": best["value"], "params": best["params"]},
        "trials": {s: int((trials["state"] == s).sum()) for s in ("COMPLETE", "FAIL")},
        "git_commit": commit, "trial_commits": commits, "versions": versions,
        "report": outputs.report, "figure": outputs.figure,
        "seconds": time.perf_counter() - t0,
    }, p.out / "meta.json")
    files["report"] = write_report(p.out)
    files.update(save_figure(p.out))
    return files


def _csv(df: pd.DataFrame) -> str:
    """A table as CSV; list cells (per-seed values) as space-separated numbers."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(lambda v: " ".join(f"{x:.6g}" for x in v)
                                    if isinstance(v, list) else v)
    return out.to_csv(index=False, float_format="%.6g")


def _version(pkg: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return "unknown"


def run_report(target: str, out: Path) -> dict[str, Path]:
    """The ``cdnow`` report: tables, ``report.md``, ``weekly.png``/``.pdf``, ``meta.json``."""
    from .. import io
    from ..analysis import fit_cdnow
    from ..analysis.fit_report import write_cdnow_report
    from ..plots.fits import save_weekly_figure
    from ..runner import package_versions
    from .elasticities import git_commit

    commit = git_commit()
    rep = fit_cdnow.report()
    files: dict[str, Path] = {}
    timing = pd.DataFrame([{"measure": k, "value": v} for k, v in rep["timing"].items()])
    for name, df in (("bgnbd_parameters", rep["params"].assign(git_commit=commit)),
                     ("timing", timing), ("by_frequency", rep["by_frequency"]),
                     ("weekly", rep["weekly"])):
        files[name] = io.write_parquet(df, out / f"{name}.parquet")
        files[f"{name}_csv"] = io.write_text(_csv(df), out / f"{name}.csv")
    files["meta"] = io.write_json({
        "target": target, "data": fit_cdnow.SAMPLE, "fit": rep["fit"], "holdout": rep["holdout"],
        "p_alive": rep["p_alive"], "git_commit": commit,
        "versions": {**package_versions(), "scipy": _version("scipy")},
        "report": fit_cdnow.markdown(rep)}, out / "meta.json")
    files["report"] = write_cdnow_report(out)
    files.update(save_weekly_figure(out))
    return files


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim fit``: prints progress on stderr, the report's path and its parameter table.

    Every argument, the configuration, the output folder and a saved search's settings are
    checked before any model runs; ``check_only`` stops there.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        if args.list:
            for name, t in targets().items():
                print(f"{name:<32} {t.title}" + (f" ({t.caveat})" if t.caveat else ""))
            print(f"{'cdnow':<32} report: purchase timing and BG/NBD on the CDNOW sample")
            return 0
        if args.target is None:
            raise ValueError("TARGET: missing; ccsim fit --list names the targets")
        checked = plan(args)
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if isinstance(checked, str):
        out = Path(args.out) if args.out else default_out(checked, args.quick)
        files = run_report(checked, out)
    else:
        files = run(checked, say)
    print(files["report"].read_text(encoding="utf-8"))
    print(f"wrote {files['report'].parent}")
    return 0
