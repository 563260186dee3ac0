"""The retention targets of ``ccsim fit``: Fader & Hardie's survivors and each scenario's range.

Both follow one cohort of relationships (:data:`sim.studies.fit_targets.COHORT`: acquired in
the market's second year, core category, every firm pooled; one step is one month) along its
survivor curve at each anniversary of acquisition, never the geometric mean of monthly retention
over all tenures. Neither reads a firm's strategy or the strategy comparison.

``sbg_regular``, ``sbg_highend`` (Fader & Hardie 2007, Table 1): the subscription scenario's
churn premises are fitted on years 0–7 and the model predicts years 8–12, as the paper does.
**Loss**: minus the sBG paper's log-likelihood per cohort member of the observed churners in
years 1–7 and survivors at year 7, with the sBG's survival replaced by the model's (seeds
pooled: Σ alive / Σ cohort size); :func:`sim.analysis.fit_curves.survivor_loglik`. Searched:
``market.churn.base`` (the hazard everyone carries), ``market.churn.sensitivity`` (the hazard
that dissatisfaction adds),
``market.churn.proneness_sigma`` (the spread of a per-customer multiplier of the hazard: the
frailty that lets a cohort's retention rise with tenure) and
``market.choice.switching_cost`` (in a subscription every month is a renewal choice, and most
relationships end by switching, not by the churn hazard: a 2,000-customer run of the scenario
as configured lost 5,806 relationships to switching, 1,335 to the outside option and 2,478 to
churn in 60 months).

``retention_<scenario>``: the churn hazard's premises (and, in the contractual markets, the
switching cost: a 2,000-customer b2b run lost 2,699 relationships to switching and 541 to the
churn hazard in 60 months, and with almost no churn hazard its first-year retention stays near
65 %) searched so that the cohort's retention in each year of tenure falls in a stated range for
its kind of market (``retention_ranges.csv``, with sources or marked *assumed*). **Loss**: Σ
over years of :func:`sim.analysis.fit_curves.range_loss` (10 × squared distance outside the
range per width, plus 0.1 × squared distance from its middle).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import data
from ..analysis import fit_curves as fc
from ..analysis.retention import fit_sbg
from .fit_targets import (
    FitTarget,
    Outputs,
    Size,
    cohort_alive,
    cohort_steps,
    percentiles,
    pooled_survival,
    seed_survival,
)
from .optuna_search import Evaluation, Param

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["CHURN_SPACE", "LEVEL_SPACE", "MARKETS", "PRONENESS", "RetentionTarget",
           "SbgTarget",
           "cohort_alive_level", "retention_targets", "sbg_targets", "tied"]

#: The churn premises the sBG targets search (with :data:`PRONENESS` and :data:`SWITCHING`).
CHURN_SPACE = (
    Param("market.churn.base", 5e-4, 0.05, log=True,
          why="monthly hazard every customer carries; 0.0005-0.05 spans 0.6 %-46 % a year"),
    Param("market.churn.sensitivity", 0.0, 3.0,
          why="extra monthly hazard per 10 points of satisfaction below the threshold: "
              "dissatisfied customers are more churn-prone"),
)
#: The churn premises :func:`tied` ties: the base hazard and the sensitivity to dissatisfaction.
BASE, SENSITIVITY = "market.churn.base", "market.churn.sensitivity"
#: The retention targets' level of churn: the base hazard, with the sensitivity to
#: dissatisfaction tied to it in the scenario's configured ratio (:func:`cohort_alive_level`).
#: One retention rate per year of tenure fixes the hazard's level but cannot tell a base hazard
#: from a sensitivity to dissatisfaction (any mix on a ridge fits as well), so the fit keeps
#: the configured mix and scales it; ``--search market.churn.sensitivity=LOW:HIGH`` unties it.
LEVEL_SPACE = (
    Param("market.churn.base", 1e-4, 0.05, log=True,
          why="monthly hazard every customer carries, the sensitivity to dissatisfaction scaled "
              "with it (the scenario's ratio kept): the level of churn"),
)
#: The sBG targets' spread of churn proneness: Fader & Hardie's curves rise with tenure (their sBG
#: puts each customer's churn probability on a Beta with CV about 1), which a hazard the same
#: for everyone cannot give; a log-sd of 2 spans a 90th/10th percentile ratio of about 170.
PRONENESS = Param("market.churn.proneness_sigma", 0.0, 2.0,
                  why="log-sd of each customer's churn-proneness multiplier (mean 1): the "
                      "heterogeneity that makes a cohort's retention rise with tenure")
#: In contractual markets renewals are choices: staying's bonus sets most of retention.
SWITCHING = Param("market.choice.switching_cost", 0.0, 8.0,
                  why="utility bonus of staying put at a renewal choice (contracts: most "
                      "relationships end by switching at a renewal, not by the churn hazard)")
#: The sBG targets' switching cost: wider, since both segments' searches with 0-8 ran into 8.
SBG_SWITCHING = Param(SWITCHING.key, 0.0, 12.0, why=SWITCHING.why)
#: Markets whose relationships end mostly at renewal choices (their search adds SWITCHING).
CONTRACTUAL = ("subscription", "b2b_contracts")
#: The kind of market of each scenario with churn (``bass`` has none).
MARKETS = {"subscription": "subscription", "b2b": "b2b_contracts",
           "experience_economy": "experience_goods", "product_aware_economy": "experience_goods",
           "exploitation": "experience_goods"}
#: Years the sBG targets fit on; the rest of the table (to year 12) is predicted.
FIT_YEARS = 7
PREDICT_YEARS = 12
#: Weight of the retention targets' tie-break toward the configured premises: small beside the
#: range loss (10 × (distance outside / width)²), so it only chooses along the ridge of premises
#: that fit equally well.
PRIOR_WEIGHT = 0.01
#: Loss of a candidate whose cohort is empty (no acquisitions in the window): finite for Optuna.
EMPTY_LOSS = 1e6
SBG_FULL = Size(n_customers=3000, seeds=6, trials=100, band_seeds=20)
RETENTION_FULL = Size(n_customers=3000, seeds=6, trials=60, band_seeds=20)
QUICK = Size(n_customers=300, seeds=5, trials=3, band_seeds=5)


def _loss(observed: np.ndarray, survival: np.ndarray) -> float:
    """Minus the log-likelihood per member (:data:`EMPTY_LOSS` for an empty cohort)."""
    if not np.all(np.isfinite(survival)):
        return EMPTY_LOSS
    return -fc.survivor_loglik(observed, survival)


def _premise_row(key: str, model: float, configured: float, why: str) -> dict:
    """A row of the parameter table for a premise of the model (nothing published beside it)."""
    return {"parameter": key.rsplit(".", 1)[-1], "key": key, "model": model,
            "configured": configured, "published": np.nan, "published_source": "",
            "published_checked": "", "why": why}


def _fitted_rows(target: FitTarget, best: dict[str, Any], cfg: Config) -> list[dict]:
    """One row per searched premise: the fitted value beside the scenario's configured one."""
    before = target.current_values(cfg)
    return [_premise_row(p.key, best["params"][p.key], before[p.key], p.why)
            for p in target.space]


@dataclass(frozen=True)
class SbgTarget(FitTarget):
    """A Fader & Hardie (2007) segment fitted on years 0–7, years 8–12 predicted."""

    LOSS = ("minus the log-likelihood per cohort member of the observed churners in years 1-7 "
            "and survivors at year 7 (the sBG paper's likelihood) under the model's survival "
            "curve, seeds pooled (Σ alive / Σ cohort size).")

    segment: str = ""

    def observed(self) -> np.ndarray:
        """Percent alive at years 0..12."""
        return fc.survivors_observed(self.segment)["percent"].to_numpy()

    def steps(self, band: bool) -> int:
        """Long enough to see the cohort for 7 years (search) or 12 (band)."""
        return cohort_steps(PREDICT_YEARS if band else FIT_YEARS)

    def simulator(self, cfg: Config, band: bool = False) -> Any:
        """:func:`~sim.studies.fit_targets.cohort_alive` for 7 or 12 years."""
        return functools.partial(cohort_alive, cfg, PREDICT_YEARS if band else FIT_YEARS)

    def score(self, params: dict, results: list[Any]) -> Evaluation:
        """Minus the log-likelihood per member of years 0–7 under the pooled survival."""
        obs = self.observed()[: FIT_YEARS + 1]
        survival = pooled_survival(results)
        per_seed = [_loss(obs, s) for s in seed_survival(results)]
        return Evaluation(_loss(obs, survival), per_seed,
                          attrs={"survival": survival.tolist(),
                                 "cohort": float(np.mean([r[0] for r in results]))})

    def outputs(self, best: dict[str, Any], band_results: list[Any],
                cfg: Config) -> Outputs:
        """The band to year 12, the prediction errors, retention by year and what it needs."""
        obs = self.observed()
        years = np.arange(obs.size)
        survival = pooled_survival(band_results)
        per_seed = seed_survival(band_results)
        lo, hi = percentiles(per_seed * 100.0)
        sbg = fit_sbg(obs[: FIT_YEARS + 1] * 10.0)  # the paper's 1,000 customers
        sbg_curve = np.asarray(sbg.survival(years)) * 100.0
        part = np.where(years <= FIT_YEARS, "fit", "predict")
        band = pd.DataFrame({"x": years, "observed": obs, "model_mean": survival * 100.0,
                             "model_lo": lo, "model_hi": hi, "reference": sbg_curve,
                             "part": part})
        later = years > FIT_YEARS
        prediction = pd.DataFrame([
            {"curve": "model (band seeds)",
             "loglik_years_0_7": fc.survivor_loglik(obs[:8], survival[:8]),
             **{f"{k}_years_8_12": v for k, v in
                fc.prediction_errors(obs[later], survival[later] * 100.0).items()}},
            {"curve": "sBG fitted to years 0-7",
             "loglik_years_0_7": fc.survivor_loglik(obs[:8], sbg_curve[:8] / 100.0),
             **{f"{k}_years_8_12": v for k, v in
                fc.prediction_errors(obs[later], sbg_curve[later]).items()}},
        ])
        r_lo, r_hi = percentiles(per_seed[:, 1:] / per_seed[:, :-1])
        retention = pd.DataFrame({
            "year": years[1:], "observed": fc.retention_by_year(obs),
            "sbg": fc.retention_by_year(sbg_curve), "model_mean": fc.retention_by_year(survival),
            "model_lo": r_lo, "model_hi": r_hi})
        pooled = np.asarray(band_results, float).sum(axis=0)
        implied = fit_sbg(pooled[: FIT_YEARS + 1])
        published = data.read_csv("published_estimates.csv")
        published = published[published["target"] == self.name].set_index("parameter")
        rows = _fitted_rows(self, best, cfg)
        for name in ("alpha", "beta"):
            pub = published.loc[name]
            rows.append({"parameter": name,
                         "key": "sBG fitted to the model's cohort (years 0-7, seeds pooled)",
                         "model": np.nan if implied.degenerate else getattr(implied, name),
                         "configured": np.nan, "published": float(pub["value"]),
                         "published_source": f"{pub['source']}, {pub['where']}",
                         "published_checked": pub["checked"],
                         "why": implied.degenerate or "the heterogeneity the model's curve shows"})
        need = fc.sbg_heterogeneity(sbg.alpha, sbg.beta)
        heterogeneity = pd.DataFrame([{"curve": "observed (sBG fit, years 0-7)",
                                       "alpha": sbg.alpha, "beta": sbg.beta, **need}])
        if not implied.degenerate:
            heterogeneity = pd.concat([heterogeneity, pd.DataFrame([{
                "curve": "model (sBG fit of its cohort, years 0-7)", "alpha": implied.alpha,
                "beta": implied.beta, **fc.sbg_heterogeneity(implied.alpha, implied.beta)}])],
                ignore_index=True)
        cohort = float(np.mean([r[0] for r in band_results]))
        report = _sbg_findings(retention.set_index("year"), prediction.set_index("curve"),
                               implied, sbg, need, cohort)
        report.insert(1, f"Loss on the search's seeds {best['value']:.4f}, on the fresh seeds "
                         f"{-prediction.iloc[0]['loglik_years_0_7']:.4f}, sBG's own "
                         f"{-prediction.iloc[1]['loglik_years_0_7']:.4f} (the search's own score "
                         "is optimistic: it chose the candidate that suited its seeds).")
        return Outputs(band=band, parameters=pd.DataFrame(rows),
                       tables={"prediction": prediction, "retention_by_year": retention,
                               "heterogeneity": heterogeneity},
                       report=report,
                       figure={"title": self.title, "xlabel": "years since acquisition",
                               "ylabel": "% of the cohort still a customer",
                               "reference": "sBG fitted to years 0-7 (Fader & Hardie 2007)"})


def _sbg_findings(retention: pd.DataFrame, prediction: pd.DataFrame, implied: Any, sbg: Any,
                  need: dict[str, float], cohort: float) -> list[str]:
    """The sBG targets' findings: prediction errors, rising retention, the heterogeneity needed."""
    model, paper = prediction.iloc[0], prediction.iloc[1]
    r_obs, r_mod = retention["observed"], retention["model_mean"]
    first, last = r_obs.index[0], FIT_YEARS
    if implied.degenerate:
        own = ("The sBG fitted to the model's own cohort finds no heterogeneity "
               f"({implied.degenerate}).")
    else:
        own = (f"The sBG fitted to the model's own cohort: alpha {implied.alpha:.3f}, beta "
               f"{implied.beta:.3f} (the paper's {sbg.alpha:.3f}, {sbg.beta:.3f}).")
    return [
        "Percent of a cohort alive at each anniversary; the model's cohort is acquired in months "
        f"12-23 (core category, all firms), {cohort:,.0f} relationships per seed; one step is "
        "one month.",
        f"Years 8-12 predicted: model MAE {model['mae_years_8_12']:.1f} points (MAPE "
        f"{model['mape_years_8_12']:.1f} %); sBG's own MAE {paper['mae_years_8_12']:.1f} points "
        f"(MAPE {paper['mape_years_8_12']:.1f} %).",
        f"Retention by year of tenure, observed: {r_obs[first]:.1%} in year 1 rising to "
        f"{r_obs[last]:.1%} in year {last} ({(r_obs[last] - r_obs[first]) * 100:+.1f} points); "
        f"model: {r_mod[first]:.1%} to {r_mod[last]:.1%} "
        f"({(r_mod[last] - r_mod[first]) * 100:+.1f} points).",
        own,
        "What the observed curve needs (its sBG): each customer's annual churn probability "
        f"theta ~ Beta({sbg.alpha:.3f}, {sbg.beta:.3f}): mean {need['mean_theta']:.1%}, sd "
        f"{need['sd_theta']:.1%} (CV {need['cv_theta']:.2f}); 10th/50th/90th percentile "
        f"{need['theta_p10']:.1%} / {need['theta_p50']:.1%} / {need['theta_p90']:.1%} a year, "
        f"i.e. a monthly base hazard of {need['monthly_hazard_p10']:.4f} / "
        f"{need['monthly_hazard_p50']:.4f} / {need['monthly_hazard_p90']:.4f} per customer.",
    ]


@dataclass(frozen=True)
class RetentionTarget(FitTarget):
    """A scenario's cohort retention by year of tenure, searched into its market's ranges."""

    LOSS = ("Σ over the years with a range of 10 × (distance of the cohort's retention outside "
            "[low, high] / width)² + 0.1 × (distance from the middle / width)², seeds pooled; "
            f"plus {PRIOR_WEIGHT:g} × Σ over the searched premises of (distance from the "
            "scenario's configured value / the searched range)², log scale where the search is: "
            "a tie-break among premises that fit equally well (e.g. churn level against "
            "switching cost), keeping those nearest the configured ones. The sensitivity to "
            "dissatisfaction is not searched but scaled with the base hazard in the "
            "scenario's ratio (one rate per year fixes churn's level, not its mix).")

    market: str = ""
    #: (year, low, high) replacing a year's range: a sensitivity fit (``--range``).
    range_overrides: tuple[tuple[int, float, float], ...] = ()
    #: (key, configured value) of the searched premises: the tie-break's centre (set by the
    #: fit from the scenario's configuration; empty: no tie-break).
    prior: tuple[tuple[str, float], ...] = ()

    def searching_from(self, cfg: Config) -> RetentionTarget:
        """The target with its tie-break centred on the premises ``cfg`` configures."""
        return dataclasses.replace(self, prior=tuple(self.current_values(cfg).items()))

    def ranges(self) -> pd.DataFrame:
        """The market's rows of ``retention_ranges.csv`` (year, low, high, status, source).

        A year in :attr:`range_overrides` gets that range, status ``sensitivity``.
        """
        r = data.read_csv("retention_ranges.csv")
        r = r[r["market"] == self.market].sort_values("year").reset_index(drop=True)
        for year, low, high in self.range_overrides:
            at = r["year"] == year
            r.loc[at, ["low", "high"]] = [low, high]
            r.loc[at, "status"] = "sensitivity"
            r.loc[at, "source"] = f"--range {year}={low:g}:{high:g} (a sensitivity fit)"
        return r

    def years(self) -> int:
        """The last year of tenure with a range."""
        return int(self.ranges()["year"].max())

    def steps(self, band: bool) -> int:
        """Long enough to see the cohort for every year with a range."""
        return cohort_steps(self.years())

    def simulator(self, cfg: Config, band: bool = False) -> Any:
        """:func:`cohort_alive_level` for the years with a range."""
        return functools.partial(cohort_alive_level, cfg, self.years())

    def _loss(self, survival: np.ndarray) -> float:
        if not np.all(np.isfinite(survival)):
            return EMPTY_LOSS
        r = fc.retention_by_year(survival) * 100.0
        return float(sum(fc.range_loss(r[int(row.year) - 1], row.low, row.high)
                         for row in self.ranges().itertuples()))

    def prior_penalty(self, params: dict) -> float:
        """The tie-break: :data:`PRIOR_WEIGHT` × Σ (distance from the prior / range)²."""
        prior = dict(self.prior)
        total = 0.0
        for p in self.space:
            if p.key not in prior or p.key not in params:
                continue
            scale = np.log if p.log else (lambda x: x)
            centre = min(max(prior[p.key], p.low), p.high)
            total += ((scale(params[p.key]) - scale(centre))
                      / (scale(p.high) - scale(p.low))) ** 2
        return PRIOR_WEIGHT * float(total)

    def score(self, params: dict, results: list[Any]) -> Evaluation:
        """Σ over years of the range loss of the pooled cohort's retention, plus the tie-break."""
        survival = pooled_survival(results)
        tie = self.prior_penalty(params)
        return Evaluation(self._loss(survival) + tie,
                          [self._loss(s) + tie for s in seed_survival(results)],
                          attrs={"retention": fc.retention_by_year(survival).tolist(),
                                 "cohort": float(np.mean([r[0] for r in results]))})

    def outputs(self, best: dict[str, Any], band_results: list[Any],
                cfg: Config) -> Outputs:
        """Retention by year with its band beside the ranges."""
        ranges = self.ranges()
        survival = pooled_survival(band_results)
        per_seed = seed_survival(band_results)
        r_seeds = per_seed[:, 1:] / per_seed[:, :-1] * 100.0
        lo, hi = percentiles(r_seeds)
        mean = fc.retention_by_year(survival) * 100.0
        band = pd.DataFrame({"x": ranges["year"], "observed_low": ranges["low"],
                             "observed_high": ranges["high"], "model_mean": mean, "model_lo": lo,
                             "model_hi": hi, "reference": np.nan, "part": "fit",
                             "status": ranges["status"], "source": ranges["source"]})
        inside = (mean >= ranges["low"]) & (mean <= ranges["high"])
        report = [f"Retention of the cohort acquired in months 12-23 (core category, all firms "
                  f"pooled, {np.mean([r[0] for r in band_results]):,.0f} relationships per "
                  "seed) in each year of tenure, on fresh seeds:"]
        for row, m, ok, a, b in zip(ranges.itertuples(), mean, inside, lo, hi, strict=True):
            report.append(f"  - year {row.year}: {m:.1f} % (95 % of seeds {a:.1f}-{b:.1f}); "
                          f"range {row.low:g}-{row.high:g} % ({row.status}): "
                          f"{'inside' if ok else 'outside'}")
        rows = _fitted_rows(self, best, cfg)
        full = tied(cfg, best["params"])
        if SENSITIVITY not in best["params"] and SENSITIVITY in full:
            rows.append(_premise_row(SENSITIVITY, full[SENSITIVITY],
                                     float(cfg.market.churn.sensitivity),
                                     "tied to the base hazard in the scenario's configured "
                                     "ratio (not searched)"))
        return Outputs(band=band, parameters=pd.DataFrame(rows),
                       report=report,
                       figure={"title": self.title, "xlabel": "year of tenure",
                               "ylabel": "retention in the year (%)", "reference": ""})


def tied(cfg: Config, params: dict) -> dict:
    """``params`` with the sensitivity to dissatisfaction in the configured ratio to the base.

    Unchanged when the sensitivity is searched itself or the base is not.
    """
    if BASE not in params or SENSITIVITY in params:
        return dict(params)
    churn = cfg.market.churn
    ratio = churn.sensitivity / churn.base if churn.base > 0 else 0.0
    return {**params, SENSITIVITY: params[BASE] * ratio}


def cohort_alive_level(cfg: Config, years: int, params: dict, seed: int) -> list[int]:
    """:func:`~sim.studies.fit_targets.cohort_alive` with the churn mix tied (:func:`tied`)."""
    return cohort_alive(cfg, years, tied(cfg, params), seed)


def sbg_targets() -> list[SbgTarget]:
    """The two Fader & Hardie (2007) segments."""
    return [SbgTarget(name=name, title=f"Fader & Hardie (2007) survivors, "
                      f"{segment.replace('_', ' ')} segment: scenario=subscription fitted on "
                      "years 0-7",
                      scenario="subscription", space=(*CHURN_SPACE, PRONENESS, SBG_SWITCHING),
                      full=SBG_FULL,
                      quick=QUICK, segment=segment)
            for name, segment in fc.SBG_SEGMENTS.items()]


def retention_targets() -> list[RetentionTarget]:
    """One retention target per scenario with churn."""
    return [RetentionTarget(name=f"retention_{scenario}",
                            title=f"Cohort retention of scenario={scenario} searched into the "
                                  f"{market.replace('_', ' ')} range",
                            scenario=scenario,
                            space=(*LEVEL_SPACE, SWITCHING) if market in CONTRACTUAL
                            else LEVEL_SPACE,
                            full=RETENTION_FULL, quick=QUICK, market=market)
            for scenario, market in MARKETS.items()]
