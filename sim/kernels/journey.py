"""The customer journey of one step (brief stages 2–6) as one fused, parallel Numba pass.

Customers are processed in fixed blocks of :data:`~sim.kernels.layout.BLOCK`; each block writes
its own slice of the tally arrays and the model sums the slices in block order afterwards, so
the result is bit-identical for any number of threads. All randomness comes from counter-based
draws keyed by (seed, step, purpose, customer, slot) (``sim.rng``). Within a step no customer
reads another's new state: word of mouth reads last step's voices (``voice_prev``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..rng import PURPOSE, normal_nb, uniform_nb
from .layout import (
    BLOCK,
    C_COST,
    C_LIST,
    C_LOYAL_LIST,
    C_LOYAL_PRICE,
    C_PERS,
    C_PRICE,
    C_RECOVERY,
    C_SAVE,
    C_SERVICE,
    CAT_OCCASION,
    CAT_REF_PRICE,
    CAT_RENEWAL,
    CATEGORY,
    CH_AD,
    CH_SEARCH,
    CH_WOM,
    CT_CHOSE,
    CT_IN_MARKET,
    CT_NO_BUY,
    F_BELIEF,
    F_EXPERIENCE,
    F_FIT,
    F_KNOWLEDGE,
    F_SAT,
    F_WALLET,
    FIRM_CENTS,
    FIRM_FLOATS,
    FIRM_MONEY,
    L_CONTRIBUTION,
    L_RECOVERIES,
    M_LOYAL_PRICE,
    M_PRICE,
    MARKET_VOICE,
    N_FTALLY,
    N_GROUPS,
    N_ITALLY,
    O_AD_REACH,
    O_APPEAL,
    O_CROSS_SELL,
    O_LEARN,
    O_NOVELTY,
    O_PERSONALISATION,
    O_QUALITY,
    O_RECOVERY,
    O_REFERRAL,
    O_RETENTION_CAP,
    O_SERVICE,
    P_AD_FATIGUE,
    P_AD_RESPONSE,
    P_B_AD,
    P_B_APPEAL,
    P_B_BELIEF,
    P_B_FIT,
    P_B_NOVELTY,
    P_B_PRICE,
    P_B_QUALITY,
    P_B_SERVICE,
    P_B_SOCIAL,
    P_B_XSELL,
    P_BELIEF_LEARN,
    P_CHURN_BASE,
    P_CHURN_SENS,
    P_CHURN_THR,
    P_DETRACTOR,
    P_DISCONF,
    P_EST_ERR,
    P_FIT_WIDTH,
    P_NEG_WOM,
    P_NOISE,
    P_OUTSIDE,
    P_PRIOR,
    P_PROMOTER,
    P_REFERRAL_TRIGGER,
    P_SEARCH,
    P_SMOOTH,
    P_SWITCH,
    P_W_FIT,
    P_W_QUALITY,
    P_W_SERVICE,
    P_W_VALUE,
    P_WOM,
    P_WOM_BELIEF,
    P_XSELL_TRIGGER,
    T_ACQ_AD,
    T_ACQ_INITIAL,
    T_ACQ_SEARCH,
    T_ACQ_WOM,
    T_ACQ_XSELL,
    T_AWARE,
    T_AWARE_AD,
    T_AWARE_SEARCH,
    T_AWARE_WOM,
    T_CHOICES,
    T_CHOICES_FIRM,
    T_CHOICES_PEER,
    T_COGS,
    T_CUSTOMERS,
    T_DETRACTORS,
    T_EXPOSED_UNAWARE,
    T_EXPOSURES,
    T_LIST_REVENUE,
    T_LOST_CHURN,
    T_LOST_OUTSIDE,
    T_LOST_SWITCH,
    T_OFFERS,
    T_PERS_COST,
    T_PROMOTERS,
    T_RECOVERIES,
    T_RECOVERY_COST,
    T_REL,
    T_REL_START,
    T_RETENTION_COST,
    T_REVENUE,
    T_SAVED,
    T_SERVICE_COST,
    T_TENURE_SUM,
    T_UNITS,
    T_VOICE_CUST,
    T_VOICE_DET,
    T_VOICE_PROM,
    TK_CONTACT,
    TK_GENERIC,
    TK_LOYALTY,
    TK_NONE,
    TK_RECOVERY,
    TR_FIRM,
    TR_KIND,
    V_NEG,
    V_POS,
    V_SOC,
)
from .stages import (
    N_VOICE_CODES,
    ad_hazard,
    churn_hazard,
    clamp01,
    estimate_accuracy,
    estimate_sd,
    experience_of,
    fit_of,
    hear_word_of_mouth_into,
    inclusive_value,
    logit_pick_into,
    need_estimate,
    offer_utility,
    personalised_fit,
    pick_by_hazard,
    recovered_experience,
    satisfaction_score,
    save_probability,
    voice_code,
)

K_EXPOSURE = PURPOSE["ad_exposure"]
K_ACTIVATION = PURPOSE["activation"]
K_PICK = PURPOSE["activation_pick"]
K_OCCASION = PURPOSE["occasion"]
K_CHOICE = PURPOSE["choice"]
K_EXP1 = PURPOSE["experience_u1"]
K_EXP2 = PURPOSE["experience_u2"]
K_SAVE = PURPOSE["retention_save"]
K_CHURN = PURPOSE["churn"]
K_XSELL = PURPOSE["cross_sell"]
K_RECHOICE = PURPOSE["retention_choice"]
K_RECOVERY = PURPOSE["recovery"]
K_REFERRAL = PURPOSE["referral"]


def n_blocks(n_customers: int) -> int:
    """Number of fixed-size customer blocks (the first axis of the tally arrays)."""
    return max(1, -(-n_customers // BLOCK))


def new_tallies(n_customers: int, n_firms: int, n_categories: int, need_dims: int):
    """Zeroed (int tallies, float tallies, need sums, category tallies, surplus) arrays.

    The need sums have ``need_dims + 1`` slots: the summed needs of the customers each firm
    served in each category, and their count. The category tallies (``layout.CTALLY``) count,
    per category, the customers in the market, those who bought nothing, then those who chose
    each firm; the surplus sums the consumer surplus of the customers in the market per
    category.
    """
    nb = n_blocks(n_customers)
    return (np.zeros((nb, n_firms, N_ITALLY), np.int64),
            np.zeros((nb, n_firms, N_FTALLY), np.float64),
            np.zeros((nb, n_firms, n_categories, need_dims + 1), np.float64),
            np.zeros((nb, n_categories, CT_CHOSE + n_firms), np.int64),
            np.zeros((nb, n_categories), np.float64))


def new_group_tallies(n_customers: int, n_firms: int, n_categories: int, active: bool):
    """Zeroed per-stratum tallies of a field study's customers (ODD §7.19).

    Returns (int tallies [B, N_GROUPS, F, len(ITALLY)], category tallies
    [B, N_GROUPS, C, 2 + F]) when ``active``, else empty arrays (no customer is in a study, so
    the kernel never writes them).
    """
    nb = n_blocks(n_customers) if active else 0
    return (np.zeros((nb, N_GROUPS, n_firms, N_ITALLY), np.int64),
            np.zeros((nb, N_GROUPS, n_categories, CT_CHOSE + n_firms), np.int64))


#: Largest cache of the need-estimate normals (:func:`estimate_normals`) the model keeps.
EST_CACHE_BYTES = 64 * 2**20


def estimate_normals(est_keys: np.ndarray, n_customers: int, n_categories: int,
                     need_dims: int) -> np.ndarray:
    """The standard normals of every firm's fixed need-estimate errors, drawn once.

    ``est_z[i, f, c·D + d]`` is the very draw :func:`~sim.kernels.stages.need_estimate` would
    make (same function, same key, same slot), so reading it instead changes no bit of any
    result; it saves two to five Box–Muller draws per relationship and step. The cache costs
    8·F·C·D bytes per customer, so it is made only up to :data:`EST_CACHE_BYTES`; beyond, the
    returned array is empty and the kernel draws as before.

    Args:
        est_keys: each firm's two stream keys (uint64 [F, 2]).
        n_customers: N.
        n_categories: C.
        need_dims: D.

    Returns:
        float64 [N, F, C·D], or [0, F, C·D] when the cache would exceed the limit.
    """
    n_firms = est_keys.shape[0]
    slots = n_categories * need_dims
    if n_customers * n_firms * slots * 8 > EST_CACHE_BYTES:
        return np.zeros((0, n_firms, slots), np.float64)
    out = np.empty((n_customers, n_firms, slots), np.float64)
    _fill_normals(est_keys, out)
    return out


@njit(cache=True, parallel=True)
def _fill_normals(est_keys, out):
    for i in prange(out.shape[0]):
        for f in range(out.shape[1]):
            for slot in range(out.shape[2]):
                out[i, f, slot] = normal_nb(est_keys[f, 0], est_keys[f, 1], i, slot)


def pack(named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Group named offer, category and market-voice arrays as :func:`journey_step` takes them.

    Args:
        named: arrays by name: every name of ``layout.FIRM_FLOATS`` (float64 [F]),
            ``FIRM_MONEY`` (float64 [F, C]), ``FIRM_CENTS`` (int64 [F, C]), ``CATEGORY``
            (float64 [C]) and ``MARKET_VOICE`` (float64 [F]); other entries pass through.

    Returns:
        The same entries with those replaced by ``firm_floats``, ``firm_money``,
        ``firm_cents``, ``category`` and ``market_voice``.
    """
    groups = {"firm_floats": (FIRM_FLOATS, np.float64), "firm_money": (FIRM_MONEY, np.float64),
              "firm_cents": (FIRM_CENTS, np.int64), "category": (CATEGORY, np.float64),
              "market_voice": (MARKET_VOICE, np.float64)}
    grouped = set().union(*(names for names, _ in groups.values()))
    out = {k: v for k, v in named.items() if k not in grouped}
    for key, (names, dtype) in groups.items():
        out[key] = np.ascontiguousarray(np.stack([named[k] for k in names]), dtype=dtype)
    return out


@njit(cache=True, parallel=True)
def journey_step(  # noqa: D417 - related arrays are documented together
    indptr, indices, fully_mixed, market_voice,
    needs, wtp, price_sensitivity, peer_susceptibility, ad_susceptibility, churn_proneness,
    aware, exposures, belief, knowledge, firm_of, tenure, satisfaction, spend,
    voice_prev, voice_next, ended,
    offer_pos, firm_floats, firm_money, firm_cents, loyal_after, est_keys, est_z,
    category, prm, keys,
    itally, ftally, need_sum, ctally, csurplus,
    group, treatment, treat_cents, gtally, gctally, ledger,
):
    """Run awareness, choice, experience, churn and word of mouth for every customer, once.

    Args:
        indptr, indices: the social network in CSR form (int64, int32).
        fully_mixed: if True, ignore the network and hear the whole market (``market_voice``).
        market_voice: rows ``layout.MARKET_VOICE`` (float64 [3, F]): market shares of
            promoters, detractors and customers of each firm last step; used when
            ``fully_mixed``.
        needs: need vectors (float32 [N, C, D]); wtp: willingness to pay, × reference price;
            price_sensitivity, peer_susceptibility, ad_susceptibility: traits (float32 [N]);
            churn_proneness: multiplier on each customer's churn hazard (float32 [N]).
        aware: 0 if customer i does not know firm f, else the channel it learnt it from (uint8
            [N, F]); exposures: ad exposures so far (uint8 [N, F]); belief: expected experience
            of each firm (float64 [N, F]); knowledge: what firm f knows of i, 0–1 (float64 [N, F]).
        firm_of: current firm per category, -1 none (int8 [N, C]); tenure: months with it (int16
            [N, C]); satisfaction: 0–10 (float64 [N, C]); spend: money spent, cents (int64 [N]).
        voice_prev, voice_next: word-of-mouth state read from last step and written for the next
            (int8 [N]); ended: firm whose relationship ended this step, -1 none (int8 [N, C]).
        offer_pos: offer positions (float64 [F, C, D]).
        firm_floats: rows ``layout.FIRM_FLOATS`` (float64 [11, F]): quality, service,
            personalisation, learn (knowledge gained per interaction), ad_reach,
            retention_cap, cross_sell (firm capabilities this step); appeal: generic appeal of
            a firm's lever money under neutral levers, else 0; novelty: novelty of each firm's
            latest version, 0–1; recovery: chance a bad experience is fixed on the spot;
            referral: factor on the firm's word-of-mouth referral hazard, 1 unless an
            intervention sets it.
        firm_money: rows ``layout.FIRM_MONEY`` (float64 [2, F, C]): price paid (money) and the
            loyalty price (the ordinary price for a firm that does not exploit).
        firm_cents: rows ``layout.FIRM_CENTS`` (int64 [9, F, C]): paid, list and
            production-cost prices (price_cents < 0: not offered), service and
            personalisation delivery cost per unit, cost of one retention offer, cost of one
            recovery, and the loyalty price paid and list.
        loyal_after: tenure (months) from which a firm charges its long-tenure customers its
            loyalty price (int64 [F]).
        est_keys: each firm's keys of its fixed need-estimate errors (uint64 [F, 2]); est_z:
            those errors' standard normals, drawn once (float64 [N, F, C·D],
            :func:`estimate_normals`), or an empty [0, F, C·D] array to draw them where needed
            (same bits).
        category: rows ``layout.CATEGORY`` (float64 [3, C]): reference price, occasion and
            renewal probability of each category.
        prm: behaviour parameters (float64, indexed by ``layout.P_*``); keys: this step's
            stream keys (uint64, indexed by ``rng.PURPOSE``).
        itally, ftally, need_sum, ctally: per-block outputs, zeroed by the caller
            (:func:`new_tallies`): need_sum is [B, F, C, D + 1], summed needs of the customers
            served, then their count; ctally is [B, C, 2 + F], per category the customers in
            the market, those who bought nothing, and those who chose each firm; csurplus is
            [B, C], per category the summed consumer surplus (money) of the customers in the
            market: inclusive value × wtp · ref_price / (beta_price · price sensitivity).
        group: a field study's stratum of each customer, 0 outside the study (int8 [N], or
            [0] when nobody is in a study); treatment: rows ``layout.TREATMENT`` (float64 [3]):
            the kind (``layout.TK_*``) done to every study customer, the firm it concerns and
            its value; treat_cents: its money per unit in each category (int64 [C]).
        gtally, gctally: per-block, per-stratum int and category tallies of the study's
            customers (:func:`new_group_tallies`; their counts are in itally and ctally too);
            ledger: per study customer, with the treatment's firm, the summed
            ``layout.LEDGER`` (int64 [N or 0, 2]). A study's customers count first into a
            scratch tally that is then added to both, so that every integer tally is the same
            as without a study (ODD §7.19).
    """
    global_pos, global_neg, global_soc = market_voice[V_POS], market_voice[V_NEG], \
        market_voice[V_SOC]
    quality, service = firm_floats[O_QUALITY], firm_floats[O_SERVICE]
    personalisation, learn = firm_floats[O_PERSONALISATION], firm_floats[O_LEARN]
    ad_reach, retention_cap = firm_floats[O_AD_REACH], firm_floats[O_RETENTION_CAP]
    cross_sell, appeal = firm_floats[O_CROSS_SELL], firm_floats[O_APPEAL]
    novelty, recovery, referral = firm_floats[O_NOVELTY], firm_floats[O_RECOVERY], \
        firm_floats[O_REFERRAL]
    price, loyal_price = firm_money[M_PRICE], firm_money[M_LOYAL_PRICE]
    price_cents, list_cents, cost_cents = firm_cents[C_PRICE], firm_cents[C_LIST], \
        firm_cents[C_COST]
    service_cents, pers_cents = firm_cents[C_SERVICE], firm_cents[C_PERS]
    save_cost_cents, recovery_cents = firm_cents[C_SAVE], firm_cents[C_RECOVERY]
    loyal_price_cents, loyal_list_cents = firm_cents[C_LOYAL_PRICE], firm_cents[C_LOYAL_LIST]
    ref_price, occasion_prob, renewal_prob = category[CAT_REF_PRICE], category[CAT_OCCASION], \
        category[CAT_RENEWAL]
    n = needs.shape[0]
    n_firms = aware.shape[1]
    n_cat = firm_of.shape[1]
    nb = itally.shape[0]
    for b in prange(nb):
        pos = np.empty(n_firms)
        neg = np.empty(n_firms)
        soc = np.empty(n_firms)
        hz = np.empty(2 * n_firms + 1)
        util = np.empty(n_firms)
        avail = np.empty(n_firms, np.bool_)
        cat_paid = np.zeros(n_firms, np.int64)
        weights = np.empty(n_firms)
        fits = np.empty(n_firms)
        is_customer = np.empty(n_firms, np.bool_)
        counts = np.zeros(N_VOICE_CODES, np.int64)
        pers_row = np.empty(n_firms)
        sit = np.zeros((n_firms, N_ITALLY), np.int64)
        sct = np.zeros((n_cat, CT_CHOSE + n_firms), np.int64)
        it = itally[b]
        ft = ftally[b]
        ns = need_sum[b]
        ct = ctally[b]
        cs = csurplus[b]
        _block_of_customers(
            b * BLOCK, min(n, (b + 1) * BLOCK),
            indptr, indices, fully_mixed, global_pos, global_neg, global_soc,
            needs, wtp, price_sensitivity, peer_susceptibility, ad_susceptibility, churn_proneness,
            aware, exposures, belief, knowledge, firm_of, tenure, satisfaction, spend,
            voice_prev, voice_next, ended,
            offer_pos, quality, service, personalisation, learn, ad_reach, retention_cap,
            cross_sell, appeal, novelty, recovery, recovery_cents, est_keys, est_z, loyal_after,
            loyal_price, loyal_price_cents,
            loyal_list_cents, referral, price, price_cents, list_cents, cost_cents,
            service_cents, pers_cents, save_cost_cents,
            ref_price, occasion_prob, renewal_prob, prm, keys,
            it, ft, ns, ct, cs, pos, neg, soc, hz, util, avail, cat_paid, weights, fits,
            is_customer, counts, n_firms, n_cat,
            group, treatment, treat_cents, gtally, gctally, ledger, b, pers_row, sit, sct,
        )


@njit(cache=True)
def _utility(i, c, f, g, other, needs, fv, knowledge, quality, service,
             belief, soc, appeal, novelty, est_keys, est_z, ad_susceptibility, ad_reach, cross_sell,
             p_fc, wtp_i, ps_i, ref_price, prm):
    """Customer i's utility of firm f's offer in category c (§7.7 of the ODD).

    ``fv`` is the fit of f's (personalised) offer to i (:func:`personalised_fit`), ``g`` the
    customer's current firm in c (switching-cost bonus), ``other`` the firm of another category
    (cross-sell pull), ``p_fc`` the price f charges this customer; the other arguments are as
    in :func:`journey_step`.
    """
    u = (prm[P_B_FIT] * fv + prm[P_B_QUALITY] * quality[f]
         + prm[P_B_SERVICE] * service[f] + prm[P_B_BELIEF] * belief[i, f]
         + prm[P_B_SOCIAL] * soc[f] + prm[P_B_APPEAL] * appeal[f]
         + prm[P_B_AD] * ad_susceptibility[i] * ad_reach[f]
         + prm[P_B_NOVELTY] * ad_susceptibility[i] * ad_reach[f] * novelty[f]
         - prm[P_B_PRICE] * ps_i * p_fc / (wtp_i * ref_price[c]))
    if f == g:
        u += prm[P_SWITCH]
    if f == other:  # the cross-sell offer is aimed at the firm's estimate of the need
        pull = prm[P_B_XSELL] * cross_sell[f] * knowledge[i, f]
        if pull != 0.0:  # (a zero pull times the accuracy is that same zero: skip computing it)
            pull = pull * estimate_accuracy(needs, i, c, knowledge[i, f], prm[P_FIT_WIDTH],
                                            prm[P_EST_ERR], est_keys[f, 0], est_keys[f, 1],
                                            est_z, f)
        u += pull
    return u


@njit(cache=True)
def _merge_study_customer(i, k, tf, it, ct, sit, sct, git, gct, ledger):
    """Add a study customer's scratch tallies to the block's and stratum ``k``'s; zero them.

    Integer sums do not depend on their order, so the block's tallies are exactly what they
    would be without the study. The customer's contribution with firm ``tf`` (cents paid −
    production, service and personalisation delivery − retention offers and contact credits −
    recovery costs) and their recoveries there are added to ``ledger[i]``.
    """
    ledger[i, L_CONTRIBUTION] += (sit[tf, T_REVENUE] - sit[tf, T_COGS] - sit[tf, T_SERVICE_COST]
                                  - sit[tf, T_PERS_COST] - sit[tf, T_RETENTION_COST]
                                  - sit[tf, T_RECOVERY_COST])
    ledger[i, L_RECOVERIES] += sit[tf, T_RECOVERIES]
    _move_counts(sit, it, git[k])
    _move_counts(sct, ct, gct[k])


@njit(cache=True)
def _move_counts(scratch, total, stratum):
    """Add the 2-D integer ``scratch`` into ``total`` and ``stratum``, then zero it."""
    for r in range(scratch.shape[0]):
        for t in range(scratch.shape[1]):
            x = scratch[r, t]
            if x != 0:
                total[r, t] += x
                stratum[r, t] += x
                scratch[r, t] = 0


@njit(cache=True)
def _best_unknown_fit(i, needs, aware, offer_pos, width, u):
    """The firm customer i does not know yet whose core (category 0) offer fits them best.

    Ties (firms that start with the same offer) are broken at random by ``u`` in [0, 1), so
    no firm is found first because of its place in the configuration.
    """
    best = -1.0
    ties = 0
    for f in range(aware.shape[1]):
        if aware[i, f] == 0:
            fv = fit_of(needs, i, 0, offer_pos, f, 0.0, 0.0, width)
            if fv > best:
                best = fv
                ties = 1
            elif fv == best:
                ties += 1
    k = min(ties - 1, int(u * ties))
    for f in range(aware.shape[1]):
        if aware[i, f] == 0 and fit_of(needs, i, 0, offer_pos, f, 0.0, 0.0, width) == best:
            if k == 0:
                return f
            k -= 1
    return -1


@njit(cache=True)
def _block_of_customers(
    first, last, indptr, indices, fully_mixed, global_pos, global_neg, global_soc,
    needs, wtp, price_sensitivity, peer_susceptibility, ad_susceptibility, churn_proneness,
    aware, exposures, belief, knowledge, firm_of, tenure, satisfaction, spend,
    voice_prev, voice_next, ended,
    offer_pos, quality, service, personalisation, learn, ad_reach, retention_cap, cross_sell,
    appeal, novelty, recovery, recovery_cents, est_keys, est_z, loyal_after, loyal_price,
    loyal_price_cents, loyal_list_cents, referral,
    price, price_cents, list_cents, cost_cents, service_cents, pers_cents, save_cost_cents,
    ref_price, occasion_prob, renewal_prob, prm, keys,
    it, ft, ns, ct, cs, pos, neg, soc, hz, util, avail, cat_paid, weights, fits, is_customer,
    counts, n_firms, n_cat,
    group, treatment, treat_cents, gtally, gctally, ledger, b, pers_row, sit, sct,
):
    """Stages 2–6 for customers ``first`` to ``last - 1`` (arguments as :func:`journey_step`).

    One call per block, so the many array arguments are passed once per block, not once per
    customer. ``b`` is the block's index; ``pers_row``, ``sit`` and ``sct`` are its scratch
    arrays for a study customer (the personalisation each firm applies to them, their int and
    category tallies).
    """
    kind = int(treatment[TR_KIND])
    tf = int(treatment[TR_FIRM])
    for i in range(first, last):
        grp = group[i] if group.shape[0] > 0 else 0
        # a study customer counts into the scratch tallies (added to the block's below)
        itc = sit if grp > 0 else it
        ctc = sct if grp > 0 else ct
        treated = grp > 0 and kind != TK_NONE
        contact = treated and kind == TK_CONTACT
        loyalty = treated and kind == TK_LOYALTY
        for f in range(n_firms):
            pers_row[f] = personalisation[f]
        if treated and kind == TK_GENERIC:  # the firm shows this customer its generic offer
            pers_row[tf] = 0.0
        # ---- 2. awareness: word of mouth heard, ad exposure, own search --------------------------
        if fully_mixed:
            for f in range(n_firms):
                pos[f] = global_pos[f]
                neg[f] = global_neg[f]
                soc[f] = global_soc[f]
        else:
            hear_word_of_mouth_into(i, indptr, indices, voice_prev, pos, neg, soc, counts)

        wom = prm[P_WOM] * peer_susceptibility[i]
        total = 0.0
        unaware = False
        for f in range(n_firms):
            if aware[i, f] == 0:
                unaware = True
            h_ad = 0.0
            if ad_reach[f] > 0.0 and uniform_nb(keys[K_EXPOSURE], i, f) < ad_reach[f]:
                x = exposures[i, f]
                itc[f, T_EXPOSURES] += 1
                if aware[i, f] == 0:
                    itc[f, T_EXPOSED_UNAWARE] += 1
                    h_ad = ad_hazard(prm[P_AD_RESPONSE], ad_susceptibility[i], prm[P_AD_FATIGUE], x)
                if x < 255:
                    exposures[i, f] = x + 1
            h_wom = wom * referral[f] * pos[f] if aware[i, f] == 0 else 0.0
            hz[f] = h_ad
            hz[n_firms + f] = h_wom
            total += h_ad + h_wom
        # own search can find any firm the customer does not know yet (which one is settled only
        # if search is the event drawn: the best-fitting one, so the fits are computed lazily)
        hz[2 * n_firms] = prm[P_SEARCH] if unaware else 0.0
        total += hz[2 * n_firms]
        if total > 0.0 and uniform_nb(keys[K_ACTIVATION], i, 0) < total:
            k = pick_by_hazard(uniform_nb(keys[K_PICK], i, 0) * total, hz, 2 * n_firms + 1)
            if k == 2 * n_firms:
                f = _best_unknown_fit(i, needs, aware, offer_pos, prm[P_FIT_WIDTH],
                                      uniform_nb(keys[K_PICK], i, 1))
                channel = CH_SEARCH
                itc[f, T_AWARE_SEARCH] += 1
            elif k >= n_firms:
                f, channel = k - n_firms, CH_WOM
                itc[f, T_AWARE_WOM] += 1
            else:
                f, channel = k, CH_AD
                itc[f, T_AWARE_AD] += 1
            aware[i, f] = channel
            belief[i, f] = prm[P_PRIOR]
        # word of mouth moves beliefs about known firms; warnings weigh more than praise
        for f in range(n_firms):
            if aware[i, f] != 0 and (pos[f] > 0.0 or neg[f] > 0.0):
                bel = belief[i, f]
                bel += prm[P_WOM_BELIEF] * (pos[f] * (1.0 - bel) - prm[P_NEG_WOM] * neg[f] * bel)
                belief[i, f] = clamp01(bel)

        # ---- 3. choice, 4. experience, 6. churn, per category ------------------------------------
        for f in range(n_firms):
            cat_paid[f] = 0
        paid_total = 0
        # 5. word of mouth: a customer speaks about the firm of their first category with a
        # relationship, as satisfied as they are after this month's experience (before churn, so
        # those who leave unhappy still warn their neighbours)
        primary = -1
        primary_sat = 0.0
        wtp_i = float(wtp[i])
        ps_i = float(price_sensitivity[i])
        for c in range(n_cat):
            ended[i, c] = -1
            g = firm_of[i, c]
            if g >= 0:
                itc[g, T_REL_START] += 1
            # the firm of another category this customer buys from (cross-sell trigger)
            other = -1
            for cc in range(n_cat):
                if cc != c and firm_of[i, cc] >= 0:
                    other = firm_of[i, cc]
                    break
            in_market = False
            triggered = -1
            fit_known = -1  # the firm whose fit to i in c is in fits[] (none yet)
            if g < 0:
                if uniform_nb(keys[K_OCCASION], i, c) < occasion_prob[c]:
                    in_market = True
                elif other >= 0 and price_cents[other, c] >= 0:
                    p_trig = prm[P_XSELL_TRIGGER] * cross_sell[other] * knowledge[i, other]
                    if p_trig != 0.0:  # zero stays zero: the accuracy is needed only otherwise
                        p_trig = p_trig * estimate_accuracy(
                            needs, i, c, knowledge[i, other], prm[P_FIT_WIDTH], prm[P_EST_ERR],
                            est_keys[other, 0], est_keys[other, 1], est_z, other)
                    if p_trig > 0.0 and uniform_nb(keys[K_XSELL], i, c) < p_trig:
                        in_market = True
                        triggered = other
            elif contact and g == tf:  # a proactive contact: the customer reconsiders now
                in_market = True
            elif uniform_nb(keys[K_OCCASION], i, c) < renewal_prob[c]:
                in_market = True
            # a recommendation: contacts' praise for a firm the customer knows (other than the
            # one they buy from here) brings them to the market for it, at the word-of-mouth
            # hazard times ``referral_trigger``
            referred = -1
            if not in_market and prm[P_REFERRAL_TRIGGER] > 0.0:
                r_total = 0.0
                for f in range(n_firms):
                    h = 0.0
                    if f != g and aware[i, f] != 0 and price_cents[f, c] >= 0 and pos[f] > 0.0:
                        h = prm[P_REFERRAL_TRIGGER] * wom * referral[f] * pos[f]
                    hz[f] = h
                    r_total += h
                if r_total > 0.0 and uniform_nb(keys[K_REFERRAL], i, c) < r_total:
                    in_market = True
                    referred = pick_by_hazard(
                        uniform_nb(keys[K_REFERRAL], i, n_cat + c) * r_total, hz, n_firms)

            if in_market:
                for f in range(n_firms):
                    ok = aware[i, f] != 0 and price_cents[f, c] >= 0
                    avail[f] = ok
                    if ok:
                        p_fc = price[f, c]
                        if f == g and tenure[i, c] >= loyal_after[f]:
                            p_fc = loyal_price[f, c]
                        if loyalty and f == tf:  # a member pays less by the programme's reward
                            p_fc = ((loyal_price_cents[f, c] if f == g and tenure[i, c]
                                     >= loyal_after[f] else price_cents[f, c])
                                    - treat_cents[c]) / 100.0
                        fv = personalised_fit(needs, i, c, offer_pos, f, pers_row[f],
                                              knowledge[i, f], prm[P_FIT_WIDTH], prm[P_EST_ERR],
                                              est_keys[f, 0], est_keys[f, 1], est_z)
                        fits[f] = fv  # the experience below reuses it (same inputs till then)
                        util[f] = _utility(i, c, f, g, other, needs, fv, knowledge, quality,
                                           service, belief, soc, appeal, novelty, est_keys,
                                           est_z, ad_susceptibility, ad_reach, cross_sell, p_fc,
                                           wtp_i, ps_i, ref_price, prm)
                if contact and g == tf and avail[g]:  # the contact's credit, paid on staying
                    util[g] += offer_utility(prm[P_B_PRICE], ps_i, treat_cents[c], wtp_i,
                                             ref_price[c])
                chosen = logit_pick_into(util, avail, n_firms, prm[P_OUTSIDE],
                                         uniform_nb(keys[K_CHOICE], i, c), weights)
                weight = prm[P_B_PRICE] * ps_i
                if weight > 0.0:  # consumer surplus of this choice, in money
                    cs[c] += (wtp_i * ref_price[c] / weight
                              * inclusive_value(util, avail, n_firms, prm[P_OUTSIDE]))
                # a firm about to lose a customer it knows may make a retention offer (a
                # discount on staying): it keeps them with the chance its value turns the
                # choice (save_probability); otherwise they keep their first choice
                if g >= 0 and chosen != g and avail[g]:
                    p_offer = retention_cap[g] * knowledge[i, g]
                    if p_offer > 0.0 and uniform_nb(keys[K_SAVE], i, c) < p_offer:
                        itc[g, T_OFFERS] += 1
                        bonus = offer_utility(prm[P_B_PRICE], ps_i, save_cost_cents[g, c],
                                              wtp_i, ref_price[c])
                        if (uniform_nb(keys[K_RECHOICE], i, c)
                                < save_probability(util, avail, n_firms, prm[P_OUTSIDE], g,
                                                   bonus)):
                            chosen = g
                            itc[g, T_SAVED] += 1
                            itc[g, T_RETENTION_COST] += save_cost_cents[g, c]
                if contact and g == tf:
                    itc[g, T_OFFERS] += 1
                    if chosen == g:
                        itc[g, T_RETENTION_COST] += treat_cents[c]
                ctc[c, CT_IN_MARKET] += 1
                if chosen >= 0:
                    ctc[c, CT_CHOSE + chosen] += 1
                else:
                    ctc[c, CT_NO_BUY] += 1
                if chosen >= 0:
                    fit_known = chosen  # avail[chosen]: its fit was computed above
                    itc[chosen, T_CHOICES] += 1
                    if aware[i, chosen] == CH_WOM:
                        itc[chosen, T_CHOICES_PEER] += 1
                    elif aware[i, chosen] == CH_AD:
                        itc[chosen, T_CHOICES_FIRM] += 1
                if chosen != g:
                    if g >= 0:
                        ended[i, c] = g
                        if chosen >= 0:
                            itc[g, T_LOST_SWITCH] += 1
                        else:
                            itc[g, T_LOST_OUTSIDE] += 1
                    if chosen >= 0:
                        a = aware[i, chosen]
                        if triggered == chosen:
                            itc[chosen, T_ACQ_XSELL] += 1
                        elif referred == chosen or a == CH_WOM:
                            itc[chosen, T_ACQ_WOM] += 1
                        elif a == CH_AD:
                            itc[chosen, T_ACQ_AD] += 1
                        elif a == CH_SEARCH:
                            itc[chosen, T_ACQ_SEARCH] += 1
                        else:
                            itc[chosen, T_ACQ_INITIAL] += 1
                    firm_of[i, c] = chosen
                    tenure[i, c] = 0

            f = firm_of[i, c]
            if f < 0:
                continue
            # ---- 4. experience: use, pay, compare with expectation, learn ------------------------
            if f == fit_known:
                fv = fits[f]
            else:
                fv = personalised_fit(needs, i, c, offer_pos, f, pers_row[f],
                                      knowledge[i, f], prm[P_FIT_WIDTH], prm[P_EST_ERR],
                                      est_keys[f, 0], est_keys[f, 1], est_z)
            # the price this customer pays: a long-tenure customer of an exploiting firm pays
            # its loyalty price (tenure counted before this month)
            loyal = tenure[i, c] >= loyal_after[f]
            p_paid = loyal_price[f, c] if loyal else price[f, c]
            rebate = treat_cents[c] if loyalty and f == tf else 0
            if rebate != 0:
                p_paid = ((loyal_price_cents[f, c] if loyal else price_cents[f, c])
                          - rebate) / 100.0
            value = 1.0 - p_paid / (wtp_i * ref_price[c])
            noise = prm[P_NOISE] * normal_nb(keys[K_EXP1], keys[K_EXP2], i, c)
            e = experience_of(fv, quality[f], service[f], value, prm[P_W_FIT], prm[P_W_QUALITY],
                              prm[P_W_SERVICE], prm[P_W_VALUE], noise)
            s_obs = satisfaction_score(e, belief[i, f], prm[P_DISCONF])
            # frontline empowerment: staff may fix a bad experience on the spot, at a cost;
            # the fixed experience meets the customer's expectation
            rec_f = 1.0 if treated and kind == TK_RECOVERY and f == tf else recovery[f]
            if (s_obs <= prm[P_DETRACTOR] and rec_f > 0.0
                    and uniform_nb(keys[K_RECOVERY], i, c) < rec_f):
                e = recovered_experience(e, belief[i, f])
                s_obs = satisfaction_score(e, belief[i, f], prm[P_DISCONF])
                itc[f, T_RECOVERIES] += 1
                itc[f, T_RECOVERY_COST] += recovery_cents[f, c]
            is_new = tenure[i, c] == 0
            if is_new:
                satisfaction[i, c] = s_obs
            else:
                satisfaction[i, c] = ((1.0 - prm[P_SMOOTH]) * satisfaction[i, c]
                                      + prm[P_SMOOTH] * s_obs)
            belief[i, f] = clamp01(belief[i, f] + prm[P_BELIEF_LEARN] * (e - belief[i, f]))
            knowledge[i, f] = knowledge[i, f] + learn[f] * (1.0 - knowledge[i, f])
            if tenure[i, c] < 32767:
                tenure[i, c] += 1
            paid = (loyal_price_cents[f, c] if loyal else price_cents[f, c]) - rebate
            spend[i] += paid
            cat_paid[f] += paid
            paid_total += paid
            itc[f, T_UNITS] += 1
            itc[f, T_REVENUE] += paid
            itc[f, T_LIST_REVENUE] += loyal_list_cents[f, c] if loyal else list_cents[f, c]
            itc[f, T_COGS] += cost_cents[f, c]
            itc[f, T_SERVICE_COST] += service_cents[f, c]
            itc[f, T_PERS_COST] += pers_cents[f, c]
            ft[f, F_FIT] += fv
            ft[f, F_EXPERIENCE] += e
            # co-creation learns from the firm's estimates of its customers' needs
            sd = estimate_sd(prm[P_EST_ERR], knowledge[i, f])
            for d in range(needs.shape[2]):
                ns[f, c, d] += need_estimate(needs, i, c, d, sd, est_keys[f, 0], est_keys[f, 1],
                                             est_z, f)
            ns[f, c, needs.shape[2]] += 1.0  # the last slot counts the needs summed
            if primary < 0:
                primary = f
                primary_sat = satisfaction[i, c]
            # ---- 6. churn: only relationships older than this month can end by dissatisfaction ---
            if not is_new:
                h = churn_hazard(satisfaction[i, c], prm[P_CHURN_BASE], prm[P_CHURN_SENS],
                                 prm[P_CHURN_THR]) * churn_proneness[i]
                if h > 1.0:
                    h = 1.0
                if h > 0.0 and uniform_nb(keys[K_CHURN], i, c) < h:
                    # a retention offer: it keeps the leaver with the chance its value turns a
                    # choice between staying, the known rivals and buying nothing
                    # (save_probability); anyone it does not keep leaves to no firm
                    stays = False
                    p_offer = retention_cap[f] * knowledge[i, f]
                    if p_offer > 0.0 and uniform_nb(keys[K_SAVE], i, n_cat + c) < p_offer:
                        itc[f, T_OFFERS] += 1
                        for h in range(n_firms):
                            ok = h != f and aware[i, h] != 0 and price_cents[h, c] >= 0
                            avail[h] = ok
                            if ok:
                                fv_h = personalised_fit(
                                    needs, i, c, offer_pos, h, pers_row[h],
                                    knowledge[i, h], prm[P_FIT_WIDTH], prm[P_EST_ERR],
                                    est_keys[h, 0], est_keys[h, 1], est_z)
                                p_h = price[h, c]
                                if loyalty and h == tf:
                                    p_h = (price_cents[h, c] - treat_cents[c]) / 100.0
                                util[h] = _utility(i, c, h, f, other, needs, fv_h, knowledge,
                                                   quality, service, belief, soc, appeal, novelty,
                                                   est_keys, est_z, ad_susceptibility, ad_reach,
                                                   cross_sell, p_h, wtp_i, ps_i,
                                                   ref_price, prm)
                        fv_now = personalised_fit(  # knowledge has grown since the experience
                            needs, i, c, offer_pos, f, pers_row[f], knowledge[i, f],
                            prm[P_FIT_WIDTH], prm[P_EST_ERR], est_keys[f, 0], est_keys[f, 1],
                            est_z)
                        avail[f] = True
                        util[f] = _utility(i, c, f, f, other, needs, fv_now, knowledge, quality,
                                           service, belief, soc, appeal, novelty, est_keys,
                                           est_z, ad_susceptibility, ad_reach, cross_sell,
                                           p_paid, wtp_i, ps_i, ref_price, prm)
                        bonus = offer_utility(prm[P_B_PRICE], ps_i, save_cost_cents[f, c],
                                              wtp_i, ref_price[c])
                        stays = (uniform_nb(keys[K_RECHOICE], i, n_cat + c)
                                 < save_probability(util, avail, n_firms, prm[P_OUTSIDE], f,
                                                    bonus))
                    if stays:
                        itc[f, T_SAVED] += 1
                        itc[f, T_RETENTION_COST] += save_cost_cents[f, c]
                    else:
                        itc[f, T_LOST_CHURN] += 1
                        ended[i, c] = f
                        firm_of[i, c] = -1
                        tenure[i, c] = 0

        # ---- 5. word of mouth: what this customer will say next step; end-of-step tallies --------
        for f in range(n_firms):
            is_customer[f] = False
        for c in range(n_cat):
            f = firm_of[i, c]
            if f >= 0:
                is_customer[f] = True
                s = satisfaction[i, c]
                itc[f, T_REL] += 1
                itc[f, T_TENURE_SUM] += tenure[i, c]
                ft[f, F_SAT] += s
                if s >= prm[P_PROMOTER]:
                    itc[f, T_PROMOTERS] += 1
                elif s <= prm[P_DETRACTOR]:
                    itc[f, T_DETRACTORS] += 1
        v = voice_code(primary, primary_sat, prm[P_PROMOTER], prm[P_DETRACTOR])
        voice_next[i] = v
        if primary >= 0:
            itc[primary, T_VOICE_CUST] += 1
            sign = v >> 4
            if sign == 1:
                itc[primary, T_VOICE_PROM] += 1
            elif sign == 2:
                itc[primary, T_VOICE_DET] += 1
        for f in range(n_firms):
            if aware[i, f] != 0:
                itc[f, T_AWARE] += 1
                ft[f, F_BELIEF] += belief[i, f]
            if is_customer[f]:
                itc[f, T_CUSTOMERS] += 1
                ft[f, F_KNOWLEDGE] += knowledge[i, f]
                if paid_total > 0:
                    ft[f, F_WALLET] += cat_paid[f] / paid_total
        if grp > 0:  # a study customer: their tallies into the block's, their stratum's, ledger
            _merge_study_customer(i, grp - 1, tf, it, ct, sit, sct, gtally[b], gctally[b],
                                  ledger)
