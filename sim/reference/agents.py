"""A customer as a Mesa agent: traits, state, and one method per stage of the journey.

This is the model brief's customer journey (stages 2–6 of a step) written plainly, one object
per customer. It restates, rule for rule, what the fast path computes for customer ``i`` in
:func:`sim.kernels.journey._block_of_customers`, so that it can serve as an oracle: for the same
configuration and seed both paths must produce the same market, step after step.

Three habits keep the two paths identical to the last bit; they explain some choices below.

1. **The same random numbers.** Draws are counter-based (:class:`~sim.reference.market.
   StepDraws`): a number depends on (seed, step, purpose, customer, slot) only, never on how
   many draws came before. The slot is a firm index for per-firm draws and a category index for
   per-category ones, as in the kernel.
2. **The same arithmetic.** Traits are stored as float32 in the population arrays; a customer
   converts them to Python floats once (exactly, as the kernel does), and every formula keeps
   the kernel's order of operations, because floating-point addition is not associative.
3. **The same information.** Within a step no customer reads another's *new* state: word of
   mouth is what neighbours said last month (``voice``); what a customer says this month
   (``next_voice``) is heard from next month on.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import mesa

from .. import rng
from ..kernels.layout import (
    CH_AD,
    CH_SEARCH,
    CH_WOM,
    VOICE_DETRACTOR,
    VOICE_PASSIVE,
    VOICE_PROMOTER,
)

if TYPE_CHECKING:
    from .model import ReferenceMarketModel

#: ``firm_of`` and ``ended`` entries meaning "no firm".
NO_FIRM = -1
#: Counters stop where the fast path's fixed-width integers (uint8, int16) would overflow.
MAX_EXPOSURES = 255
MAX_TENURE = 32767
#: Why a customer is in the market for a category this month (:meth:`Customer.in_market`).
OCCASION, RENEWAL, CROSS_SELL, REFERRAL = "occasion", "renewal", "cross_sell", "referral"
#: ... or because the firm of a field study contacted me (ODD §7.19)
CONTACT = "contact"

#: The firm-side count an event is booked under, by the channel the customer learnt of the firm.
AWARE_COUNT = {CH_AD: "aware_ads", CH_WOM: "aware_wom", CH_SEARCH: "aware_search"}
ACQUISITION_COUNT = {CH_AD: "acq_ads", CH_WOM: "acq_wom", CH_SEARCH: "acq_search"}


class Heard(NamedTuple):
    """What a customer heard this month: per firm, the share of its contacts who ..."""

    recommend: list[float]  # ... are the firm's promoters
    warn: list[float]  # ... are the firm's detractors
    buy: list[float]  # ... buy from the firm (social proof)


#: A voice is (firm, opinion) with opinion one of ``layout.VOICE_*``, or None: nothing to say.
Voice = tuple[int, int] | None


class Customer(mesa.Agent):
    """One customer: needs and traits that stay, relationships and opinions that change.

    Traits (``churn_proneness`` too: a multiplier on every churn hazard, 1 unless
    ``market.churn.proneness_sigma`` spreads it): ``needs`` (a point in need space per category),
    ``wtp`` (willingness to pay, as a
    multiple of each category's reference price), ``price_sensitivity``,
    ``peer_susceptibility``, ``ad_susceptibility``; ``neighbours`` (the customers it talks to).

    State, per firm: ``aware`` (0 if the customer does not know the firm, else the channel it
    learnt of it through, ``layout.CH_*``), ``exposures`` (ads seen), ``belief`` (expected
    experience) and ``knowledge`` (what the firm knows of this customer, 0–1). Per category:
    ``firm_of`` (the firm it buys from, or ``NO_FIRM``), ``tenure`` (months with it),
    ``satisfaction`` (0–10) and ``ended`` (the firm whose relationship ended this month). Also
    ``spend`` (cents, all time) and ``voice`` / ``next_voice`` (word of mouth, last / this month).
    """

    model: ReferenceMarketModel

    def __init__(self, model: ReferenceMarketModel, index: int) -> None:
        """Create customer ``index`` from row ``index`` of the model's population arrays.

        Reading the very arrays the fast path sweeps makes both paths start from the same
        customers. ``ndarray.tolist()`` and ``float()`` turn float32 traits into Python floats
        exactly, as the kernel's ``float(...)`` does.
        """
        super().__init__(model)
        traits, state = model.traits, model.state
        #: row in the population arrays; it also keys this customer's random draws
        self.index = index
        self.persona = int(traits.persona[index])
        self.needs: list[list[float]] = traits.needs[index].tolist()
        self.wtp = float(traits.wtp[index])
        self.price_sensitivity = float(traits.price_sensitivity[index])
        self.peer_susceptibility = float(traits.peer_susceptibility[index])
        self.ad_susceptibility = float(traits.ad_susceptibility[index])
        self.churn_proneness = float(traits.churn_proneness[index])
        self.neighbours: list[Customer] = []  # wired by the model once every customer exists

        self.aware: list[int] = state.aware[index].tolist()
        self.exposures: list[int] = state.exposures[index].tolist()
        self.belief: list[float] = state.belief[index].tolist()
        self.knowledge: list[float] = state.knowledge[index].tolist()
        self.firm_of: list[int] = state.firm_of[index].tolist()
        self.tenure: list[int] = state.tenure[index].tolist()
        self.satisfaction: list[float] = state.satisfaction[index].tolist()
        self.ended: list[int] = state.ended[index].tolist()
        self.spend = int(state.spend[index])
        #: the price paid this month per category (what staying costs, at a churn decision)
        self.month_price: list[float] = [0.0] * len(self.firm_of)
        self.voice: Voice = unpack_voice(int(state.voice[model.voice_index, index]))
        self.next_voice: Voice = self.voice

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month of this customer's journey: brief stages 2–6, in the kernel's order."""
        tally = self.model.tally
        heard = self.hear_word_of_mouth()
        self.become_aware(heard)
        self.update_beliefs_from_peers(heard)
        paid = [0] * len(self.aware)  # cents paid to each firm this month (share of wallet)
        # what I will talk about: my first relationship this month, as satisfied as I am right
        # after the experience (before churn, so those who leave unhappy still warn others)
        topic: tuple[int, float] | None = None
        for category in range(len(self.firm_of)):
            self.ended[category] = NO_FIRM
            if self.firm_of[category] != NO_FIRM:  # retention's denominator
                tally.counts[self.firm_of[category]]["rel_start"] += 1
            partner = self.firm_in_other_category(category)
            reason = self.in_market(category, partner)
            referred = NO_FIRM
            if reason is None:
                referred = self.referred_to(category, heard)
                reason = REFERRAL if referred != NO_FIRM else None
            if reason is not None:
                self.choose(category, heard, partner,
                            triggered_by=partner if reason == CROSS_SELL else NO_FIRM,
                            referred_by=referred)
            firm = self.firm_of[category]
            if firm == NO_FIRM:
                continue
            first_month = self.tenure[category] == 0
            paid[firm] += self.experience(category)
            if topic is None:
                topic = (firm, self.satisfaction[category])
            if not first_month:  # a relationship must last a month before it can sour
                self.maybe_churn(category, heard, partner)
        self.speak(topic)
        self.report(paid)

    def commit_voice(self) -> None:
        """End of the step for everyone: what I said this month is what my contacts hear next."""
        self.voice = self.next_voice

    # ---- 2. awareness ------------------------------------------------------------------------
    def hear_word_of_mouth(self) -> Heard:
        """Stage 2 (word of mouth heard): what my contacts said about each firm last month.

        Returns, per firm, the shares of my contacts who recommend it, warn about it and buy
        from it; without a network, the same shares over the whole market.
        """
        if self.model.fully_mixed:  # no network: everybody hears the whole market
            return self.model.market_voice
        n_firms = len(self.aware)
        recommend, warn, buy = [0] * n_firms, [0] * n_firms, [0] * n_firms
        for contact in self.neighbours:
            if contact.voice is None:
                continue
            firm, opinion = contact.voice
            buy[firm] += 1
            if opinion == VOICE_PROMOTER:
                recommend[firm] += 1
            elif opinion == VOICE_DETRACTOR:
                warn[firm] += 1
        degree = len(self.neighbours)
        if degree == 0:
            return Heard([0.0] * n_firms, [0.0] * n_firms, [0.0] * n_firms)
        return Heard([x / degree for x in recommend], [x / degree for x in warn],
                     [x / degree for x in buy])

    def become_aware(self, heard: Heard) -> None:
        """Stage 2 (awareness): ads, recommendations and own search; at most one new firm.

        Each unknown firm can become known through its ads (a low chance, falling with every
        ad already ignored) or through contacts' recommendations; own search finds the best
        fitting unknown firm. These compete, and at most one of them happens this month.
        """
        b, draws, tally = self.model.behaviour, self.model.draws, self.model.tally
        offers = self.model.offers
        i = self.index
        wom = b.wom_strength * self.peer_susceptibility
        # Competing hazards of learning of a firm, one per firm and channel; at most one event
        # happens, with chance `total` (hazards are small, so their sum stays below one).
        ad_hazard = [0.0] * len(offers)
        wom_hazard = [0.0] * len(offers)
        total = 0.0
        for f, offer in enumerate(offers):
            h_ad = 0.0
            if draws.uniform("ad_exposure", i, f) < offer.ad_reach:
                seen = self.exposures[f]
                tally.counts[f]["exposures"] += 1
                if self.aware[f] == 0:
                    tally.counts[f]["exposures_unaware"] += 1
                    # advertising converts few, and fewer with every ad already ignored
                    h_ad = (b.ad_response * self.ad_susceptibility
                            * whole_power(b.ad_fatigue, seen))
                if seen < MAX_EXPOSURES:
                    self.exposures[f] = seen + 1
            h_wom = wom * offer.referral * heard.recommend[f] if self.aware[f] == 0 else 0.0
            ad_hazard[f] = h_ad
            wom_hazard[f] = h_wom
            total += h_ad + h_wom
        # own search finds the unknown firm whose core offer fits best
        target = self.best_fitting_unknown_firm() if b.search_rate > 0.0 else NO_FIRM
        h_search = b.search_rate if target != NO_FIRM else 0.0
        total += h_search
        if total > 0.0 and draws.uniform("activation", i, 0) < total:
            events = ([(CH_AD, f, h) for f, h in enumerate(ad_hazard)]
                      + [(CH_WOM, f, h) for f, h in enumerate(wom_hazard)]
                      + [(CH_SEARCH, target, h_search)])
            channel, f = pick_event(events, draws.uniform("activation_pick", i, 0) * total)
            self.aware[f] = channel
            self.belief[f] = b.prior_belief
            tally.counts[f][AWARE_COUNT[channel]] += 1

    def best_fitting_unknown_firm(self) -> int:
        """Stage 2 (own search): the unknown firm whose core offer fits my need best.

        Fit is judged as advertised (no personalisation for a stranger), in the first
        category; ties (firms with the same offer) are broken at random, so no firm is found
        first for its place in the configuration; ``NO_FIRM`` if I know every firm.
        """
        width = self.model.behaviour.fit_width
        fits = {f: fit(self.needs[0], offer.position[0], 0.0, 0.0, width)
                for f, offer in enumerate(self.model.offers) if self.aware[f] == 0}
        if not fits:
            return NO_FIRM
        best = max(fits.values())
        tied = [f for f, fv in fits.items() if fv == best]
        u = self.model.draws.uniform("activation_pick", self.index, 1)
        return tied[min(len(tied) - 1, int(u * len(tied)))]

    def update_beliefs_from_peers(self, heard: Heard) -> None:
        """Stage 2 (word of mouth moves beliefs): what I expect of the firms I know.

        Praise raises the belief toward 1, warnings lower it toward 0, and weigh more.
        """
        b = self.model.behaviour
        for f, known in enumerate(self.aware):
            recommend, warn = heard.recommend[f], heard.warn[f]
            if known != 0 and (recommend > 0.0 or warn > 0.0):
                bel = self.belief[f]
                bel += b.wom_belief_rate * (recommend * (1.0 - bel)
                                            - b.neg_wom_multiplier * warn * bel)
                self.belief[f] = clamp01(bel)

    # ---- 3. choice ---------------------------------------------------------------------------
    def firm_in_other_category(self, category: int) -> int:
        """Stage 3 (cross-sell trigger): the firm I buy another category from, if any."""
        for other, firm in enumerate(self.firm_of):
            if other != category and firm != NO_FIRM:
                return firm
        return NO_FIRM

    def in_market(self, category: int, partner: int) -> str | None:
        """Stage 3 (purchase occasion): why I shop for this category this month, or None.

        Without a firm I shop on an occasion, or when the firm I buy another category from
        triggers a cross-sell offer (it needs to know me); with a firm, on a contract renewal.
        """
        b, draws, i = self.model.behaviour, self.model.draws, self.index
        terms = self.model.category_terms[category]
        if self.firm_of[category] != NO_FIRM:
            # a field study's proactive contact wakes me up: I reconsider now (ODD §7.19)
            if self.model.study.applies(i, "contact", self.firm_of[category]):
                return CONTACT
            return RENEWAL if draws.uniform("occasion", i, category) < terms.renewal_prob else None
        if draws.uniform("occasion", i, category) < terms.occasion_prob:
            return OCCASION
        if partner != NO_FIRM and self.model.offers[partner].offered(category):
            p_trigger = (b.cross_sell_trigger * self.model.offers[partner].cross_sell
                         * self.knowledge[partner] * self.estimate_accuracy(category, partner))
            if p_trigger > 0.0 and draws.uniform("cross_sell", i, category) < p_trigger:
                return CROSS_SELL
        return None

    def referred_to(self, category: int, heard: Heard) -> int:
        """Stage 3 (referral): the firm my contacts' praise brings me to the market for, if any.

        Each firm I know that offers the category, other than the one I buy it from, pulls with
        the word-of-mouth hazard × ``referral_trigger`` × the share of my contacts who
        recommend it; at most one firm does, drawn in proportion; ``NO_FIRM`` if none.
        """
        b, draws, i = self.model.behaviour, self.model.draws, self.index
        if b.referral_trigger <= 0.0:
            return NO_FIRM
        wom = b.wom_strength * self.peer_susceptibility
        current = self.firm_of[category]
        events = []
        total = 0.0
        for f, offer in enumerate(self.model.offers):
            h = 0.0
            if (f != current and self.aware[f] != 0 and offer.offered(category)
                    and heard.recommend[f] > 0.0):
                h = b.referral_trigger * wom * offer.referral * heard.recommend[f]
            events.append((CH_WOM, f, h))
            total += h
        if total <= 0.0 or draws.uniform("referral", i, category) >= total:
            return NO_FIRM
        u = draws.uniform("referral", i, len(self.firm_of) + category) * total
        return pick_event(events, u)[1]

    def choose(self, category: int, heard: Heard, partner: int, triggered_by: int,
               referred_by: int = NO_FIRM) -> None:
        """Stage 3 (choice): pick a firm I know, or nothing, by a random-utility (logit) rule.

        Utility weighs fit, quality, service, belief, social proof, advertising salience,
        generic appeal (neutral levers only) and price, plus a bonus for staying (switching
        cost) and the pull of a cross-sell offer from a firm I already buy from. A firm about
        to lose me may keep me with a retention offer.

        Args:
            category: the category I shop for.
            heard: this month's word of mouth (social proof).
            partner: the firm I buy another category from, or ``NO_FIRM``.
            triggered_by: the firm whose cross-sell offer brought me here, or ``NO_FIRM``.
            referred_by: the firm my contacts' praise brought me here for, or ``NO_FIRM``.
        """
        b, draws, tally = self.model.behaviour, self.model.draws, self.model.tally
        offers, i = self.model.offers, self.index
        current = self.firm_of[category]
        options: list[tuple[int, float]] = []  # (firm, utility), in firm order
        for f, offer in enumerate(offers):
            if self.aware[f] == 0 or not offer.offered(category):
                continue
            options.append((f, self.utility(category, f, heard, current, partner)))
        study = self.model.study
        contacted = study.applies(i, "contact", current)
        if contacted:  # the contact's credit: a discount on staying, paid if I stay
            credit = self.money_value(category, study.cents[category])
            options = [(f, u + credit) if f == current else (f, u) for f, u in options]
        chosen = logit_choice(options, b.outside_utility, draws.uniform("choice", i, category))
        weight = b.beta_price * self.price_sensitivity
        if weight > 0.0:  # my consumer surplus of this choice, in money
            ref_price = self.model.category_terms[category].ref_price
            tally.surplus[category] += (self.wtp * ref_price / weight
                                        * inclusive_value(options, b.outside_utility))
        # the firm about to lose me may make a retention offer, if it knows me well enough: a
        # discount on staying, which keeps me with the chance its value turns my choice;
        # otherwise I keep my first choice
        if current != NO_FIRM and chosen != current and offers[current].offered(category):
            p_offer = offers[current].retention_cap * self.knowledge[current]
            if p_offer > 0.0 and draws.uniform("retention_save", i, category) < p_offer:
                tally.counts[current]["retention_offers"] += 1
                keep = save_probability(options, b.outside_utility, current,
                                        self.offer_value(category, current))
                if draws.uniform("retention_choice", i, category) < keep:
                    chosen = current
                    tally.counts[current]["saved"] += 1
                    tally.counts[current]["retention_cost_cents"] += (
                        offers[current].save_cost_cents[category])
        if contacted:
            tally.counts[current]["retention_offers"] += 1
            if chosen == current:
                tally.counts[current]["retention_cost_cents"] += study.cents[category]
        tally.market[category]["in_market"] += 1
        if chosen != NO_FIRM:
            tally.chose[category][chosen] += 1
        else:
            tally.market[category]["no_buy"] += 1
        if chosen != NO_FIRM:
            tally.counts[chosen]["choices"] += 1
            if self.aware[chosen] == CH_WOM:
                tally.counts[chosen]["choices_peer"] += 1
            elif self.aware[chosen] == CH_AD:
                tally.counts[chosen]["choices_firm"] += 1
        if chosen == current:
            return
        if current != NO_FIRM:
            self.ended[category] = current
            tally.counts[current]["lost_switch" if chosen != NO_FIRM else "lost_outside"] += 1
        if chosen != NO_FIRM:
            # the acquisition is credited to the channel that brought me to the firm
            if chosen == triggered_by:
                tally.counts[chosen]["acq_cross_sell"] += 1
            elif chosen == referred_by:
                tally.counts[chosen]["acq_wom"] += 1
            else:
                tally.counts[chosen][ACQUISITION_COUNT.get(self.aware[chosen], "acq_initial")] += 1
        self.firm_of[category] = chosen
        self.tenure[category] = 0

    def price_of(self, category: int, f: int) -> tuple[float, int, int]:
        """What firm f charges me in this category: (money, paid cents, list cents).

        Its ordinary price, or its loyalty price if I am its customer here and have stayed at
        least ``loyal_after`` months (a firm that exploits its locked-in customers).
        """
        offer = self.model.offers[f]
        if self.firm_of[category] == f and self.tenure[category] >= offer.loyal_after:
            return (offer.loyal_price[category], offer.loyal_price_cents[category],
                    offer.loyal_list_cents[category])
        return offer.price[category], offer.price_cents[category], offer.list_cents[category]

    def utility(self, category: int, f: int, heard: Heard, current: int, partner: int,
                price: float | None = None) -> float:
        """Stage 3 (choice): my utility of firm f's offer in this category.

        Fit, quality, service, belief, social proof, generic appeal (neutral levers only),
        advertising salience, news of a new version (novelty, carried by advertising) and
        price (``price``, else what f charges me now); a bonus for staying with ``current``
        (switching cost) and the pull of a cross-sell offer from ``partner``, the firm I buy
        another category from.
        """
        if price is None:
            price, cents, _ = self.price_of(category, f)
            if self.model.study.applies(self.index, "loyalty", f):  # a member's reward
                price = (cents - self.model.study.cents[category]) / 100.0
        b, offer = self.model.behaviour, self.model.offers[f]
        ref_price = self.model.category_terms[category].ref_price
        fv = self.personalised_fit(category, f)
        u = (b.beta_fit * fv + b.beta_quality * offer.quality
             + b.beta_service * offer.service + b.beta_belief * self.belief[f]
             + b.beta_social * heard.buy[f] + b.beta_appeal * offer.appeal
             + b.beta_ad * self.ad_susceptibility * offer.ad_reach
             + b.beta_novelty * self.ad_susceptibility * offer.ad_reach * offer.novelty
             - b.beta_price * self.price_sensitivity * price
             / (self.wtp * ref_price))
        if f == current:
            u += b.switching_cost
        if f == partner:  # a personalised offer from the firm I already buy from, aimed at
            # what that firm thinks I need
            u += (b.beta_cross_sell * offer.cross_sell * self.knowledge[f]
                  * self.estimate_accuracy(category, f))
        return u

    # ---- what a firm thinks I need ------------------------------------------------------------
    def need_estimate(self, category: int, f: int, d: int, sd: float) -> float:
        """Firm f's estimate of my need in this category and dimension.

        My true need plus ``sd`` × a standard normal fixed for (me, firm, category, dimension):
        drawn from the firm's own two keys at slot category·D + d, never stored.
        """
        need = self.needs[category][d]
        if sd <= 0.0:
            return need
        key1, key2 = self.model.estimate_key_pairs[f]
        slot = category * len(self.needs[category]) + d
        return need + sd * rng.normal(key1, key2, self.index, slot)

    def estimate_sd(self, f: int) -> float:
        """Sd of firm f's error about my needs: it shrinks as the firm comes to know me."""
        return self.model.behaviour.estimate_error * (1.0 - self.knowledge[f])

    def personalised_fit(self, category: int, f: int) -> float:
        """Fit of firm f's offer, personalised toward its estimate of my need (§7.6)."""
        offer, width = self.model.offers[f], self.model.behaviour.fit_width
        personalisation = offer.personalisation
        if self.model.study.applies(self.index, "generic_offer", f):  # the generic offer
            personalisation = 0.0
        pk = personalisation * self.knowledge[f]
        sd = self.estimate_sd(f)
        d2 = 0.0
        for d, need in enumerate(self.needs[category]):
            x = offer.position[category][d]
            y = x
            if pk > 0.0:
                y = x + pk * (self.need_estimate(category, f, d, sd) - x)
            diff = need - y
            d2 += diff * diff
        return math.exp(-0.5 * d2 / (width * width))

    def estimate_accuracy(self, category: int, f: int) -> float:
        """How well firm f's estimate of my need matches it: 1 exact, → 0 far off."""
        sd = self.estimate_sd(f)
        if sd <= 0.0:
            return 1.0
        e2 = 0.0
        for d, need in enumerate(self.needs[category]):
            err = self.need_estimate(category, f, d, sd) - need
            e2 += err * err
        width = self.model.behaviour.fit_width
        return math.exp(-0.5 * e2 / (width * width))

    def offer_value(self, category: int, f: int) -> float:
        """What firm f's retention offer (a discount) adds to my utility of staying."""
        return self.money_value(category, self.model.offers[f].save_cost_cents[category])

    def money_value(self, category: int, cents: int) -> float:
        """What a discount of ``cents`` in this category adds to my utility (as a price cut)."""
        b = self.model.behaviour
        ref_price = self.model.category_terms[category].ref_price
        return b.beta_price * self.price_sensitivity * (cents / 100.0) / (self.wtp * ref_price)

    # ---- 4. experience -----------------------------------------------------------------------
    def experience(self, category: int) -> int:
        """Stage 4 (experience): use and pay for this month's product; returns cents paid.

        Satisfaction compares the experience with what I expected; my belief about the firm
        moves toward the experience, and the firm learns about me (its knowledge grows).
        """
        b, draws, tally = self.model.behaviour, self.model.draws, self.model.tally
        f = self.firm_of[category]
        offer = self.model.offers[f]
        ref_price = self.model.category_terms[category].ref_price
        fv = self.personalised_fit(category, f)
        # tenure before this month: a long-tenure customer of an exploiting firm pays more
        price, cents, list_cents = self.price_of(category, f)
        study = self.model.study
        if study.applies(self.index, "loyalty", f):  # a member's reward, off the price paid
            cents -= study.cents[category]
            price = cents / 100.0
        self.month_price[category] = price
        value = 1.0 - price / (self.wtp * ref_price)
        noise = b.noise_sd * draws.normal("experience_u1", "experience_u2", self.index, category)
        e = experience_of(fv, offer.quality, offer.service, value, b.w_fit, b.w_quality,
                          b.w_service, b.w_value, noise)
        score = satisfaction_score(e, self.belief[f], b.disconfirmation_weight)
        # frontline empowerment: staff may fix a bad experience on the spot, at a cost (a
        # field study's recovery treatment fixes every one of mine)
        recovery = 1.0 if study.applies(self.index, "recovery", f) else offer.recovery
        if (score <= b.detractor_threshold and recovery > 0.0
                and draws.uniform("recovery", self.index, category) < recovery):
            e = e if e > self.belief[f] else self.belief[f]
            score = satisfaction_score(e, self.belief[f], b.disconfirmation_weight)
            tally.counts[f]["recoveries"] += 1
            tally.counts[f]["recovery_cost_cents"] += offer.recovery_cents[category]
        if self.tenure[category] == 0:  # a new relationship starts from its first experience
            self.satisfaction[category] = score
        else:
            self.satisfaction[category] = ((1.0 - b.satisfaction_smoothing)
                                           * self.satisfaction[category]
                                           + b.satisfaction_smoothing * score)
        self.belief[f] = clamp01(self.belief[f] + b.belief_learning * (e - self.belief[f]))
        self.knowledge[f] = self.knowledge[f] + offer.learn * (1.0 - self.knowledge[f])
        if self.tenure[category] < MAX_TENURE:
            self.tenure[category] += 1
        self.spend += cents
        counts, sums = tally.counts[f], tally.sums[f]
        counts["units"] += 1
        counts["revenue_cents"] += cents
        counts["list_revenue_cents"] += list_cents
        counts["cogs_cents"] += offer.cost_cents[category]
        counts["service_cost_cents"] += offer.service_cents[category]
        counts["personalisation_cost_cents"] += offer.pers_cents[category]
        sums["fit_sum"] += fv
        sums["experience_sum"] += e
        # co-creating firms learn where their demand is: the mean of their estimates of the
        # needs of the customers they served
        need_sum = tally.need_sum[f][category]
        sd = self.estimate_sd(f)
        for d in range(len(self.needs[category])):
            need_sum[d] += self.need_estimate(category, f, d, sd)
        tally.need_count[f][category] += 1.0
        return cents

    # ---- 6. churn ----------------------------------------------------------------------------
    def maybe_churn(self, category: int, heard: Heard, partner: int) -> None:
        """Stage 6 (churn and retention): leave an unsatisfying firm, unless it keeps me.

        The chance of leaving rises as satisfaction falls below a threshold. A firm that knows
        me may make a retention offer (a discount); it keeps me with the chance its value turns
        a logit choice between staying, the rivals I know and buying nothing
        (:func:`save_probability`); if it does not, I leave to no firm.
        """
        b, draws, tally = self.model.behaviour, self.model.draws, self.model.tally
        f = self.firm_of[category]
        h = min(1.0, churn_hazard(self.satisfaction[category], b.churn_base,
                                  b.churn_sensitivity, b.churn_threshold) * self.churn_proneness)
        if h > 0.0 and draws.uniform("churn", self.index, category) < h:
            stays = False
            p_offer = self.model.offers[f].retention_cap * self.knowledge[f]
            # slots after the categories: distinct from the draws made at choice time
            slot = len(self.firm_of) + category
            if p_offer > 0.0 and draws.uniform("retention_save", self.index, slot) < p_offer:
                tally.counts[f]["retention_offers"] += 1
                offers = self.model.offers
                options = [(g, self.utility(category, g, heard, f, partner,
                                            price=self.month_price[category] if g == f else None))
                           for g in range(len(offers))
                           if g == f or (self.aware[g] != 0 and offers[g].offered(category))]
                keep = save_probability(options, b.outside_utility, f,
                                        self.offer_value(category, f))
                stays = draws.uniform("retention_choice", self.index, slot) < keep
            if stays:
                tally.counts[f]["saved"] += 1
                tally.counts[f]["retention_cost_cents"] += (
                    self.model.offers[f].save_cost_cents[category])
            else:
                tally.counts[f]["lost_churn"] += 1
                self.ended[category] = f
                self.firm_of[category] = NO_FIRM
                self.tenure[category] = 0

    # ---- 5. word of mouth --------------------------------------------------------------------
    def speak(self, topic: tuple[int, float] | None) -> None:
        """Stage 5 (word of mouth spoken): what I will tell my contacts next month.

        Args:
            topic: (firm, satisfaction) of my first relationship this month, or None: then I
                have nothing to say. I speak as a promoter, a passive or a detractor, by my
                satisfaction right after this month's experience.
        """
        if topic is None:
            self.next_voice = None
            return
        b, tally = self.model.behaviour, self.model.tally
        firm, s = topic
        if s >= b.promoter_threshold:
            opinion = VOICE_PROMOTER
        elif s <= b.detractor_threshold:
            opinion = VOICE_DETRACTOR
        else:
            opinion = VOICE_PASSIVE
        self.next_voice = (firm, opinion)
        counts = tally.counts[firm]
        counts["voice_customers"] += 1
        if opinion == VOICE_PROMOTER:
            counts["voice_promoters"] += 1
        elif opinion == VOICE_DETRACTOR:
            counts["voice_detractors"] += 1

    # ---- end of the month: what the firms' books see -----------------------------------------
    def report(self, paid: list[int]) -> None:
        """End of the step (for stage 7, accounting): what the firms' books count of me.

        Adds my relationships, satisfaction, awareness, beliefs and share of wallet to the
        firms' tallies.

        Args:
            paid: cents I paid each firm this month.
        """
        b, tally = self.model.behaviour, self.model.tally
        for category, firm in enumerate(self.firm_of):
            if firm == NO_FIRM:
                continue
            s = self.satisfaction[category]
            counts = tally.counts[firm]
            counts["rel"] += 1
            counts["tenure_sum"] += self.tenure[category]
            tally.sums[firm]["satisfaction_sum"] += s
            if s >= b.promoter_threshold:
                counts["promoters"] += 1
            elif s <= b.detractor_threshold:
                counts["detractors"] += 1
        paid_total = sum(paid)
        for f, known in enumerate(self.aware):
            counts, sums = tally.counts[f], tally.sums[f]
            if known != 0:
                counts["aware"] += 1
                sums["belief_sum"] += self.belief[f]
            if f in self.firm_of:
                counts["customers"] += 1
                sums["knowledge_sum"] += self.knowledge[f]
                if paid_total > 0:
                    sums["wallet_share_sum"] += paid[f] / paid_total


# ----------------------------------------------------------------------------------------------
# The rules a customer applies, as small pure functions (twins of sim.kernels.stages)


def fit(need: list[float], position: list[float], personalisation: float, knowledge: float,
        width: float) -> float:
    """Fit in (0, 1] of an offer at ``position`` to a ``need``: Gaussian in their distance.

    Personalisation moves the offer toward the need in proportion to what the firm knows of the
    customer: the distance shrinks by ``personalisation * knowledge``.
    """
    d2 = 0.0
    for x, p in zip(need, position, strict=True):
        diff = x - p
        d2 += diff * diff
    shrink = 1.0 - personalisation * knowledge
    d2 *= shrink * shrink
    return math.exp(-0.5 * d2 / (width * width))


def whole_power(base: float, n: int) -> float:
    """``base ** n`` for a whole ``n >= 0``, by repeated squaring.

    This is how Numba compiles ``float ** int``; Python's ``**`` calls the C library's ``pow``,
    which can differ in the last bit. Matching it keeps both paths' random comparisons equal.
    """
    result = 1.0
    while n:
        if n & 1:
            result *= base
        n >>= 1
        base *= base
    return result


def pick_event(events: list[tuple[int, int, float]], u: float) -> tuple[int, int]:
    """The (channel, firm) of the event whose slice of the cumulative hazard holds ``u``.

    ``u`` is already scaled to [0, total hazard). Rounding at the end of the cumulative sum is
    guarded by returning the last event with a positive hazard.
    """
    acc = 0.0
    last = events[-1]  # replaced by the first event with a positive hazard (total > 0: one is)
    for event in events:
        if event[2] > 0.0:
            acc += event[2]
            last = event
            if u < acc:
                break
    return last[0], last[1]


def logit_choice(options: list[tuple[int, float]], outside: float, u: float) -> int:
    """Multinomial-logit choice among ``(firm, utility)`` options and buying nothing.

    Probabilities are exp(U − max U) normalised, laid out with the outside option first and the
    firms in order; ``u`` in [0, 1) picks one. Returns the firm, or ``NO_FIRM`` for nothing.
    """
    top = outside
    for _, utility in options:
        if utility > top:
            top = utility
    weights = [math.exp(utility - top) for _, utility in options]
    total = math.exp(outside - top)
    for w in weights:
        total += w
    x = u * total
    acc = math.exp(outside - top)
    if x < acc:
        return NO_FIRM
    chosen = NO_FIRM
    for (firm, _), w in zip(options, weights, strict=True):
        acc += w
        chosen = firm
        if x < acc:
            break
    return chosen


def inclusive_value(options: list[tuple[int, float]], outside: float) -> float:
    """ln(e^{u₀} + Σ e^{U_f}) over the options: the choice set's expected maximum utility."""
    top = outside
    for _, utility in options:
        if utility > top:
            top = utility
    total = math.exp(outside - top)
    for _, utility in options:
        total += math.exp(utility - top)
    return top + math.log(total)


def save_probability(options: list[tuple[int, float]], outside: float, keeper: int,
                     bonus: float) -> float:
    """Chance a retention offer worth ``bonus`` utils keeps a customer of ``keeper`` who would go.

    (P₁ − P₀) / (1 − P₀), P₀ and P₁ the logit probabilities of ``keeper`` among ``options``
    (``(firm, utility)`` in firm order, ``keeper`` among them) and buying nothing, without and
    with the offer: the offer keeps only those its value turns, nobody when it is worth
    nothing. 0 when ``keeper`` already had P₀ = 1.
    """
    top = outside
    for _, utility in options:
        if utility > top:
            top = utility
    rest = math.exp(outside - top)
    u_keeper = 0.0
    for firm, utility in options:
        if firm == keeper:
            u_keeper = utility
        else:
            rest += math.exp(utility - top)
    d = u_keeper - top
    w0 = math.exp(d)
    w1 = math.exp(min(d + bonus, 700.0))  # as the kernel caps it (exp would overflow)
    p0 = w0 / (rest + w0)
    p1 = w1 / (rest + w1)
    if not p1 > p0 or p0 >= 1.0:
        return 0.0
    return (p1 - p0) / (1.0 - p0)


def experience_of(fit: float, quality: float, service: float, value: float, w_fit: float,
                  w_quality: float, w_service: float, w_value: float, noise: float) -> float:
    """Experience of one month with a firm: weighted fit, quality, service, value, plus noise."""
    wsum = w_fit + w_quality + w_service + w_value
    if wsum <= 0.0:
        return noise
    weighted = w_fit * fit + w_quality * quality + w_service * service + w_value * value
    return weighted / wsum + noise


def satisfaction_score(experience: float, expectation: float, disconfirmation: float) -> float:
    """0–10 satisfaction with one experience: its level plus how far it beat expectation."""
    s = 10.0 * (experience + disconfirmation * (experience - expectation))
    if s < 0.0:
        return 0.0
    if s > 10.0:
        return 10.0
    return s


def churn_hazard(satisfaction: float, base: float, sensitivity: float, threshold: float) -> float:
    """Monthly chance of leaving: a base rate plus a rise per 10 points below the threshold."""
    gap = threshold - satisfaction
    if gap < 0.0:
        gap = 0.0
    h = base + sensitivity * gap / 10.0
    return 1.0 if h > 1.0 else h


def clamp01(x: float) -> float:
    """Clamp to [0, 1]."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


def pack_voice(voice: Voice) -> int:
    """A voice as the fast path stores it (``state.voice``): (firm + 1) | (opinion << 4)."""
    if voice is None:
        return 0
    firm, opinion = voice
    return (firm + 1) | (opinion << 4)


def unpack_voice(code: int) -> Voice:
    """The (firm, opinion) of a packed voice; None for 0 (nothing to say)."""
    if code == 0:
        return None
    return (code & 15) - 1, code >> 4
