"""Observed curves, the classical fits beside which the model's fits are read, and their losses.

Pure NumPy/SciPy on tables: nothing here runs the model. ``ccsim fit`` (:mod:`sim.studies.fit`)
scores the model's curves with these losses and prints these fits beside its own.

* Diffusion (Bass 1969): annual sales ``y_t = m (F_t - F_{t-1})``. :func:`bass_ols` is Bass's
  own estimator (OLS of sales on cumulative sales and its square); :func:`bass_nls` fits m, p, q
  by nonlinear least squares either to the continuous-time closed form (Srinivasan & Mason 1986)
  or to the discrete map that the simulation follows in expectation
  (:func:`sim.validation.bass.recurrence`); :func:`best_scale` is the least-squares m for a
  given curve shape, which is how the model's m is fitted (profiled out of the search).
* Retention (Fader & Hardie 2007): :func:`survivor_loglik` is the sBG paper's likelihood of an
  observed survivor curve (churners per year, survivors censored at the last year) under any
  survival curve, so the model's survival and the sBG's are scored on the same criterion;
  :func:`prediction_errors` scores a projection of later years; :func:`sbg_heterogeneity`
  says how unequal churn proneness is under a fitted sBG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .. import data
from .calibration import _range_loss

__all__ = ["bass_nls", "bass_observed", "bass_ols", "bass_shape", "best_scale",
           "prediction_errors", "range_loss", "retention_by_year", "sbg_heterogeneity",
           "survivor_loglik", "survivors_observed"]

#: Bass series by target name (``bass_series.csv``); the last two are illustrative.
BASS_SERIES = {"bass_room_ac": "room_air_conditioners", "bass_dryers": "clothes_dryers",
               "bass_colour_tv": "colour_televisions"}
#: Fader & Hardie (2007) segments by target name.
SBG_SEGMENTS = {"sbg_regular": "regular", "sbg_highend": "high_end"}
#: The floor of a probability inside a log-likelihood (a curve that never churns in a year).
_P_FLOOR = 1e-12


def bass_observed(series: str) -> pd.DataFrame:
    """One Bass series: ``year``, ``t`` (1, 2, ...), ``sales`` (thousand units)."""
    d = data.read_csv("bass_series.csv")
    d = d[d["series"] == series].sort_values("year")
    if d.empty:
        raise KeyError(series)
    return pd.DataFrame({"year": d["year"].to_numpy(), "t": np.arange(1, len(d) + 1),
                         "sales": d["sales_thousand_units"].to_numpy(dtype=float)})


def survivors_observed(segment: str) -> pd.DataFrame:
    """One Fader & Hardie (2007) segment: ``year`` (0..12) and ``percent`` alive."""
    d = data.read_csv("fader_hardie_2007_survivors.csv")
    d = d[d["segment"] == segment].sort_values("year")
    if d.empty:
        raise KeyError(segment)
    return pd.DataFrame({"year": d["year"].to_numpy(),
                         "percent": d["percent_alive"].to_numpy(dtype=float)})


# ----------------------------------------------------------------------------------------------
# Diffusion


def best_scale(observed: Sequence[float], shape: Sequence[float]) -> float:
    """The m minimising Σ (y_t − m s_t)²: Σ y s / Σ s² (0 if the shape is all zero)."""
    y, s = np.asarray(observed, float), np.asarray(shape, float)
    denom = float(s @ s)
    return float(y @ s) / denom if denom > 0 else 0.0


def bass_ols(sales: Sequence[float]) -> dict[str, float]:
    """Bass's (1969) estimator: OLS of S_t on (1, Y_{t−1}, Y²_{t−1}), Y cumulative sales.

    S_t = a + b Y + c Y² with a = pm, b = q − p, c = −q/m, so m is the positive root of
    c m² + b m + a = 0, p = a/m, q = p + b.

    Returns:
        ``m`` (in the unit of ``sales``), ``p``, ``q``.
    """
    s = np.asarray(sales, float)
    y = np.concatenate(([0.0], np.cumsum(s)[:-1]))
    a, b, c = np.linalg.lstsq(np.column_stack([np.ones_like(y), y, y * y]), s, rcond=None)[0]
    m = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * c)
    return {"m": float(m), "p": float(a / m), "q": float(a / m + b)}


def bass_shape(p: float, q: float, periods: int, discrete: bool = False) -> np.ndarray:
    """Adopters per period as a share of the market: F_t − F_{t−1}, t = 1..periods.

    ``discrete``: the map F ← F + (p + qF)(1 − F) instead of Bass's closed form.
    """
    if discrete:
        f = np.empty(periods + 1)
        f[0] = 0.0
        for t in range(periods):
            f[t + 1] = f[t] + (p + q * f[t]) * (1.0 - f[t])
    else:
        t = np.arange(periods + 1, dtype=float)
        e = np.exp(-(p + q) * t)
        f = (1.0 - e) / (1.0 + (q / p) * e)
    return np.diff(f)


def bass_nls(sales: Sequence[float], discrete: bool = False) -> dict[str, float]:
    """m, p, q by nonlinear least squares on annual sales (m profiled: :func:`best_scale`).

    SciPy's ``least_squares`` on (log p, log q) from a few starts, the residuals
    y_t − m̂ s_t(p, q) with m̂ the least-squares m of each shape (variable projection).

    Args:
        sales: Sales in periods 1..n.
        discrete: Fit the discrete map F ← F + (p + qF)(1 − F) (the simulation's mean field)
            instead of Bass's continuous-time closed form.

    Returns:
        ``m``, ``p``, ``q``, ``sse`` and ``rmse`` (in the unit of ``sales``).
    """
    y = np.asarray(sales, float)

    def residuals(x: np.ndarray) -> np.ndarray:
        p, q = np.exp(x)
        if discrete and p + q > 1.0:  # the map overshoots: outside the model's range
            return np.full(y.size, 1e6)
        shape = bass_shape(p, q, y.size, discrete)
        return y - best_scale(y, shape) * shape

    fits = [optimize.least_squares(residuals, np.log([p0, q0]), x_scale=1.0)
            for p0 in (0.003, 0.01, 0.03) for q0 in (0.1, 0.3, 0.6)]
    best = min(fits, key=lambda r: float(r.fun @ r.fun))
    p, q = (float(v) for v in np.exp(best.x))
    shape = bass_shape(p, q, y.size, discrete)
    sse = float(best.fun @ best.fun)
    return {"m": best_scale(y, shape), "p": p, "q": q, "sse": sse,
            "rmse": math.sqrt(sse / y.size)}


# ----------------------------------------------------------------------------------------------
# Retention


def survivor_loglik(observed: Sequence[float], survival: Sequence[float]) -> float:
    """Log-likelihood per cohort member of an observed survivor curve under a survival curve.

    Fader & Hardie's (2007) sBG likelihood with the sBG replaced by any curve: the share that
    churned in year k contributes log(S(k−1) − S(k)), the share alive at the last year n
    log S(n). Per member (shares of the cohort), so a percentage table and a count table give
    the same value; a year with no churn under ``survival`` gets probability 1e-12.

    Args:
        observed: Alive at t = 0..n (any unit: counts or percentages), non-increasing.
        survival: The curve's S(0..n) (S(0) = 1).
    """
    o = np.asarray(observed, float) / float(observed[0])
    s = np.asarray(survival, float)[: o.size]
    churned = o[:-1] - o[1:]
    p = np.maximum(s[:-1] - s[1:], _P_FLOOR)
    return float(churned @ np.log(p) + o[-1] * math.log(max(s[-1], _P_FLOOR)))


def retention_by_year(survival: Sequence[float]) -> np.ndarray:
    """r_k = S(k)/S(k−1), k = 1..n (NaN where nobody was left)."""
    s = np.asarray(survival, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s[:-1] > 0, s[1:] / s[:-1], np.nan)


def prediction_errors(observed: Sequence[float], predicted: Sequence[float]) -> dict[str, float]:
    """Mean absolute error (in the curve's unit) and mean absolute percentage error."""
    o, p = np.asarray(observed, float), np.asarray(predicted, float)
    return {"mae": float(np.mean(np.abs(p - o))),
            "mape": float(np.mean(np.abs(p - o) / np.abs(o)) * 100.0)}


def sbg_heterogeneity(alpha: float, beta: float, steps_per_year: int = 12) -> dict[str, float]:
    """How unequal churn proneness is when each customer's annual churn θ is Beta(α, β).

    Returns:
        The mean, standard deviation and coefficient of variation of θ; its 10th, 50th and
        90th percentiles; and the same percentiles as a monthly hazard 1 − (1 − θ)^(1/12),
        the per-customer base hazard a churn frailty would have to spread.
    """
    dist = stats.beta(alpha, beta)
    mean, sd = float(dist.mean()), float(dist.std())
    out = {"mean_theta": mean, "sd_theta": sd, "cv_theta": sd / mean}
    for q in (0.1, 0.5, 0.9):
        theta = float(dist.ppf(q))
        out[f"theta_p{int(q * 100)}"] = theta
        out[f"monthly_hazard_p{int(q * 100)}"] = 1.0 - (1.0 - theta) ** (1.0 / steps_per_year)
    return out


def range_loss(value: float, low: float, high: float) -> float:
    """Distance outside [low, high] (squared, per width, ×10) plus a small pull to its middle.

    The calibration's range loss (:mod:`sim.analysis.calibration`), pulled to the middle.
    """
    return _range_loss(value, low, high, pull_to=(low + high) / 2.0)
