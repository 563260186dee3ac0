"""Unit tests of the fused ``journey_step`` kernel on hand-built micro markets.

Each market has a handful of customers and one or two firms; probabilities are set to 0 or 1
and the outside option to ±1e9 so every outcome is deterministic and can be worked out by hand
(comments give the working). Where a probability is strictly between 0 and 1, the expected
outcome is computed from the plain-Python twin of the counter-based generator, which is the
rule the kernel documents (draw for customer i, purpose p, slot j).
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from sim.kernels.journey import journey_step, n_blocks, new_group_tallies, new_tallies, pack
from sim.kernels.layout import (
    BLOCK,
    CH_AD,
    CH_INITIAL,
    CH_NONE,
    CH_SEARCH,
    CH_WOM,
    FTALLY,
    ITALLY,
    PARAMS,
    VOICE_DETRACTOR,
    VOICE_PROMOTER,
)
from sim.rng import step_key, step_keys, uniform

ARGS = list(inspect.signature(journey_step.py_func).parameters)
SEED, STEP = 11, 4


def code(firm: int, sign: int) -> int:
    return (firm + 1) | (sign << 4)


PROMOTER_0 = code(0, VOICE_PROMOTER)  # 17
DETRACTOR_1 = code(1, VOICE_DETRACTOR)  # 34


class Micro:
    """A micro market whose defaults make nothing happen; tests switch on one mechanism."""

    def __init__(self, n=3, n_firms=2, n_cat=1, dims=1, edges=((0, 1), (1, 2))):
        adj = [[] for _ in range(n)]
        for a, b in edges:
            adj[a].append(b)
            adj[b].append(a)
        indptr = np.zeros(n + 1, np.int64)
        indptr[1:] = np.cumsum([len(x) for x in adj])
        indices = np.array([j for x in adj for j in sorted(x)], np.int32)
        F, C = n_firms, n_cat
        self.n, self.F, self.C = n, F, C
        self.a = dict(
            indptr=indptr, indices=indices, fully_mixed=False,
            global_pos=np.zeros(F), global_neg=np.zeros(F), global_soc=np.zeros(F),
            needs=np.zeros((n, C, dims), np.float32), wtp=np.ones(n, np.float32),
            price_sensitivity=np.ones(n, np.float32), peer_susceptibility=np.ones(n, np.float32),
            ad_susceptibility=np.ones(n, np.float32), churn_proneness=np.ones(n, np.float32),
            aware=np.zeros((n, F), np.uint8), exposures=np.zeros((n, F), np.uint8),
            belief=np.zeros((n, F)), knowledge=np.zeros((n, F)),
            firm_of=np.full((n, C), -1, np.int8), tenure=np.zeros((n, C), np.int16),
            satisfaction=np.zeros((n, C)), spend=np.zeros(n, np.int64),
            voice_prev=np.zeros(n, np.int8), voice_next=np.zeros(n, np.int8),
            ended=np.full((n, C), -1, np.int8),
            offer_pos=np.zeros((F, C, dims)),
            quality=np.array([0.9, 0.2][:F] + [0.5] * max(0, F - 2)),
            service=np.zeros(F), personalisation=np.zeros(F), learn=np.zeros(F),
            ad_reach=np.zeros(F), retention_cap=np.zeros(F), cross_sell=np.zeros(F),
            appeal=np.zeros(F), novelty=np.zeros(F), recovery=np.zeros(F),
            recovery_cents=np.zeros((F, C), np.int64), est_keys=np.zeros((F, 2), np.uint64),
            est_z=np.zeros((0, F, C * dims)),
            loyal_after=np.full(F, 2**62, np.int64), referral=np.ones(F),
            price_cents=np.tile(np.array([1234, 2345, 999][:F], np.int64)[:, None], (1, C)),
            list_cents=np.tile(np.array([1500, 2500, 999][:F], np.int64)[:, None], (1, C)),
            cost_cents=np.tile(np.array([600, 900, 500][:F], np.int64)[:, None], (1, C)),
            service_cents=np.zeros((F, C), np.int64), pers_cents=np.zeros((F, C), np.int64),
            save_cost_cents=np.tile(np.array([617, 1172, 500][:F], np.int64)[:, None], (1, C)),
            ref_price=np.full(C, 10.0), occasion_prob=np.zeros(C), renewal_prob=np.zeros(C),
        )
        # experience = quality exactly (only w_quality, no noise); satisfaction = 10 × quality
        # (no disconfirmation, full smoothing); buying anything beats the outside option.
        self.p = {name: 0.0 for name in PARAMS}
        self.p.update(fit_width=1.0, outside_utility=-1e9, promoter_threshold=8.0,
                      detractor_threshold=5.0, w_quality=1.0, satisfaction_smoothing=1.0,
                      prior_belief=0.5)

    def __getattr__(self, name):
        try:
            return self.__dict__["a"][name]
        except KeyError:
            raise AttributeError(name) from None

    def customer(self, i, firm, tenure=5, sat=9.0, channel=CH_INITIAL, c=0):
        """Make customer i a current customer of ``firm`` in category c."""
        self.firm_of[i, c] = firm
        self.tenure[i, c] = tenure
        self.satisfaction[i, c] = sat
        self.aware[i, firm] = channel
        self.belief[i, firm] = self.p["prior_belief"]

    def run(self):
        a = dict(self.a)
        a["price"] = a["price_cents"] / 100.0
        # a firm that does not exploit charges everyone its ordinary price
        a.setdefault("loyal_price_cents", a["price_cents"])
        a.setdefault("loyal_list_cents", a["list_cents"])
        a["loyal_price"] = a["loyal_price_cents"] / 100.0
        a["prm"] = np.array([self.p[name] for name in PARAMS], np.float64)
        a["keys"] = step_keys(SEED, STEP)
        a["itally"], a["ftally"], a["need_sum"], a["ctally"], a["csurplus"] = new_tallies(
            self.n, self.F, self.C, a["needs"].shape[2])
        # no field study (a study's treatments: tests/unit/test_treatment.py)
        a["group"], a["treatment"] = np.zeros(0, np.int8), np.zeros(3)
        a["treat_cents"], a["ledger"] = np.zeros(self.C, np.int64), np.zeros((0, 2), np.int64)
        a["gtally"], a["gctally"] = new_group_tallies(self.n, self.F, self.C, False)
        self.voice_prev_before = a["voice_prev"].copy()
        packed = pack(a)
        journey_step(*[packed[name] for name in ARGS])
        self.blocks = a["itally"]
        self.it = a["itally"].sum(axis=0)
        self.ft = a["ftally"].sum(axis=0)
        self.need_sum = a["need_sum"].sum(axis=0)
        self.ctally = a["ctally"].sum(axis=0)
        self.csurplus = a["csurplus"].sum(axis=0)
        return self

    def t(self, name, firm):
        """Integer tally ``name`` of ``firm``."""
        return int(self.it[firm, ITALLY.index(name)])

    def tallies(self, firm):
        """All non-zero integer tallies of ``firm`` as a dict."""
        return {name: int(v) for name, v in zip(ITALLY, self.it[firm], strict=True) if v != 0}

    def ftally(self, name, firm):
        return float(self.ft[firm, FTALLY.index(name)])


# ----------------------------------------------------------------------------------------------


def test_nothing_happens_when_every_probability_is_zero():
    m = Micro()
    m.customer(1, firm=0, tenure=5, sat=7.0)
    before = {k: v.copy() for k, v in m.a.items() if isinstance(v, np.ndarray)}
    m.run()
    # customer 1 keeps firm 0: one more month, pays 12.34, satisfaction 10 × 0.9 = 9 → promoter
    assert m.tenure.tolist() == [[0], [6], [0]]
    assert m.spend.tolist() == [0, 1234, 0]
    assert m.satisfaction[1, 0] == pytest.approx(9.0)
    assert m.voice_next.tolist() == [0, PROMOTER_0, 0]
    # nobody learns about anyone, nobody is exposed, nothing else moves
    for name in ("aware", "exposures", "firm_of", "ended", "knowledge", "belief"):
        assert np.array_equal(m.a[name], before[name]), name
    assert m.tallies(0) == {
        "rel_start": 1, "rel": 1, "customers": 1, "aware": 1, "units": 1,
        "revenue_cents": 1234, "list_revenue_cents": 1500, "cogs_cents": 600,
        "promoters": 1, "tenure_sum": 6, "voice_customers": 1, "voice_promoters": 1,
    }
    assert m.tallies(1) == {}


def test_word_of_mouth_acquisition_on_a_path():
    # path 0 – 1 – 2; customer 1 bought from firm 0 and promoted it last step
    m = Micro()
    m.customer(1, firm=0, tenure=5)
    m.voice_prev[1] = PROMOTER_0
    m.p["wom_strength"] = 1.0  # hazard 1 × share of recommending neighbours (1/1 for 0 and 2)
    m.occasion_prob[:] = 1.0  # everyone without a firm is in the market
    m.learn[0] = 0.5
    m.run()
    # 0 and 2 hear firm 0 recommended by their only neighbour: hazard 1 → aware by WoM, in the
    # market, firm 0 the only known firm and the outside option hopeless → both buy from it
    assert m.aware.tolist() == [[CH_WOM, CH_NONE], [CH_INITIAL, CH_NONE], [CH_WOM, CH_NONE]]
    assert m.firm_of.tolist() == [[0], [0], [0]]
    assert m.tenure.tolist() == [[1], [6], [1]]
    assert m.spend.tolist() == [1234, 1234, 1234]
    assert m.ended.tolist() == [[-1], [-1], [-1]]
    # all three promote firm 0 next step (satisfaction 9 ≥ 8); last step's voices untouched
    assert m.voice_next.tolist() == [PROMOTER_0] * 3
    assert np.array_equal(m.voice_prev, m.voice_prev_before)
    # knowledge after one interaction: 0 + 0.5 · (1 − 0) = 0.5; beliefs: prior 0.5, no learning
    np.testing.assert_allclose(m.knowledge[:, 0], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(m.belief[:, 0], [0.5, 0.5, 0.5])
    assert m.tallies(0) == {
        "rel_start": 1, "rel": 3, "customers": 3, "aware": 3,
        "acq_wom": 2, "aware_wom": 2, "choices": 2, "choices_peer": 2,
        "units": 3, "revenue_cents": 3 * 1234, "list_revenue_cents": 3 * 1500,
        "cogs_cents": 3 * 600, "promoters": 3, "tenure_sum": 1 + 6 + 1,
        "voice_customers": 3, "voice_promoters": 3,
    }
    assert m.tallies(1) == {}
    assert m.ftally("knowledge_sum", 0) == pytest.approx(1.5)
    assert m.ftally("satisfaction_sum", 0) == pytest.approx(27.0)
    assert m.ftally("wallet_share_sum", 0) == pytest.approx(3.0)  # each pays firm 0 only


def test_ad_acquisition_with_total_fatigue():
    m = Micro()
    m.ad_reach[1] = 1.0  # firm 1's ads reach everyone
    m.p.update(ad_response=1.0, ad_fatigue=0.0)  # hazard 1 at the first exposure, then 0
    m.exposures[2, 1] = 1  # customer 2 has already seen one ad of firm 1
    m.aware[1, 1] = CH_INITIAL  # customer 1 already knows firm 1 (exposed, not "unaware")
    m.belief[1, 1] = 0.5
    m.occasion_prob[:] = 1.0
    m.run()
    # 0: unaware, first exposure → hazard 1 → aware by ads → buys from firm 1 (acq by ads)
    # 1: already aware (initial) → buys from firm 1 (acquisition attributed to "initial")
    # 2: second exposure → hazard 1 · 0^1 = 0 → stays unaware → nothing to buy
    assert m.aware[:, 1].tolist() == [CH_AD, CH_INITIAL, CH_NONE]
    assert m.exposures[:, 1].tolist() == [1, 1, 2]
    assert m.exposures[:, 0].tolist() == [0, 0, 0]
    assert m.firm_of.tolist() == [[1], [1], [-1]]
    assert m.spend.tolist() == [2345, 2345, 0]
    # firm 1's quality 0.2 → satisfaction 2 ≤ 5 → detractors
    assert m.voice_next.tolist() == [DETRACTOR_1, DETRACTOR_1, 0]
    assert m.tallies(1) == {
        "rel": 2, "customers": 2, "aware": 2, "acq_ads": 1, "acq_initial": 1,
        "exposures": 3, "exposures_unaware": 2, "aware_ads": 1,
        "choices": 2, "choices_firm": 1,
        "units": 2, "revenue_cents": 2 * 2345, "list_revenue_cents": 2 * 2500,
        "cogs_cents": 2 * 900, "detractors": 2, "tenure_sum": 2,
        "voice_customers": 2, "voice_detractors": 2,
    }
    assert m.tallies(0) == {}


def test_own_search_finds_the_best_fitting_unaware_firm():
    m = Micro()
    m.offer_pos[0, 0, 0] = 3.0
    m.offer_pos[1, 0, 0] = 0.5
    m.needs[:, 0, 0] = [0.0, 3.0, 0.0]
    m.aware[2, 1] = CH_INITIAL
    m.p["search_rate"] = 1.0
    m.run()
    # 0 (need 0): firm 1 at distance 0.5 beats firm 0 at 3 → finds firm 1
    # 1 (need 3): firm 0 at distance 0 → finds firm 0
    # 2 knows firm 1 already: the only unaware firm is 0 → finds firm 0
    assert m.aware.tolist() == [[CH_NONE, CH_SEARCH], [CH_SEARCH, CH_NONE],
                                [CH_SEARCH, CH_INITIAL]]
    assert m.belief[0, 1] == m.belief[1, 0] == m.belief[2, 0] == 0.5  # the prior
    assert m.t("aware_search", 0) == 2 and m.t("aware_search", 1) == 1
    # nobody is in the market (occasion 0): no purchases
    assert m.firm_of.tolist() == [[-1]] * 3 and m.spend.sum() == 0


def test_switch_and_loss_to_the_outside_option():
    m = Micro(edges=())
    m.renewal_prob[:] = 1.0  # every customer reconsiders
    m.price_cents[1, 0] = -1  # firm 1 stops offering the category
    m.customer(0, firm=1, tenure=3)
    m.aware[0, 0] = CH_SEARCH
    m.customer(1, firm=1, tenure=7)  # knows only firm 1
    m.customer(2, firm=0, tenure=2)  # knows only firm 0, which still sells
    m.run()
    # 0: firm 1 unavailable, knows firm 0 (found by search) → switches to 0
    # 1: nothing available → outside option → relationship with firm 1 ends
    # 2: stays with firm 0 (chosen again, not a new acquisition)
    assert m.firm_of.tolist() == [[0], [-1], [0]]
    assert m.ended.tolist() == [[1], [1], [-1]]
    assert m.tenure.tolist() == [[1], [0], [3]]
    assert m.spend.tolist() == [1234, 0, 1234]
    # firm 1 is still known to both (awareness is not lost with the relationship)
    assert m.tallies(1) == {"rel_start": 2, "lost_switch": 1, "lost_outside": 1, "aware": 2}
    t0 = m.tallies(0)
    assert t0["acq_search"] == 1 and t0["rel_start"] == 1 and t0["rel"] == 2
    assert t0["choices"] == 2 and t0["revenue_cents"] == 2 * 1234
    assert "acq_initial" not in t0  # staying is not an acquisition
    # per category (what a firm's pricing observes): all three in the market, one bought
    # nothing, two chose firm 0, none firm 1
    assert m.ctally.tolist() == [[3, 1, 2, 0]]


def _switcher(offer_cents):
    """Customer 0 of firm 1 prefers firm 0 by 70 utils; firm 1 knows them fully (p_offer = 1).

    Utilities: β_q·Q − β_p·price/(wtp·ref) = 100·0.9 − 100·10/10 = −10 for firm 0 and
    100·0.2 − 100 = −80 for firm 1 (no switching cost). An offer worth ``offer_cents`` adds
    β_p·(offer/100)/(wtp·ref) = 100·offer/1000 to staying.
    """
    m = Micro(edges=())
    m.renewal_prob[:] = 1.0
    m.p.update(beta_quality=100.0, beta_price=100.0)
    m.price_cents[:, 0] = 1000
    m.save_cost_cents[1, 0] = offer_cents
    m.customer(0, firm=1, tenure=3)
    m.aware[0, 0] = CH_SEARCH
    m.retention_cap[1] = 1.0
    m.knowledge[0, 1] = 1.0
    return m.run()


def test_retention_offer_works_through_choice():
    # an offer worth 2000 cents adds 200 utils: firm 1 at +120 beats firm 0 at −10, so the
    # customer, choosing again, stays; the firm pays what it gave
    m = _switcher(2000)
    assert m.firm_of[0, 0] == 1 and m.ended[0, 0] == -1 and m.tenure[0, 0] == 4
    assert m.t("retention_offers", 1) == 1 and m.t("saved", 1) == 1
    assert m.t("retention_cost_cents", 1) == 2000
    assert m.t("acq_search", 0) == 0 and m.t("lost_switch", 1) == 0
    # an offer worth 500 cents adds 50 utils: −30 still loses to −10; the customer switches and
    # the firm pays nothing
    m = _switcher(500)
    assert m.firm_of[0, 0] == 0 and m.ended[0, 0] == 1
    assert m.t("retention_offers", 1) == 1 and m.t("saved", 1) == 0
    assert m.t("retention_cost_cents", 1) == 0 and m.t("lost_switch", 1) == 1


def test_retention_offer_at_churn_is_a_choice_against_leaving():
    m = Micro(n=1, edges=())
    m.p["churn_base"] = 1.0
    m.p["outside_utility"] = 1e9  # leaving beats any offer
    m.customer(0, firm=0, tenure=4)
    m.retention_cap[0] = 1.0
    m.knowledge[0, 0] = 1.0
    m.run()
    assert m.firm_of[0, 0] == -1 and m.t("lost_churn", 0) == 1
    assert m.t("retention_offers", 0) == 1 and m.t("saved", 0) == 0
    assert m.t("retention_cost_cents", 0) == 0


def test_churn_retention_save_and_new_customers_never_churn():
    m = Micro(edges=())
    m.p["churn_base"] = 1.0  # every established relationship ends...
    m.occasion_prob[:] = 1.0
    m.customer(0, firm=0, tenure=4)
    m.customer(1, firm=0, tenure=4)
    m.retention_cap[0] = 1.0
    m.knowledge[1, 0] = 1.0  # ...unless the firm knows the customer well enough to save them
    m.aware[1, 1] = CH_SEARCH  # customer 1 could go to firm 1 instead
    m.p["beta_price"] = 1.0
    m.save_cost_cents[0, 0] = 10_000  # an offer worth 100 money: 10 utils
    m.aware[2, 0] = CH_INITIAL  # customer 2 buys for the first time this step
    m.belief[2, 0] = 0.5
    m.run()
    # 0: pays this month, then churns (knowledge 0 → no save): ended, firm −1, tenure 0
    # 1: churn draw hits, offer made (p_offer 1); staying (−1.234 utils) against firm 1
    #    (−2.345) and nothing (−1e9): P0 = 0.75, the offer's +10 utils make P1 ≈ 1, so it keeps
    #    them with chance ≈ 1: stays, one retention offer paid (10,000 cents)
    # 2: new this month (tenure 0 before the step) → exempt from churn
    assert m.firm_of.tolist() == [[-1], [0], [0]]
    assert m.ended.tolist() == [[0], [-1], [-1]]
    assert m.tenure.tolist() == [[0], [5], [1]]
    assert m.spend.tolist() == [1234, 1234, 1234]
    # voices are set after the experience and before churn: customer 0 leaves (base churn) but
    # still speaks about this month with firm 0 (satisfaction 9 → promoter)
    assert m.voice_next.tolist() == [PROMOTER_0] * 3
    # end-of-step counts (rel, customers, promoters, tenure) exclude the churned relationship
    assert m.tallies(0) == {
        "rel_start": 2, "rel": 2, "customers": 2, "aware": 3,
        "acq_initial": 1, "choices": 1, "lost_churn": 1, "saved": 1, "retention_offers": 1,
        "retention_cost_cents": 10_000, "units": 3, "revenue_cents": 3 * 1234,
        "list_revenue_cents": 3 * 1500, "cogs_cents": 3 * 600, "promoters": 2,
        "tenure_sum": 5 + 1, "voice_customers": 3, "voice_promoters": 3,
    }


def test_triggered_cross_sell_in_the_second_category():
    m = Micro(n_cat=2, edges=())
    m.customer(0, firm=0, tenure=4, c=0)
    m.customer(1, firm=0, tenure=4, c=0)
    m.cross_sell[0] = 1.0
    m.p["cross_sell_trigger"] = 1.0
    m.knowledge[0, 0] = 1.0  # p_trigger = 1 × 1 × 1 for customer 0, 0 for customer 1
    m.run()
    # customer 0 is brought to the market for category 1 and buys it from firm 0
    assert m.firm_of.tolist() == [[0, 0], [0, -1], [-1, -1]]
    assert m.spend.tolist() == [2 * 1234, 1234, 0]
    assert m.t("acq_cross_sell", 0) == 1 and m.t("rel", 0) == 3 and m.t("customers", 0) == 2
    assert m.t("voice_customers", 0) == 2  # one voice per customer, not per relationship
    # both customers spend all their money with firm 0: wallet share 1 each
    assert m.ftally("wallet_share_sum", 0) == pytest.approx(2.0)


def test_fully_mixed_hears_the_whole_market():
    m = Micro(edges=())  # no edges at all: only the market-wide shares can be heard
    m.a["fully_mixed"] = True
    m.global_pos[:] = [0.5, 0.0]
    m.global_neg[:] = [0.0, 1.0]
    m.p.update(wom_strength=2.0, wom_belief_rate=0.5, neg_wom_multiplier=2.0)
    m.aware[0, 1] = CH_INITIAL
    m.belief[0, 1] = 0.5
    m.run()
    # hazard 2 × 0.5 = 1 for firm 0: everyone learns of it by word of mouth
    assert m.aware[:, 0].tolist() == [CH_WOM] * 3
    # belief in firm 0: prior 0.5 + 0.5 · (0.5 · (1 − 0.5) − 0) = 0.625
    np.testing.assert_allclose(m.belief[:, 0], [0.625] * 3)
    # belief in firm 1 for customer 0: 0.5 + 0.5 · (0 − 2 · 1 · 0.5) = 0 (clamped at 0)
    assert m.belief[0, 1] == pytest.approx(0.0)


def test_satisfaction_smoothing_disconfirmation_and_belief_learning():
    m = Micro(edges=())
    m.quality[0] = 0.6
    m.p.update(satisfaction_smoothing=0.25, disconfirmation_weight=0.5, belief_learning=0.5)
    m.customer(0, firm=0, tenure=3, sat=4.0)
    m.occasion_prob[:] = 1.0
    m.aware[1, 0] = CH_INITIAL
    m.belief[1, 0] = 0.8
    m.run()
    # customer 0: experience 0.6 vs expectation 0.5 → 10 · (0.6 + 0.5 · 0.1) = 6.5;
    # smoothed: 0.75 · 4 + 0.25 · 6.5 = 4.625; belief 0.5 + 0.5 · (0.6 − 0.5) = 0.55
    assert m.satisfaction[0, 0] == pytest.approx(4.625)
    assert m.belief[0, 0] == pytest.approx(0.55)
    # customer 1 is new: expectation 0.8 → 10 · (0.6 − 0.5 · 0.2) = 5.0, taken as it is
    # (no smoothing on a first purchase) → at the detractor threshold
    assert m.satisfaction[1, 0] == pytest.approx(5.0)
    assert m.belief[1, 0] == pytest.approx(0.7)
    assert m.voice_next[1] == code(0, VOICE_DETRACTOR)
    assert m.voice_next[0] == code(0, VOICE_DETRACTOR)  # 4.625 ≤ 5


def test_draws_follow_the_documented_counter_streams():
    # 4,000 isolated non-customers who know firm 0, in the market with probability 0.4, then
    # established customers churning with probability 0.3: the kernel must take exactly the
    # customers whose uniform for (seed, step, purpose, i, slot) falls below the probability
    n = 4000
    m = Micro(n=n, edges=())
    m.aware[:, 0] = CH_INITIAL
    m.occasion_prob[:] = 0.4
    m.run()
    key = step_key(SEED, STEP, "occasion")
    expect = np.array([uniform(key, i, 0) < 0.4 for i in range(n)])
    assert np.array_equal(m.firm_of[:, 0] == 0, expect)
    assert 0.37 < expect.mean() < 0.43

    m = Micro(n=n, edges=())
    for i in range(n):
        m.customer(i, firm=0, tenure=2)
    m.p["churn_base"] = 0.3
    m.run()
    key = step_key(SEED, STEP, "churn")
    churned = np.array([uniform(key, i, 0) < 0.3 for i in range(n)])
    assert np.array_equal(m.firm_of[:, 0] == -1, churned)
    assert m.t("lost_churn", 0) == churned.sum()


def test_tallies_are_written_per_fixed_block():
    # 2 · BLOCK + 5 customers, all with firm 0: three blocks of BLOCK, BLOCK and 5 relationships
    n = 2 * BLOCK + 5
    m = Micro(n=n, edges=())
    m.firm_of[:, 0] = 0
    m.tenure[:, 0] = 1
    m.aware[:, 0] = CH_INITIAL
    m.run()
    assert m.blocks.shape[0] == n_blocks(n) == 3
    assert m.blocks[:, 0, ITALLY.index("rel")].tolist() == [BLOCK, BLOCK, 5]
    assert m.t("revenue_cents", 0) == n * 1234 == m.spend.sum()


def test_need_sums_of_served_customers():
    m = Micro(n=3, dims=2, edges=())
    m.needs[:, 0] = [[1.0, 2.0], [3.0, -1.0], [10.0, 10.0]]
    m.customer(0, firm=0)
    m.customer(1, firm=0)
    m.customer(2, firm=1)
    m.run()
    # firm 0 served customers 0 and 1: needs (1 + 3, 2 − 1) = (4, 1), count 2;
    # firm 1 served customer 2: (10, 10), count 1 (the last slot counts the customers)
    np.testing.assert_allclose(m.need_sum[0, 0], [4.0, 1.0, 2.0])
    np.testing.assert_allclose(m.need_sum[1, 0], [10.0, 10.0, 1.0])


def test_search_breaks_ties_between_equal_offers_at_random():
    """Firms with the same offer are found by search in turn of the draw, never by place."""
    from sim.kernels.journey import _best_unknown_fit

    needs = np.zeros((1, 1, 2), np.float32)
    offer_pos = np.zeros((4, 1, 2))
    offer_pos[3, 0] = 1.0  # fits worse than the three tied firms
    aware = np.zeros((1, 4), np.uint8)
    picks = [_best_unknown_fit(0, needs, aware, offer_pos, 1.0, (k + 0.5) / 3) for k in range(3)]
    assert picks == [0, 1, 2]  # each tied firm takes a third of the draws
    aware[0, 1] = CH_INITIAL  # a known firm is not searched for
    assert [_best_unknown_fit(0, needs, aware, offer_pos, 1.0, u) for u in (0.2, 0.7)] == [0, 2]
    aware[0, :3] = CH_INITIAL  # only the worse-fitting firm is left
    assert _best_unknown_fit(0, needs, aware, offer_pos, 1.0, 0.99) == 3
    aware[0, 3] = CH_INITIAL
    assert _best_unknown_fit(0, needs, aware, offer_pos, 1.0, 0.5) == -1


def test_referral_brings_a_customer_who_knows_the_firm_to_the_market():
    # path 0 – 1 – 2; customer 1 buys from firm 0 and promoted it last step; 0 and 2 know firm 0
    # from its ads but have no purchase occasion this month
    def market(referral_trigger, factor=1.0):
        m = Micro()
        m.customer(1, firm=0, tenure=5)
        m.voice_prev[1] = PROMOTER_0
        for i in (0, 2):
            m.aware[i, 0] = CH_AD
            m.belief[i, 0] = 0.5
        m.referral[0] = factor
        m.p.update(wom_strength=1.0, referral_trigger=referral_trigger)
        return m.run()

    # hazard 1 × 1 × (peer susceptibility 1) × (referral factor 1) × (1/1 recommending) = 1:
    # both come to the market for firm 0, buy from it, and the acquisition is word of mouth's
    # although they first learnt of firm 0 from its ads
    m = market(1.0)
    assert m.firm_of.tolist() == [[0], [0], [0]]
    assert m.t("acq_wom", 0) == 2 and m.t("acq_ads", 0) == 0
    assert m.t("choices", 0) == 2 and m.t("choices_firm", 0) == 2
    # without the trigger, or with the firm's referral factor at 0, word of mouth only moves
    # beliefs: nobody is in the market
    for m in (market(0.0), market(1.0, factor=0.0)):
        assert m.firm_of.tolist() == [[-1], [0], [-1]]
        assert m.t("acq_wom", 0) == 0 and m.t("choices", 0) == 0
    # at hazard 1/2 the documented draw decides: u(referral, i, c) < 1/2
    m = market(0.5)
    key = step_key(SEED, STEP, "referral")
    expect = [0 if uniform(key, i, 0) < 0.5 else -1 for i in (0, 2)]
    assert [m.firm_of[0, 0], m.firm_of[2, 0]] == expect


def test_referral_to_a_rival_reopens_the_choice_but_praise_of_ones_own_firm_does_not():
    # customer 0 buys from firm 1; its only neighbour 1 promotes firm 0, which 0 knows
    m = Micro(edges=((0, 1),))
    m.customer(0, firm=1, tenure=5, sat=5.0)
    m.customer(1, firm=0, tenure=5)
    m.aware[0, 0] = CH_INITIAL
    m.belief[0, 0] = 0.5
    m.voice_prev[1] = PROMOTER_0
    m.p.update(wom_strength=1.0, referral_trigger=1.0, beta_quality=10.0)
    m.run()
    # referred to firm 0 (quality 0.9 against 0.2): customer 0 switches; customer 1 hears
    # nothing (customer 0 was silent last step) and stays
    assert m.firm_of.tolist() == [[0], [0], [-1]]
    assert m.t("acq_wom", 0) == 1 and m.t("lost_switch", 1) == 1
    # the same praise heard by a customer of firm 0 itself brings nobody to the market
    m = Micro(edges=((0, 1),))
    m.customer(0, firm=0, tenure=5)
    m.customer(1, firm=0, tenure=5)
    m.voice_prev[1] = PROMOTER_0
    m.p.update(wom_strength=1.0, referral_trigger=1.0)
    m.run()
    assert m.t("choices", 0) == 0 and m.t("acq_wom", 0) == 0


def test_churn_proneness_multiplies_each_customers_hazard():
    """Hazard 0.5 for everyone; proneness 0 never leaves, 2 always does (capped at 1)."""
    m = Micro(edges=())
    m.p["churn_base"] = 0.5
    for i in range(3):
        m.customer(i, firm=0, tenure=4)
    m.a["churn_proneness"] = np.array([0.0, 2.0, 1.0], np.float32)
    m.run()
    assert m.firm_of[0, 0] == 0 and m.firm_of[1, 0] == -1
    assert m.t("lost_churn", 0) == 1 + (m.firm_of[2, 0] == -1)


def test_consumer_surplus_of_a_choice_is_the_inclusive_value_in_money():
    """Two firms known, utilities −β_p·price/(wtp·ref) at β_p = 2: CS = (wtp·ref/β_p)·ln Σ e^U."""
    m = Micro(n=1, edges=())
    m.occasion_prob[:] = 1.0
    m.p.update(beta_price=2.0, outside_utility=-1.0)
    m.aware[0, :] = CH_SEARCH
    m.run()
    u = [-2.0 * 12.34 / 10.0, -2.0 * 23.45 / 10.0]
    expected = 10.0 / 2.0 * math.log(math.exp(-1.0) + math.exp(u[0]) + math.exp(u[1]))
    assert m.csurplus.sum() == pytest.approx(expected, rel=1e-12)
    assert m.ctally[0, 0] == 1  # one customer in the market
