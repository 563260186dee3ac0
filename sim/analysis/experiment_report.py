"""An experiment's results from its runs' saved tables: CSVs, figures and ``verdict.md``.

Reads the job folders of a finished sweep (never runs the model) and writes, into
``results/experiments/NAME/``:

``runs.parquet``      one row per run: arm, point, seed, the premises and every quantity (each
                      firm's KPIs only where the experiment reads them)
``summary.csv``       one row per reported quantity: estimate, 95% CI, seeds, unit (the claim
                      first, with its verdict)
``series.csv``        each time series per arm and line: mean and 95% CI over seeds by month/year
``points.csv``        one row per Latin-hypercube point: its premises and the verdict there
``prim.csv``          PRIM's peeling trajectories (holds vs rest, fails vs rest)
``prim_boxes.csv``    the chosen boxes, premise by premise
``regions.csv``       the share of points below the claim by thirds of each premise's range
                      (:func:`sim.analysis.verdict_regions.verdict_regions`, reused)
``premises.csv``      the premises sampled: range or presets, and why
``arms.csv``          the arms and their overrides
``experiment.yaml``   the experiment's config.yaml as run
``stamp.json``        the model's git commit, the exact commands, sizes, seeds, times
``*.png``, ``*.pdf``  figures (:mod:`sim.plots.experiments`)
``verdict.md``        generated from the files above (:mod:`sim.analysis.experiment_verdict`)
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from .. import io
from .claims import Claim, arms_text, claim_values, judge, judge_points
from .experiment_metrics import RunTables, group_firms, run_metrics
from .experiment_spec import Experiment, Series
from .stats import t_ci

__all__ = ["BASE", "analysis_module", "gather", "region_tables", "series_table",
           "summary_table", "write_report"]

BASE = "base"
SUMMARY_COLUMNS = ["role", "quantity", "metric", "arms", "estimate", "ci_low", "ci_high",
                   "seeds", "unit", "verdict", "note"]


def analysis_module(exp: Experiment) -> ModuleType | None:
    """The experiment's own ``analysis.py`` (its quantities and figures), if it has one."""
    path = exp.folder / "analysis.py"
    if not path.is_file():
        return None
    name = f"ccsim_experiment_{exp.name}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def gather(exp: Experiment, jobs: pd.DataFrame, sweep_dir: str | Path) -> pd.DataFrame:
    """One row per complete run: ``run_id``, ``arm``, ``point``, ``seed`` and every quantity.

    Args:
        exp: The experiment.
        jobs: Its jobs: ``run_id`` (folder in the sweep), ``arm``, ``point``, ``seed``.
        sweep_dir: The sweep folder.
    """
    module = analysis_module(exp)
    extra = getattr(module, "run_metrics", None)
    rows = []
    root = Path(sweep_dir)
    for job in jobs.itertuples(index=False):
        run = RunTables.read(root / job.run_id)
        rows.append({"run_id": job.run_id, "arm": job.arm, "point": job.point,
                     "seed": int(job.seed), **run_metrics(run, extra)})
    return pd.DataFrame(rows)


def _row(role: str, label: str, metric: str, claim: Claim, values: pd.Series, unit: str,
         scale: float = 1.0, verdict: str = "", note: str = "") -> dict:
    m, lo, hi = t_ci(values, claim.confidence)
    defined = int(np.isfinite(values.to_numpy(dtype=float)).sum())
    k = len(values) - defined
    if k and not note:
        note = f"undefined at {k} of {len(values)} seeds"
    return {"role": role, "quantity": label, "metric": metric, "arms": arms_text(claim.arms),
            "estimate": m * scale,
            "ci_low": lo * scale, "ci_high": hi * scale, "seeds": defined, "unit": unit,
            "verdict": verdict, "note": note}


def summary_table(exp: Experiment, runs: pd.DataFrame, extra_rows: Sequence[dict] = ()
                  ) -> pd.DataFrame:
    """The claim (with its verdict at the base point) and every reported quantity.

    Each is read seed by seed in its arms (a contrast of arms paired by seed) and summarised
    by its mean and Student-t 95% interval over the seeds where it is defined.
    """
    base = runs[runs["point"] == BASE]
    claim = exp.claim
    values = claim_values(base, claim)
    v = judge(values, claim)
    reason = v.reason if claim.metric in base else (
        f"{v.reason}; the model does not produce {claim.metric} (yet)")
    rows = [_row("claim", f"claim: {claim.text()}", claim.metric, claim, values,
                 _unit_of(exp, claim.metric), verdict=v.verdict, note=reason)]
    rows[0]["seeds"] = v.n
    for q in exp.report:
        as_claim = Claim(q.metric, ">=", 0.0, "drop", q.arms)
        vals = claim_values(base, as_claim)
        note = "" if q.metric in base else "the model does not produce this quantity (yet)"
        rows.append(_row("report", q.label, q.metric, as_claim, vals, q.unit, q.scale,
                         note=note))
    rows += [{**{c: "" for c in SUMMARY_COLUMNS}, "role": "report", **r} for r in extra_rows]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _unit_of(exp: Experiment, metric: str) -> str:
    from ..metrics import HEADLINE_UNITS

    for q in exp.report:
        if q.metric == metric and q.unit and q.scale == 1.0:
            return q.unit
    return HEADLINE_UNITS.get(metric, "")


def region_tables(exp: Experiment, runs: pd.DataFrame, points: pd.DataFrame
                  ) -> dict[str, pd.DataFrame]:
    """The verdict at every Latin-hypercube point, PRIM's boxes and the thirds table.

    Returns:
        ``points``, ``prim`` (trajectories), ``prim_boxes`` and ``regions`` (empty frames when
        the form has no points).
    """
    from .prim_regions import find_region
    from .verdict_regions import verdict_regions

    region = runs[runs["point"] != BASE]
    if region.empty or points.empty:
        return {"points": pd.DataFrame(), "prim": pd.DataFrame(),
                "prim_boxes": pd.DataFrame(), "regions": pd.DataFrame()}
    verdicts = judge_points(region, exp.claim)
    table = points.merge(verdicts, on="point", how="left")
    sign = -1.0 if exp.claim.upper else 1.0
    table["claim_margin"] = sign * (table["estimate"] - exp.claim.threshold)
    x = table[[p.key for p in exp.premises]]
    prim, boxes = [], []
    for target in ("holds", "fails"):
        found = find_region(x, table["verdict"].fillna("inconclusive"), target)
        traj = found.trajectory
        if traj.empty:  # keep a row: the note says why there is no box
            traj = pd.DataFrame([{c: np.nan for c in traj.columns} | {"chosen": False}])
        prim.append(traj.assign(target=target, note=found.note, points=found.points,
                                total=found.total))
        boxes.append(found.box.assign(target=target))
    numeric = [p for p in exp.premises if not p.categorical]
    regions = (verdict_regions(table, numeric, ["claim_margin"]) if numeric
               else pd.DataFrame())
    prim_df = pd.concat(prim, ignore_index=True)
    prim_df = prim_df[["target", *[c for c in prim_df.columns if c != "target"]]]
    box_df = pd.concat(boxes, ignore_index=True)
    box_df = box_df[["target", *[c for c in box_df.columns if c != "target"]]]
    return {"points": table, "prim": prim_df, "prim_boxes": box_df, "regions": regions}


# ----------------------------------------------------------------------------------------------
# Time series per arm


def _lines(run: RunTables, s: Series) -> dict[str, set]:
    firms = list(dict.fromkeys(run.ts["firm"]))
    if s.by == "market":
        return {"all firms": set(firms)}
    if s.by == "firm":
        return {f: {f} for f in (s.firms or firms)}
    groups = group_firms(run)
    return {"customer-centric": groups["customer_centric"],
            "product-centric": groups["product_centric"]}


def _run_series(run: RunTables, s: Series) -> pd.DataFrame:
    """One run's lines of a series: ``line``, ``x`` (step or year), ``value``."""
    ts = run.ts
    out = []
    for line, firms in _lines(run, s).items():
        if not firms:
            continue
        g = ts[ts["firm"].isin(firms)]
        by_step = g.groupby("step")[s.column].agg(s.agg)
        if s.per == "year":
            year = (by_step.index - 1) // run.steps_per_year + 1
            by_step = by_step.groupby(year).agg(s.agg)
        out.append(pd.DataFrame({"line": line, "x": by_step.index.astype(int),
                                 "value": by_step.to_numpy(dtype=float)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["line", "x", "value"])


def series_table(exp: Experiment, jobs: pd.DataFrame, sweep_dir: str | Path,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Every series of the experiment: mean and CI over seeds per arm (or contrast), line, x."""
    base = jobs[jobs["point"] == BASE]
    root = Path(sweep_dir)
    cache: dict[str, RunTables] = {}
    rows = []
    for s in exp.series:
        weights = s.arms if isinstance(s.arms, dict) else None
        arms = list(s.arms)
        per_arm = {}
        for arm in arms:
            parts = []
            for job in base[base["arm"] == arm].itertuples(index=False):
                run = cache.setdefault(job.run_id, RunTables.read(root / job.run_id))
                parts.append(_run_series(run, s).assign(seed=int(job.seed)))
            per_arm[arm] = (pd.concat(parts, ignore_index=True) if parts
                            else pd.DataFrame(columns=["line", "x", "value", "seed"]))
        if weights is not None:  # a contrast of arms, paired by seed
            label = arms_text(weights)
            keyed = [per_arm[a].set_index(["line", "x", "seed"])["value"] * w
                     for a, w in weights.items()]
            total = pd.concat(keyed, axis=1, join="inner").sum(axis=1, skipna=False)
            frames = {label: total.rename("value").reset_index()}
        else:
            frames = per_arm
        for arm, frame in frames.items():
            for (line, x), g in frame.groupby(["line", "x"], sort=True):
                m, lo, hi = t_ci(g["value"], confidence)
                rows.append({"series": s.label, "column": s.column, "unit": s.unit,
                             "per": s.per, "arm": arm, "line": line, "x": int(x), "mean": m,
                             "ci_low": lo, "ci_high": hi,
                             "n": int(np.isfinite(g["value"].to_numpy(dtype=float)).sum())})
    return pd.DataFrame(rows, columns=["series", "column", "unit", "per", "arm", "line", "x",
                                       "mean", "ci_low", "ci_high", "n"])


# ----------------------------------------------------------------------------------------------
# Writing everything


def _kept(exp: Experiment, premise_cols: list[str]) -> set[str]:
    """Columns with a dot worth saving: the premises and every quantity the experiment reads."""
    return {*premise_cols, exp.claim.metric, *(q.metric for q in exp.report)}


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    return io.write_text(frame.to_csv(index=False, float_format="%.6g"), path)


def write_report(exp: Experiment, jobs: pd.DataFrame, sweep_dir: str | Path,
                 points: pd.DataFrame, out: str | Path, stamp: dict[str, Any],
                 figures: bool = True) -> dict[str, Path]:
    """Analyse a finished experiment and write every output into ``out``.

    Args:
        exp: The experiment.
        jobs: Its jobs (``run_id``, ``arm``, ``point``, ``seed``), all complete.
        sweep_dir: The sweep folder holding their runs.
        points: The Latin-hypercube points (:func:`sim.studies.experiment_design.points_table`).
        out: The experiment's results folder.
        stamp: What ran: git commit, commands, form, seeds... (written as ``stamp.json``).
        figures: Draw the figures.

    Returns:
        The files written, by name.
    """
    import yaml

    from .experiment_verdict import render

    folder = Path(out)
    runs = gather(exp, jobs, sweep_dir)
    region = region_tables(exp, runs, points)
    module = analysis_module(exp)
    extra = getattr(module, "extra_rows", None)
    summary = summary_table(exp, runs, extra(runs) if extra else ())
    series = series_table(exp, jobs, sweep_dir)
    premise_cols = [p.key for p in exp.premises]
    if not points.empty:
        runs = runs.merge(points[["point", *premise_cols]], on="point", how="left")
    runs = runs[[c for c in runs.columns if c in _kept(exp, premise_cols)
                 or "." not in c]]  # each firm's KPIs only where the experiment reads them
    files = {"runs": io.write_parquet(runs, folder / "runs.parquet", table="experiment_runs"),
             "summary": _csv(summary, folder / "summary.csv"),
             "series": _csv(series, folder / "series.csv")}
    for name in ("points", "prim", "prim_boxes", "regions"):
        if not region["points"].empty:  # every region table, empty or not, when sampled
            files[name] = _csv(region[name], folder / f"{name}.csv")
        else:
            (folder / f"{name}.csv").unlink(missing_ok=True)
    files["premises"] = _csv(pd.DataFrame(
        [{"premise": p.key, "range": p.range_text(), "low": p.low, "high": p.high,
          "presets": "; ".join(f"{k}: {' '.join(v) or '(as configured)'}"
                               for k, v in (p.presets or {}).items()),
          "why": p.why} for p in exp.premises],
        columns=["premise", "range", "low", "high", "presets", "why"]), folder / "premises.csv")
    files["arms"] = _csv(pd.DataFrame(
        [{"arm": a.name, "overrides": " ".join(a.overrides), "off": " ".join(a.off)}
         for a in exp.arms.values()], columns=["arm", "overrides", "off"]), folder / "arms.csv")
    files["experiment"] = io.write_text(yaml.safe_dump(dict(exp.raw), sort_keys=False,
                                                       allow_unicode=True),
                                        folder / "experiment.yaml")
    files["stamp"] = io.write_json(stamp, folder / "stamp.json")
    if figures:
        from ..plots.experiments import draw_all

        files.update(draw_all(folder, module))
    files["verdict"] = io.write_text(render(folder), folder / "verdict.md")
    return files
