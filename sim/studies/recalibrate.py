"""Re-calibration of the customer levers on the field studies (issue 26, part 2): the machinery.

``python -m sim.studies.recalibrate [--space FILE] [--quick] [--trials N] [--jobs N]
[--out DIR]`` runs (or resumes) an Optuna search (:mod:`sim.studies.optuna_search`) over the
premises a committed space file names (default ``experiments/recalibration/space.yaml``: the
customer levers' half-saturations, their effect sizes and the premises the studies speak to),
each candidate run through every ``ccsim replicate`` study on the same seeds (common random
numbers) and scored by :func:`sim.analysis.field_evidence_loss.loss`, which reads the studies'
figures only and never the strategy comparison.

* **Committed first.** A real search refuses to start while the space file has uncommitted
  changes (or is not in git), and stamps its SHA-256 and the git commit in the search's
  settings: a journal can only be resumed with the same file.
* **Every point logged.** Optuna's journal (``search.journal``, one JSON line per event) holds
  every trial with its parameters, objective, per-seed losses and per-row figures; at the end
  ``trials.csv`` / ``trials.parquet`` hold the same as a table, ``meta.json`` the space, sizes,
  best point and versions.
* **No default changes.** The search writes its folder and nothing else; adopting a point is
  a separate, reviewed change of ``sim/config.py``.

``--quick`` runs the same path on tiny markets (each study's quick size at 200 customers),
2 seeds and 2 trials, into ``results/tmp/recalibration/`` — a check of the machinery, not a
calibration (it may use an uncommitted space file).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..cli_parser import OneLineParser, integer
from .arguments import JOBS, CommandLineChecks
from .optuna_search import SAMPLERS, Evaluation, Param, SearchError
from .replicate_designs import DESIGNS, Size

__all__ = ["DEFAULT_OUT", "DEFAULT_SPACE", "Space", "build_parser", "load_space", "main",
           "score", "simulate"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPACE = Path("experiments/recalibration/space.yaml")
DEFAULT_OUT = Path("results/recalibration")
QUICK_OUT = Path("results/tmp/recalibration")
JOURNAL = "search.journal"
STUDY_NAME = "recalibration"
QUICK = {"n_customers": 200, "seeds": 2, "trials": 2}


@dataclasses.dataclass(frozen=True)
class Space:
    """A committed search: premises, targets and sizes (read from the space file)."""

    params: tuple[Param, ...]
    targets: dict[str, float]
    tie_break: float
    n_customers: int
    seeds: int
    trials: int
    sampler: str
    path: Path
    sha256: str


def load_space(path: str | Path) -> Space:
    """Read and check a space file: every key in the schema, every target a published row.

    Raises:
        ValueError: A missing file, an unknown key or row, a bad range or size.
    """
    from ..analysis.field_evidence import published
    from ..analysis.sensitivity import _schema_field

    path = Path(path)
    if path == DEFAULT_SPACE and not path.is_file():
        path = ROOT / DEFAULT_SPACE  # the repository's, from any working folder
    if not path.is_file():
        raise ValueError(f"--space={path}: no such file")
    text = path.read_text(encoding="utf-8")
    try:
        spec = yaml.safe_load(text)
        size, targets = spec["size"], {str(k): float(v) for k, v in spec["targets"].items()}
        params = []
        for p in spec["space"]:
            _schema_field(p["key"])
            params.append(Param(p["key"], float(p["low"]), float(p["high"]),
                                log=bool(p.get("log", False)), why=str(p.get("why", ""))))
        for row, weight in targets.items():
            published(row)
            if not weight > 0:
                raise ValueError(f"target {row}: weight {weight} must be > 0")
        space = Space(tuple(params), targets, float(spec.get("tie_break", 0.1)),
                      int(size["n_customers"]), int(size["seeds"]), int(size["trials"]),
                      str(size.get("sampler", "tpe")), path,
                      hashlib.sha256(text.encode()).hexdigest())
    except KeyError as exc:
        raise ValueError(f"--space={path}: {exc.args[0]} is unknown or missing (a config key, "
                         "a published row, or one of size/targets/space)") from None
    except (TypeError, AttributeError, yaml.YAMLError, SearchError) as exc:
        raise ValueError(f"--space={path}: {str(exc).splitlines()[0]}") from None
    if space.sampler not in SAMPLERS or space.seeds < 2 or space.trials < 1 \
            or space.n_customers < 50 or not params or not targets:
        raise ValueError(f"--space={path}: size needs a sampler of {', '.join(SAMPLERS)}, "
                         ">= 2 seeds, >= 1 trial, >= 50 customers; space and targets non-empty")
    return space


def committed(path: Path) -> bool:
    """Whether ``path`` is tracked by git with no uncommitted change."""
    try:
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(path)], cwd=ROOT,
                                 capture_output=True, timeout=10).returncode == 0
        clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", str(path)], cwd=ROOT,
                               capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    return tracked and clean


# ----------------------------------------------------------------------------------------------
# One candidate


def _designs(targets: dict[str, float]) -> list[str]:
    """The studies that measure the targets, in ``DESIGNS`` order."""
    return [name for name, d in DESIGNS.items() if set(d.rows) & set(targets)]


def simulate(setup: dict[str, tuple[Any, Size]], params: dict, seed: int) -> list[dict]:
    """Every study of ``setup`` (name → (config, size)) for one seed with ``params`` set."""
    from .sensitivity import with_values

    rows = []
    for name, (cfg, size) in setup.items():
        rows += DESIGNS[name].measure(with_values(cfg, params), seed, size)
    return rows


def score(targets: dict[str, float], tie_break: float, params: dict,
          results: list[list[dict]]) -> Evaluation:
    """The objective of one candidate from its per-seed rows; per-row figures as attributes."""
    from ..analysis.field_evidence_loss import loss

    runs = pd.DataFrame([r for rows in results for r in rows])
    value, table = loss(runs, targets, tie_break)
    per_seed = [loss(runs[runs["seed"] == s], targets, tie_break)[0]
                for s in sorted(runs["seed"].unique())]
    attrs = {f"{r.row}:mean": r.mean for r in table.itertuples()}
    attrs |= {f"{r.row}:miss": r.miss for r in table.itertuples()}
    return Evaluation(value=value, per_seed=per_seed, attrs=attrs)


# ----------------------------------------------------------------------------------------------
# CLI


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.studies.recalibrate``."""
    p = OneLineParser(prog="python -m sim.studies.recalibrate",
                      description="Re-calibrate the customer levers on the field studies "
                                  "(ccsim replicate): an Optuna search over a committed space, "
                                  "every point logged; changes no default.")
    p.add_argument("--space", default=str(DEFAULT_SPACE), metavar="FILE",
                   help=f"the committed space and targets (default {DEFAULT_SPACE})")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK['n_customers']} customers, {QUICK['seeds']} seeds, "
                        f"{QUICK['trials']} trials: a check of the machinery")
    p.add_argument("--trials", type=integer(1, 100_000, "trials"), metavar="N",
                   help="finished trials wanted in total (default: the space file's)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("--out", metavar="DIR",
                   help=f"output folder (default {DEFAULT_OUT}; --quick: a new folder under "
                        f"{QUICK_OUT}); a folder holding the same search resumes it")
    return p


@dataclasses.dataclass
class Plan:
    """A checked command line."""

    space: Space
    setup: dict[str, tuple[Any, Size]]
    seeds: int
    trials: int
    out: Path
    jobs: int
    quick: bool
    commit: str

    def settings(self) -> dict[str, Any]:
        """What a resumed search must share with the saved one."""
        return {"space_file": str(self.space.path), "space_sha256": self.space.sha256,
                "targets": self.space.targets, "tie_break": self.space.tie_break,
                "sizes": {n: dataclasses.asdict(s) for n, (_, s) in self.setup.items()},
                "quick": self.quick}


def plan(args: argparse.Namespace) -> Plan:
    """Check everything before any model runs (the space, sizes, output folder)."""
    from ..configure import load_config
    from .arguments import check_out
    from .elasticities import git_commit
    from .folders import new_study_folder
    from .optuna_search import check_resumable
    from .sensitivity import with_values

    space = load_space(args.space)
    if not args.quick and not committed(space.path):
        raise ValueError(f"--space={space.path}: not committed (or has uncommitted changes); "
                         "the space and targets are committed before a search runs")
    default = new_study_folder("recalibration", "search", True) if args.quick else DEFAULT_OUT
    out = check_out(args.out, default)
    n_customers = QUICK["n_customers"] if args.quick else space.n_customers
    setup = {}
    for name in _designs(space.targets):
        d = DESIGNS[name]
        size = dataclasses.replace(d.quick if args.quick else d.full, n_customers=n_customers)
        cfg = load_config([*d.overrides, f"market.n_customers={n_customers}",
                           f"market.steps={size.burn_in + size.window}"])
        for bound in ("low", "high"):  # every value the search may try is allowed
            with_values(cfg, {p.key: getattr(p, bound) for p in space.params})
        setup[name] = (cfg, size)
    p = Plan(space, setup, QUICK["seeds"] if args.quick else space.seeds,
             args.trials or (QUICK["trials"] if args.quick else space.trials), out, args.jobs,
             args.quick, git_commit())
    check_resumable(out / JOURNAL, STUDY_NAME, _full_settings(p))
    return p


def _full_settings(p: Plan) -> dict[str, Any]:
    """:meth:`Plan.settings` plus what ``run_search`` adds (checked before anything runs)."""
    return {**p.settings(), "seeds": list(range(p.seeds)),
            "space": [dataclasses.asdict(x) for x in p.space.params], "direction": "minimize"}


def run(p: Plan, say: Any = None) -> dict[str, Path]:
    """Run (or resume) the search; write the trials table and meta.json."""
    from .. import io
    from ..runner import package_versions
    from .optuna_search import run_search, trials_table

    say = say or (lambda line: None)
    t0 = time.perf_counter()
    p.out.mkdir(parents=True, exist_ok=True)
    say(f"recalibrate: {len(p.space.params)} premises, {p.trials} trials × {p.seeds} seeds × "
        f"{len(p.setup)} studies ({next(iter(p.setup.values()))[1].n_customers:,} customers)")
    study = run_search(storage=p.out / JOURNAL, study_name=STUDY_NAME, space=p.space.params,
                       simulate=partial(simulate, p.setup),
                       score=partial(score, p.space.targets, p.space.tie_break),
                       seeds=range(p.seeds), n_trials=p.trials, sampler=p.space.sampler,
                       n_jobs=p.jobs, settings=p.settings(), progress=say,
                       min_seeds=2 if p.quick else 5)
    trials = trials_table(study)
    files = {"trials_parquet": io.write_parquet(trials, p.out / "trials.parquet"),
             "trials_csv": io.write_text(trials.to_csv(index=False, float_format="%.8g"),
                                         p.out / "trials.csv")}
    best = study.best_trial
    files["meta"] = io.write_json({
        "space_file": str(p.space.path), "space_sha256": p.space.sha256,
        "space": [dataclasses.asdict(x) for x in p.space.params], "targets": p.space.targets,
        "tie_break": p.space.tie_break, "seeds": list(range(p.seeds)), "trials": p.trials,
        "sizes": {n: dataclasses.asdict(s) for n, (_, s) in p.setup.items()},
        "quick": p.quick, "best": {"number": best.number, "value": best.value,
                                   "params": dict(best.params)},
        "git_commit": p.commit, "versions": package_versions(),
        "seconds": time.perf_counter() - t0}, p.out / "meta.json")
    return files


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """Run the re-calibration search; print the best point. Errors: one line, exit 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        checked = plan(build_parser().parse_args(argv))
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    files = run(checked, lambda line: print(line, file=sys.stderr, flush=True))
    meta = yaml.safe_load(files["meta"].read_text(encoding="utf-8"))
    print(f"best trial #{meta['best']['number']}: objective {meta['best']['value']:.4g}")
    for key, value in meta["best"]["params"].items():
        print(f"  {key} = {value:.4g}")
    print(f"wrote {checked.out} (no default was changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
