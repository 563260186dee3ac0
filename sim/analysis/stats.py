"""Statistics over seeds: means with 95% confidence intervals, grouped, as tidy tables.

The unit of replication is the run (one seed, one parameter setting): average firms within a
run first, then take the interval over runs. Everything here is a pure function of a table, so
it works on a saved sweep as well as on results held in memory.

Two interval methods:

* ``"t"`` — Student's t interval, ``mean ± t_{1-α/2, n-1} · sd / √n`` with the sample
  standard deviation (``ddof=1``). Exact for normal data, good for n ≥ ~5 otherwise.
* ``"bootstrap"`` — the percentile bootstrap of the mean (Efron & Tibshirani 1993, ch. 13),
  seeded, for skewed KPIs such as CAGR with few runs it is an alternative worth comparing.

Groups with one observation get NaN bounds (no interval from one run); NaN values are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import stdtrit

__all__ = ["CI_COLUMNS", "bootstrap_ci", "mean_ci", "summarise", "t_ci"]

#: Columns of :func:`summarise`'s output after the grouping columns.
CI_COLUMNS = ("variable", "n", "mean", "sd", "ci_low", "ci_high")

Method = Literal["t", "bootstrap"]


def _clean(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def _sample_and_mean(values: Sequence[float] | np.ndarray | pd.Series,
                     confidence: float) -> tuple[np.ndarray, float]:
    """Checked confidence, the finite observations and their mean (NaN if there are none)."""
    _check_confidence(confidence)
    x = _clean(values)
    return x, float(x.mean()) if x.size else float("nan")


def t_ci(values: Sequence[float] | np.ndarray | pd.Series,
         confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of the mean.

    Args:
        values: Observations (one per run); NaN and infinite values are ignored.
        confidence: Coverage of the interval, in (0, 1).

    Returns:
        ``(mean, low, high)``; bounds are NaN with fewer than two observations, everything is NaN
        with none.
    """
    x, m = _sample_and_mean(values, confidence)
    if x.size < 2:
        return m, float("nan"), float("nan")
    half = float(stdtrit(x.size - 1, 0.5 + confidence / 2) * x.std(ddof=1) / np.sqrt(x.size))
    return m, m - half, m + half


def bootstrap_ci(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = 0.95,
                 n_boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap confidence interval of the mean.

    Args:
        values: Observations (one per run); NaN and infinite values are ignored.
        confidence: Coverage of the interval, in (0, 1).
        n_boot: Number of bootstrap resamples.
        seed: Seed of the resampling generator (the same seed gives the same interval).

    Returns:
        ``(mean, low, high)``; bounds are NaN with fewer than two observations.
    """
    x, m = _sample_and_mean(values, confidence)
    if x.size < 2:
        return m, float("nan"), float("nan")
    gen = np.random.default_rng(seed)
    means = x[gen.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return m, float(lo), float(hi)


def mean_ci(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = 0.95,
            method: Method = "t", *, n_boot: int = 2000,
            seed: int = 0) -> tuple[float, float, float]:
    """Mean and confidence interval by ``method`` (``"t"`` or ``"bootstrap"``).

    Args:
        values: Observations (one per run).
        confidence: Coverage of the interval, in (0, 1).
        method: ``"t"`` (Student t) or ``"bootstrap"`` (percentile bootstrap).
        n_boot: Bootstrap resamples (bootstrap only).
        seed: Bootstrap seed (bootstrap only).

    Returns:
        ``(mean, low, high)``.
    """
    if method == "t":
        return t_ci(values, confidence)
    if method == "bootstrap":
        return bootstrap_ci(values, confidence, n_boot=n_boot, seed=seed)
    raise ValueError(f"method={method!r}: use 't' or 'bootstrap'")


def summarise(df: pd.DataFrame, by: str | Sequence[str], values: str | Sequence[str],
              confidence: float = 0.95, method: Method = "t", *, n_boot: int = 2000,
              seed: int = 0) -> pd.DataFrame:
    """Mean and confidence interval of each value column within each group, in long form.

    Each row of ``df`` is one replicate (typically one run). To get an interval over seeds of a
    per-firm table, average firms within ``(run_id, strategy)`` first, then summarise by
    ``strategy``.

    Args:
        df: Table with one row per replicate.
        by: Grouping column(s); ``[]`` for one overall group.
        values: Column(s) to summarise.
        confidence: Coverage of the interval, in (0, 1).
        method: ``"t"`` (vectorised Student t) or ``"bootstrap"``.
        n_boot: Bootstrap resamples (bootstrap only).
        seed: Bootstrap seed (bootstrap only).

    Returns:
        One row per group and value column: the grouping columns, then ``variable``, ``n``
        (finite observations), ``mean``, ``sd`` (ddof=1), ``ci_low``, ``ci_high``.

    Raises:
        KeyError: If a grouping or value column is missing.
        ValueError: On a bad ``confidence`` or ``method``.
    """
    _check_confidence(confidence)
    by = [by] if isinstance(by, str) else list(by)
    values = [values] if isinstance(values, str) else list(values)
    missing = [c for c in (*by, *values) if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {', '.join(missing)}")
    long = df[by + values].melt(id_vars=by, value_vars=values, var_name="variable",
                                value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long.loc[~np.isfinite(long["value"]), "value"] = np.nan
    keys = [*by, "variable"]
    if method == "t":
        g = long.groupby(keys, sort=True, dropna=False, observed=True)["value"]
        out = g.agg(n="count", mean="mean", sd="std").reset_index()
        n = out["n"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            tq = np.where(n >= 2, stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2), np.nan)
            half = tq * out["sd"].to_numpy() / np.sqrt(n)
        out["ci_low"] = out["mean"] - half
        out["ci_high"] = out["mean"] + half
    elif method == "bootstrap":
        rows = []
        for key, g in long.groupby(keys, sort=True, dropna=False, observed=True):
            x = _clean(g["value"])
            m, lo, hi = bootstrap_ci(x, confidence, n_boot=n_boot, seed=seed)
            rows.append((*key, x.size, m, float(x.std(ddof=1)) if x.size > 1 else np.nan, lo, hi))
        out = pd.DataFrame(rows, columns=[*keys, "n", "mean", "sd", "ci_low", "ci_high"])
    else:
        raise ValueError(f"method={method!r}: use 't' or 'bootstrap'")
    out["n"] = out["n"].astype(int)
    return out[[*by, *CI_COLUMNS]].reset_index(drop=True)


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence}: must be in (0, 1), e.g. 0.95")
