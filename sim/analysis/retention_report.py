"""``ccsim retention RUN_DIR``: sBG fits and Kaplan–Meier curves per firm from a saved run.

This module reads a run folder and computes the report; :mod:`.retention_figure` draws it and
:mod:`.retention_cli` writes it and is the command line.

Reads a complete run folder's ``spells.parquet`` (one row per customer–firm relationship:
customer, category, firm, start, end, firm_name; end = −1 if still active when the run ended),
``summary.json`` (steps, steps_per_year) and checks its ``timeseries.parquet``, and for one
product category writes to ``RUN_DIR/retention/`` (or ``--out``):

* ``sbg_fits.csv`` / ``sbg_fits.parquet`` — one row per firm and acquisition cohort, plus one
  pooled row per firm: α, β, log-likelihood, retention implied by the fit, DERL, fit error,
  and ``degenerate``: why α and β are not estimates (empty when they are; then α and β are
  NaN — see :attr:`~sim.analysis.retention.SBGFit.degenerate`);
* ``cohort_survival.parquet`` — each fitted cohort's observed and fitted survivor curve;
* ``kaplan_meier.parquet`` — each firm's Kaplan–Meier curve and its pooled sBG curve;
* ``survival.png`` / ``survival.pdf`` — observed vs fitted survival, one panel per firm.

Which spells are used. Relationships that already existed at the start of the run
(``start == 0``) are left-truncated — they were acquired at some unknown earlier time and have
survived to the start of the run — so they are excluded from cohorts, from the pooled fit and
from the Kaplan–Meier curves: every curve here is survival *since acquisition*. Steps run
1..``steps``; a relationship that started at step s is acquired at t = 0 and is alive at t iff
end > s + t (the convention of :mod:`sim.analysis.retention`). Spells that end in the step
they start (zero length) cannot be represented by the sBG model (churn happens at t ≥ 1) and
are dropped and counted; the simulation does not produce them in practice.

Cohorts. Cohort k (k = 1, 2, …) holds the relationships acquired in steps
(k−1)·L + 1 … k·L, L = ``cohort_length`` (12 = yearly cohorts of monthly steps). Each cohort's
survivor curve runs to the last t at which *every* member is observed (``steps`` − its latest
start) and is fitted with :func:`~sim.analysis.retention.fit_sbg`; cohorts with fewer than
``min_spells`` (30) relationships or fewer than ``min_periods`` (3) observed periods are skipped.

Pooled fit. One sBG per firm fitted to *all* its acquisitions by time since acquisition, each
right-censored at its own horizon: spells are grouped by start step (each group is censored at
the same time, ``steps`` − start) and the groups' log-likelihoods are summed
(:func:`~sim.analysis.retention.fit_sbg_pooled`). This is the exact maximum-likelihood fit to
the same data the Kaplan–Meier curve uses, uses every acquisition (the first-year cohort alone
would drop the later ones, and truncating all cohorts to a common horizon would waste the early
cohorts' long histories), and assumes — as pooling must — that α, β do not drift over the run.

DERL is the discounted expected residual lifetime of a just-acquired customer (Fader & Hardie
2010) in periods (payments), at an annual discount rate (default 10 %) converted to a
per-step rate; a customer's CLV is DERL × margin per period.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import io
from .retention import (
    SBGFit,
    cohort_survivors,
    cohorts_survivors,
    fit_sbg,
    fit_sbg_pooled,
    kaplan_meier,
)

__all__ = [
    "FIT_COLUMNS",
    "POOLED",
    "RetentionReport",
    "RetentionReportError",
    "RunData",
    "build_report",
    "load_run",
    "main",
    "resolve_category",
]

#: Label of the pooled (all cohorts) row in the fits table.
POOLED = "pooled"
#: Columns of ``sbg_fits.csv`` / ``.parquet``, in order.
FIT_COLUMNS = (
    "firm", "strategy", "category", "cohort", "first_step", "last_step", "n", "n_periods",
    "alpha", "beta", "log_likelihood", "mean_churn", "retention_t1", "retention_t12",
    "survival_t12", "derl", "max_abs_diff", "degenerate",
)
_SPELL_COLUMNS = ("customer", "category", "firm", "start", "end")
_UNITS = {12: "months", 52: "weeks", 4: "quarters", 1: "years", 365: "days"}


class RetentionReportError(Exception):
    """A run folder or option the report cannot use (reported as one line, exit status 2)."""


@dataclass
class RunData:
    """What the report reads from a run folder.

    Attributes:
        spells: The spell table (``spells.parquet``).
        summary: ``summary.json`` as a dict (has ``steps`` and ``steps_per_year``; ``name``,
            ``seed`` and ``firms`` — firm name → dict with ``strategy`` — when present).
        category_names: Category names in index order (from ``config.yaml``; empty if absent).
    """

    spells: pd.DataFrame
    summary: dict[str, Any]
    category_names: list[str]


@dataclass
class RetentionReport:
    """Everything the report computed for one category of one run.

    Attributes:
        fits: One row per fitted cohort and one ``cohort == "pooled"`` row per firm
            (columns :data:`FIT_COLUMNS`).
        cohorts: Observed vs fitted survival of each fitted cohort: firm, cohort, t, alive,
            observed (share alive), fitted (sBG S(t)).
        kaplan_meier: Per firm: t, at_risk, events, survival (Kaplan–Meier) and
            sbg_pooled (the pooled fit's S(t); NaN if the firm has no pooled fit).
        skipped: Cohorts not fitted: firm, cohort, n, n_periods, reason.
        meta: Settings and counts: category, category_index, cohort_length, steps,
            steps_per_year, unit, discount_rate (annual), min_spells, min_periods, firms
            (names in firm order), strategies, run label, and who was counted:
            n_spells (every relationship of the run, all categories), n_other_categories,
            n_left_truncated, n_zero_length and n_acquired (the ones analysed; their sum is
            n_spells), n_acquired_by_firm.
    """

    fits: pd.DataFrame
    cohorts: pd.DataFrame
    kaplan_meier: pd.DataFrame
    skipped: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Reading a run
# --------------------------------------------------------------------------------------------


def load_run(run_dir: str | Path) -> RunData:
    """Read the spells, summary and category names of a complete run folder.

    Every file is checked before anything is computed: ``summary.json`` (the completion
    marker, written last) must be a JSON object with positive integer ``steps`` and
    ``steps_per_year``; ``timeseries.parquet`` and ``spells.parquet`` must be readable Parquet
    (a run killed while writing, or a file cut short, is refused); ``config.yaml``, if present,
    must be readable YAML.

    Args:
        run_dir: A folder written by :func:`sim.runner.run` (or ``ccsim run``).

    Returns:
        The run's data.

    Raises:
        RetentionReportError: Naming the file, if the folder or one of its files is missing
            or unusable.
    """
    run = Path(run_dir)
    if not run.is_dir():
        raise RetentionReportError(f"{run}: no run folder there")
    summary_path, spells_path = run / "summary.json", run / "spells.parquet"
    timeseries_path = run / "timeseries.parquet"
    if not summary_path.is_file():
        raise RetentionReportError(
            f"{run} is not a complete run folder: summary.json is missing (the run did not "
            "finish, or this is a sweep folder: give one of its job folders)")
    summary = _read_summary(summary_path)
    if not timeseries_path.is_file():
        raise RetentionReportError(
            f"{run} is not a complete run folder: timeseries.parquet is missing")
    if not spells_path.is_file():
        raise RetentionReportError(
            f"{run} has no spells.parquet (was it run with output.spells=false?)")
    _read_parquet(timeseries_path)  # only checked: a run is analysed whole or not at all
    spells = _read_parquet(spells_path)
    missing = [c for c in _SPELL_COLUMNS if c not in spells.columns]
    if missing:
        raise RetentionReportError(f"{spells_path}: lacks column(s) {', '.join(missing)}")
    for column in ("category", "firm", "start", "end"):
        if not pd.api.types.is_integer_dtype(spells[column]):
            raise RetentionReportError(
                f"{spells_path}: column {column!r} holds {spells[column].dtype}, not integers")
    return RunData(spells, summary, _category_names(run / "config.yaml"))


def _read_summary(path: Path) -> dict[str, Any]:
    """``summary.json`` as a dict, checked for the keys the report uses."""
    try:
        summary = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RetentionReportError(f"{path}: cannot read it ({_reason(exc)})") from None
    except json.JSONDecodeError as exc:
        raise RetentionReportError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise RetentionReportError(
            f"{path}: holds a JSON {type(summary).__name__}; expected the object ccsim run "
            "writes (steps, steps_per_year, firms, ...)")
    for key in ("steps", "steps_per_year"):
        value = summary.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RetentionReportError(
                f"{path}: {key}={json.dumps(value)}; expected a positive integer")
    firms = summary.get("firms", {})
    if not isinstance(firms, dict) or not all(isinstance(v, dict) for v in firms.values()):
        raise RetentionReportError(
            f"{path}: 'firms' is not an object of firm name -> KPIs")
    for key in ("name", "seed"):
        if isinstance(summary.get(key), dict | list):
            raise RetentionReportError(f"{path}: {key!r} is not a plain value")
    return summary


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a whole Parquet file, or refuse it naming the file."""
    try:
        return io.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds; all mean "unusable"
        raise RetentionReportError(
            f"{path}: not a readable Parquet file ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    """An exception as a short one-line reason."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _category_names(config_path: Path) -> list[str]:
    """Category names in order from a run's ``config.yaml`` (empty list if it has none)."""
    if not config_path.is_file():
        return []
    from omegaconf import OmegaConf

    try:
        config = OmegaConf.load(config_path)
    except Exception as exc:  # noqa: BLE001 - YAML, I/O and OmegaConf errors alike
        raise RetentionReportError(f"{config_path}: not readable YAML ({_reason(exc)})") from None
    cats = OmegaConf.select(config, "market.categories", default=None) \
        if OmegaConf.is_dict(config) else None
    if cats is None or not (OmegaConf.is_dict(cats) or OmegaConf.is_list(cats)):
        return []  # names are a nicety; category indices still work
    return [str(name) for name in cats]  # a mapping name -> settings, in index order


def resolve_category(choice: str | int | None, names: list[str],
                     present: list[int] | None = None) -> tuple[int, str]:
    """Turn ``--category`` (a name, an index or None for the first) into (index, name).

    Args:
        choice: Category name (e.g. ``"core"``), index (``0`` or ``"0"``), or None.
        names: Category names in index order (may be empty if the config is unavailable).
        present: Category indices present in the spells, used when ``names`` is empty.

    Returns:
        The category's index and display name.

    Raises:
        RetentionReportError: If the category is unknown.
    """
    known = list(range(len(names))) if names else sorted(present or [0])
    if choice is None:
        index = 0
    elif isinstance(choice, int) or str(choice).strip().lstrip("-").isdigit():
        index = int(choice)
        if index not in known:
            raise RetentionReportError(
                f"category index {index} out of range; categories: {_describe(names, known)}")
    elif str(choice) in names:
        index = names.index(str(choice))
    else:
        raise RetentionReportError(
            f"unknown category {choice!r}; categories: {_describe(names, known)}")
    return index, names[index] if index < len(names) else f"category {index}"


def _describe(names: list[str], known: list[int]) -> str:
    if names:
        return ", ".join(f"{i}={n}" for i, n in enumerate(names))
    return ", ".join(str(i) for i in known) or "none"


# --------------------------------------------------------------------------------------------
# Computing the report
# --------------------------------------------------------------------------------------------


def _per_step_rate(annual_rate: float, steps_per_year: int) -> float:
    return (1.0 + annual_rate) ** (1.0 / steps_per_year) - 1.0


def _fit_row(fit: SBGFit, per_step_discount: float) -> dict[str, Any]:
    """Quantities implied by a fit: mean churn, retention at t=1 and t=12, S(12), DERL.

    A degenerate fit's α and β are NaN (they sit on the search bound and are not estimates);
    what they imply for the observed cohort (churn, retention, survival, DERL) is kept.
    """
    with np.errstate(all="ignore"):
        derl = fit.discounted_expected_residual_lifetime(0, per_step_discount)
    return {
        "alpha": float("nan") if fit.degenerate else fit.alpha,
        "beta": float("nan") if fit.degenerate else fit.beta,
        "degenerate": fit.degenerate,
        "log_likelihood": fit.log_likelihood,
        "mean_churn": fit.alpha / (fit.alpha + fit.beta),
        "retention_t1": float(fit.retention(1)),
        "retention_t12": float(fit.retention(12)),
        "survival_t12": float(fit.survival(12)),
        "derl": derl if math.isfinite(derl) else float("nan"),
    }


def build_report(
    spells: pd.DataFrame,
    steps: int,
    *,
    category: int = 0,
    category_name: str | None = None,
    cohort_length: int = 12,
    steps_per_year: int = 12,
    min_spells: int = 30,
    min_periods: int = 3,
    discount_rate: float = 0.10,
    strategies: dict[str, str] | None = None,
    run_label: str = "",
    progress: bool | None = False,
) -> RetentionReport:
    """Fit sBG per firm and acquisition cohort, a pooled sBG and Kaplan–Meier per firm.

    See the module docstring for which spells are used, how cohorts are formed and what the
    pooled fit is.

    Args:
        spells: Spell table with columns customer, category, firm, start, end (end = −1 if
            still active at the end of the run) and optionally firm_name.
        steps: Last step of the run (steps are numbered 1..steps).
        category: Category index to analyse.
        category_name: Display name of the category (default ``"category {index}"``).
        cohort_length: Steps per acquisition cohort, ≥ 1.
        steps_per_year: Steps per year (sets the time unit and the per-step discount rate).
        min_spells: Smallest cohort (relationships) that is fitted.
        min_periods: Fewest observed renewal periods a fitted cohort needs.
        discount_rate: Annual discount rate for DERL, > 0.
        strategies: Optional firm name → strategy, for labels.
        run_label: Optional description of the run, for the figure title.
        progress: Show a progress bar over firms on stderr (None: only on a terminal).

    Returns:
        The report.

    Raises:
        RetentionReportError: On invalid options or if the category has no acquisitions.
    """
    if int(cohort_length) != cohort_length or cohort_length < 1:
        raise RetentionReportError(f"--cohort-length must be a positive integer, got "
                                   f"{cohort_length!r}")
    if not (math.isfinite(discount_rate) and discount_rate > 0):
        raise RetentionReportError(f"--discount-rate must be > 0, got {discount_rate!r}")
    if min_spells < 1 or min_periods < 1:
        raise RetentionReportError("--min-spells and --min-periods must be >= 1")
    cohort_length = int(cohort_length)
    name = category_name or f"category {category}"
    strategies = strategies or {}
    unit = _UNITS.get(steps_per_year, "steps")
    d_step = _per_step_rate(discount_rate, steps_per_year)

    sp = spells[spells["category"] == category].copy()
    if "firm_name" not in sp.columns:
        sp["firm_name"] = [f"firm {k}" for k in sp["firm"]]
    if len(sp) and (sp["start"].max() > steps or sp["end"].max() > steps):
        raise RetentionReportError(f"spells run past the run's last step ({steps})")
    left_truncated = sp["start"] == 0
    zero_length = (sp["end"] == sp["start"]) & ~left_truncated
    acquired = sp[~left_truncated & ~zero_length]
    if acquired.empty:
        raise RetentionReportError(f"no relationships were acquired during the run in {name}")

    firm_order = (sp[["firm", "firm_name"]].drop_duplicates("firm").sort_values("firm"))
    from tqdm.auto import tqdm

    bar = tqdm(total=len(firm_order), desc="sBG fits", unit="firm", file=sys.stderr,
               leave=False, disable=None if progress is None else not progress)
    fit_rows: list[dict[str, Any]] = []
    cohort_rows: list[pd.DataFrame] = []
    km_rows: list[pd.DataFrame] = []
    skipped: list[dict[str, Any]] = []
    firms: list[str] = []
    for firm_index, firm in zip(firm_order["firm"], firm_order["firm_name"], strict=True):
        bar.set_postfix_str(str(firm))
        bar.update()
        d = acquired[acquired["firm"] == firm_index]
        if d.empty:
            skipped.append({"firm": firm, "cohort": POOLED, "n": 0, "n_periods": 0,
                            "reason": "no acquisitions"})
            continue
        firms.append(firm)
        base = {"firm": firm, "strategy": strategies.get(firm, ""), "category": name}

        # cohorts k = 1, 2, …: steps (k−1)L+1..kL, via start − 1 so step 1 opens cohort 1
        shifted = d.assign(start=d["start"] - 1,
                           end=np.where(d["end"] == -1, -1, d["end"] - 1))
        for k0, curve in cohorts_survivors(shifted, steps - 1, cohort_length).items():
            label, n, n_periods = str(k0 + 1), int(curve[0]), curve.size - 1
            first, last = k0 * cohort_length + 1, min((k0 + 1) * cohort_length, steps)
            if n < min_spells or n_periods < min_periods:
                reason = (f"n < {min_spells}" if n < min_spells
                          else f"< {min_periods} observed periods")
                skipped.append({"firm": firm, "cohort": label, "n": n,
                                "n_periods": n_periods, "reason": reason})
                continue
            fit = fit_sbg(curve)
            t = np.arange(curve.size)
            observed, fitted = curve / curve[0], np.asarray(fit.survival(t))
            fit_rows.append({**base, "cohort": label, "first_step": first, "last_step": last,
                             "n": n, "n_periods": n_periods, **_fit_row(fit, d_step),
                             "max_abs_diff": float(np.abs(fitted - observed).max())})
            cohort_rows.append(pd.DataFrame({
                "firm": firm, "cohort": label, "t": t, "alive": curve,
                "observed": observed, "fitted": fitted}))

        # Kaplan–Meier from every acquisition, censored at the end of the run
        start, end = d["start"].to_numpy(), d["end"].to_numpy()
        durations = np.where(end == -1, steps - start, end - start)
        km = kaplan_meier(durations, end != -1)

        # pooled fit: one curve per start step, each censored at its own horizon
        starts = [int(s) for s in np.unique(start) if s < steps]  # ≥ 1 renewal observed
        curves = [cohort_survivors(d, s, steps) for s in starts]
        n_pooled = int(sum(c[0] for c in curves))
        n_periods = max((c.size - 1 for c in curves), default=0)
        if n_pooled >= min_spells and n_periods >= min_periods:
            pooled = fit_sbg_pooled(curves)
            km["sbg_pooled"] = np.asarray(pooled.survival(km["t"].to_numpy()))
            ok = (km["at_risk"] >= min_spells) & (km["t"] <= n_periods)
            diff = float(np.abs(km["sbg_pooled"] - km["survival"])[ok].max())
            fit_rows.append({**base, "cohort": POOLED, "first_step": starts[0],
                             "last_step": starts[-1], "n": n_pooled,
                             "n_periods": n_periods, **_fit_row(pooled, d_step),
                             "max_abs_diff": diff})
        else:
            km["sbg_pooled"] = np.nan
            skipped.append({"firm": firm, "cohort": POOLED, "n": n_pooled,
                            "n_periods": n_periods,
                            "reason": f"n < {min_spells}" if n_pooled < min_spells
                            else f"< {min_periods} observed periods"})
        km_rows.append(km.assign(firm=firm, category=name)[
            ["firm", "category", "t", "at_risk", "events", "survival", "sbg_pooled"]])

    bar.close()
    fits = pd.DataFrame(fit_rows, columns=list(FIT_COLUMNS))
    if not fits.empty:  # firm order, cohorts in time order, pooled last
        fits["_f"] = fits["firm"].map({f: i for i, f in enumerate(firms)})
        fits["_c"] = [np.inf if c == POOLED else int(c) for c in fits["cohort"]]
        fits = fits.sort_values(["_f", "_c"]).drop(columns=["_f", "_c"]).reset_index(drop=True)
        for col in ("first_step", "last_step", "n", "n_periods"):
            fits[col] = fits[col].astype("int64")
    cohort_cols = ["firm", "cohort", "t", "alive", "observed", "fitted"]
    meta = {
        "category": name, "category_index": int(category), "cohort_length": cohort_length,
        "steps": int(steps), "steps_per_year": int(steps_per_year), "unit": unit,
        "discount_rate": float(discount_rate), "min_spells": int(min_spells),
        "min_periods": int(min_periods), "firms": firms,
        "strategies": {f: strategies.get(f, "") for f in firms},
        "n_spells": len(spells), "n_other_categories": len(spells) - len(sp),
        "n_left_truncated": int(left_truncated.sum()), "n_zero_length": int(zero_length.sum()),
        "n_acquired": len(acquired),
        "n_acquired_by_firm": {f: int((acquired["firm_name"] == f).sum()) for f in firms},
        "run_label": run_label,
    }
    return RetentionReport(
        fits=fits,
        cohorts=(pd.concat(cohort_rows, ignore_index=True) if cohort_rows
                 else pd.DataFrame(columns=cohort_cols)),
        kaplan_meier=pd.concat(km_rows, ignore_index=True),
        skipped=pd.DataFrame(skipped, columns=["firm", "cohort", "n", "n_periods", "reason"]),
        meta=meta,
    )


def main(argv: list[str]) -> int:
    """``ccsim retention``: see :func:`sim.analysis.retention_cli.main`."""
    from .retention_cli import main as cli_main

    return cli_main(argv)
