"""Small Numba functions for one customer and one stage of the journey.

Each is a pure function of its arguments; ``journey.journey_step`` calls them in a fused pass and
the unit tests check each one on hand-computed cases. The reference implementation
(``sim/reference``) re-states the same rules in plain Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..rng import normal_nb
from .layout import VOICE_DETRACTOR, VOICE_PASSIVE, VOICE_PROMOTER

#: Distinct voice codes ((firm + 1) | (sign << 4), sign 0–2, firm + 1 <= 15): the length of
#: :func:`hear_word_of_mouth_into`'s scratch array of counts.
N_VOICE_CODES = 48


@njit(cache=True)
def hear_word_of_mouth(i, indptr, indices, voice_prev, pos, neg, soc):
    """Share of i's neighbours who recommend (pos), warn about (neg) and buy from (soc) each firm.

    Voices are last step's (double-buffered), so neighbours' order of update does not matter.
    Fills the three length-F arrays in place; returns the degree.
    """
    return hear_word_of_mouth_into(i, indptr, indices, voice_prev, pos, neg, soc,
                                   np.zeros(N_VOICE_CODES, np.int64))


@njit(cache=True)
def hear_word_of_mouth_into(i, indptr, indices, voice_prev, pos, neg, soc, counts):
    """:func:`hear_word_of_mouth` with a zeroed scratch array of ``N_VOICE_CODES`` counts.

    Each neighbour's voice code is counted without a branch (``counts[code] += 1``), then
    decoded per firm; ``counts`` is left zeroed again. A share is count / degree, the very
    number that adding 1.0 per neighbour and dividing by the degree gives (sums of ones are
    exact), so this is bit for bit the same as decoding each neighbour in turn.
    """
    start = indptr[i]
    end = indptr[i + 1]
    deg = end - start
    for e in range(start, end):
        counts[voice_prev[indices[e]]] += 1
    counts[0] = 0  # silent neighbours
    for f in range(pos.shape[0]):
        passive = counts[f + 1]
        promoters = counts[(f + 1) | (VOICE_PROMOTER << 4)]
        detractors = counts[(f + 1) | (VOICE_DETRACTOR << 4)]
        counts[f + 1] = 0
        counts[(f + 1) | (VOICE_PROMOTER << 4)] = 0
        counts[(f + 1) | (VOICE_DETRACTOR << 4)] = 0
        if deg == 0:
            pos[f] = 0.0
            neg[f] = 0.0
            soc[f] = 0.0
        else:
            pos[f] = float(promoters) / deg
            neg[f] = float(detractors) / deg
            soc[f] = float(passive + promoters + detractors) / deg
    return deg


@njit(cache=True)
def ad_hazard(ad_response, ad_susceptibility, ad_fatigue, earlier_exposures):
    """Chance an exposed, unaware customer takes notice: low, and falling with each exposure."""
    return ad_response * ad_susceptibility * ad_fatigue ** earlier_exposures


@njit(cache=True)
def pick_by_hazard(u, hazards, n):
    """Index k of the event with ``sum(hazards[:k]) <= u < sum(hazards[:k+1])``.

    ``u`` is already scaled to [0, total). Guards the rounding edge at the end of the cumulative
    sum by returning the last positive hazard (QuantEcon's pattern).
    """
    acc = 0.0
    last = -1
    for k in range(n):
        h = hazards[k]
        if h > 0.0:
            acc += h
            last = k
            if u < acc:
                return k
    return last


@njit(cache=True)
def fit_of(needs, i, c, pos, f, personalisation, knowledge_if, width):
    """Fit in (0, 1] of firm f's offer to customer i's need in category c.

    Personalisation moves the offer toward the need in proportion to what the firm knows of the
    customer: the distance shrinks by ``personalisation * knowledge``. Gaussian in distance.
    """
    d2 = 0.0
    for d in range(needs.shape[2]):
        diff = float(needs[i, c, d]) - pos[f, c, d]
        d2 += diff * diff
    shrink = 1.0 - personalisation * knowledge_if
    d2 *= shrink * shrink
    return math.exp(-0.5 * d2 / (width * width))


@njit(cache=True)
def estimate_sd(error_sd, knowledge_if):
    """Sd of a firm's error about a customer's need: it shrinks as the firm comes to know them."""
    return error_sd * (1.0 - knowledge_if)


@njit(cache=True)
def need_estimate(needs, i, c, d, sd, key1, key2, est_z=None, f=0):
    """Firm's estimate of customer i's need in category c, dimension d.

    The true need plus ``sd`` × a standard normal that is fixed for (customer, firm, category,
    dimension): the firm's own keys and slot c·D + d, so no estimate is ever stored. The
    normal is drawn here, or read from ``est_z[i, f, c·D + d]`` when a cache of the very same
    draws is given (:func:`sim.kernels.journey.estimate_normals`; an empty one means draw).
    """
    need = float(needs[i, c, d])
    if sd <= 0.0:
        return need
    slot = c * needs.shape[2] + d
    if est_z is not None:
        if est_z.shape[0] > 0:
            return need + sd * est_z[i, f, slot]
    return need + sd * normal_nb(key1, key2, i, slot)


@njit(cache=True)
def personalised_fit(needs, i, c, pos, f, personalisation, knowledge_if, width, error_sd,
                     key1, key2, est_z=None):
    """Fit in (0, 1] of firm f's offer, personalised toward its *estimate* of i's need.

    The offer moves from its position x toward the estimate by the share P·k (personalisation
    × knowledge); the estimate misses the need by an error whose sd shrinks with knowledge
    (:func:`need_estimate`, ``est_z`` its optional cache). Gaussian in the distance to the
    true need.
    """
    pk = personalisation * knowledge_if
    sd = estimate_sd(error_sd, knowledge_if)
    d2 = 0.0
    for d in range(needs.shape[2]):
        x = pos[f, c, d]
        y = x
        if pk > 0.0:
            y = x + pk * (need_estimate(needs, i, c, d, sd, key1, key2, est_z, f) - x)
        diff = float(needs[i, c, d]) - y
        d2 += diff * diff
    return math.exp(-0.5 * d2 / (width * width))


@njit(cache=True)
def estimate_accuracy(needs, i, c, knowledge_if, width, error_sd, key1, key2, est_z=None, f=0):
    """How well firm f's estimate of i's need in c matches it: 1 exact, → 0 far off.

    Gaussian in the estimate's error, on the same width as fit; it aims cross-selling.
    ``est_z`` is the optional cache of :func:`need_estimate`.
    """
    sd = estimate_sd(error_sd, knowledge_if)
    if sd <= 0.0:
        return 1.0
    e2 = 0.0
    for d in range(needs.shape[2]):
        err = need_estimate(needs, i, c, d, sd, key1, key2, est_z, f) - float(needs[i, c, d])
        e2 += err * err
    return math.exp(-0.5 * e2 / (width * width))


@njit(cache=True)
def logit_pick(util, avail, n, outside, u):
    """Multinomial-logit choice: -1 for the outside option, else the chosen index.

    ``u`` in [0, 1) is the one uniform draw; probabilities are exp(U - max U) normalised, taken
    in index order with the outside option first.
    """
    return logit_pick_into(util, avail, n, outside, u, np.empty(n))


@njit(cache=True)
def logit_pick_into(util, avail, n, outside, u, weights):
    """:func:`logit_pick` with a scratch array (length >= n) for the exponentials.

    Each exp(U - max U) is computed once and read back for the cumulative sum, so the result
    is the very same as computing it twice, for half the exponentials.
    """
    m = outside
    for k in range(n):
        if avail[k] and util[k] > m:
            m = util[k]
    w0 = math.exp(outside - m)
    total = w0
    for k in range(n):
        if avail[k]:
            w = math.exp(util[k] - m)
            weights[k] = w
            total += w
    x = u * total
    acc = w0
    if x < acc:
        return -1
    last = -1
    for k in range(n):
        if avail[k]:
            acc += weights[k]
            last = k
            if x < acc:
                return k
    return last


@njit(cache=True)
def offer_utility(beta_price, price_sensitivity, offer_cents, wtp, ref_price):
    """What a retention offer worth ``offer_cents`` adds to the utility of staying.

    The offer is a discount: it enters utility as the same price cut would (§7.7).
    """
    return beta_price * price_sensitivity * (offer_cents / 100.0) / (wtp * ref_price)


@njit(cache=True)
def inclusive_value(util, avail, n, outside):
    """ln(e^{u₀} + Σ_{f available} e^{U_f}): the logit choice set's expected maximum utility.

    Divided by the customer's price weight it is their consumer surplus of the choice, up to
    a constant (Small & Rosen 1981); computed as max + ln Σ exp(· − max), in firm order.
    """
    top = outside
    for k in range(n):
        if avail[k] and util[k] > top:
            top = util[k]
    total = math.exp(outside - top)
    for k in range(n):
        if avail[k]:
            total += math.exp(util[k] - top)
    return top + math.log(total)


@njit(cache=True)
def save_probability(util, avail, n, outside, g, bonus):
    """Chance a retention offer worth ``bonus`` utils keeps a customer of firm ``g`` who would go.

    (P₁(g) − P₀(g)) / (1 − P₀(g)), where P₀ and P₁ are the logit probabilities of ``g`` over the
    same choice set (the firms with ``avail``, ``g`` among them, and the outside option) without
    and with the offer (§7.8 of the ODD). So the offer works only through its value: it keeps
    exactly the share of leavers its value turns, nobody at ``bonus`` 0, and more the more it
    is worth (with one draw, the kept set only grows with the value). 0 when ``g`` already had
    P₀ = 1 (the offer can change nothing).

    Args:
        util: utilities of the firms without the offer (length >= n).
        avail: which firms are in the choice set (``avail[g]`` must be True).
        n: number of firms.
        outside: utility of buying nothing.
        g: the firm making the offer.
        bonus: what the offer adds to the utility of ``g`` (:func:`offer_utility`).
    """
    top = outside
    for k in range(n):
        if avail[k] and util[k] > top:
            top = util[k]
    rest = math.exp(outside - top)
    for k in range(n):
        if avail[k] and k != g:
            rest += math.exp(util[k] - top)
    d = util[g] - top
    w0 = math.exp(d)
    x = d + bonus
    if x > 700.0:  # exp would overflow; the offer keeps everyone the rounding lets it
        x = 700.0
    w1 = math.exp(x)
    p0 = w0 / (rest + w0)  # one of the terms is exp(0) = 1: never 0 / 0
    p1 = w1 / (rest + w1)
    if not p1 > p0 or p0 >= 1.0:
        return 0.0
    return (p1 - p0) / (1.0 - p0)


@njit(cache=True)
def experience_of(fit, quality, service, value, w_fit, w_quality, w_service, w_value, noise):
    """Experience of one month with a firm: weighted fit, quality, service, value, plus noise."""
    wsum = w_fit + w_quality + w_service + w_value
    if wsum <= 0.0:
        return noise
    weighted = w_fit * fit + w_quality * quality + w_service * service + w_value * value
    return weighted / wsum + noise


@njit(cache=True)
def recovered_experience(experience, expectation):
    """A bad experience fixed on the spot by empowered staff: it meets the expectation."""
    return experience if experience > expectation else expectation


@njit(cache=True)
def satisfaction_score(experience, expectation, disconfirmation_weight):
    """0–10 satisfaction of one experience: its level plus how far it beat or missed expectation."""
    s = 10.0 * (experience + disconfirmation_weight * (experience - expectation))
    if s < 0.0:
        return 0.0
    if s > 10.0:
        return 10.0
    return s


@njit(cache=True)
def churn_hazard(satisfaction, base, sensitivity, threshold):
    """Monthly chance of leaving: a base rate plus a rise per 10 points below the threshold."""
    gap = threshold - satisfaction
    if gap < 0.0:
        gap = 0.0
    h = base + sensitivity * gap / 10.0
    return 1.0 if h > 1.0 else h


@njit(cache=True)
def voice_code(firm, satisfaction, promoter_threshold, detractor_threshold):
    """Pack who a customer talks about and how: (firm + 1) | (sign << 4); 0 if no firm."""
    if firm < 0:
        return 0
    sign = VOICE_PASSIVE
    if satisfaction >= promoter_threshold:
        sign = VOICE_PROMOTER
    elif satisfaction <= detractor_threshold:
        sign = VOICE_DETRACTOR
    return (firm + 1) | (sign << 4)


@njit(cache=True)
def clamp01(x):
    """Clamp to [0, 1]."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x
