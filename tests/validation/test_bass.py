"""Docking with the Bass diffusion model (brief: validation targets; sim.validation.bass).

Three layers:

* unit tests of the two reference curves (closed form, discrete map) and of argument checks;
* fast docking checks (20,000 customers, 2 seeds) whose tolerance comes from the binomial
  noise of the simulation, and which are shown to reject a 10 % error in p or q;
* slow docking checks (``-m slow``; 100,000 customers, 5 seeds, p in [0.005, 0.05], q in
  [0.1, 0.8]): within 0.01 of the discrete map at every period with one step per period, and
  within 0.025 of Bass's closed form with 50 steps per period.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.configure import load_config
from sim.validation.bass import (
    bass_config,
    closed_form,
    linear_noise_sd,
    recurrence,
    simulate,
)

# ----------------------------------------------------------------------------------------------
# The closed form


def test_closed_form_starts_at_zero_and_saturates():
    """F(0) = 0, F rises monotonically and tends to 1."""
    for p, q in [(0.005, 0.1), (0.03, 0.38), (0.05, 0.8)]:
        assert closed_form(p, q, 0.0) == 0.0
        f = closed_form(p, q, np.linspace(0.0, 400.0, 4001))
        assert np.all(np.diff(f) >= 0.0)
        assert f[-1] == pytest.approx(1.0, abs=1e-12)
        assert np.all((f >= 0.0) & (f <= 1.0))


def test_closed_form_known_values():
    """Hand-computed values, the q = 0 limit and the inflection point."""
    # p = 0.03, q = 0.38, t = 10: e^-4.1 = 0.0165727; (1 − e)/(1 + (0.38/0.03)·e) = 0.8128032
    assert float(closed_form(0.03, 0.38, 10.0)) == pytest.approx(0.8128032212213462, rel=1e-12)
    # q = 0: pure innovation, F = 1 − e^−pt
    t = np.arange(0.0, 50.0, 0.5)
    np.testing.assert_allclose(closed_form(0.04, 0.0, t), 1.0 - np.exp(-0.04 * t), rtol=1e-12)
    # the peak of adoption (inflection of F) is at t* = ln(q/p)/(p + q), where F = 1/2 − p/(2q)
    p, q = 0.03, 0.38
    t_star = math.log(q / p) / (p + q)
    assert float(closed_form(p, q, t_star)) == pytest.approx(0.5 - p / (2 * q), rel=1e-12)


def test_closed_form_solves_the_bass_equation():
    """The closed form satisfies dF/dt = (p + qF)(1 − F)."""
    # dF/dt = (p + q·F)(1 − F), checked by central differences
    p, q, h = 0.02, 0.5, 1e-5
    t = np.linspace(0.5, 30.0, 60)
    deriv = (closed_form(p, q, t + h) - closed_form(p, q, t - h)) / (2 * h)
    f = closed_form(p, q, t)
    np.testing.assert_allclose(deriv, (p + q * f) * (1 - f), rtol=1e-6, atol=1e-10)


def test_closed_form_is_vectorised():
    """Any shape of t gives the same shape back."""
    t = np.arange(12.0).reshape(3, 4)
    f = closed_form(0.03, 0.38, t)
    assert f.shape == (3, 4)
    assert f[1, 2] == float(closed_form(0.03, 0.38, 6.0))
    assert closed_form(0.03, 0.38, [1, 2, 3]).shape == (3,)


# ----------------------------------------------------------------------------------------------
# The discrete map


def test_recurrence_first_step_is_p_over_substeps():
    """The map starts with p/substeps and composes substeps within a period."""
    p, q = 0.03, 0.38
    assert recurrence(p, q, 1)[0] == p
    for s in (2, 10, 50):
        # one period of s substeps is s steps of the map with coefficients p/s, q/s ...
        fine = recurrence(p / s, q / s, 3 * s)
        np.testing.assert_allclose(recurrence(p, q, 3, substeps=s), fine[s - 1::s], rtol=1e-12)
        # ... whose first step is p/s
        assert fine[0] == pytest.approx(p / s, rel=1e-15)
    # second step by hand: F2 = p + (p + q·p)(1 − p)
    assert recurrence(p, q, 2)[1] == pytest.approx(p + (p + q * p) * (1 - p), rel=1e-15)


def test_recurrence_is_monotone_and_saturates():
    """The map rises monotonically to 1."""
    for p, q in [(0.005, 0.1), (0.03, 0.38), (0.05, 0.8)]:
        for s in (1, 7, 50):
            f = recurrence(p, q, 300, substeps=s)
            assert f.shape == (300,)
            assert np.all(np.diff(f) >= 0.0)
            assert np.all((f > 0.0) & (f <= 1.0))
            assert f[-1] == pytest.approx(1.0, abs=1e-9)


def test_recurrence_converges_to_closed_form():
    """The map tends to the closed form as substeps grow, at first order."""
    p, q, periods = 0.03, 0.38, 40
    cf = closed_form(p, q, np.arange(1, periods + 1))
    drift = [np.abs(recurrence(p, q, periods, substeps=s) - cf).max()
             for s in (1, 2, 5, 10, 50, 200, 1000)]
    assert all(a > b for a, b in zip(drift, drift[1:], strict=False))
    # first-order scheme: the drift shrinks like 1/substeps
    assert drift[0] == pytest.approx(0.0714, abs=5e-4)
    assert 0.5 < drift[-1] * 1000 / drift[0] < 2.0
    assert drift[-1] < 1e-4


def test_linear_noise_sd_scales_with_market_size():
    """The noise model falls as 1/sqrt(N) and starts binomial."""
    a = linear_noise_sd(0.03, 0.38, 30, 10_000)
    b = linear_noise_sd(0.03, 0.38, 30, 40_000)
    np.testing.assert_allclose(a, 2.0 * b, rtol=1e-12)
    # first period: plain binomial, sd = sqrt(p(1 − p)/N)
    assert a[0] == pytest.approx(math.sqrt(0.03 * 0.97 / 10_000), rel=1e-12)


# ----------------------------------------------------------------------------------------------
# Argument validation

BAD_PQ = [
    (0.0, 0.38, "p=0.0"), (-0.01, 0.38, "p=-0.01"), (float("nan"), 0.38, "p=nan"),
    (0.03, -0.1, "q=-0.1"), (0.03, float("inf"), "q=inf"), ("0.03", 0.38, "p='0.03'"),
    (True, 0.38, "p=True"),
]


@pytest.mark.parametrize("p, q, match", BAD_PQ)
def test_bad_coefficients_are_rejected(p, q, match):
    """Every public function rejects bad p and q with a clear message."""
    for call in (lambda: closed_form(p, q, 1.0), lambda: recurrence(p, q, 10),
                 lambda: linear_noise_sd(p, q, 10, 100), lambda: simulate(p, q, 100, 10, 0)):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize("kwargs, match", [
    ({"n_customers": 0}, "n_customers=0"),
    ({"n_customers": 10.5}, "n_customers=10.5"),
    ({"periods": 0}, "periods=0"),
    ({"seed": -1}, "seed=-1"),
    ({"substeps": 0}, "substeps=0"),
    ({"substeps": 2.0}, "substeps=2.0"),
    ({"p": 0.5, "q": 0.8, "substeps": 1}, r"\(p \+ q\)/substeps = 1.3"),
    ({"network": "lattice"}, "network='lattice'"),
    ({"network": "random", "mean_degree": 1}, "mean_degree=1"),
    ({"network": "random", "n_customers": 10, "mean_degree": 10}, "mean_degree=10"),
])
def test_bad_simulate_arguments_are_rejected(kwargs, match):
    """Bad simulate arguments are named before any work is done."""
    args = {"p": 0.03, "q": 0.38, "n_customers": 100, "periods": 5, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=match):
        simulate(**args)


def test_bad_curve_arguments_are_rejected():
    """The reference curves reject bad times, periods and substeps."""
    with pytest.raises(ValueError, match="t: times"):
        closed_form(0.03, 0.38, [-1.0, 2.0])
    with pytest.raises(ValueError, match="substeps = 1.3"):
        recurrence(0.5, 0.8, 10)
    with pytest.raises(ValueError, match="periods=0"):
        recurrence(0.03, 0.38, 0)
    with pytest.raises(ValueError, match="n_customers=0"):
        linear_noise_sd(0.03, 0.38, 10, 0)


# ----------------------------------------------------------------------------------------------
# The scenario and the simulation


def test_bass_scenario_composes():
    """scenario=bass switches off everything but advertising and word of mouth."""
    cfg = load_config(["scenario=bass"])
    m = cfg.market
    assert list(cfg.firms) == ["solo"]
    assert m.network.kind.value == "fully_mixed"
    assert (m.awareness.ad_response, m.awareness.wom_strength) == (0.03, 0.38)
    assert m.awareness.ad_fatigue == 1.0
    assert m.awareness.search_rate == 0.0 and m.awareness.initial_awareness == 0.0
    assert m.economics.initial_penetration == 0.0
    assert m.customers.trait_sigma == 0.0
    assert (m.churn.base, m.churn.sensitivity) == (0.0, 0.0)
    assert m.categories["core"].occasion_prob == 1.0
    assert all(c.renewal_prob == 0.0 for c in m.categories.values())
    assert m.experience.promoter_threshold <= 0.0
    cfg = bass_config(0.03, 0.38, 1000, 7, 3, substeps=4)
    assert cfg.market.steps == 28 and cfg.seed == 3
    assert cfg.market.awareness.ad_response == 0.03 / 4
    assert cfg.market.awareness.wom_strength == 0.38 / 4


def test_simulate_is_reproducible_and_monotone():
    """Same seed, same path; adoption never falls (no churn)."""
    a = simulate(0.03, 0.38, 3000, 12, seed=5)
    b = simulate(0.03, 0.38, 3000, 12, seed=5)
    c = simulate(0.03, 0.38, 3000, 12, seed=6)
    assert a.shape == (12,) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.diff(a) >= 0.0)  # nobody churns in the Bass market
    assert 0.0 < a[0] < 0.1 and a[-1] > 0.9


def test_simulate_on_a_network_runs():
    """Simulation also runs on a network (the figures use it)."""
    f = simulate(0.03, 0.38, 2000, 10, seed=1, network="small_world", mean_degree=6,
                 rewire_prob=0.05)
    assert f.shape == (10,) and np.all(np.diff(f) >= 0.0) and f[-1] > f[0] > 0.0


# ----------------------------------------------------------------------------------------------
# Docking, fast: 20,000 customers, 2 seeds
#
# Tolerance. In a step each non-adopter adopts with probability h = (p + q·F)/substeps, so the
# count of new adopters is binomial, with standard error sqrt((1 − F)·h(1 − h)/N) as a share of
# the market; word of mouth then amplifies an early surplus (a deviation e grows by a factor
# 1 + (q(1 − F) − (p + q·F))/substeps per step). `linear_noise_sd` propagates both (linear-noise
# approximation; it matches the spread of 30 seeds to within ~10 %). The band at period t is
#   4.5 · sd(t)/sqrt(seeds) + 0.001,
# i.e. 4.5 standard errors of the two-seed mean (a false alarm at one period has probability
# ~7e-6, below 1e-3 over all periods) plus a thousandth for the non-Gaussian tail at saturation,
# where few non-adopters remain. Against the closed form the map's own drift is added. The band
# stays narrow enough to fail: `test_fast_band_rejects_wrong_coefficients` shows that a model
# with p or q off by 10 % falls outside it at some period, for each of the two pairs.

FAST_N, FAST_SEEDS = 20_000, (0, 1)
FAST_PAIRS = [(0.03, 0.38, 30), (0.05, 0.1, 50)]  # (p, q, periods to ≥ 98 % adoption)


def _band(p: float, q: float, periods: int, substeps: int = 1) -> np.ndarray:
    sd = linear_noise_sd(p, q, periods, FAST_N, substeps)
    return 4.5 * sd / math.sqrt(len(FAST_SEEDS)) + 0.001


def _mean_sim(p: float, q: float, n: int, periods: int, seeds, substeps: int = 1) -> np.ndarray:
    return np.mean([simulate(p, q, n, periods, s, substeps=substeps) for s in seeds], axis=0)


@pytest.mark.parametrize("p, q, periods", FAST_PAIRS)
def test_fast_docking_with_the_discrete_map(p, q, periods):
    """20,000 customers, 2 seeds: within the binomial band of the map."""
    sim = _mean_sim(p, q, FAST_N, periods, FAST_SEEDS)
    ref = recurrence(p, q, periods)
    band = _band(p, q, periods)
    excess = np.abs(sim - ref) - band
    assert ref[-1] > 0.98
    assert np.all(excess <= 0.0), (
        f"p={p}, q={q}: periods {np.nonzero(excess > 0)[0] + 1} outside the band; "
        f"max |sim − map| = {np.abs(sim - ref).max():.4f}")


@pytest.mark.parametrize("p, q, periods", FAST_PAIRS)
def test_fast_band_rejects_wrong_coefficients(p, q, periods):
    """The fast band is narrow enough to reject p or q off by 10 %."""
    ref = recurrence(p, q, periods)
    band = _band(p, q, periods)
    # each pair is sensitive to the coefficient that drives it; together they catch both
    if q > 0.2:
        wrongs = [recurrence(p, 1.1 * q, periods), recurrence(p, 0.9 * q, periods)]
    else:
        wrongs = [recurrence(1.1 * p, q, periods), recurrence(0.9 * p, q, periods)]
    for wrong in wrongs:
        assert np.any(np.abs(wrong - ref) > band + 0.005)


def test_fast_docking_with_the_closed_form():
    """10 steps per period: within the band plus the map's drift of F(t)."""
    p, q, periods, substeps = 0.03, 0.38, 15, 10
    sim = _mean_sim(p, q, FAST_N, periods, FAST_SEEDS, substeps=substeps)
    cf = closed_form(p, q, np.arange(1, periods + 1))
    drift = np.abs(recurrence(p, q, periods, substeps) - cf)
    band = _band(p, q, periods, substeps) + drift
    assert np.all(np.abs(sim - cf) <= band), f"max |sim − F(t)| = {np.abs(sim - cf).max():.4f}"


# ----------------------------------------------------------------------------------------------
# Docking, slow: 100,000 customers, 5 seeds, p in [0.005, 0.05], q in [0.1, 0.8]

SLOW_N, SLOW_SEEDS = 100_000, (0, 1, 2, 3, 4)
#: the four corners of the (p, q) box and the meta-analysis averages (Sultan et al. 1990)
SLOW_PAIRS = [(0.005, 0.1), (0.005, 0.8), (0.05, 0.1), (0.05, 0.8), (0.03, 0.38)]
#: the map test is cheap (one step per period): two interior pairs more
MAP_PAIRS = [*SLOW_PAIRS, (0.01, 0.5), (0.02, 0.2)]
TOL_MAP, TOL_CLOSED = 0.01, 0.025


def _periods_to(p: float, q: float, share: float, cap: int = 60) -> int:
    """First whole period at which the closed form reaches ``share`` (at most ``cap``)."""
    t = np.arange(1, cap + 1)
    hit = np.nonzero(closed_form(p, q, t) >= share)[0]
    return int(t[hit[0]]) if hit.size else cap


@pytest.mark.slow
@pytest.mark.parametrize("p, q", MAP_PAIRS)
def test_slow_docking_with_the_discrete_map(p, q):
    """100,000 customers, 5 seeds: within 0.01 of the map at every period."""
    periods = 60
    sim = _mean_sim(p, q, SLOW_N, periods, SLOW_SEEDS)
    dev = np.abs(sim - recurrence(p, q, periods))
    print(f"\nBass map   p={p} q={q} periods={periods}: max |sim − map| = {dev.max():.4f} "
          f"at t={int(dev.argmax()) + 1}")
    assert dev.max() <= TOL_MAP, f"max |sim − map| = {dev.max():.4f} at t={dev.argmax() + 1}"


@pytest.mark.slow
@pytest.mark.parametrize("p, q", SLOW_PAIRS)
def test_slow_docking_with_the_closed_form(p, q):
    """50 steps per period: within 0.025 of Bass's closed form F(t)."""
    # run until the closed form has reached 95 % (at most 60 periods): past that point every
    # curve is squeezed against 1, and the map test above already covers the whole path
    periods, substeps = _periods_to(p, q, 0.95), 50
    sim = _mean_sim(p, q, SLOW_N, periods, SLOW_SEEDS, substeps=substeps)
    dev = np.abs(sim - closed_form(p, q, np.arange(1, periods + 1)))
    print(f"\nBass curve p={p} q={q} periods={periods} substeps={substeps}: "
          f"max |sim − F(t)| = {dev.max():.4f} at t={int(dev.argmax()) + 1}")
    assert dev.max() <= TOL_CLOSED, f"max |sim − F(t)| = {dev.max():.4f} at t={dev.argmax() + 1}"
