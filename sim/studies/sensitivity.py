"""``ccsim sensitivity``: the study half of the sensitivity analysis — it runs the models.

``ccsim sensitivity [--method morris|sobol] [--n N] [--seeds K] [--quick] [--out DIR]
[overrides...]`` samples the problem of :mod:`sim.analysis.sensitivity`, runs the model at every
sample point for K seeds (:func:`evaluate`: joblib, one Numba thread per worker), and hands the
seed-averaged outputs to :func:`sim.analysis.sensitivity.analyze`.

Every sample point is run with the same K model seeds (common random numbers), so differences
between points come from the parameters, not from different random draws.

Outputs go to ``--out`` when it names a folder; otherwise to a new folder
``results/sensitivity/<method>_<YYYYmmdd-HHMMSS>`` (with ``--quick``
``results/tmp/sensitivity/<method>_quick_<YYYYmmdd-HHMMSS>``, which git ignores), so a new
analysis never overwrites a committed one (``results/sensitivity/morris``): ``indices.csv``,
``samples.parquet`` (one row per sample point: parameter values used and the seed-averaged
outputs), ``runs.parquet`` (one row per model run), ``problem.json`` (problem, settings,
versions) and ``indices.png`` / ``indices.pdf``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import time
import typing
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.sensitivity import (
    BASE_OVERRIDES,
    DEFAULT_N,
    OUTPUTS,
    PARAMETERS,
    PRICING_KEY,
    QUICK_N,
    QUICK_OVERRIDES,
    RUN_OVERRIDES,
    Parameter,
    Settings,
    _schema_field,
    analyze,
    applied_values,
    format_indices,
    is_integer,
    pricing_policy,
    problem,
    sample,
    save_figure,
)
from ..analysis.verdict_regions import format_regions, verdict_regions
from ..cli_parser import OneLineParser, integer
from .arguments import JOBS, CommandLineChecks, seeds
from .folders import new_study_folder

if typing.TYPE_CHECKING:
    from ..config import Config

__all__ = ["default_out", "evaluate", "main", "run_analysis", "select_parameters",
           "with_values"]


def with_values(cfg: Config, values: dict[str, float]) -> Config:
    """A validated copy of ``cfg`` with dotted keys set (what the same overrides would give).

    Setting the fields of the composed object directly is equivalent to passing
    ``key=value`` overrides to :func:`sim.configure.load_config` for plain numeric keys, and
    avoids composing the configuration with Hydra once per sample point.

    Raises:
        KeyError: If a key is not in the schema.
        sim.config.ConfigError: If a value is out of its range.
    """
    from ..config import Pricing, validate

    out = copy.deepcopy(cfg)
    for key, value in values.items():
        if key == PRICING_KEY:  # a categorical factor: every firm's pricing policy
            for firm in out.firms.values():
                firm.pricing = Pricing(pricing_policy(value))
            continue
        tp, _ = _schema_field(key)
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = getattr(node, part)
        setattr(node, leaf, int(round(float(value))) if tp is int else float(value))
    return validate(out)


def _run_point(cfg: Config, values: dict[str, float], seeds: list[int]) -> list[dict]:
    """Run one sample point for each seed (in a worker process); the comparison KPIs per seed."""
    import logging

    import numba

    from ..runner import run

    logging.getLogger("MESA").setLevel(logging.WARNING)
    numba.set_num_threads(1)  # joblib sets NUMBA_NUM_THREADS=1 too; the workers share 2 cores
    point = with_values(cfg, values)
    out = []
    for s in seeds:
        t0 = time.perf_counter()
        result = run(dataclasses.replace(point, seed=s), None, progress=False)
        out.append({"seed": s, **result.summary["comparison"],
                    "seconds": time.perf_counter() - t0})
    return out


def evaluate(x: np.ndarray, settings: Settings, parameters: Sequence[Parameter] = PARAMETERS,
             progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the model at every sample point for ``settings.seeds`` seeds.

    Points run in parallel with joblib (loky processes, one Numba thread each), shown by a tqdm
    bar. A point whose configuration is invalid raises before anything runs.

    Args:
        x: Sample points, shape (points, D).
        settings: Base overrides, seeds and worker count.
        parameters: The parameter set ``x`` is over.
        progress: Show the progress bar.

    Returns:
        ``(samples, runs)``: ``samples`` has one row per point (``sample``, the values used, the
        outputs averaged over seeds, ``n_ok`` seeds with finite outputs); ``runs`` one row per
        model run (``sample``, ``seed`` and every comparison KPI).
    """
    from joblib import Parallel, delayed, parallel_config
    from tqdm.auto import tqdm

    from ..configure import load_config

    seeds = list(range(settings.seeds))
    base = load_config([*settings.overrides, *RUN_OVERRIDES])  # ConfigError before any worker
    values = applied_values(x, parameters)
    points = values.to_dict(orient="records")
    for v in (values.min().to_dict(), values.max().to_dict()):
        with_values(base, v)  # every sampled value is within its schema range
    with parallel_config(backend="loky", inner_max_num_threads=1):
        par = Parallel(n_jobs=settings.n_jobs, return_as="generator")
        results = par(delayed(_run_point)(base, point, seeds) for point in points)
        bar = tqdm(results, total=len(points), unit="point",
                   desc=f"{settings.method}: points × {len(seeds)} seeds",
                   disable=not progress, file=sys.stderr, smoothing=0.1)
        per_point = list(bar)
    runs = pd.DataFrame([{"sample": i, **r} for i, rows in enumerate(per_point) for r in rows])
    means = runs.groupby("sample")[list(OUTPUTS)].mean()  # NaN-skipping mean over seeds
    finite = np.isfinite(runs[list(OUTPUTS)]).all(axis=1)
    n_ok = finite.groupby(runs["sample"]).sum()
    samples = pd.concat([values, means.reindex(range(len(x))).reset_index(drop=True)], axis=1)
    samples.insert(0, "sample", np.arange(len(x)))
    samples["n_ok"] = n_ok.reindex(range(len(x))).fillna(0).astype(int).to_numpy()
    return samples, runs


# ----------------------------------------------------------------------------------------------
# Whole analysis


def run_analysis(settings: Settings, out_dir: str | Path,
                 parameters: Sequence[Parameter] = PARAMETERS,
                 progress: bool = True) -> dict[str, Path]:
    """Sample, run, analyse and save; returns the files written by name.

    Args:
        settings: Method, sample size, seeds, overrides, workers.
        out_dir: Folder for the outputs (created).
        parameters: The parameter set.
        progress: Show the progress bar.

    Returns:
        Written files: ``samples``, ``runs``, ``indices``, ``regions`` (where each verdict
        reverses, by thirds of each range), ``problem``, ``png``, ``pdf``.

    Raises:
        sim.config.ConfigError: On a bad override.
        ValueError: On bad settings or outputs SALib cannot analyse.
    """
    from .. import io
    from ..runner import package_versions

    _check_settings(settings, parameters)
    out = Path(out_dir)
    t0 = time.perf_counter()
    x = sample(settings.method, settings.n, settings.salib_seed, parameters, settings.num_levels)
    samples, runs = evaluate(x, settings, parameters, progress)
    elapsed = time.perf_counter() - t0
    files = {"samples": io.write_parquet(samples, out / "samples.parquet",
                                         table="sensitivity_samples"),
             "runs": io.write_parquet(runs, out / "runs.parquet", table="sensitivity_runs")}
    indices = analyze(settings.method, x, samples, settings.salib_seed, parameters,
                      settings.num_levels)
    files["indices"] = io.write_text(indices.to_csv(index=False, float_format="%.6g"),
                                     out / "indices.csv")
    regions = verdict_regions(samples, parameters, OUTPUTS)
    files["regions"] = io.write_text(regions.to_csv(index=False, float_format="%.6g"),
                                     out / "regions.csv")
    versions = package_versions()
    try:
        from importlib.metadata import version

        versions["SALib"] = version("SALib")
        versions["joblib"] = version("joblib")
    except Exception:  # noqa: BLE001 - versions are informative only
        pass
    files["problem"] = io.write_json({
        "problem": problem(parameters),
        "parameters": [dataclasses.asdict(p) | {"integer": is_integer(p.key)} for p in parameters],
        "outputs": list(OUTPUTS),
        "settings": dataclasses.asdict(settings),
        "model_seeds": list(range(settings.seeds)),
        "points": int(len(x)),
        "model_runs": int(len(runs)),
        "seconds": elapsed,
        "versions": versions,
    }, out / "problem.json")
    files.update(save_figure(out))
    return files


def _check_settings(settings: Settings, parameters: Sequence[Parameter]) -> None:
    if settings.method not in ("morris", "sobol"):
        raise ValueError(f"--method {settings.method}: use morris or sobol")
    if settings.n < 1:
        raise ValueError(f"--n {settings.n}: must be at least 1")
    if settings.seeds < 1:
        raise ValueError(f"--seeds {settings.seeds}: must be at least 1")
    if settings.n_jobs < 1:
        raise ValueError(f"--jobs {settings.n_jobs}: must be at least 1")
    sampled = {p.key for p in parameters}
    for ov in settings.overrides:
        key = ov.partition("=")[0].lstrip("+~")
        if key in sampled:
            raise ValueError(f"{ov}: {key} is a sampled parameter; its range is set in "
                             "sim.analysis.sensitivity.PARAMETERS")


#: Most Morris trajectories or Sobol base samples (Sobol runs N × (2D + 2) points).
MAX_N = 65_536


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim sensitivity`` argument parser."""
    p = OneLineParser(prog="ccsim sensitivity",
                description="Global sensitivity (SALib) of the customer-centric advantage: "
                            "growth_gap_points and margin_gap_points over the parameters in "
                            "sim.analysis.sensitivity.PARAMETERS.")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris",
                   help="Morris screening (default) or Sobol indices")
    p.add_argument("--n", type=integer(1, MAX_N, "samples"), metavar="N",
                   help="Morris trajectories (default 10) or Sobol base samples, a power of 2 "
                        "(default 64)")
    p.add_argument("--seeds", type=seeds(1), metavar="K", help="model seeds per point (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers × 24 months), N=2 (Sobol 4), 1 seed: "
                        "a check that runs in well under a minute")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: a new results/sensitivity/<method>_<time>; "
                        "with --quick results/tmp/sensitivity/<method>_quick_<time>); saved "
                        "analyses are never overwritten unless --out names their folder")
    p.add_argument("--params", metavar="KEY,KEY...",
                   help="sample only these parameters of PARAMETERS (the others stay at their "
                        "configured values), e.g. Sobol on the factors Morris ranked first")
    p.add_argument("--salib-seed", type=integer(0, 2**32 - 1), default=0,
                   help="seed of SALib sample and analyze")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="Hydra overrides of the base configuration (default market=small), "
                        "e.g. scenario=subscription")
    return p


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed arguments (``--quick`` changes the defaults, not explicit values)."""
    defaults = QUICK_N if args.quick else DEFAULT_N
    base = [*BASE_OVERRIDES, *QUICK_OVERRIDES] if args.quick else list(BASE_OVERRIDES)
    return Settings(method=args.method, n=args.n if args.n is not None else defaults[args.method],
                    seeds=args.seeds if args.seeds is not None else (1 if args.quick else 2),
                    salib_seed=args.salib_seed, overrides=[*base, *args.overrides],
                    n_jobs=args.jobs)


def select_parameters(params: str | None) -> tuple[Parameter, ...]:
    """The parameters named in ``--params`` (comma-separated keys), in PARAMETERS order.

    Raises:
        ValueError: a name that is not a key of PARAMETERS, or fewer than two names.
    """
    if params is None:
        return tuple(PARAMETERS)
    wanted = [k.strip() for k in params.split(",") if k.strip()]
    known = {p.key for p in PARAMETERS}
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ValueError(f"--params={params}: unknown {', '.join(unknown)}; allowed "
                         f"{', '.join(p.key for p in PARAMETERS)}")
    if len(set(wanted)) < 2:
        raise ValueError(f"--params={params}: give at least two parameters")
    return tuple(p for p in PARAMETERS if p.key in wanted)


def default_out(method: str, quick: bool = False, now: float | None = None) -> Path:
    """A new timestamped output folder, so a new analysis never overwrites a saved one.

    ``results/sensitivity/<method>_<YYYYmmdd-HHMMSS>`` (``results/tmp/sensitivity/…_quick_…``
    with ``--quick``); ``-2``, ``-3``… is appended if that folder exists already.
    """
    return new_study_folder("sensitivity", method, quick, now)


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim sensitivity``; prints the indices and the files written. Errors: exit 2.

    Every argument, the base configuration and the output folder are checked before any model
    runs; ``check_only`` stops there.
    """
    from ..config import ConfigError
    from ..configure import load_config
    from .arguments import check_out

    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        settings = settings_from_args(args)
        parameters = select_parameters(args.params)
        _check_settings(settings, parameters)
        load_config([*settings.overrides, *RUN_OVERRIDES])  # the base configuration
        out = check_out(args.out, default_out(settings.method, args.quick))
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    t0 = time.perf_counter()
    try:
        files = run_analysis(settings, out, parameters, progress=not args.no_progress)
    except (ConfigError, ValueError) as exc:  # a sampled point out of its range, SALib's refusal
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    from .. import io

    points = io.read_json(files["problem"])["points"]
    print(format_indices(pd.read_csv(files["indices"])))
    print()
    print(format_regions(pd.read_csv(files["regions"]), pd.read_parquet(files["samples"])))
    print(f"\n{settings.method}: {points} points × {settings.seeds} seeds in "
          f"{time.perf_counter() - t0:.0f} s")
    for f in files.values():
        print(f)
    return 0
