"""Sensitivity of the customer-centric advantage, the analysis half: problem, samples, indices.

SALib's functional steps with arrays in between; the model runs in between live in the studies
layer (:mod:`sim.studies.sensitivity`, ``ccsim sensitivity``), so everything here works on
arrays and saved tables alone:

1. :func:`problem` — the parameter set below (:data:`PARAMETERS`), as SALib's problem dict;
2. :func:`sample` — ``SALib.sample.morris.sample`` or ``SALib.sample.sobol.sample``, seeded;
3. (:func:`sim.studies.sensitivity.evaluate` runs the model at every point for K seeds and
   averages the outputs ``growth_gap_points`` and ``margin_gap_points`` of
   :func:`sim.metrics.strategy_comparison` over the seeds);
4. :func:`analyze` — ``SALib.analyze.morris.analyze`` / ``SALib.analyze.sobol.analyze``, seeded,
   into one tidy table (``indices.csv``); :func:`save_figure` redraws ``indices.png`` / ``.pdf``
   from a saved folder.

Integer parameters (``market.network.mean_degree``) are rounded before the model sees them
(:func:`applied_values`); SALib's analysis gets the unrounded sample, whose grid steps define
the elementary effects.

References:
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
        Technometrics 33(2), 161–174.
    Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening design for
        sensitivity analysis of large models. Environmental Modelling & Software 22, 1509–1518.
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
        estimator for the total sensitivity index. Computer Physics Communications 181, 259–270.
"""

from __future__ import annotations

import dataclasses
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
    "PRICING_KEY",
    "Parameter",
    "Settings",
    "analyze",
    "applied_values",
    "format_indices",
    "overrides_for",
    "plot_indices",
    "problem",
    "sample",
    "save_figure",
]


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: an override key, its range and why the range is what it is."""

    key: str
    low: float
    high: float
    rationale: str


#: A categorical factor: every firm's pricing policy, ``cost_plus`` where the sampled value is
#: below 0.5, ``value_based`` from 0.5 (issue 24); not a schema key, so it is set per firm.
PRICING_KEY = "firms.*.pricing"
PRICING_POLICIES = ("cost_plus", "value_based")


def pricing_policy(value: float) -> str:
    """The pricing policy a sampled value of :data:`PRICING_KEY` stands for."""
    return PRICING_POLICIES[int(float(value) >= 0.5)]


#: The parameters varied, their ranges, and why (the analysis is only as good as this table).
#: Every range brackets the configured default; costs are in the schema's units (× unit cost),
#: lever curves in price units per customer (market levers) or per relationship (per-customer
#: ones).
#: Keys that the calibration pinned to a published benchmark (beta_price, the advertising
#: carry-over, the NPS cut-offs) are not varied; beta_ad is, because the published advertising
#: elasticities hardly pin it down (the second search measured short runs of 0.05 to 0.09 in the
#: experience economy over 1.5 to 3 utils, all near the published range).
PARAMETERS: tuple[Parameter, ...] = (
    # customers and their network
    Parameter("market.network.mean_degree", 4, 30,
              "contacts per customer: from the sparse 1700s village to dense online networks"),
    Parameter("market.customers.need_heterogeneity", 0.1, 1.5,
              "how much individual needs differ within a persona: the room personalisation has"),
    Parameter("market.choice.beta_fit", 0.5, 6.0,
              "weight customers put on fit to their needs: commodity to identity purchase"),
    Parameter("market.choice.beta_quality", 0.5, 4.0,
              "weight of product quality in choice: a third to over twice the default 1.5"),
    Parameter("market.choice.beta_service", 0.3, 4.0,
              "weight of service in choice: from under half the re-calibrated default 0.71 "
              "(issue 26) to the earlier assumed 1.5's upper range"),
    Parameter("market.economics.initial_penetration", 0.1, 0.6,
              "the category's life-cycle stage at the start (share of customers who buy it; "
              "assumed 0.3 in the default scenario): early growth to a mature category, where "
              "the category's own growth no longer carries both groups (issue 23)"),
    Parameter(PRICING_KEY, 0.0, 1.0,
              "every firm's pricing policy: cost_plus (a fixed markup) below 0.5, value_based "
              "(an estimated best response to its own demand) from 0.5 (issue 24)"),
    Parameter("market.choice.switching_cost", 0.0, 3.0,
              "utility bonus of staying put: free switching to strong lock-in"),
    Parameter("market.churn.sensitivity", 0.01, 1.0,
              "extra churn hazard per 10 points of dissatisfaction: tolerant to fickle customers"),
    Parameter("market.churn.base", 5e-5, 3e-3,
              "monthly churn hazard everyone carries (default fitted into first-year cohort "
              "retention of 70-80 %, assumed): brackets it and the fits into that range moved "
              "5 points either way (results/fits/ranges; issue 25)"),
    Parameter("market.churn.proneness_sigma", 0.0, 1.5,
              "spread (log-sd) of customers' churn proneness: everyone alike (the default) to "
              "the spread Fader & Hardie's survivor curves call for (the sbg fits: 0.4-1.5)"),
    # how customers hear of firms (the essays' premise: social proof vs advertising)
    Parameter("market.awareness.ad_response", 0.005, 0.1,
              "chance an ad makes an unaware customer notice a firm: ad-immune to ad-responsive"),
    Parameter("market.choice.beta_ad", 1.0, 5.0,
              "salience of advertising to customers who know the firm: the span of short-run "
              "advertising elasticities the calibration met (Sethuraman et al. 2011: mean 0.12)"),
    Parameter("market.awareness.wom_strength", 0.05, 0.8,
              "word-of-mouth awareness hazard: weak to strong peer influence"),
    Parameter("market.awareness.referral_trigger", 0.0, 2.0,
              "how strongly praise brings customers who know a firm to the market for it, "
              "relative to the awareness hazard: word of mouth without referrals (0) to more "
              "than twice the re-calibrated default 0.85 (issue 26)"),
    Parameter("market.awareness.search_rate", 0.0, 0.1,
              "monthly chance a customer searches: no search to searching every ~10 months"),
    # what customer-centric money buys: knowledge, personalisation, service
    Parameter("market.economics.learn_rate", 0.03, 0.4,
              "share of what a firm does not know of a customer it learns per purchase at full "
              "insight: slow to fast learning"),
    Parameter("market.economics.estimate_error", 0.1, 1.5,
              "a firm's error about an unknown customer's need (need units; needs differ by 0.8 "
              "within a persona): good to poor prior data"),
    Parameter("market.economics.personalisation_reach", 0.2, 0.9,
              "share of the offer-need distance full personalisation removes"),
    Parameter("market.economics.personalisation_cost", 0.02, 0.4,
              "delivery cost of full personalisation per unit sold, × unit cost: cheap data to "
              "costly craft"),
    Parameter("market.economics.service_cost", 0.05, 0.6,
              "delivery cost of full service per unit sold, × unit cost: self-service to "
              "concierge"),
    # the lever curves (uncalibrated technology: money at half capability)
    Parameter("market.levers.service.half_saturation", 0.01, 0.3,
              "service money per relationship at half capability, price units: a third of the "
              "re-calibrated default 0.031 (issue 26) to twice the earlier assumed 0.14"),
    Parameter("market.levers.personalisation.half_saturation", 0.1, 1.0,
              "personalisation money per relationship at half capability, price units: the "
              "earlier assumed 0.14 to above the re-calibrated 0.66 (issue 26)"),
    Parameter("market.levers.insight.half_saturation", 0.1, 1.0,
              "insight (data and analytics) money per relationship at half capability, price "
              "units: the earlier assumed 0.14 to above the re-calibrated 0.84 (issue 26)"),
    Parameter("market.levers.rd.half_saturation", 0.006, 0.06,
              "R&D money per market customer at half quality capability, price units "
              "(default 0.02)"),
    Parameter("market.levers.advertising.half_saturation", 0.003, 0.03,
              "advertising stock per market customer at half reach, price units (default 0.01)"),
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
    return key != PRICING_KEY and _schema_field(key)[0] is int


def problem(parameters: Sequence[Parameter] = PARAMETERS) -> dict:
    """SALib's problem dict (``num_vars``, ``names``, ``bounds``) for ``parameters``."""
    return {"num_vars": len(parameters), "names": [p.key for p in parameters],
            "bounds": [[float(p.low), float(p.high)] for p in parameters]}


def overrides_for(x: Sequence[float], parameters: Sequence[Parameter] = PARAMETERS,
                  firms: Sequence[str] = ("pc_a", "pc_b", "cc_a", "cc_b")) -> list[str]:
    """Hydra overrides setting each parameter to its value in the sample row ``x``.

    Integer keys are rounded to the nearest integer; floats are written with full precision;
    the pricing factor becomes one ``firms.NAME.pricing`` override per firm of ``firms`` (the
    default contest's names unless given).
    """
    out = []
    for p, v in zip(parameters, x, strict=True):
        if p.key == PRICING_KEY:
            out += [f"firms.{name}.pricing={pricing_policy(v)}" for name in firms]
            continue
        value = int(round(float(v))) if is_integer(p.key) else repr(float(v))
        out.append(f"{p.key}={value}")
    return out


def applied_values(x: np.ndarray, parameters: Sequence[Parameter] = PARAMETERS) -> pd.DataFrame:
    """The values the model actually received for each sample row (integers rounded)."""
    df = pd.DataFrame(np.asarray(x, dtype=float), columns=[p.key for p in parameters])
    for p in parameters:
        if is_integer(p.key):
            df[p.key] = df[p.key].round().astype(np.int64)
        elif p.key == PRICING_KEY:  # 1.0: value_based, 0.0: cost_plus
            df[p.key] = (df[p.key] >= 0.5).astype(float)
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
