"""``ccsim retention RUN_DIR``: sBG fits and Kaplan–Meier curves per firm from a saved run.

Reads a run folder's ``spells.parquet`` (one row per customer–firm relationship: customer,
category, firm, start, end, firm_name; end = −1 if still active when the run ended) and
``summary.json`` (steps, steps_per_year), and for one product category writes to
``RUN_DIR/retention/`` (or ``--out``):

* ``sbg_fits.csv`` / ``sbg_fits.parquet`` — one row per firm and acquisition cohort, plus one
  pooled row per firm: α, β, log-likelihood, retention implied by the fit, DERL, fit error;
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

import argparse
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
    "RetentionReport",
    "RetentionReportError",
    "build_report",
    "format_table",
    "load_run",
    "main",
    "plot_survival",
    "resolve_category",
    "run_report",
    "write_report",
]

#: Label of the pooled (all cohorts) row in the fits table.
POOLED = "pooled"
#: Columns of ``sbg_fits.csv`` / ``.parquet``, in order.
FIT_COLUMNS = (
    "firm", "strategy", "category", "cohort", "first_step", "last_step", "n", "n_periods",
    "alpha", "beta", "log_likelihood", "mean_churn", "retention_t1", "retention_t12",
    "survival_t12", "derl", "max_abs_diff",
)
_SPELL_COLUMNS = ("customer", "category", "firm", "start", "end")
_UNITS = {12: "months", 52: "weeks", 4: "quarters", 1: "years", 365: "days"}
_KM_COLOUR = "#c7c7c7"
_COHORT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#bcbd22", "#17becf")


class RetentionReportError(Exception):
    """A run folder or option the report cannot use (reported as one line, exit status 2)."""


@dataclass
class RunData:
    """What the report reads from a run folder.

    Attributes:
        spells: The spell table (``spells.parquet``).
        summary: ``summary.json`` as a dict (has ``steps`` and ``steps_per_year``).
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
            (names in firm order), strategies, n_left_truncated, n_zero_length, run label.
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
    """Read the spells, summary and category names of a run folder.

    Args:
        run_dir: A folder written by :func:`sim.runner.run` (or ``ccsim run``).

    Returns:
        The run's data.

    Raises:
        RetentionReportError: If the folder, ``spells.parquet`` or ``summary.json`` is missing
            or unusable.
    """
    run = Path(run_dir)
    if not run.is_dir():
        raise RetentionReportError(f"no run folder at {run}")
    summary_path, spells_path = run / "summary.json", run / "spells.parquet"
    if not summary_path.is_file():
        raise RetentionReportError(
            f"{run} is not a complete run folder: summary.json is missing")
    if not spells_path.is_file():
        raise RetentionReportError(
            f"{run} has no spells.parquet (was it run with output.spells=false?)")
    try:
        summary = io.read_json(summary_path)
        spells = io.read_parquet(spells_path)
    except (OSError, ValueError) as exc:
        raise RetentionReportError(f"cannot read {run}: {exc}") from None
    for key in ("steps", "steps_per_year"):
        if not isinstance(summary.get(key), int) or summary[key] < 1:
            raise RetentionReportError(f"{summary_path} has no valid {key!r}")
    missing = [c for c in _SPELL_COLUMNS if c not in spells.columns]
    if missing:
        raise RetentionReportError(f"{spells_path} lacks column(s) {', '.join(missing)}")
    return RunData(spells, summary, _category_names(run / "config.yaml"))


def _category_names(config_path: Path) -> list[str]:
    """Category names in order from a run's ``config.yaml`` (empty list if unavailable)."""
    if not config_path.is_file():
        return []
    from omegaconf import OmegaConf

    try:
        cats = OmegaConf.load(config_path).market.categories
        return [str(name) for name in cats]
    except Exception:  # noqa: BLE001 - names are a nicety; indices still work
        return []


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


def _fit_row(fit: SBGFit, per_step_discount: float) -> dict[str, float]:
    """Quantities implied by a fit: mean churn, retention at t=1 and t=12, S(12), DERL."""
    with np.errstate(all="ignore"):
        derl = fit.discounted_expected_residual_lifetime(0, per_step_discount)
    return {
        "alpha": fit.alpha,
        "beta": fit.beta,
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
    fit_rows: list[dict[str, Any]] = []
    cohort_rows: list[pd.DataFrame] = []
    km_rows: list[pd.DataFrame] = []
    skipped: list[dict[str, Any]] = []
    firms: list[str] = []
    for firm_index, firm in zip(firm_order["firm"], firm_order["firm_name"], strict=True):
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
        "n_left_truncated": int(left_truncated.sum()), "n_zero_length": int(zero_length.sum()),
        "n_acquired": len(acquired), "run_label": run_label,
    }
    return RetentionReport(
        fits=fits,
        cohorts=(pd.concat(cohort_rows, ignore_index=True) if cohort_rows
                 else pd.DataFrame(columns=cohort_cols)),
        kaplan_meier=pd.concat(km_rows, ignore_index=True),
        skipped=pd.DataFrame(skipped, columns=["firm", "cohort", "n", "n_periods", "reason"]),
        meta=meta,
    )


# --------------------------------------------------------------------------------------------
# Output: table, figure, files
# --------------------------------------------------------------------------------------------


def format_table(report: RetentionReport) -> str:
    """The fits as a compact text table (one line per firm and cohort)."""
    f = report.fits
    if f.empty:
        return "(no cohort had enough customers to fit)"
    u = report.meta.get("unit", "steps")
    table = pd.DataFrame({
        "firm": f["firm"],
        "cohort": f["cohort"],
        f"acquired ({u})": [f"{a}–{b}" for a, b in zip(f["first_step"], f["last_step"],
                                                      strict=True)],
        "n": f["n"].map("{:,}".format),
        "periods": f["n_periods"],
        "alpha": f["alpha"].map("{:.3g}".format),
        "beta": f["beta"].map("{:.3g}".format),
        "r(1)": f["retention_t1"].map("{:.1%}".format),
        "r(12)": f["retention_t12"].map("{:.1%}".format),
        "S(12)": f["survival_t12"].map("{:.1%}".format),
        "DERL": f["derl"].map(lambda v: "n/a" if v != v else f"{v:.1f}"),
        "max|fit-obs|": f["max_abs_diff"].map("{:.3f}".format),
    })
    return table.to_string(index=False)


def _num(value: float) -> str:
    """A parameter for a title: 3 significant digits, no exponent below a million."""
    return f"{value:,.0f}" if 1000 <= value < 1e6 else f"{value:.3g}"


def _cohort_label(cohort: str, fits: pd.DataFrame, unit: str) -> str:
    row = fits[fits["cohort"] == cohort].iloc[0]
    return f"cohort {cohort}: acquired in {unit} {row['first_step']}–{row['last_step']}"


def plot_survival(report: RetentionReport) -> Any:
    """Observed vs sBG-fitted survival since acquisition, one panel per firm.

    Each panel shows every fitted cohort's observed share still a customer (points) and its
    sBG fit (line, same colour), the firm's Kaplan–Meier curve from all its acquisitions
    (wide light-grey line through its values at whole periods) and the pooled sBG fit (dashed
    black), both drawn while at least ``min_spells`` relationships are at risk. Panel titles
    give the pooled α, β and number of relationships.

    Args:
        report: A report from :func:`build_report`.

    Returns:
        A :class:`matplotlib.figure.Figure` (no pyplot state, any backend).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MultipleLocator, PercentFormatter

    meta, fits = report.meta, report.fits
    firms, unit = meta["firms"], meta["unit"]
    n = max(len(firms), 1)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols + 0.4, 3.5 * nrows + 1.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = axes.ravel()
    cohorts = sorted({c for c in report.cohorts["cohort"]}, key=int)
    colour = {c: _COHORT_COLOURS[i % len(_COHORT_COLOURS)] for i, c in enumerate(cohorts)}
    min_spells = meta["min_spells"]
    km_all = report.kaplan_meier
    horizon = max(km_all.loc[km_all["at_risk"] >= min_spells, "t"].tolist()
                  + report.cohorts["t"].tolist() + [1])

    for ax, firm in zip(axes, firms, strict=False):
        for cohort in cohorts:
            c = report.cohorts[(report.cohorts["firm"] == firm)
                               & (report.cohorts["cohort"] == cohort)]
            if c.empty:
                continue
            ax.plot(c["t"], c["fitted"], color=colour[cohort], lw=1.6, zorder=3)
            ax.plot(c["t"], c["observed"], ls="none", marker="o", ms=3.6, mew=0,
                    color=colour[cohort], alpha=0.85, zorder=4)
        km = report.kaplan_meier[report.kaplan_meier["firm"] == firm]
        shown = km[km["at_risk"] >= min_spells]
        ax.plot(shown["t"], shown["survival"], color=_KM_COLOUR, lw=4.5, alpha=0.8,
                solid_capstyle="round", zorder=2)
        if shown["sbg_pooled"].notna().any():
            ax.plot(shown["t"], shown["sbg_pooled"], color="black", ls=(0, (4, 2)), lw=1.3,
                    zorder=5)
        strategy = meta["strategies"].get(firm, "").replace("_", "-")
        title = f"{firm} ({strategy})" if strategy else firm
        pooled = fits[(fits["firm"] == firm) & (fits["cohort"] == POOLED)]
        if not pooled.empty:
            p = pooled.iloc[0]
            title += (f"\npooled sBG: α = {_num(p['alpha'])}, β = {_num(p['beta'])}, "
                      f"n = {p['n']:,}")
        ax.set_title(title, fontsize=10)
        ax.grid(True, color="0.9", lw=0.6)
        ax.set_axisbelow(True)
    for ax in axes[len(firms):]:
        ax.set_visible(False)

    step = 6 if horizon <= 36 else 12 if horizon <= 120 else None
    if step and step * math.ceil(horizon / step) - horizon <= step / 2:
        horizon = step * math.ceil(horizon / step)  # end on a tick when that costs little
    for i, ax in enumerate(axes[:len(firms)]):
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        if step:
            ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        if i % ncols == 0:
            ax.set_ylabel("share still a customer")
        if i >= len(firms) - ncols:
            ax.set_xlabel(f"{unit} since acquisition")
            ax.tick_params(labelbottom=True)

    handles = [Line2D([], [], color=colour[c], lw=1.6, marker="o", ms=4, mew=0,
                      label=_cohort_label(c, fits, unit)) for c in cohorts]
    handles += [
        Line2D([], [], color="0.3", ls="none", marker="o", ms=4, mew=0,
               label="observed share of cohort (points)"),
        Line2D([], [], color="0.3", lw=1.6, label="sBG fit to cohort (lines)"),
        Line2D([], [], color=_KM_COLOUR, lw=4.5, alpha=0.8,
               label="Kaplan–Meier, all acquisitions"),
        Line2D([], [], color="black", ls=(0, (4, 2)), lw=1.3, label="pooled sBG fit"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2 if ncols <= 2 else 3,
               fontsize=9, frameon=False)
    run = f" — {meta['run_label']}" if meta.get("run_label") else ""
    fig.suptitle(f"Retention after acquisition, {meta['category']} category{run}",
                 fontsize=12)
    return fig


def _save_figure(fig: Any, path: Path) -> Path:
    fmt = path.suffix.lstrip(".")
    return io._atomic(path, lambda p: fig.savefig(p, format=fmt, dpi=150))


def write_report(report: RetentionReport, out_dir: str | Path) -> dict[str, Path]:
    """Write the tables and the figure into ``out_dir`` (created if needed), atomically.

    Args:
        report: A report from :func:`build_report`.
        out_dir: Output folder.

    Returns:
        Mapping of output kind → path written.
    """
    out = Path(out_dir)
    paths = {
        "fits_csv": io.write_text(report.fits.to_csv(index=False), out / "sbg_fits.csv"),
        "fits": io.write_parquet(report.fits, out / "sbg_fits.parquet"),
        "cohorts": io.write_parquet(report.cohorts, out / "cohort_survival.parquet"),
        "kaplan_meier": io.write_parquet(report.kaplan_meier, out / "kaplan_meier.parquet"),
    }
    fig = plot_survival(report)
    paths["png"] = _save_figure(fig, out / "survival.png")
    paths["pdf"] = _save_figure(fig, out / "survival.pdf")
    return paths


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ccsim retention",
        description="Fit the sBG retention model per firm to a saved run's acquisition cohorts "
                    "and plot observed vs fitted survival with Kaplan–Meier curves.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (from ccsim run)")
    p.add_argument("--category", default=None,
                   help="category name or index (default: the first, e.g. core)")
    p.add_argument("--cohort-length", type=int, default=12,
                   help="steps per acquisition cohort (default 12)")
    p.add_argument("--out", default=None, help="output folder (default RUN_DIR/retention)")
    p.add_argument("--min-spells", type=int, default=30,
                   help="smallest cohort that is fitted (default 30)")
    p.add_argument("--min-periods", type=int, default=3,
                   help="fewest observed periods a fitted cohort needs (default 3)")
    p.add_argument("--discount-rate", type=float, default=0.10,
                   help="annual discount rate for DERL (default 0.10)")
    return p


def run_report(run_dir: str | Path, *, category: str | int | None = None,
               cohort_length: int = 12, out: str | Path | None = None,
               min_spells: int = 30, min_periods: int = 3,
               discount_rate: float = 0.10) -> tuple[RetentionReport, dict[str, Path]]:
    """Read a run folder, build the report and write it (what ``ccsim retention`` does).

    Args:
        run_dir: The run folder.
        category: Category name or index (default the first).
        cohort_length: Steps per acquisition cohort.
        out: Output folder (default ``run_dir/retention``).
        min_spells: Smallest cohort that is fitted.
        min_periods: Fewest observed periods a fitted cohort needs.
        discount_rate: Annual discount rate for DERL.

    Returns:
        The report and the paths written.

    Raises:
        RetentionReportError: On a missing/incomplete run folder or invalid options.
    """
    data = load_run(run_dir)
    present = sorted(int(c) for c in data.spells["category"].unique())
    index, name = resolve_category(category, data.category_names, present)
    s = data.summary
    strategies = {f: v.get("strategy", "") for f, v in (s.get("firms") or {}).items()
                  if isinstance(v, dict)}
    label = " ".join(x for x in (
        f"run '{s['name']}'" if s.get("name") else "",
        f"seed {s['seed']}" if s.get("seed") is not None else "") if x)
    report = build_report(
        data.spells, s["steps"], category=index, category_name=name,
        cohort_length=cohort_length, steps_per_year=s["steps_per_year"],
        min_spells=min_spells, min_periods=min_periods, discount_rate=discount_rate,
        strategies=strategies, run_label=label)
    out_dir = Path(out) if out is not None else Path(run_dir) / "retention"
    return report, write_report(report, out_dir)


def main(argv: list[str]) -> int:
    """``ccsim retention RUN_DIR [--category C] [--cohort-length L] [--out DIR]``.

    Args:
        argv: Arguments after ``retention``.

    Returns:
        Exit status: 0 on success, 2 on a usage error or unusable run folder.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        report, paths = run_report(
            args.run_dir, category=args.category, cohort_length=args.cohort_length,
            out=args.out, min_spells=args.min_spells, min_periods=args.min_periods,
            discount_rate=args.discount_rate)
    except RetentionReportError as exc:
        print(f"ccsim retention: error: {exc}", file=sys.stderr)
        return 2
    m = report.meta
    print(f"sBG retention — {m['run_label'] or args.run_dir}, {m['category']} category, "
          f"cohorts of {m['cohort_length']} {m['unit']}, {m['steps']} {m['unit']} observed")
    print(format_table(report))
    notes = [f"{m['n_acquired']:,} relationships acquired during the run; "
             f"{m['n_left_truncated']:,} existing at the start excluded (left-truncated)"]
    if m["n_zero_length"]:
        notes.append(f"{m['n_zero_length']:,} zero-length spells dropped")
    if not report.skipped.empty:
        sk = report.skipped
        notes.append("not fitted: " + ", ".join(
            f"{r.firm}/{r.cohort} ({r.reason})" for r in sk.itertuples()))
    notes.append(f"DERL: discounted expected {m['unit']} of payments after acquisition at "
                 f"{m['discount_rate']:.0%}/yr (CLV = DERL × margin per period)")
    print("\n".join(notes))
    print(f"wrote {paths['fits_csv'].parent}")
    return 0
