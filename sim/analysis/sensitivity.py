"""Global sensitivity of the customer-centric advantage: SALib Morris screening and Sobol indices.

``ccsim sensitivity [--method morris|sobol] [--n N] [--seeds K] [--quick] [--out DIR]
[overrides...]`` follows SALib's functional steps with arrays in between:

1. :func:`problem` — the parameter set below (:data:`PARAMETERS`), as SALib's problem dict;
2. :func:`sample` — ``SALib.sample.morris.sample`` or ``SALib.sample.sobol.sample``, seeded;
3. :func:`evaluate` — run the model at every sample point for K seeds (joblib, one Numba thread
   per worker) and average the outputs ``growth_gap_points`` and ``margin_gap_points`` of
   :func:`sim.metrics.strategy_comparison` over the seeds;
4. :func:`analyze` — ``SALib.analyze.morris.analyze`` / ``SALib.analyze.sobol.analyze``, seeded,
   into one tidy table (``indices.csv``).

Every sample point is run with the same K model seeds (common random numbers), so differences
between points come from the parameters, not from different random draws. Integer parameters
(``market.network.mean_degree``) are rounded before the model sees them; SALib's analysis gets
the unrounded sample, whose grid steps define the elementary effects.

Outputs go to ``--out`` when it names a folder; otherwise to a new folder
``results/sensitivity/<method>_<YYYYmmdd-HHMMSS>`` (with ``--quick``
``results/tmp/sensitivity/<method>_quick_<YYYYmmdd-HHMMSS>``, which git ignores), so a new
analysis never overwrites a committed one (``results/sensitivity/morris``): ``indices.csv``,
``samples.parquet`` (one row per sample point: parameter values used and the seed-averaged
outputs), ``runs.parquet`` (one row per model run), ``problem.json`` (problem, settings,
versions) and ``indices.png`` / ``indices.pdf``.

References:
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
        Technometrics 33(2), 161–174.
    Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening design for
        sensitivity analysis of large models. Environmental Modelling & Software 22, 1509–1518.
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
        estimator for the total sensitivity index. Computer Physics Communications 181, 259–270.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import time
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

if typing.TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "OUTPUTS",
    "PARAMETERS",
    "Parameter",
    "Settings",
    "analyze",
    "default_out",
    "evaluate",
    "main",
    "plot_indices",
    "problem",
    "run_analysis",
    "sample",
]


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: an override key, its range and why the range is what it is."""

    key: str
    low: float
    high: float
    rationale: str


#: The parameters varied, their ranges, and why (the analysis is only as good as this table).
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("market.network.mean_degree", 4, 30,
              "contacts per customer: from the sparse 1700s village to dense online networks"),
    Parameter("market.customers.need_heterogeneity", 0.1, 1.5,
              "how much individual needs differ within a persona: the room personalisation has"),
    Parameter("market.awareness.ad_response", 0.005, 0.2,
              "chance an ad makes a customer notice a firm: ad-immune to ad-responsive markets"),
    Parameter("market.awareness.wom_strength", 0.05, 0.8,
              "word-of-mouth awareness hazard: weak to strong peer influence"),
    Parameter("market.awareness.search_rate", 0.0, 0.1,
              "monthly chance a customer searches: no search to searching every ~10 months"),
    Parameter("market.economics.personalisation_cost", 0.5, 6.0,
              "personalisation cost per customer-month (price 50): cheap data to costly craft"),
    Parameter("market.economics.service_cost", 1.0, 8.0,
              "cost of full service per customer-month (of a 50 price): self-service to concierge"),
    Parameter("market.choice.switching_cost", 0.0, 3.0,
              "utility bonus of staying put: free switching to strong lock-in"),
    Parameter("market.choice.beta_fit", 0.5, 6.0,
              "weight customers put on fit to their needs: commodity to identity purchase"),
    Parameter("market.churn.sensitivity", 0.05, 1.0,
              "extra churn hazard per point of dissatisfaction: tolerant to fickle customers"),
)

#: Model outputs analysed (keys of :func:`sim.metrics.strategy_comparison`).
OUTPUTS: tuple[str, ...] = ("growth_gap_points", "margin_gap_points")
OUTPUT_TITLES = {
    "growth_gap_points": "growth_gap_points\nrevenue CAGR, customer − product-centric",
    "margin_gap_points": "margin_gap_points\nprofit margin, customer − product-centric",
}
OUTPUT_LABELS = {
    "growth_gap_points": "revenue-growth gap (CAGR points / year, customer − product-centric)",
    "margin_gap_points": "margin gap (points, customer − product-centric)",
}
#: How each output is shown (both are already in percentage points).
OUTPUT_SCALE = {"growth_gap_points": 1.0, "margin_gap_points": 1.0}

#: The default market: 2,000 customers over five years (conf/market/small.yaml).
BASE_OVERRIDES = ("market=small",)
#: ``--quick``: a tiny market, two trajectories / 4 Sobol base samples, one seed.
QUICK_OVERRIDES = ("market.n_customers=300", "market.steps=24")
#: Always: no spells, no progress bars or tables from inside the runs.
RUN_OVERRIDES = ("output.spells=false", "output.progress=false", "output.print_table=false")
DEFAULT_N = {"morris": 10, "sobol": 64}
QUICK_N = {"morris": 2, "sobol": 4}


@dataclass
class Settings:
    """Everything that determines an analysis (written to problem.json).

    Attributes:
        method: ``"morris"`` or ``"sobol"``.
        n: Morris trajectories, or Sobol base samples (a power of 2).
        seeds: Model seeds per sample point (0 … seeds−1, the same at every point).
        salib_seed: Seed of SALib's sampling and of its bootstrap confidence intervals.
        overrides: Hydra overrides of the base configuration (market, scenario, …).
        n_jobs: Worker processes.
        num_levels: Morris grid levels.
    """

    method: str = "morris"
    n: int = 10
    seeds: int = 2
    salib_seed: int = 0
    overrides: list[str] = dataclasses.field(default_factory=lambda: list(BASE_OVERRIDES))
    n_jobs: int = 2
    num_levels: int = 4


# ----------------------------------------------------------------------------------------------
# Step 1: the problem


def _schema_field(key: str) -> tuple[type, dict]:
    """The Python type and metadata of a dotted config key (KeyError if the schema lacks it)."""
    from ..config import Config

    tp: object = Config
    meta: dict = {}
    for part in key.split("."):
        if not dataclasses.is_dataclass(tp):
            raise KeyError(key)
        flds = {f.name: f for f in dataclasses.fields(tp)}
        if part not in flds:
            raise KeyError(key)
        meta = dict(flds[part].metadata)
        tp = typing.get_type_hints(tp)[part]
    return tp, meta  # type: ignore[return-value]


def is_integer(key: str) -> bool:
    """Whether the config schema declares ``key`` as an integer (its values must be rounded)."""
    return _schema_field(key)[0] is int


def problem(parameters: Sequence[Parameter] = PARAMETERS) -> dict:
    """SALib's problem dict (``num_vars``, ``names``, ``bounds``) for ``parameters``."""
    return {"num_vars": len(parameters), "names": [p.key for p in parameters],
            "bounds": [[float(p.low), float(p.high)] for p in parameters]}


def overrides_for(x: Sequence[float], parameters: Sequence[Parameter] = PARAMETERS) -> list[str]:
    """Hydra overrides setting each parameter to its value in the sample row ``x``.

    Integer keys are rounded to the nearest integer; floats are written with full precision.
    """
    out = []
    for p, v in zip(parameters, x, strict=True):
        value = int(round(float(v))) if is_integer(p.key) else repr(float(v))
        out.append(f"{p.key}={value}")
    return out


def applied_values(x: np.ndarray, parameters: Sequence[Parameter] = PARAMETERS) -> pd.DataFrame:
    """The values the model actually received for each sample row (integers rounded)."""
    df = pd.DataFrame(np.asarray(x, dtype=float), columns=[p.key for p in parameters])
    for p in parameters:
        if is_integer(p.key):
            df[p.key] = df[p.key].round().astype(np.int64)
    return df


# ----------------------------------------------------------------------------------------------
# Step 2: sampling


def sample(method: str, n: int, seed: int = 0, parameters: Sequence[Parameter] = PARAMETERS,
           num_levels: int = 4) -> np.ndarray:
    """Sample points (one row each) with SALib.

    Args:
        method: ``"morris"`` (``n`` trajectories of ``D + 1`` points) or ``"sobol"`` (Saltelli
            scheme without second-order terms: ``n·(D + 2)`` points; ``n`` a power of 2).
        n: Trajectories or base samples.
        seed: SALib's seed.
        parameters: The parameter set.
        num_levels: Morris grid levels.

    Returns:
        Array of shape (points, D) in the parameters' natural units (unrounded).
    """
    prob = problem(parameters)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=num_levels, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        if n < 2 or n & (n - 1):
            raise ValueError(f"--n {n}: Sobol base samples must be a power of 2 (e.g. 64)")
        return sobol.sample(prob, n, calc_second_order=False, seed=seed)
    raise ValueError(f"--method {method}: use morris or sobol")


# ----------------------------------------------------------------------------------------------
# Step 3: running the model


def with_values(cfg: Config, values: dict[str, float]) -> Config:
    """A validated copy of ``cfg`` with dotted keys set (what the same overrides would give).

    Setting the fields of the composed object directly is equivalent to passing
    ``key=value`` overrides to :func:`sim.configure.load_config` for plain numeric keys, and
    avoids composing the configuration with Hydra once per sample point.

    Raises:
        KeyError: If a key is not in the schema.
        sim.config.ConfigError: If a value is out of its range.
    """
    from ..config import validate

    out = copy.deepcopy(cfg)
    for key, value in values.items():
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
# Step 4: analysis


def analyze(method: str, x: np.ndarray, samples: pd.DataFrame, seed: int = 0,
            parameters: Sequence[Parameter] = PARAMETERS, num_levels: int = 4) -> pd.DataFrame:
    """Sensitivity indices of each output with SALib, as one tidy table.

    Args:
        method: ``"morris"`` or ``"sobol"``.
        x: The sample points SALib produced (unrounded; Morris needs the grid steps).
        samples: :func:`evaluate`'s per-point table (one column per output).
        seed: Seed of SALib's bootstrap confidence intervals.
        parameters: The parameter set.
        num_levels: Morris grid levels (as sampled).

    Returns:
        One row per output and parameter: ``output``, ``parameter``, then ``mu``, ``mu_star``,
        ``mu_star_conf``, ``sigma`` (Morris, in the output's units) or ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf`` (Sobol), sorted by importance within each output.

    Raises:
        ValueError: If an output is not finite at every point (SALib cannot use the samples).
    """
    prob = problem(parameters)
    tables = []
    for out in OUTPUTS:
        y = samples[out].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            bad = int((~np.isfinite(y)).sum())
            raise ValueError(f"{out} is not finite at {bad} of {y.size} points "
                             "(see samples.parquet); SALib needs every point")
        if method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(prob, x, y, num_resamples=1000, conf_level=0.95,
                                 num_levels=num_levels, seed=seed)
            df = res.to_df()[["mu", "mu_star", "mu_star_conf", "sigma"]]
            key = "mu_star"
        elif method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(prob, y, calc_second_order=False, num_resamples=1000,
                                conf_level=0.95, seed=seed)
            total, first = res.to_df()
            df = first.join(total)[["S1", "S1_conf", "ST", "ST_conf"]]
            key = "ST"
        else:
            raise ValueError(f"method={method!r}: use morris or sobol")
        df = df.rename_axis("parameter").reset_index().sort_values(key, ascending=False)
        tables.append(df.assign(output=out))
    table = pd.concat(tables, ignore_index=True)
    return table[["output", *[c for c in table.columns if c != "output"]]]


# ----------------------------------------------------------------------------------------------
# Figure


def _short(key: str) -> str:
    return key.removeprefix("market.")


def plot_indices(indices: pd.DataFrame, fig: object | None = None, title: str = "",
                 subtitle: str = "") -> object:
    """Horizontal bars of the indices, one panel per output, most influential at the top.

    Morris: μ* with its 95% bootstrap interval, σ as a second bar, and the direction of the
    effect (sign of μ; ± when elementary effects of both signs cancel in μ). Sobol: ST and S1
    with their intervals.

    Args:
        indices: :func:`analyze`'s table.
        fig: Matplotlib Figure to draw on (a new one if None).
        title: Figure title.
        subtitle: Second, smaller title line (design and market).

    Returns:
        The figure.
    """
    from matplotlib.figure import Figure

    morris_like = "mu_star" in indices
    outputs = list(dict.fromkeys(indices["output"]))
    n_par = indices["parameter"].nunique()
    if fig is None:
        fig = Figure(figsize=(11.5, 0.36 * n_par + 2.3), layout="constrained")
    axes = fig.subplots(1, len(outputs), squeeze=False)[0]
    colors = ("#0072B2", "#BBBBBB") if morris_like else ("#0072B2", "#E69F00")
    for ax, out in zip(axes, outputs, strict=True):
        d = indices[indices["output"] == out]
        scale = OUTPUT_SCALE.get(out, 1.0) if morris_like else 1.0
        d = d.sort_values("mu_star" if morris_like else "ST", ascending=True)
        pos = np.arange(len(d))
        h = 0.38
        if morris_like:
            bars = (("mu_star", "mu_star_conf", "μ*: mean |elementary effect|, 95% CI"),
                    ("sigma", None, "σ: spread of effects (interactions, non-linearity)"))
        else:
            bars = (("ST", "ST_conf", "total-order ST, 95% CI"),
                    ("S1", "S1_conf", "first-order S1, 95% CI"))
        for k, (col, conf, label) in enumerate(bars):
            v = d[col].to_numpy(dtype=float) * scale
            err = d[conf].to_numpy(dtype=float) * scale if conf else None
            ax.barh(pos + (h / 2 if k == 0 else -h / 2), v, height=h, color=colors[k], label=label,
                    xerr=err, error_kw={"elinewidth": 0.9, "capsize": 2, "ecolor": "#333333"})
        if morris_like:
            top = (d["mu_star"] + d["mu_star_conf"]).to_numpy(dtype=float) * scale
            span = float(np.nanmax(top)) if np.isfinite(top).any() and np.nanmax(top) > 0 else 1.0
            for y, (mu, mu_star, right) in enumerate(zip(d["mu"], d["mu_star"], top, strict=True)):
                if mu_star > 0:
                    sign = ("+" if mu > 0 else "−") if abs(mu) >= 0.9 * mu_star else "±"
                    ax.text(right + 0.015 * span, y + h / 2, sign, va="center", ha="left",
                            fontsize=10, fontweight="bold", color="#0072B2")
                elif mu_star == 0:  # exactly no effect (same seeds at every point)
                    ax.text(0.015 * span, y, "no effect", va="center", ha="left", fontsize=8,
                            color="#777777")
            ax.set_xlim(right=span * 1.08)
            ax.set_xlabel(_unit_of(out))
        else:
            ax.set_xlabel("share of output variance")
        ax.set_yticks(pos, [_short(p) for p in d["parameter"]])
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_title(OUTPUT_TITLES.get(out, out), fontsize=10)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", alpha=0.25)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    note = "+ / −: raising the parameter raises / lowers the gap; ±: both" if morris_like else ""
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False,
               title=note or None, title_fontsize=8.5)
    if title:
        fig.suptitle(f"{title}\n{subtitle}" if subtitle else title, fontsize=10.5)
    return fig


def _unit_of(out: str) -> str:
    # SALib divides by the step in the unit-scaled range: an effect is the change over the range
    return {"growth_gap_points": "change over the parameter's range (CAGR points / year)",
            "margin_gap_points": "change over the parameter's range (margin points)"
            }.get(out, "change over the parameter's range")


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
        Written files: ``samples``, ``runs``, ``indices``, ``problem``, ``png``, ``pdf``.

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
    files = {"samples": io.write_parquet(samples, out / "samples.parquet"),
             "runs": io.write_parquet(runs, out / "runs.parquet")}
    indices = analyze(settings.method, x, samples, settings.salib_seed, parameters,
                      settings.num_levels)
    files["indices"] = io.write_text(indices.to_csv(index=False, float_format="%.6g"),
                                     out / "indices.csv")
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


def save_figure(out_dir: str | Path) -> dict[str, Path]:
    """Draw ``indices.png`` and ``indices.pdf`` from a folder's saved indices.csv and problem.json.

    Works on the saved tables alone, so a finished analysis can be redrawn without rerunning.

    Returns:
        The files written, by format.
    """
    import matplotlib

    from .. import io
    from ..configure import load_config

    out = Path(out_dir)
    indices = pd.read_csv(out / "indices.csv")
    meta = io.read_json(out / "problem.json")
    settings = Settings(**meta["settings"])
    cfg = load_config(settings.overrides)
    title = _figure_title(settings, meta["points"], meta["model_runs"], cfg)
    files = {}
    with matplotlib.rc_context({"font.size": 9.5, "savefig.dpi": 150}):
        fig = plot_indices(indices, None, *title)
        for fmt in ("png", "pdf"):
            files[fmt] = io._atomic(out / f"indices.{fmt}",
                                    lambda p, fmt=fmt: fig.savefig(p, format=fmt))
    return files


def _figure_title(settings: Settings, points: int, runs: int, cfg: Config) -> tuple[str, str]:
    what = "Morris screening" if settings.method == "morris" else "Sobol indices"
    size = (f"{settings.n} trajectories" if settings.method == "morris"
            else f"{settings.n} base samples")
    seeds = f"{settings.seeds} seed" + ("s" if settings.seeds != 1 else "")
    m = cfg.market
    extra = [o for o in settings.overrides
             if not o.startswith(("market=", "market.n_customers=", "market.steps="))]
    market = f"{m.n_customers:,} customers × {m.steps} months, {cfg.name}"
    market += f" ({' '.join(extra)})" if extra else ""
    return (f"{what} of the customer-centric advantage",
            f"{size}: {points} points × {seeds} = {runs} runs; {market}")


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


def format_indices(indices: pd.DataFrame) -> str:
    """The indices table as the command prints it (Morris μ*, σ in display units)."""
    lines = []
    for out, d in indices.groupby("output", sort=False):
        scale = OUTPUT_SCALE.get(str(out), 1.0) if "mu_star" in d else 1.0
        lines.append(f"{out}: {OUTPUT_LABELS.get(str(out), '')}")
        show = d.drop(columns="output").copy()
        for c in show.columns:
            if c != "parameter":
                show[c] = show[c] * (scale if c in ("mu", "mu_star", "mu_star_conf", "sigma")
                                     else 1.0)
        show["parameter"] = show["parameter"].map(_short)
        lines.append(show.to_string(index=False, float_format=lambda v: f"{v:8.3f}"))
        lines.append("")
    return "\n".join(lines).rstrip()


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage, so every error is one line."""

    def error(self, message: str) -> typing.NoReturn:  # noqa: D102
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim sensitivity`` argument parser."""
    p = _Parser(prog="ccsim sensitivity",
                description="Global sensitivity (SALib) of the customer-centric advantage: "
                            "growth_gap_points and margin_gap_points over the parameters in "
                            "sim.analysis.sensitivity.PARAMETERS.")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris",
                   help="Morris screening (default) or Sobol indices")
    p.add_argument("--n", type=int, metavar="N",
                   help="Morris trajectories (default 10) or Sobol base samples, a power of 2 "
                        "(default 64)")
    p.add_argument("--seeds", type=int, metavar="K", help="model seeds per point (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="tiny market (300 customers × 24 months), N=2 (Sobol 4), 1 seed: "
                        "a check that runs in well under a minute")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: a new results/sensitivity/<method>_<time>; "
                        "with --quick results/tmp/sensitivity/<method>_quick_<time>); saved "
                        "analyses are never overwritten unless --out names their folder")
    p.add_argument("--salib-seed", type=int, default=0, help="seed of SALib sample and analyze")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
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


def default_out(method: str, quick: bool = False, now: float | None = None) -> Path:
    """A new timestamped output folder, so a new analysis never overwrites a saved one.

    ``results/sensitivity/<method>_<YYYYmmdd-HHMMSS>`` (``results/tmp/sensitivity/…_quick_…``
    with ``--quick``); ``-2``, ``-3``… is appended if that folder exists already.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = (Path("results/tmp/sensitivity") / f"{method}_quick_{stamp}" if quick
            else Path("results/sensitivity") / f"{method}_{stamp}")
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


def main(argv: list[str] | None = None) -> int:
    """``ccsim sensitivity``; prints the indices and the files written. Errors: exit 2."""
    from ..config import ConfigError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        settings = settings_from_args(args)
        out = Path(args.out) if args.out else default_out(settings.method, args.quick)
        t0 = time.perf_counter()
        files = run_analysis(settings, out, progress=not args.no_progress)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except (_UsageError, ConfigError, ValueError) as exc:
        print(f"ccsim: error: {exc}", file=sys.stderr)
        return 2
    from .. import io

    points = io.read_json(files["problem"])["points"]
    print(format_indices(pd.read_csv(files["indices"])))
    print(f"\n{settings.method}: {points} points × {settings.seeds} seeds in "
          f"{time.perf_counter() - t0:.0f} s")
    for f in files.values():
        print(f)
    return 0
