"""Docking the market model with the Bass (1969) diffusion model.

With one firm, a fully mixed market and everything but advertising and word of mouth switched off
(``conf/scenario/bass.yaml``), a customer who has not adopted adopts in a model step with
probability ``min(1, ad_response + wom_strength · F)``, where ``F`` is the share of the market
that had adopted at the end of the previous step: advertising is Bass's innovation coefficient
``p`` and word of mouth his imitation coefficient ``q``. This module runs that market
(:func:`simulate`) and gives the two curves it is compared with:

* :func:`recurrence` — the deterministic discrete map the simulation's expectation follows
  (mean field), ``F ← F + (p + q·F)(1 − F)/substeps``;
* :func:`closed_form` — Bass's continuous-time solution, the limit of the map as the number of
  model steps per Bass period (``substeps``) grows.

Example:
    >>> from sim.validation.bass import closed_form, recurrence, simulate
    >>> f_sim = simulate(0.03, 0.38, n_customers=20_000, periods=30, seed=0)
    >>> f_map = recurrence(0.03, 0.38, periods=30)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..config import Config, NetworkKind
from ..configure import load_config
from ..model import MarketModel

#: Network kinds :func:`simulate` accepts (``sim.config.NetworkKind``).
NETWORKS = tuple(k.value for k in NetworkKind)


def _check_pq(p: float, q: float) -> None:
    for name, value in (("p", p), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValueError(f"{name}={value!r}: must be a number")
        if not math.isfinite(value):
            raise ValueError(f"{name}={value}: must be finite")
    if not p > 0.0:
        raise ValueError(f"p={p}: the innovation coefficient must be > 0")
    if q < 0.0:
        raise ValueError(f"q={q}: the imitation coefficient must be >= 0")


def _check_int(name: str, value: object, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}={value!r}: must be an integer")
    if value < lo:
        raise ValueError(f"{name}={value}: must be >= {lo}")
    return int(value)


def _check_substeps(p: float, q: float, substeps: object) -> int:
    s = _check_int("substeps", substeps, 1)
    if (p + q) / s > 1.0:
        raise ValueError(f"(p + q)/substeps = {(p + q) / s:.4g} > 1: the per-step adoption "
                         f"probability (p + q·F)/substeps would exceed 1; use more substeps")
    return s


def closed_form(p: float, q: float, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Bass's cumulative adoption F(t) = (1 − e^−(p+q)t) / (1 + (q/p)·e^−(p+q)t).

    Args:
        p: innovation coefficient (per period), > 0.
        q: imitation coefficient (per period), >= 0.
        t: time(s) in Bass periods, >= 0; a scalar or any array shape.

    Returns:
        F(t), the adopted share of the market, with the shape of ``t`` (a 0-d array for a scalar).

    Raises:
        ValueError: if p, q or t are out of range.
    """
    _check_pq(p, q)
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t: times must be finite and >= 0")
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def recurrence(p: float, q: float, periods: int, substeps: int = 1) -> np.ndarray:
    """The deterministic discrete Bass map the simulation follows in expectation.

    ``F ← F + (p + q·F)(1 − F)/substeps``, ``substeps`` times per period, from F = 0.

    Args:
        p: innovation coefficient (per period), > 0.
        q: imitation coefficient (per period), >= 0.
        periods: number of Bass periods, >= 1.
        substeps: model steps per Bass period, >= 1 with (p + q)/substeps <= 1.

    Returns:
        float64 array of length ``periods``: F at the end of periods 1, 2, …, ``periods``.

    Raises:
        ValueError: if an argument is out of range.
    """
    _check_pq(p, q)
    periods = _check_int("periods", periods, 1)
    s = _check_substeps(p, q, substeps)
    out = np.empty(periods)
    f = 0.0
    for t in range(periods):
        for _ in range(s):
            f += (p + q * f) * (1.0 - f) / s
        out[t] = f
    return out


def bass_config(p: float, q: float, n_customers: int, periods: int, seed: int, substeps: int = 1,
                network: str = "fully_mixed", mean_degree: int = 10, *,
                rewire_prob: float | None = None,
                overrides: Sequence[str] = ()) -> Config:
    """The validated configuration of a Bass docking run (``scenario=bass`` plus overrides).

    Args:
        p: innovation coefficient per Bass period; the kernel's ``ad_response`` is p/substeps.
        q: imitation coefficient per Bass period; the kernel's ``wom_strength`` is q/substeps.
        n_customers: customers in the market, >= 1.
        periods: Bass periods to run, >= 1 (the run has periods × substeps steps).
        seed: the run's seed, >= 0.
        substeps: model steps per Bass period, >= 1.
        network: one of :data:`NETWORKS`.
        mean_degree: mean number of neighbours (ignored by ``fully_mixed``).
        rewire_prob: small-world rewiring probability (None: the configured default).
        overrides: further Hydra overrides, applied last.

    Returns:
        The validated :class:`~sim.config.Config`.

    Raises:
        ValueError: if an argument is out of range (``ConfigError`` is a ValueError too).
    """
    _check_pq(p, q)
    n_customers = _check_int("n_customers", n_customers, 1)
    periods = _check_int("periods", periods, 1)
    seed = _check_int("seed", seed, 0)
    s = _check_substeps(p, q, substeps)
    if network not in NETWORKS:
        raise ValueError(f"network={network!r}: unknown network; allowed: {', '.join(NETWORKS)}")
    mean_degree = _check_int("mean_degree", mean_degree, 2)
    if network != "fully_mixed" and mean_degree >= n_customers:
        raise ValueError(f"mean_degree={mean_degree}: must be below n_customers={n_customers}")
    ovr = [
        "scenario=bass",
        f"seed={seed}",
        f"market.n_customers={n_customers}",
        f"market.steps={periods * s}",
        f"market.awareness.ad_response={p / s!r}",
        f"market.awareness.wom_strength={q / s!r}",
        f"market.network.kind={network}",
        f"market.network.mean_degree={mean_degree}",
        "output.progress=false",
        "output.spells=false",
        "output.print_table=false",
    ]
    if rewire_prob is not None:
        ovr.append(f"market.network.rewire_prob={float(rewire_prob)!r}")
    return load_config([*ovr, *overrides])


def adoption_path(model: MarketModel, periods: int, substeps: int = 1) -> np.ndarray:
    """Step a built ``MarketModel`` and record the adopted share at the end of each period.

    Args:
        model: a freshly built :class:`~sim.model.MarketModel` of a Bass configuration.
        periods: Bass periods to run.
        substeps: model steps per Bass period.

    Returns:
        float64 array of length ``periods``: customers of the firm(s) ÷ market size.
    """
    out = np.empty(periods)
    n = model.n_customers
    for t in range(periods):
        for _ in range(substeps):
            model.step()
        out[t] = sum(f.metrics["customers"] for f in model.firms) / n
    return out


def simulate(p: float, q: float, n_customers: int, periods: int, seed: int, substeps: int = 1,
             network: str = "fully_mixed", mean_degree: int = 10, *,
             rewire_prob: float | None = None) -> np.ndarray:
    """Simulated cumulative adoption F(t), t = 1..periods, of the Bass docking market.

    Runs :class:`~sim.model.MarketModel` on ``scenario=bass`` with ``substeps`` model steps per
    Bass period, so that a customer who has not adopted adopts in a step with probability
    ``(p + q·F)/substeps``. Nothing is written and no progress bar is shown.

    Args:
        p: innovation coefficient per period (advertising), > 0.
        q: imitation coefficient per period (word of mouth), >= 0.
        n_customers: customers in the market.
        periods: Bass periods to simulate.
        seed: the run's seed.
        substeps: model steps per Bass period; (p + q)/substeps must be <= 1.
        network: ``fully_mixed`` (the Bass assumption) or a network kind; on a network the word
            of mouth hazard is q × the share of one's neighbours who have adopted.
        mean_degree: mean number of neighbours on a network.
        rewire_prob: small-world rewiring probability (None: the configured default, 0.1).

    Returns:
        float64 array of length ``periods``: the adopted share at the end of each period.

    Raises:
        ValueError: if an argument is out of range.
    """
    cfg = bass_config(p, q, n_customers, periods, seed, substeps, network, mean_degree,
                      rewire_prob=rewire_prob)
    return adoption_path(MarketModel(cfg), periods, int(substeps))


def linear_noise_sd(p: float, q: float, periods: int, n_customers: int,
                    substeps: int = 1) -> np.ndarray:
    """Standard deviation of one simulated F(t) around :func:`recurrence` (linear noise).

    In a step a non-adopter adopts with probability h = (p + q·F)/substeps, so the new adopters
    are binomial with variance N(1 − F)·h(1 − h). Word of mouth amplifies an early surplus of
    adopters: linearised around the map, a deviation e grows as
    e ← (1 + (q(1 − F) − (p + q·F))/substeps)·e + ξ with Var ξ = (1 − F)·h(1 − h)/N.
    The returned standard deviation of F(t) is that of one run; the mean of k seeds has
    1/√k of it.

    Args:
        p: innovation coefficient (per period), > 0.
        q: imitation coefficient (per period), >= 0.
        periods: number of Bass periods, >= 1.
        n_customers: market size N, >= 1.
        substeps: model steps per Bass period.

    Returns:
        float64 array of length ``periods``: the standard deviation at the end of each period.

    Raises:
        ValueError: if an argument is out of range.
    """
    _check_pq(p, q)
    periods = _check_int("periods", periods, 1)
    n = _check_int("n_customers", n_customers, 1)
    s = _check_substeps(p, q, substeps)
    out = np.empty(periods)
    f = var = 0.0
    for t in range(periods):
        for _ in range(s):
            h = (p + q * f) / s
            a = 1.0 + (q * (1.0 - f) - (p + q * f)) / s
            var = a * a * var + (1.0 - f) * h * (1.0 - h) / n
            f += h * (1.0 - f)
        out[t] = math.sqrt(var)
    return out
