"""Retention analysis of saved runs: the sBG model, Kaplan–Meier curves and cohort survivors.

Pure NumPy/SciPy/pandas; nothing here imports the simulation model, so it can be used on any
table of relationship spells (e.g. read back from a run's parquet output).

References:
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
        Journal of Interactive Marketing 21(1), 76–90.
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting:
        the perils of ignoring heterogeneity. Marketing Science 29(1), 85–93.

Time convention (shared by every function here): a cohort is acquired at t = 0; at each
t = 1, 2, … every customer still alive decides whether to renew. ``T`` is the period in which
a customer churns (T ≥ 1) and ``S(t) = P(T > t)`` is the share still alive after t renewal
opportunities, so S(0) = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import threadpool_limits

__all__ = [
    "SBGFit",
    "cohort_survivors",
    "cohorts_survivors",
    "fit_sbg",
    "fit_sbg_pooled",
    "kaplan_meier",
]

# Search box for (log α, log β). Wide enough for any realistic cohort, finite so that degenerate
# data (nobody churns, everybody churns at once) still gives finite estimates at the boundary.
_PARAM_BOUNDS = (1e-6, 1e6)
_LOG_PARAM_BOUNDS = (float(np.log(_PARAM_BOUNDS[0])), float(np.log(_PARAM_BOUNDS[1])))
# A fitted log-parameter this close to the edge of the search box sits on it (not identified).
_AT_BOUND_LOG_TOL = 1e-3
# Starting points for the multi-start optimiser, in log space.
_LOG_STARTS = tuple((a, b) for a in (-2.0, 0.0, 2.0) for b in (-2.0, 0.0, 2.0))
# Above this horizon survival is computed from Beta functions instead of a cumulative sum.
_CUMSUM_MAX_T = 100_000
_SPELL_COLUMNS = ("customer", "category", "firm", "start", "end")


# --------------------------------------------------------------------------------------------
# sBG building blocks (module-private, vectorised)
# --------------------------------------------------------------------------------------------


def _log_survival_upto(alpha: float, beta: float, t_max: int) -> np.ndarray:
    """Return log S(t) for t = 0..t_max as a cumulative sum of log retention rates.

    Summing ``log r_j = -log1p(α / (β + j − 1))`` keeps S exactly non-increasing and stays
    accurate at extreme parameters, where differences of ``betaln`` values cancel badly.
    """
    j = np.arange(1, t_max + 1, dtype=float)
    log_r = -np.log1p(alpha / (beta + j - 1.0))
    return np.concatenate(([0.0], np.cumsum(log_r)))


def _log_survival(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """Return log S(t) = log B(α, β + t) − log B(α, β) for a non-negative int array ``t``."""
    if t.size == 0:
        return np.zeros(t.shape)
    t_max = int(t.max())
    if t_max <= _CUMSUM_MAX_T:
        return _log_survival_upto(alpha, beta, t_max)[t]
    return special.betaln(alpha, beta + t) - special.betaln(alpha, beta)


def _as_time_array(t: Any, minimum: int, name: str = "t") -> np.ndarray:
    """Validate ``t`` as integer time(s) ≥ ``minimum`` and return them as an int64 array."""
    arr = np.asarray(t)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"{name} must be integer-valued, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be integer-valued, got {arr!r}")
    if arr.size and arr.min() < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got min {arr.min()}")
    return arr.astype(np.int64)


def _scalar_or_array(values: np.ndarray, like: Any) -> float | np.ndarray:
    """Return a Python float when the caller passed a scalar, else the array."""
    return float(values) if np.ndim(like) == 0 else values


def _sbg_loglik_and_grad(
    log_params: np.ndarray, survivors: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """Return the (weighted) sBG log-likelihood and its gradient w.r.t. (log α, log β).

    Churners in period t contribute ``log P(T=t) = log S(t−1) + log α − log(α+β+t−1)``; the
    survivors at the last period n contribute ``log S(n)``. Weight ``w[t−1]`` scales period t's
    churners, and ``w[n−1]`` also scales the right-censored survivors.
    """
    alpha, beta = np.exp(log_params)
    n = survivors.size - 1
    churned = survivors[:-1] - survivors[1:]
    j = np.arange(1, n + 1, dtype=float)
    inv_ab = 1.0 / (alpha + beta + j - 1.0)  # 1/(α+β+t−1), t = 1..n

    log_s = _log_survival_upto(alpha, beta, n)  # t = 0..n
    # d log S(t)/dα and /dβ for t = 0..n
    ds_da = np.concatenate(([0.0], np.cumsum(-inv_ab)))
    ds_db = np.concatenate(([0.0], np.cumsum(1.0 / (beta + j - 1.0) - inv_ab)))

    log_p = log_s[:-1] + np.log(alpha) + np.log(inv_ab)
    dp_da = ds_da[:-1] + 1.0 / alpha - inv_ab
    dp_db = ds_db[:-1] - inv_ab

    wc = weights * churned
    w_last = weights[-1] * survivors[-1]
    loglik = float(wc @ log_p + w_last * log_s[-1])
    d_alpha = wc @ dp_da + w_last * ds_da[-1]
    d_beta = wc @ dp_db + w_last * ds_db[-1]
    return loglik, np.array([alpha * d_alpha, beta * d_beta])


def _validate_survivors(survivors: Any) -> np.ndarray:
    """Check a survivor curve (≥ 2 points, finite, ≥ 0, non-increasing, s[0] > 0)."""
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1:
        raise ValueError(f"survivors must be 1-D, got shape {s.shape}")
    if s.size < 2:
        raise ValueError(f"survivors needs at least 2 points (t = 0 and t = 1), got {s.size}")
    if not np.all(np.isfinite(s)):
        raise ValueError("survivors must be finite (no NaN/inf)")
    if np.any(s < 0):
        raise ValueError(f"survivors must be non-negative, got min {s.min()}")
    if s[0] <= 0:
        raise ValueError(f"survivors[0] (cohort size) must be > 0, got {s[0]}")
    rises = np.flatnonzero(np.diff(s) > 0)
    if rises.size:
        t = int(rises[0]) + 1
        raise ValueError(
            f"survivors must be non-increasing, but survivors[{t}]={s[t]} > "
            f"survivors[{t - 1}]={s[t - 1]}"
        )
    return s


def _validate_weights(weights: Any, n_periods: int) -> np.ndarray:
    """Return per-period likelihood weights (default all ones), validated."""
    if weights is None:
        return np.ones(n_periods)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_periods,):
        raise ValueError(
            f"weights must have one entry per period t = 1..{n_periods}, i.e. shape "
            f"({n_periods},), got {w.shape}"
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    if not np.any(w > 0):
        raise ValueError("weights must not all be zero")
    return w


# --------------------------------------------------------------------------------------------
# sBG model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SBGFit:
    """A fitted shifted-beta-geometric retention model (Fader & Hardie 2007).

    Each customer churns at each renewal opportunity with a constant probability θ, and θ is
    Beta(α, β) across customers; the cohort's retention rate therefore rises over time as
    high-θ customers leave.

    Attributes:
        alpha: Beta shape α > 0 (pulls churn probabilities up).
        beta: Beta shape β > 0 (pulls churn probabilities down).
        log_likelihood: Maximised (weighted) log-likelihood of the calibration data.
        n_periods: Number of renewal periods used for fitting (len(survivors) − 1).
        degenerate: Why α and β are not estimates, or ``""`` when they are. A fit whose α or
            β ends on the edge of the search box [1e-6, 1e6] is degenerate: nobody churned,
            everybody churned in the first period, or churn shows no heterogeneity (the
            cohort's retention does not rise over time, so the data are fitted by a constant
            churn rate and only α / (α + β) is identified). Its curve is still the best fit
            and can be drawn; α and β themselves must not be reported.
    """

    alpha: float
    beta: float
    log_likelihood: float
    n_periods: int
    degenerate: str = ""

    def __post_init__(self) -> None:
        """Reject non-finite or non-positive shape parameters."""
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be finite and > 0, got {value}")

    def survival(self, t: Any) -> float | np.ndarray:
        """Return S(t) = P(T > t) = B(α, β+t) / B(α, β), the share alive after t periods.

        Args:
            t: Integer time(s) ≥ 0 (scalar or array).

        Returns:
            A float for scalar ``t``, otherwise an array shaped like ``t``.
        """
        tt = _as_time_array(t, 0)
        return _scalar_or_array(np.exp(_log_survival(self.alpha, self.beta, tt)), t)

    def retention(self, t: Any) -> float | np.ndarray:
        """Return the period-t retention rate r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1), t ≥ 1."""
        tt = _as_time_array(t, 1)
        r = (self.beta + tt - 1.0) / (self.alpha + self.beta + tt - 1.0)
        return _scalar_or_array(r, t)

    def churn_probability(self, t: Any) -> float | np.ndarray:
        """Return P(T = t) = S(t−1) − S(t) = B(α+1, β+t−1) / B(α, β), for t ≥ 1."""
        tt = _as_time_array(t, 1)
        log_s_prev = _log_survival(self.alpha, self.beta, tt - 1)
        log_p = log_s_prev + np.log(self.alpha) - np.log(self.alpha + self.beta + tt - 1.0)
        return _scalar_or_array(np.exp(log_p), t)

    def discounted_expected_residual_lifetime(self, renewals: int, discount_rate: float) -> float:
        """Return DERL, the discounted expected number of future payments (FH 2010, eq. 6).

        For a customer who has made ``renewals`` = n − 1 renewals (so is alive at t = n − 1)
        and is about to face the n-th renewal decision,

            DERL = Σ_{t ≥ n} [S(t) / S(n−1)] / (1+d)^(t−n)
                 = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)).

        Timing: the payment at the upcoming n-th renewal is counted undiscounted (it falls at
        the decision point), later payments are discounted by (1+d) per period; payments the
        customer has already made are not counted.

        Args:
            renewals: Renewals already made (n − 1 in FH's notation), an int ≥ 0;
                0 for a just-acquired customer.
            discount_rate: Per-period discount rate d > 0.

        Returns:
            DERL in units of "payments", a float.
        """
        n = _validate_renewals(renewals) + 1
        d = _validate_discount_rate(discount_rate)
        a, b = self.alpha, self.beta
        first = (b + n - 1.0) / (a + b + n - 1.0)
        return float(first * special.hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d)))

    def clv(
        self, margin: float, discount_rate: float, *, include_acquisition_payment: bool = False
    ) -> float:
        """Return the expected lifetime value of a just-acquired customer.

        Timing convention. By default (FH 2010) this is the expected residual lifetime value
        ``margin · DERL(renewals=0)`` = margin · Σ_{t≥1} S(t) / (1+d)^(t−1): the acquisition
        payment at t = 0 is treated as sunk and **not** counted, the first renewal payment
        (t = 1) is counted undiscounted, and the payment at renewal t is discounted by
        (1+d)^(t−1). With ``include_acquisition_payment=True`` it is instead FH (2007)'s
        E(CLV) = margin · Σ_{t≥0} S(t) / (1+d)^t, valued at acquisition: the t = 0 payment is
        counted undiscounted and renewal t is discounted by (1+d)^t.

        Args:
            margin: Net cash flow per period from an active customer.
            discount_rate: Per-period discount rate d > 0.
            include_acquisition_payment: Count the t = 0 payment (see above).

        Returns:
            The expected (discounted) value, a float.
        """
        derl = self.discounted_expected_residual_lifetime(0, discount_rate)
        if include_acquisition_payment:
            return float(margin * (1.0 + derl / (1.0 + discount_rate)))
        return float(margin * derl)

    def to_dict(self) -> dict[str, float | int | str]:
        """Return the fit as plain Python numbers (and the degeneracy reason), ready for JSON."""
        return {
            "alpha": float(self.alpha),
            "beta": float(self.beta),
            "log_likelihood": float(self.log_likelihood),
            "n_periods": int(self.n_periods),
            "degenerate": str(self.degenerate),
        }


def _validate_renewals(renewals: Any) -> int:
    """Return ``renewals`` as an int ≥ 0 or raise ValueError."""
    if isinstance(renewals, bool | np.bool_) or not float(renewals).is_integer():
        raise ValueError(f"renewals must be a non-negative integer, got {renewals!r}")
    if renewals < 0:
        raise ValueError(f"renewals must be >= 0, got {renewals}")
    return int(renewals)


def _validate_discount_rate(discount_rate: Any) -> float:
    """Return ``discount_rate`` as a float > 0 or raise ValueError (the sums diverge at 0)."""
    d = float(discount_rate)
    if not (np.isfinite(d) and d > 0):
        raise ValueError(f"discount_rate must be finite and > 0, got {discount_rate!r}")
    return d


def _maximise(loglik_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
              scale: float) -> np.ndarray:
    """Log (alpha, beta) maximising a log-likelihood: L-BFGS-B from several starts, best kept.

    ``scale`` keeps the objective O(1) whatever the number of customers.
    """
    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        loglik, grad = loglik_and_grad(x)
        return -loglik * scale, -grad * scale

    best: optimize.OptimizeResult | None = None
    # One BLAS thread: on a 2-parameter problem OpenBLAS's thread pool only adds overhead,
    # about 10x the fitting time on a busy 2-core machine (48 s vs 5 s for a default run).
    with threadpool_limits(limits=1, user_api="blas"):
        for start in _LOG_STARTS:
            res = optimize.minimize(
                objective,
                np.array(start),
                jac=True,
                method="L-BFGS-B",
                bounds=[_LOG_PARAM_BOUNDS, _LOG_PARAM_BOUNDS],
                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
            )
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
    assert best is not None  # the objective is finite everywhere inside the bounds
    return best.x


def _degeneracy(log_params: np.ndarray, n_churned: float, n_first: float,
                n_total: float) -> str:
    """Why a fit's (α, β) are not estimates, or ``""`` (see :attr:`SBGFit.degenerate`).

    Args:
        log_params: The fitted (log α, log β).
        n_churned: Churners over all periods.
        n_first: Churners in the first period.
        n_total: Customers at t = 0.
    """
    if n_churned <= 0:
        return "no churn in the cohort (nobody left in the observed periods)"
    if n_first >= n_total:
        return "every member churned in the first period"
    lo, hi = _LOG_PARAM_BOUNDS
    at_bound = [(name, "upper" if x >= hi - _AT_BOUND_LOG_TOL else "lower")
                for name, x in zip(("alpha", "beta"), log_params, strict=True)
                if x >= hi - _AT_BOUND_LOG_TOL or x <= lo + _AT_BOUND_LOG_TOL]
    if not at_bound:
        return ""
    if any(side == "upper" for _, side in at_bound):
        return ("no heterogeneity in churn: retention does not rise over time, so the data "
                "fit one constant churn rate, alpha / (alpha + beta), and alpha, beta "
                "themselves run to the search bound 1e6")
    names = " and ".join(name for name, _ in at_bound)
    return f"{names} at the search bound 1e-6: not identified"


def fit_sbg(survivors: Any, *, weights: Any = None) -> SBGFit:
    """Fit the shifted-beta-geometric model to one cohort's survivor curve by maximum likelihood.

    Churners in period t contribute log P(T=t); those alive at the last observed period n are
    right-censored and contribute log S(n). The optimiser (L-BFGS-B with an analytic gradient
    over log α, log β, from several starting points) keeps the best optimum. Parameters are
    bounded to [1e-6, 1e6], so degenerate curves (nobody churns; everybody churns in period 1;
    churn without heterogeneity) return finite values at the boundary rather than diverging,
    and :attr:`SBGFit.degenerate` says why they are not estimates.

    Args:
        survivors: Number alive at t = 0, 1, …, n (survivors[0] is the cohort size), at least
            2 points, non-negative and non-increasing. Non-integer counts (e.g. percentages)
            are accepted.
        weights: Optional per-period likelihood weights, shape (n,), one per period
            t = 1..n; weights[t−1] scales the churners of period t and weights[n−1] also
            scales the survivors at n. Default: all ones (plain maximum likelihood).

    Returns:
        The fitted model.

    Raises:
        ValueError: If ``survivors`` or ``weights`` are invalid.
    """
    s = _validate_survivors(survivors)
    n_periods = s.size - 1
    w = _validate_weights(weights, n_periods)
    scale = 1.0 / s[0]  # keep the objective O(1) whatever the cohort size

    best_x = _maximise(lambda x: _sbg_loglik_and_grad(x, s, w), scale)
    alpha, beta = (float(v) for v in np.exp(best_x))
    loglik, _ = _sbg_loglik_and_grad(best_x, s, w)
    degenerate = _degeneracy(best_x, s[0] - s[-1], s[0] - s[1], s[0])
    return SBGFit(alpha=alpha, beta=beta, log_likelihood=loglik, n_periods=n_periods,
                  degenerate=degenerate)


def _pooled_loglik_and_grad(
    log_params: np.ndarray, churned: np.ndarray, censored: np.ndarray
) -> tuple[float, np.ndarray]:
    """Return the sBG log-likelihood and gradient (w.r.t. log α, log β) of pooled counts.

    ``churned[t−1]`` churners in period t = 1..n contribute log P(T=t) each and
    ``censored[t]`` customers last seen alive at t = 0..n contribute log S(t) each. Same
    formulas as :func:`_sbg_loglik_and_grad`, with right-censoring at every t.
    """
    alpha, beta = np.exp(log_params)
    n = churned.size
    j = np.arange(1, n + 1, dtype=float)
    inv_ab = 1.0 / (alpha + beta + j - 1.0)
    log_s = _log_survival_upto(alpha, beta, n)
    ds_da = np.concatenate(([0.0], np.cumsum(-inv_ab)))
    ds_db = np.concatenate(([0.0], np.cumsum(1.0 / (beta + j - 1.0) - inv_ab)))
    log_p = log_s[:-1] + np.log(alpha) + np.log(inv_ab)
    dp_da = ds_da[:-1] + 1.0 / alpha - inv_ab
    dp_db = ds_db[:-1] - inv_ab
    loglik = float(churned @ log_p + censored @ log_s)
    d_alpha = churned @ dp_da + censored @ ds_da
    d_beta = churned @ dp_db + censored @ ds_db
    return loglik, np.array([alpha * d_alpha, beta * d_beta])


def fit_sbg_pooled(curves: Any) -> SBGFit:
    """Fit one sBG model (shared α, β) to several cohorts' survivor curves by maximum likelihood.

    The log-likelihood is the sum of the cohorts' :func:`fit_sbg` log-likelihoods, each curve
    right-censored at its own last period. Grouping spells by start step (so each group is
    censored at the same time) makes this the exact right-censored likelihood of all the spells
    pooled by time since acquisition. For a single curve it is :func:`fit_sbg`'s likelihood.
    The curves are first reduced to churners per period and survivors censored per period, so
    the cost does not grow with the number of curves. Same optimiser and parameter bounds as
    :func:`fit_sbg`.

    Args:
        curves: Iterable of survivor curves (number alive at t = 0..n_i), each valid input to
            :func:`fit_sbg`: at least 2 points, non-negative, non-increasing, s[0] > 0.

    Returns:
        The fitted model; ``n_periods`` is the longest curve's number of periods.

    Raises:
        ValueError: If there are no curves or any curve is invalid.
    """
    checked = [_validate_survivors(c) for c in curves]
    if not checked:
        raise ValueError("fit_sbg_pooled needs at least one survivor curve")
    n_periods = max(s.size - 1 for s in checked)
    churned = np.zeros(n_periods)
    censored = np.zeros(n_periods + 1)
    for s in checked:
        churned[: s.size - 1] += s[:-1] - s[1:]
        censored[s.size - 1] += s[-1]
    scale = 1.0 / sum(float(s[0]) for s in checked)

    best_x = _maximise(lambda x: _pooled_loglik_and_grad(x, churned, censored), scale)
    alpha, beta = (float(v) for v in np.exp(best_x))
    loglik, _ = _pooled_loglik_and_grad(best_x, churned, censored)
    n_total = sum(float(s[0]) for s in checked)
    degenerate = _degeneracy(best_x, churned.sum(), churned[0], n_total - censored[0])
    return SBGFit(alpha=alpha, beta=beta, log_likelihood=loglik, n_periods=n_periods,
                  degenerate=degenerate)


# --------------------------------------------------------------------------------------------
# Kaplan–Meier
# --------------------------------------------------------------------------------------------


def _validate_durations(durations: Any, observed: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check KM inputs and return (int durations, bool observed)."""
    d = np.asarray(durations)
    o = np.asarray(observed)
    if d.ndim != 1 or o.ndim != 1:
        raise ValueError("durations and observed must be 1-D")
    if d.size == 0:
        raise ValueError("durations must not be empty")
    if d.shape != o.shape:
        raise ValueError(
            f"durations and observed must have the same length, got {d.size} and {o.size}"
        )
    d = _as_time_array(d, 0, name="durations")
    if o.dtype != bool:
        if not (np.issubdtype(o.dtype, np.number) and np.all(np.isin(o, (0, 1)))):
            raise ValueError("observed must be booleans (True = churn observed, False = censored)")
        o = o.astype(bool)
    if np.any(o & (d == 0)):
        raise ValueError(
            "observed churn at duration 0: durations count periods in the relationship, so a "
            "churn falls in period >= 1 (only censored durations may be 0)"
        )
    return d, o


def kaplan_meier(durations: Any, observed: Any) -> pd.DataFrame:
    """Return the Kaplan–Meier (product-limit) survival curve at each integer time.

    At each t = 0..max(durations): ``at_risk`` counts durations ≥ t (a spell censored at t is
    still at risk at t), ``events`` counts observed churns at t, and
    ``survival = Π_{u ≤ t} (1 − events_u / at_risk_u)``. Churn cannot occur at t = 0, so
    survival there is 1.

    Args:
        durations: Non-negative integer periods in the relationship, one per spell.
        observed: True if the spell ended in an observed churn, False if right-censored.

    Returns:
        DataFrame with integer columns ``t``, ``at_risk``, ``events`` and float ``survival``.

    Raises:
        ValueError: On empty, mismatched, negative, non-integer or non-boolean input, or an
            observed churn at duration 0.
    """
    d, o = _validate_durations(durations, observed)
    t = np.arange(int(d.max()) + 1)
    removed = np.bincount(d, minlength=t.size)  # leave the risk set after t
    at_risk = d.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    events = np.bincount(d[o], minlength=t.size)
    factor = 1.0 - events / at_risk  # at_risk >= 1 for every t <= max(durations)
    return pd.DataFrame(
        {
            "t": t.astype(np.int64),
            "at_risk": at_risk.astype(np.int64),
            "events": events.astype(np.int64),
            "survival": np.cumprod(factor),
        }
    )


# --------------------------------------------------------------------------------------------
# Cohort survivor curves from relationship spells
# --------------------------------------------------------------------------------------------


def _validate_spells(spells: pd.DataFrame) -> None:
    """Check the spell table has the expected columns and consistent start/end steps."""
    if not isinstance(spells, pd.DataFrame):
        raise ValueError(f"spells must be a pandas DataFrame, got {type(spells).__name__}")
    missing = [c for c in _SPELL_COLUMNS if c not in spells.columns]
    if missing:
        raise ValueError(f"spells is missing column(s) {missing}; expected {list(_SPELL_COLUMNS)}")
    start = spells["start"].to_numpy()
    end = spells["end"].to_numpy()
    if np.any(start < 0):
        raise ValueError("spells.start must be >= 0")
    bad = (end != -1) & (end < start)
    if np.any(bad):
        raise ValueError(
            f"spells.end must be -1 (censored) or >= start; {int(bad.sum())} spell(s) end "
            "before they start"
        )


def _durations_alive(spells: pd.DataFrame) -> np.ndarray:
    """Return each spell's lifetime end − start as float, with +inf for censored spells."""
    start = spells["start"].to_numpy(dtype=float)
    end = spells["end"].to_numpy(dtype=float)
    return np.where(end == -1, np.inf, end - start)


def _alive_counts(lifetimes: np.ndarray, horizon: int) -> np.ndarray:
    """Count lifetimes > t for t = 0..horizon (a spell is alive at t iff end > start + t)."""
    t = np.arange(horizon + 1)
    sorted_life = np.sort(lifetimes)
    return (lifetimes.size - np.searchsorted(sorted_life, t, side="right")).astype(np.int64)


def cohort_survivors(spells: pd.DataFrame, cohort_start: int, end_step: int) -> np.ndarray:
    """Return how many spells that started at ``cohort_start`` are alive at t = 0..horizon.

    A spell is alive at t if it is censored (end == −1) or end > start + t, and
    horizon = end_step − cohort_start. Filter ``spells`` by firm/category before calling.

    Args:
        spells: Columns ``customer``, ``category``, ``firm``, ``start``, ``end`` (end = −1 if
            the relationship was still active at the end of the run).
        cohort_start: Step at which the cohort's spells started.
        end_step: Last observed step of the run.

    Returns:
        int64 array of length end_step − cohort_start + 1 (all zeros if the cohort is empty).

    Raises:
        ValueError: On a malformed spell table or cohort_start > end_step.
    """
    _validate_spells(spells)
    if cohort_start > end_step:
        raise ValueError(f"cohort_start ({cohort_start}) must be <= end_step ({end_step})")
    cohort = spells[spells["start"] == cohort_start]
    return _alive_counts(_durations_alive(cohort), end_step - cohort_start)


def cohorts_survivors(
    spells: pd.DataFrame, end_step: int, cohort_length: int = 12
) -> dict[int, np.ndarray]:
    """Return survivor curves of cohorts of spells grouped by start step.

    Cohort k holds the spells with start in [k·cohort_length, (k+1)·cohort_length). Time t is
    counted from each spell's own start, and each curve is truncated at the last t at which
    every spell of the cohort is observed: t ≤ end_step − (latest start in the cohort).

    Args:
        spells: Spell table as for :func:`cohort_survivors` (pre-filtered by firm/category).
        end_step: Last observed step of the run.
        cohort_length: Steps per cohort, ≥ 1 (12 = yearly cohorts of monthly steps).

    Returns:
        Mapping cohort index k → int64 survivors array (index t), for non-empty cohorts only,
        in increasing k.

    Raises:
        ValueError: On a malformed spell table, cohort_length < 1, or a spell starting after
            end_step.
    """
    _validate_spells(spells)
    if int(cohort_length) != cohort_length or cohort_length < 1:
        raise ValueError(f"cohort_length must be a positive integer, got {cohort_length!r}")
    start = spells["start"].to_numpy()
    if start.size and start.max() > end_step:
        raise ValueError(f"a spell starts at {start.max()}, after end_step ({end_step})")
    lifetimes = _durations_alive(spells)
    keys = start // int(cohort_length)
    curves: dict[int, np.ndarray] = {}
    for k in np.unique(keys):
        in_cohort = keys == k
        horizon = int(end_step - start[in_cohort].max())
        curves[int(k)] = _alive_counts(lifetimes[in_cohort], horizon)
    return curves
