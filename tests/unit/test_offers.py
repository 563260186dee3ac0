"""A retention offer works only through its value (issue 23, finding 2).

A customer about to leave firm g (for a rival at a switch, or for no firm at churn) is kept with
probability (P₁(g) − P₀(g)) / (1 − P₀(g)), the logit probabilities of g without and with the
offer over the same choice set, drawn once. Checked three ways:

* the rule itself (kernel and reference, on random choice sets): nobody is kept by an offer worth
  nothing; with the same draws, whoever an offer keeps is kept by any offer worth more; a
  customer ends with g or with their first choice, never a third firm;
* the same checks catch the rule this replaced (the customer chose again with a fresh draw, so
  an offer worth nothing kept many);
* one journey step of the kernel from a fixed state, at several offer values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.kernels import stages
from sim.reference.agents import NO_FIRM, logit_choice, save_probability
from tests.unit.test_journey import CH_SEARCH, Micro

N_FIRMS = 4
OUTSIDE = 0.0


def _cases(n: int = 400, seed: int = 5):
    """Random choice sets: utilities, availability (g always in), g, and three draws each."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        util = rng.normal(0.0, 2.0, N_FIRMS)
        avail = rng.random(N_FIRMS) < 0.7
        g = int(rng.integers(N_FIRMS))
        avail[g] = True
        yield util, avail, g, rng.random(3)


def _options(util, avail):
    return [(f, float(util[f])) for f in range(N_FIRMS) if avail[f]]


def offer_rule(util, avail, g, bonus, draws):
    """The model's rule: first choice; if it is not g, g keeps them with the turned share."""
    first = logit_choice(_options(util, avail), OUTSIDE, draws[0])
    if first == g:
        return first, first
    keep = save_probability(_options(util, avail), OUTSIDE, g, bonus)
    return first, (g if draws[1] < keep else first)


def fresh_draw_rule(util, avail, g, bonus, draws):
    """The rule this replaced: with the offer added, the customer chooses again afresh."""
    first = logit_choice(_options(util, avail), OUTSIDE, draws[0])
    if first == g:
        return first, first
    boosted = util.copy()
    boosted[g] += bonus
    return first, logit_choice(_options(boosted, avail), OUTSIDE, draws[2])


def _violations(rule) -> list[str]:
    """Which of the three properties ``rule`` breaks on the random cases (empty: none)."""
    broken = set()
    for util, avail, g, draws in _cases():
        kept = {}
        for bonus in (0.0, 0.5, 2.0):
            first, final = rule(util, avail, g, bonus, draws)
            kept[bonus] = final == g and first != g
            if final not in (g, first):
                broken.add("ends at a third firm")
        if kept[0.0]:
            broken.add("kept by an offer worth nothing")
        if (kept[0.5] and not kept[2.0]) or (kept[0.0] and not kept[0.5]):
            broken.add("a larger offer keeps fewer")
    return sorted(broken)


def test_the_rule_keeps_only_whom_the_offer_turns():
    assert _violations(offer_rule) == []


def test_the_fresh_draw_companion_is_caught():
    assert "kept by an offer worth nothing" in _violations(fresh_draw_rule)
    assert "ends at a third firm" in _violations(fresh_draw_rule)


def test_kernel_and_reference_rules_agree_to_the_last_bit():
    for util, avail, g, _ in _cases(200, seed=11):
        for bonus in (0.0, 0.3, 5.0, 1e4):
            fast = stages.save_probability(util, avail, N_FIRMS, OUTSIDE, g, bonus)
            slow = save_probability(_options(util, avail), OUTSIDE, g, bonus)
            assert fast == slow
    # an offer can change nothing when staying is already certain
    assert stages.save_probability(np.array([0.0]), np.array([True]), 1, -1e9, 0, 3.0) == 0.0


def _renewal_step(offer_cents: int, retention_cap: float = 1.0, n: int = 300):
    """One journey step: n customers of firm 1 reconsider; firm 0 is better by a little.

    Utilities β_q·Q − β_p·price/(wtp·ref): firm 0 at 4·0.9 − 2·1 = 1.6, firm 1 at 4·0.6 − 2 = 0.4,
    outside 0; an offer of ``offer_cents`` adds β_p·(offer/100)/10 = offer/500 to staying.
    """
    m = Micro(n=n, edges=())
    m.renewal_prob[:] = 1.0
    m.p.update(beta_quality=4.0, beta_price=2.0, outside_utility=0.0)
    m.quality[:] = [0.9, 0.6]
    m.price_cents[:, 0] = 1000
    m.save_cost_cents[1, 0] = offer_cents
    m.retention_cap[1] = retention_cap
    for i in range(n):
        m.customer(i, firm=1, tenure=3)
        m.aware[i, 0] = CH_SEARCH
        m.knowledge[i, 1] = 1.0
    return m.run()


def test_one_journey_step_from_a_fixed_state():
    """No offer vs offers worth 0, 2 and 5 money: the kept set only grows with the value."""
    first = _renewal_step(0, retention_cap=0.0).firm_of[:, 0].copy()
    leaving = first != 1
    assert 50 < leaving.sum() < 250  # the draws leave enough of both kinds to test
    kept = {}
    for cents in (0, 200, 500):
        m = _renewal_step(cents)
        final = m.firm_of[:, 0]
        assert np.all((final == 1) | (final == first))  # g or the first choice, nothing else
        kept[cents] = leaving & (final == 1)
        assert m.t("saved", 1) == kept[cents].sum()
        assert m.t("retention_offers", 1) == leaving.sum()  # p_offer = 1 for every leaver
        assert m.t("retention_cost_cents", 1) == cents * kept[cents].sum()
    assert kept[0].sum() == 0
    assert np.all(kept[200] <= kept[500]) and kept[200].sum() < kept[500].sum()


def test_at_churn_the_offer_keeps_by_its_value_and_the_rest_leave_to_no_firm():
    """Everyone churns (base 1); staying vs one known rival vs nothing, offers of 0 and 5."""
    out = {}
    for cents in (0, 500):
        m = Micro(n=200, edges=())
        m.p.update(churn_base=1.0, beta_quality=4.0, beta_price=2.0, outside_utility=0.0)
        m.quality[:] = [0.9, 0.6]
        m.price_cents[:, 0] = 1000
        m.save_cost_cents[1, 0] = cents
        m.retention_cap[1] = 1.0
        for i in range(200):
            m.customer(i, firm=1, tenure=3)
            m.aware[i, 0] = CH_SEARCH
            m.knowledge[i, 1] = 1.0
        m.run()
        out[cents] = m.firm_of[:, 0].copy()
        assert set(out[cents].tolist()) <= {1, NO_FIRM}  # kept, or left to no firm
        assert m.t("saved", 1) == (out[cents] == 1).sum()
    assert (out[0] == 1).sum() == 0
    # P0 = e^0.4/(1 + e^1.6 + e^0.4), P1 with +1 util: the kept share is about (P1 − P0)/(1 − P0)
    p0 = math.exp(0.4) / (1 + math.exp(1.6) + math.exp(0.4))
    p1 = math.exp(1.4) / (1 + math.exp(1.6) + math.exp(1.4))
    assert (out[500] == 1).mean() == pytest.approx((p1 - p0) / (1 - p0), abs=0.1)
