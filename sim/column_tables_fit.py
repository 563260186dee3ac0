"""The data dictionary's tables of ``ccsim fit`` (:mod:`sim.studies.fit`): searches and CDNOW.

Every fit writes each table twice, as Parquet (with this dictionary inside) and as CSV (a list
cell, such as the per-seed losses, as space-separated numbers). Which tables a fit writes
depends on its target: every search writes ``fit_trials``, ``fit_band`` and ``fit_parameters``;
Bass targets add ``fit_quality``; sBG targets ``fit_prediction``, ``fit_retention_by_year`` and
``fit_heterogeneity``; the ``cdnow`` report writes the ``cdnow_*`` tables instead.
"""

from __future__ import annotations

from .column_tables import SCENARIO_SUMMARY
from .columns import Column, Table

C = Column
WRITER = "`ccsim fit TARGET` (results/fits/TARGET/)"
COMMIT = C("", "the model's git commit the fit ran at")
CURVE = "the curve's"  # thousand units a year (Bass), % of the cohort alive (sBG), % retained
CURVES_NOTE = (
    "Units of a curve: Bass targets, thousand units sold a year (the calendar year in `x`); sBG "
    "targets, % of the cohort still alive (`x`: years of tenure); retention targets, % of the "
    "cohort retained in the year of tenure `x`. The cohort is the relationships acquired in "
    "the market's second year, in the core category, every firm pooled.")

TRIALS = {
    "number": C("", "Optuna's trial number (0, 1, … in the order the trials started)"),
    "state": C("", "Optuna's trial state: COMPLETE, or FAIL (an error, or cut off by a kill: "
                   "see `killed`)"),
    "value": C("the target's loss", "the trial's loss over the search seeds 0..N−1 (lower is "
                                    "better; each target's loss is in its meta.json)"),
    "per_seed": C("the target's loss", "the loss of each search seed (a list; space-separated "
                                       "in the CSV)"),
    "m": C("thousand units", "Bass targets: the market potential m profiled for the trial "
                             "(least squares given the model's curve)"),
    "rmse": C("thousand units / year", "Bass targets: root mean squared error of the model's "
                                       "annual sales against the observed"),
    "survival": C("fraction", "sBG targets: the model's share of the cohort alive at years "
                              "0..7 of tenure, mean over the seeds (a list)"),
    "retention": C("fraction", "retention targets: the model's cohort retention in each year "
                               "of tenure with a range, mean over the seeds (a list)"),
    "cohort": C("relationships", "survival and retention targets: relationships in the "
                                 "followed cohort, mean over the seeds"),
    "git_commit": C("", "the model's git commit the trial ran at"),
    "seconds": C("s", "wall time of the trial's runs"),
    "started": C("time", "when the trial started (local time)"),
    "finished": C("time", "when the trial finished (empty if it was cut off)"),
    "killed": C("true/false", "the trial was cut off by a kill; a resumed search evaluates its "
                              "point again"),
    "retry_of": C("", "the number of the killed trial whose point this trial evaluates again"),
}
BAND = {
    "x": C("year", "calendar year (Bass) or year of tenure (sBG, retention)"),
    "observed": C(CURVE, "the observed curve (sim/data/)"),
    "observed_low": C("%", "retention targets: lower end of the observed (or assumed) range"),
    "observed_high": C("%", "retention targets: upper end of the range"),
    "model_mean": C(CURVE, "the best candidate's curve, mean over the fresh band seeds"),
    "model_lo": C(CURVE, "2.5th percentile over the band seeds"),
    "model_hi": C(CURVE, "97.5th percentile over the band seeds"),
    "reference": C(CURVE, "a classical fit's curve: Bass's closed form fitted by nonlinear "
                          "least squares, or the sBG fitted to years 0–7 (empty for retention "
                          "targets)"),
    "part": C("", "fit (the years the search scored) or predict (sBG years 8–12, not scored)"),
    "status": C("", "retention targets: published, assumed, or sensitivity (a range given by "
                    "--range)"),
    "source": C("", "retention targets: where the range comes from"),
}
PARAMETERS = {
    "parameter": C("", "the parameter's name (Bass p, q, m; sBG α, β; a churn premise)"),
    "key": C("", "the configuration key it is in the model (or what it is when it is not one)"),
    "model": C("the key's", "the fitted value (the best trial's)"),
    "configured": C("the key's", "the scenario's configured value, for comparison"),
    "nls_continuous": C("the parameter's", "Bass targets: nonlinear least squares fit of Bass's "
                                           "closed form"),
    "nls_discrete": C("the parameter's", "Bass targets: nonlinear least squares fit of the "
                                         "discrete map (the model's mean field)"),
    "bass_ols": C("the parameter's", "Bass targets: Bass's own OLS estimator rerun on the "
                                     "series"),
    "published": C("the parameter's", "the published estimate"),
    "published_source": C("", "where it is published"),
    "published_checked": C("", "whether the published value was checked against the source"),
    "why": C("", "why the premise is searched, or what the row is"),
    "git_commit": COMMIT,
}
FIT_QUALITY = {
    "fit": C("", "the curve: the model on the search or band seeds, or a classical fit"),
    "rmse": C("thousand units / year", "root mean squared error against the observed sales"),
}
PREDICTION = {
    "curve": C("", "the model (band seeds) or the sBG fitted to years 0–7"),
    "loglik_years_0_7": C("nats per customer", "the sBG paper's log-likelihood of years 0–7 "
                                               "under the curve, per customer of the cohort"),
    "mae_years_8_12": C("% points", "mean absolute error of % alive, years 8–12 (predicted)"),
    "mape_years_8_12": C("%", "mean absolute percentage error of % alive, years 8–12"),
}
RETENTION_BY_YEAR = {
    "year": C("year", "year of tenure k"),
    "observed": C("fraction", "observed retention S(k) ÷ S(k−1)"),
    "sbg": C("fraction", "retention of the sBG fitted to years 0–7"),
    "model_mean": C("fraction", "the model's retention, mean over the band seeds"),
    "model_lo": C("fraction", "2.5th percentile over the band seeds"),
    "model_hi": C("fraction", "97.5th percentile over the band seeds"),
}
HETEROGENEITY = {
    "curve": C("", "whose sBG: the observed curve's, or the one fitted to the model's cohort"),
    "alpha": C("", "the sBG's α (churn probabilities θ ~ Beta(α, β))"),
    "beta": C("", "the sBG's β"),
    "mean_theta": C("fraction / year", "mean annual churn probability θ across customers"),
    "sd_theta": C("fraction / year", "its standard deviation across customers"),
    "cv_theta": C("", "its coefficient of variation (sd ÷ mean)"),
}
HETEROGENEITY_PATTERNS = (
    (r"theta_p(\d+)", C("fraction / year", "the {0}th percentile of θ across customers")),
    (r"monthly_hazard_p(\d+)", C("per month", "the monthly hazard of the {0}th percentile "
                                              "customer: 1 − (1 − θ)^(1/12)")),
)
BGNBD = {
    "parameter": C("", "the BG/NBD parameter (r, α, a, b)"),
    "fitted": C("the parameter's", "fitted here (lifetimes' BetaGeoFitter on the CDNOW sample)"),
    "published": C("the parameter's", "Fader, Hardie & Lee (2005)"),
    "source": C("", "where the published value comes from"),
    "git_commit": COMMIT,
}

#: The assumed retention ranges' sensitivity rows (python -m sim.studies.retention_ranges).
RANGE_SENSITIVITY = {
    # the rows are sim.analysis.scenario_table.summarise's, as in the scenario summary
    **SCENARIO_SUMMARY,
    "case": C("", "the scenario (one case per range)"),
    "scenario": C("", "the scenario whose churn premises were fitted"),
    "market": C("", "its kind of market (a row group of sim/data/retention_ranges.csv)"),
    "range_low": C("%", "lower end of the first-year retention range fitted into"),
    "range_high": C("%", "upper end of that range"),
    "stated": C("true/false", "the stated (assumed) range; else it moved 5 points either way"),
    "retention_year_1": C("%", "the fit's first-year cohort retention on its fresh band seeds"),
    "fit_commit": C("", "the git commit the fit ran at"),
    "commit": C("", "the git commit the headline was measured at"),
}
#: Issue 26's re-calibration search (python -m sim.studies.recalibrate, results/recalibration).
RECALIBRATION_TRIALS = {
    "number": TRIALS["number"], "state": TRIALS["state"],
    "value": C("loss", "the field-evidence loss of the trial (sim.analysis.field_evidence_loss;"
                       " lower is better)"),
    "per_seed": C("loss", "the loss of each seed alone (a list)"),
    "seconds": TRIALS["seconds"], "started": TRIALS["started"], "finished": TRIALS["finished"],
    "killed": TRIALS["killed"], "retry_of": TRIALS["retry_of"],
    "git_commit": TRIALS["git_commit"],
}
RECALIBRATION_PATTERNS = (
    (r"(\w+):mean", C("the study's unit", "{0}: the model's figure for the published row, mean "
                                          "over the seeds")),
    (r"(\w+):miss", C("standard errors", "{0}: by how much that figure misses the row's rule "
                                         "(0: met)")),
)

TABLES: list[Table] = [
    Table("fit_trials", ("trials.parquet", "trials.csv"), WRITER, "trial of the search",
          TRIALS, config_keys=True,
          note="The searched premises are columns named by their configuration keys (the "
               "trial's values)."),
    Table("fit_band", ("band.parquet", "band.csv"), WRITER, "point of the observed curve",
          BAND, note=CURVES_NOTE),
    Table("fit_parameters", ("parameters.parquet", "parameters.csv"), WRITER,
          "fitted parameter", PARAMETERS),
    Table("fit_quality", ("fit_quality.parquet", "fit_quality.csv"), WRITER + "; Bass targets",
          "curve", FIT_QUALITY),
    Table("fit_prediction", ("prediction.parquet", "prediction.csv"), WRITER + "; sBG targets",
          "curve", PREDICTION),
    Table("fit_retention_by_year", ("retention_by_year.parquet", "retention_by_year.csv"),
          WRITER + "; sBG targets", "year of tenure", RETENTION_BY_YEAR),
    Table("fit_heterogeneity", ("heterogeneity.parquet", "heterogeneity.csv"),
          WRITER + "; sBG targets", "curve", HETEROGENEITY, HETEROGENEITY_PATTERNS),
    Table("cdnow_parameters", ("bgnbd_parameters.parquet", "bgnbd_parameters.csv"),
          "`ccsim fit cdnow` (results/fits/cdnow/)", "BG/NBD parameter", BGNBD),
    Table("cdnow_timing", ("timing.parquet", "timing.csv"), "`ccsim fit cdnow`", "measure",
          {"measure": C("", "what is measured (customers, repeat purchases in 78 weeks, …)"),
           "value": C("the measure's", "its value")}),
    Table("cdnow_by_frequency", ("by_frequency.parquet", "by_frequency.csv"),
          "`ccsim fit cdnow`", "group of customers by their repeat purchases in the "
          "calibration weeks",
          {"x_group": C("purchases", "repeat purchases in the 39 calibration weeks (7: seven "
                                     "or more)"),
           "customers": C("customers", "customers in the group"),
           "actual": C("purchases / customer", "mean purchases in the holdout weeks"),
           "predicted": C("purchases / customer", "the BG/NBD's conditional expectation of "
                                                  "them")}),
    Table("cdnow_weekly", ("weekly.parquet", "weekly.csv"), "`ccsim fit cdnow`", "week",
          {"week": C("week", "week since the sample's start (1 January 1997)"),
           "actual": C("purchases", "repeat purchases of the sample up to the week's end "
                                    "(cumulative)"),
           "predicted": C("purchases", "the BG/NBD's expected repeat purchases up to then"),
           "calibration": C("true/false", "in the calibration period (else the holdout)")}),
    Table("retention_range_sensitivity", ("sensitivity.csv",),
          "`python -m sim.studies.retention_ranges` (results/fits/ranges/)",
          "scenario × first-year range × KPI", RANGE_SENSITIVITY, config_keys=True,
          note="The fitted churn premises are columns named by their configuration keys."),
    Table("recalibration_trials", ("trials.parquet", "trials.csv"),
          "`python -m sim.studies.recalibrate` (results/recalibration/)", "trial of the search",
          RECALIBRATION_TRIALS, RECALIBRATION_PATTERNS, config_keys=True, explicit=True,
          note="The searched premises are columns named by their configuration keys."),
]
