"""Per-run quantities of the experiments, from one run's saved tables.

Every quantity an experiment judges or reports is a function of one run's files (its
``summary.json``, ``timeseries.parquet``, ``config.yaml`` and, when written,
``spells.parquet``), computed after the run by :func:`run_metrics`. The headline's definitions
are reused, never redefined: the keys of :func:`sim.metrics.strategy_comparison` (saved in
``summary.json``) under their own names, and each firm's KPIs of :func:`sim.metrics.firm_kpis`
as ``<firm>.<kpi>`` (``pc_a.revenue_cagr``). An experiment's own module
(``experiments/NAME/analysis.py``) adds what it needs with the helpers here: pooled growth and
margin of any set of firms (the headline's pooling), firms grouped as the headline groups them
or by a configured field, windows, channel shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .. import io
from ..metrics import cagr, strategy_comparison, strategy_groups

__all__ = ["RunTables", "available_comparison", "firms_where", "group_firms", "group_mean",
           "group_share", "last_year", "pooled", "pooled_cagr", "pooled_margin", "run_metrics",
           "share_points"]

NAN = float("nan")


@dataclass
class RunTables:
    """One run's saved tables, read when first used."""

    folder: Path
    summary: dict = field(default_factory=dict)

    @classmethod
    def read(cls, folder: str | Path) -> RunTables:
        """The run in ``folder`` (its ``summary.json`` read now, the rest when used)."""
        return cls(Path(folder), io.read_json(Path(folder) / "summary.json"))

    @cached_property
    def ts(self) -> pd.DataFrame:
        """timeseries.parquet: one row per firm per step."""
        return io.read_parquet(self.folder / "timeseries.parquet")

    @cached_property
    def config(self) -> dict:
        """The run's resolved configuration (config.yaml) as plain data."""
        return yaml.safe_load((self.folder / "config.yaml").read_text(encoding="utf-8"))

    @cached_property
    def spells(self) -> pd.DataFrame:
        """spells.parquet (raises FileNotFoundError when the run wrote none)."""
        return io.read_parquet(self.folder / "spells.parquet")

    @property
    def steps_per_year(self) -> int:
        """Steps in a year of this run."""
        return int(self.summary.get("steps_per_year", 12))

    @property
    def comparison(self) -> dict:
        """The headline of this run (:func:`sim.metrics.strategy_comparison`, as saved)."""
        return dict(self.summary.get("comparison", {}))


def _number(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return NAN
    return x if math.isfinite(x) else NAN


def run_metrics(run: RunTables,
                extra: Callable[[RunTables], dict[str, float]] | None = None) -> dict[str, float]:
    """Every quantity of one run: the headline, each firm's KPIs, and the experiment's own.

    Args:
        run: The run's tables.
        extra: The experiment's ``run_metrics`` (its own quantities), if any.
    """
    out = {k: _number(v) for k, v in run.comparison.items()}
    for firm, kpis in run.summary.get("firms", {}).items():
        for k, v in kpis.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[f"{firm}.{k}"] = _number(v)
    if extra is not None:
        out.update({k: _number(v) for k, v in extra(run).items()})
    return out


def available_comparison() -> set[str]:
    """The keys :func:`sim.metrics.strategy_comparison` produces in this version of the model.

    Measured on a two-firm, two-year table, so a metric another issue adds shows up here as soon
    as it exists (the tests of experiments that need one skip until then).
    """
    steps = np.arange(1, 25)
    rows = []
    for firm, mix, growth in (("pc", 0.0, 1.01), ("cc", 1.0, 1.02)):
        for t in steps:
            rows.append({"step": int(t), "firm": firm, "orientation": mix,
                         "revenue": 100.0 * growth ** t, "profit": 10.0,
                         "customers": 10, "relationships": 10})
    return set(strategy_comparison(pd.DataFrame(rows), 12))


# ----------------------------------------------------------------------------------------------
# Helpers for experiments' own quantities


def group_firms(run: RunTables) -> dict[str, set]:
    """The headline's groups (by each firm's final budget mix): customer- and product-centric."""
    return strategy_groups(run.ts)


def firms_where(run: RunTables, key: str, value: Any) -> set[str]:
    """Firms whose configured ``key`` (a FirmConfig field) equals ``value``."""
    return {name for name, firm in run.config.get("firms", {}).items()
            if str(firm.get(key)) == str(value)}


def last_year(ts: pd.DataFrame, steps_per_year: int) -> pd.DataFrame:
    """The rows of the run's last year."""
    return ts[ts["step"] > ts["step"].max() - steps_per_year]


def pooled(ts: pd.DataFrame, firms: Iterable[str], column: str) -> pd.Series:
    """A column summed over ``firms`` per step (the headline pools revenue this way)."""
    g = ts[ts["firm"].isin(set(firms))]
    return g.groupby("step")[column].sum().sort_index()


def pooled_cagr(run: RunTables, firms: Iterable[str]) -> float:
    """Revenue CAGR of the firms' pooled revenue (:func:`sim.metrics.cagr`; NaN: no firm)."""
    firms = set(firms)
    if not firms:
        return NAN
    return cagr(pooled(run.ts, firms, "revenue"), run.steps_per_year)


def pooled_margin(run: RunTables, firms: Iterable[str]) -> float:
    """Σ profit ÷ Σ revenue of the firms over the run (the headline's margin)."""
    g = run.ts[run.ts["firm"].isin(set(firms))]
    revenue = float(g["revenue"].sum())
    return float(g["profit"].sum()) / revenue if revenue > 0 else NAN


def share_points(part: float, whole: float) -> float:
    """100 · part ÷ whole (NaN when the whole is not positive)."""
    return 100.0 * part / whole if whole > 0 else NAN


def group_mean(run: RunTables, firms: Iterable[str], column: str, weight: str | None = None,
               whole_run: bool = False) -> float:
    """Mean of a column over the firms' rows of the last year (or the whole run).

    Args:
        run: The run.
        firms: The firms pooled.
        column: A timeseries column.
        weight: A column weighting the rows (``units`` for a per-unit mean such as fit);
            rows with no weight are left out.
        whole_run: Every step instead of the last year.
    """
    ts = run.ts if whole_run else last_year(run.ts, run.steps_per_year)
    g = ts[ts["firm"].isin(set(firms))]
    x = pd.to_numeric(g[column], errors="coerce").to_numpy(dtype=float)
    w = np.ones_like(x) if weight is None else g[weight].to_numpy(dtype=float)
    ok = np.isfinite(x) & (w > 0)
    return float((x[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else NAN


def group_share(run: RunTables, firms: Iterable[str], column: str = "revenue") -> float:
    """The firms' share of all firms' ``column`` (revenue by default) over the last year."""
    ts = last_year(run.ts, run.steps_per_year)
    whole = float(ts[column].sum())
    return float(ts.loc[ts["firm"].isin(set(firms)), column].sum()) / whole if whole > 0 \
        else NAN
