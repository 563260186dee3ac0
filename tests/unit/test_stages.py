"""Unit tests of the per-stage Numba rules in ``sim.kernels.stages`` on hand-checked cases.

Every expected value is worked out by hand in a comment next to the assertion, from the rule the
docstring states (not from running the code).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import MAX_FIRMS
from sim.kernels.layout import VOICE_DETRACTOR, VOICE_PASSIVE, VOICE_PROMOTER
from sim.kernels.stages import (
    ad_hazard,
    churn_hazard,
    clamp01,
    experience_of,
    fit_of,
    hear_word_of_mouth,
    logit_pick,
    pick_by_hazard,
    satisfaction_score,
    voice_code,
)


def code(firm: int, sign: int) -> int:
    """Voice code by the documented packing: (firm + 1) | (sign << 4)."""
    return (firm + 1) | (sign << 4)


# ----------------------------------------------------------------------------------------------
# hear_word_of_mouth


@pytest.fixture
def star_graph():
    """Customer 0 linked to 1, 2, 3; customer 4 isolated (CSR, sorted indices).

    Voices last step: 1 promotes firm 0, 2 warns about firm 1, 3 is a passive customer of
    firm 1, 0 and 4 are silent.
    """
    indptr = np.array([0, 3, 4, 5, 6, 6], np.int64)
    indices = np.array([1, 2, 3, 0, 0, 0], np.int32)
    voice = np.array([0, code(0, VOICE_PROMOTER), code(1, VOICE_DETRACTOR),
                      code(1, VOICE_PASSIVE), 0], np.int8)
    return indptr, indices, voice


def _hear(graph, i, n_firms=2):
    indptr, indices, voice = graph
    # garbage in the outputs: the kernel must reset them, not accumulate
    pos, neg, soc = (np.full(n_firms, 7.0) for _ in range(3))
    deg = hear_word_of_mouth(i, indptr, indices, voice, pos, neg, soc)
    return deg, pos, neg, soc


def test_wom_mixed_neighbours(star_graph):
    deg, pos, neg, soc = _hear(star_graph, 0)
    # degree 3; firm 0: one promoter (1/3), no warning, one customer (1/3);
    # firm 1: one detractor (1/3) and one passive, so two customers (2/3), no promoter.
    assert deg == 3
    np.testing.assert_allclose(pos, [1 / 3, 0.0])
    np.testing.assert_allclose(neg, [0.0, 1 / 3])
    np.testing.assert_allclose(soc, [1 / 3, 2 / 3])


def test_wom_silent_neighbour(star_graph):
    # customer 1's only neighbour (0) is silent: degree 1, nothing heard
    deg, pos, neg, soc = _hear(star_graph, 1)
    assert deg == 1
    assert pos.tolist() == neg.tolist() == soc.tolist() == [0.0, 0.0]


def test_wom_isolated_node(star_graph):
    # customer 4 has no neighbours: degree 0 and the outputs are zeroed (no division by 0)
    deg, pos, neg, soc = _hear(star_graph, 4)
    assert deg == 0
    assert pos.tolist() == neg.tolist() == soc.tolist() == [0.0, 0.0]


def test_wom_reads_only_own_neighbours(star_graph):
    # customer 2's only neighbour is 0 (silent), although 1 promotes: nothing heard
    deg, pos, _, soc = _hear(star_graph, 2)
    assert deg == 1 and pos.sum() == 0.0 and soc.sum() == 0.0


def test_wom_decodes_every_firm_index():
    # one neighbour per firm up to MAX_FIRMS, alternating promoter / detractor: the 4-bit firm
    # field must round-trip for the largest firm index (MAX_FIRMS - 1 = 14 → code 15 | sign)
    n = MAX_FIRMS
    indptr = np.array([0, n] + [n + k + 1 for k in range(n)], np.int64)
    indices = np.array(list(range(1, n + 1)) + [0] * n, np.int32)
    signs = [VOICE_PROMOTER if f % 2 == 0 else VOICE_DETRACTOR for f in range(n)]
    voice = np.array([0] + [code(f, s) for f, s in enumerate(signs)], np.int8)
    pos, neg, soc = np.zeros(n), np.zeros(n), np.zeros(n)
    assert hear_word_of_mouth(0, indptr, indices, voice, pos, neg, soc) == n
    expect_pos = np.array([1.0 / n if s == VOICE_PROMOTER else 0.0 for s in signs])
    np.testing.assert_allclose(pos, expect_pos)
    np.testing.assert_allclose(neg, 1.0 / n - expect_pos)
    np.testing.assert_allclose(soc, np.full(n, 1.0 / n))


# ----------------------------------------------------------------------------------------------
# ad_hazard


def test_ad_hazard_first_exposure():
    # 0.1 response × 2.0 susceptibility × 0.5^0 = 0.2
    assert ad_hazard(0.1, 2.0, 0.5, 0) == pytest.approx(0.2)


def test_ad_hazard_fatigue():
    # three earlier exposures: 0.1 × 2 × 0.5^3 = 0.025
    assert ad_hazard(0.1, 2.0, 0.5, 3) == pytest.approx(0.025)
    # no fatigue (1.0): the same at any count
    assert ad_hazard(0.1, 2.0, 1.0, 50) == pytest.approx(0.2)
    # total fatigue (0.0): first exposure works (0^0 = 1), the second never does
    assert ad_hazard(0.1, 2.0, 0.0, 0) == pytest.approx(0.2)
    assert ad_hazard(0.1, 2.0, 0.0, 1) == 0.0


def test_ad_hazard_falls_with_exposure():
    h = [ad_hazard(0.03, 1.0, 0.85, x) for x in range(20)]
    assert all(a > b for a, b in zip(h, h[1:], strict=False))
    assert h[0] == pytest.approx(0.03) and h[10] == pytest.approx(0.03 * 0.85 ** 10)


# ----------------------------------------------------------------------------------------------
# pick_by_hazard

HZ = np.array([0.2, 0.0, 0.3, 0.5])  # cumulative: 0.2 | 0.2 | 0.5 | 1.0


@pytest.mark.parametrize("u, expected", [
    (0.0, 0),  # first interval [0, 0.2)
    (0.1999999, 0),
    (0.2, 2),  # boundary belongs to the next positive hazard; index 1 (zero) is skipped
    (0.4999999, 2),
    (0.5, 3),
    (0.9999999, 3),
])
def test_pick_by_hazard_intervals(u, expected):
    assert pick_by_hazard(u, HZ, 4) == expected


def test_pick_by_hazard_rounding_edge():
    # u at (or, by rounding, past) the total returns the last positive hazard, never n
    assert pick_by_hazard(1.0, HZ, 4) == 3
    assert pick_by_hazard(1.0 + 1e-12, HZ, 4) == 3
    tail_zero = np.array([0.2, 0.3, 0.0, 0.0])
    assert pick_by_hazard(0.5, tail_zero, 4) == 1  # not the trailing zero-hazard index
    # 0.1 + 0.2 = 0.30000000000000004 > 0.3: a u scaled by a total summed another way
    assert pick_by_hazard(0.3, np.array([0.1, 0.2]), 2) == 1


def test_pick_by_hazard_zero_and_partial():
    assert pick_by_hazard(0.0, np.zeros(3), 3) == -1  # nothing can happen
    # only the first n entries count: [0.5 | 0.5] with n=1 → u beyond 0.5 still gives 0
    assert pick_by_hazard(0.7, np.array([0.5, 0.5]), 1) == 0


def test_pick_by_hazard_frequencies_on_grid():
    # u on a fine midpoint grid over [0, total): each index is hit in proportion to its hazard
    m = 10_000
    hz = np.array([0.05, 0.0, 0.6, 0.35, 0.0])
    total = hz.sum()
    counts = np.zeros(5)
    for k in range(m):
        counts[pick_by_hazard((k + 0.5) / m * total, hz, 5)] += 1
    np.testing.assert_allclose(counts, hz / total * m, atol=1.0)


# ----------------------------------------------------------------------------------------------
# fit_of


@pytest.fixture
def fit_case():
    """Customer 1's need is (1, 2) in category 1; firm 1's offer there is (4, 6): distance 5."""
    needs = np.zeros((2, 2, 2), np.float32)
    needs[1, 1] = [1.0, 2.0]
    pos = np.zeros((2, 2, 2))
    pos[1, 1] = [4.0, 6.0]
    pos[0, 1] = [1.0, 2.0]  # firm 0 sits exactly on the need
    return needs, pos


def test_fit_distance(fit_case):
    needs, pos = fit_case
    # d = 5, width 5: exp(-0.5 · 25 / 25) = exp(-0.5)
    assert fit_of(needs, 1, 1, pos, 1, 0.0, 0.0, 5.0) == pytest.approx(math.exp(-0.5))
    # width 1: exp(-12.5)
    assert fit_of(needs, 1, 1, pos, 1, 0.0, 0.0, 1.0) == pytest.approx(math.exp(-12.5))
    # an offer on the need fits perfectly
    assert fit_of(needs, 1, 1, pos, 0, 0.0, 0.0, 1.0) == 1.0
    # category 0 of customer 1 and firm 1 are both at the origin: fit 1
    assert fit_of(needs, 1, 0, pos, 1, 0.0, 0.0, 1.0) == 1.0


def test_fit_personalisation_shrinks_distance(fit_case):
    needs, pos = fit_case
    # personalisation 0.5 × knowledge 0.4 = 0.2 shrink: d = 0.8 · 5 = 4, width 5
    # → exp(-0.5 · 16 / 25) = exp(-0.32)
    assert fit_of(needs, 1, 1, pos, 1, 0.5, 0.4, 5.0) == pytest.approx(math.exp(-0.32))
    # full personalisation with full knowledge removes the distance
    assert fit_of(needs, 1, 1, pos, 1, 1.0, 1.0, 5.0) == pytest.approx(1.0)
    # personalisation without knowledge does nothing
    assert fit_of(needs, 1, 1, pos, 1, 0.9, 0.0, 5.0) == pytest.approx(math.exp(-0.5))


def test_fit_monotone_in_knowledge(fit_case):
    needs, pos = fit_case
    fits = [fit_of(needs, 1, 1, pos, 1, 0.6, k, 3.0) for k in np.linspace(0, 1, 11)]
    assert all(a < b for a, b in zip(fits, fits[1:], strict=False))
    assert all(0.0 < f <= 1.0 for f in fits)


# ----------------------------------------------------------------------------------------------
# logit_pick

ALL = np.array([True, True])


def softmax_probs(util, avail, outside):
    """Choice probabilities with the outside option first (the rule logit_pick states)."""
    v = [outside] + [u for u, a in zip(util, avail, strict=False) if a]
    e = np.exp(np.array(v) - max(v))
    return e / e.sum()


def test_logit_outside_boundary():
    util = np.array([1.0, 2.0])
    # P(outside) = e^0 / (e^0 + e^1 + e^2) = 1 / (1 + e + e²) ≈ 0.0900
    p0 = 1.0 / (1.0 + math.e + math.e ** 2)
    assert logit_pick(util, ALL, 2, 0.0, p0 * (1 - 1e-9)) == -1
    assert logit_pick(util, ALL, 2, 0.0, p0 * (1 + 1e-9)) == 0
    # P(outside) + P(0) = (1 + e) / (1 + e + e²) ≈ 0.3325
    p01 = (1.0 + math.e) / (1.0 + math.e + math.e ** 2)
    assert logit_pick(util, ALL, 2, 0.0, p01 * (1 - 1e-9)) == 0
    assert logit_pick(util, ALL, 2, 0.0, p01 * (1 + 1e-9)) == 1


def test_logit_u_near_zero_and_one():
    util = np.array([1.0, 2.0])
    assert logit_pick(util, ALL, 2, 0.0, 0.0) == -1  # outside option comes first
    u_max = 1.0 - 2.0 ** -53  # the largest uniform the generator can return
    assert logit_pick(util, ALL, 2, 0.0, u_max) == 1  # last available firm
    assert logit_pick(util, np.array([True, False]), 2, 0.0, u_max) == 0
    # an impossible outside option is never chosen, even at u = 0
    assert logit_pick(util, ALL, 2, -1e9, 0.0) == 0


def test_logit_unavailable_firms():
    util = np.array([5.0, 0.0])
    # firm 0 is the best but unavailable: never chosen at any u
    picks = {logit_pick(util, np.array([False, True]), 2, 0.0, (k + 0.5) / 1000)
             for k in range(1000)}
    assert picks == {-1, 1}
    # nothing available: always the outside option, whatever u and however bad outside is
    none = np.array([False, False])
    for u in (0.0, 0.5, 1.0 - 2.0 ** -53):
        assert logit_pick(util, none, 2, -1e9, u) == -1


def test_logit_large_utilities_do_not_overflow():
    # utilities of 1000 would overflow exp() without subtracting the maximum: 50/50 split
    util = np.array([1000.0, 1000.0])
    assert logit_pick(util, ALL, 2, 0.0, 0.25) == 0
    assert logit_pick(util, ALL, 2, 0.0, 0.75) == 1
    # a hugely attractive outside option takes everything
    assert logit_pick(np.array([1.0, 2.0]), ALL, 2, 1e9, 1.0 - 2.0 ** -53) == -1


def test_logit_respects_n():
    util = np.array([0.0, 50.0])
    # only the first firm is considered with n=1, although the second would dominate
    assert logit_pick(util, ALL, 1, -1e9, 0.999) == 0


@pytest.mark.parametrize("util, avail, outside", [
    ([1.0, 2.0, 0.5], [True, True, True], 0.0),
    ([1.0, 2.0, 0.5], [True, False, True], 1.5),
    ([-3.0, 3.0, 0.0], [True, True, True], -2.0),
    ([0.3, 0.3, 0.3], [False, True, True], 0.3),
])
def test_logit_matches_softmax_on_grid(util, avail, outside):
    # a midpoint grid of m values of u: each option's count is m × its softmax probability,
    # to within one grid cell per boundary
    util, avail = np.array(util), np.array(avail)
    m = 20_000
    choices = np.array([logit_pick(util, avail, 3, outside, (k + 0.5) / m) for k in range(m)])
    options = [-1] + [k for k in range(3) if avail[k]]
    counts = np.array([(choices == o).sum() for o in options])
    assert counts.sum() == m  # only available options (and the outside one) are ever chosen
    np.testing.assert_allclose(counts / m, softmax_probs(util, avail, outside), atol=2.0 / m)


# ----------------------------------------------------------------------------------------------
# experience_of, satisfaction_score, churn_hazard


def test_experience_weighted_mean_plus_noise():
    # equal weights: (0.8 + 0.6 + 0.4 + 0.2) / 4 = 0.5, plus noise 0.05
    assert experience_of(0.8, 0.6, 0.4, 0.2, 1.0, 1.0, 1.0, 1.0, 0.05) == pytest.approx(0.55)
    # weights (1, 2, 3, 4) on (1, 0, 0, 0.5): (1 + 2) / 10 = 0.3
    assert experience_of(1.0, 0.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 0.0) == pytest.approx(0.3)
    # only fit counts: experience equals fit, whatever its weight
    assert experience_of(0.7, 0.1, 0.2, 0.3, 2.0, 0.0, 0.0, 0.0, 0.0) == pytest.approx(0.7)
    # no weight at all: only the noise is left (no division by zero)
    assert experience_of(0.7, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 0.0, -0.2) == pytest.approx(-0.2)


@pytest.mark.parametrize("experience, expectation, weight, expected", [
    (0.6, 0.5, 0.5, 6.5),  # 10 · (0.6 + 0.5 · 0.1)
    (0.4, 0.5, 0.5, 3.5),  # 10 · (0.4 − 0.5 · 0.1)
    (0.7, 0.7, 2.0, 7.0),  # met expectations: level only
    (0.6, 0.2, 0.0, 6.0),  # no disconfirmation weight
    (1.2, 0.5, 1.0, 10.0),  # 10 · 1.9 = 19 → clipped to 10
    (0.1, 0.9, 0.5, 0.0),  # 10 · (0.1 − 0.4) = −3 → clipped to 0
    (-0.1, -0.1, 0.0, 0.0),  # negative experience → 0
])
def test_satisfaction_score(experience, expectation, weight, expected):
    assert satisfaction_score(experience, expectation, weight) == pytest.approx(expected)


@pytest.mark.parametrize("sat, base, sens, thr, expected", [
    (8.0, 0.01, 0.3, 6.0, 0.01),  # above threshold: base rate only
    (6.0, 0.01, 0.3, 6.0, 0.01),  # at the threshold: base rate
    (2.0, 0.01, 0.3, 6.0, 0.13),  # 0.01 + 0.3 · 4 / 10
    (0.0, 0.0, 1.0, 10.0, 1.0),  # 1.0 · 10 / 10 = 1
    (0.0, 0.5, 50.0, 6.0, 1.0),  # 0.5 + 30 → clipped to 1
    (3.0, 0.0, 0.0, 6.0, 0.0),  # no churn at all
])
def test_churn_hazard(sat, base, sens, thr, expected):
    assert churn_hazard(sat, base, sens, thr) == pytest.approx(expected)


def test_clamp01():
    assert [clamp01(x) for x in (-0.5, 0.0, 0.3, 1.0, 1.7)] == [0.0, 0.0, 0.3, 1.0, 1.0]


# ----------------------------------------------------------------------------------------------
# voice_code


@pytest.mark.parametrize("firm, sat, expected", [
    (-1, 9.0, 0),  # no firm: silent
    (0, 8.0, 1 | (1 << 4)),  # at the promoter threshold: promoter of firm 0 → 17
    (0, 5.0, 1 | (2 << 4)),  # at the detractor threshold: detractor → 33
    (0, 6.5, 1),  # in between: passive → 1
    (2, 10.0, 3 | (1 << 4)),  # firm 2 promoter → 19
    (MAX_FIRMS - 1, 0.0, 15 | (2 << 4)),  # the largest firm index, detractor → 47
])
def test_voice_code(firm, sat, expected):
    assert voice_code(firm, sat, 8.0, 5.0) == expected


def test_voice_code_fits_int8_and_round_trips():
    for firm in range(MAX_FIRMS):
        for sat, sign in ((9.0, VOICE_PROMOTER), (6.0, VOICE_PASSIVE), (1.0, VOICE_DETRACTOR)):
            v = voice_code(firm, sat, 8.0, 5.0)
            assert 0 < v <= np.iinfo(np.int8).max
            assert (v & 15) - 1 == firm and v >> 4 == sign
