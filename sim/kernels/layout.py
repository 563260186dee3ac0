"""Index constants shared by the kernels and the model: parameters, tallies, channels, voices.

They are compile-time constants for Numba, not state: one place names every slot of the flat
arrays that cross the kernel boundary.
"""

# Behaviour parameters (float64 vector ``prm``), filled by ``sim.model.behaviour_vector``.
PARAMS = (
    "ad_response", "ad_fatigue", "wom_strength", "neg_wom_multiplier", "wom_belief_rate",
    "search_rate", "prior_belief",
    "beta_fit", "beta_quality", "beta_service", "beta_belief", "beta_social", "beta_price",
    "beta_cross_sell", "switching_cost", "outside_utility", "fit_width",
    "w_fit", "w_quality", "w_service", "w_value", "noise_sd", "disconfirmation_weight",
    "satisfaction_smoothing", "belief_learning", "promoter_threshold", "detractor_threshold",
    "churn_base", "churn_sensitivity", "churn_threshold", "cross_sell_trigger", "beta_appeal",
    "beta_ad", "estimate_error", "beta_novelty", "referral_trigger",
)
P = {name: k for k, name in enumerate(PARAMS)}
(P_AD_RESPONSE, P_AD_FATIGUE, P_WOM, P_NEG_WOM, P_WOM_BELIEF, P_SEARCH, P_PRIOR,
 P_B_FIT, P_B_QUALITY, P_B_SERVICE, P_B_BELIEF, P_B_SOCIAL, P_B_PRICE, P_B_XSELL, P_SWITCH,
 P_OUTSIDE, P_FIT_WIDTH, P_W_FIT, P_W_QUALITY, P_W_SERVICE, P_W_VALUE, P_NOISE, P_DISCONF,
 P_SMOOTH, P_BELIEF_LEARN, P_PROMOTER, P_DETRACTOR, P_CHURN_BASE, P_CHURN_SENS, P_CHURN_THR,
 P_XSELL_TRIGGER, P_B_APPEAL, P_B_AD, P_EST_ERR, P_B_NOVELTY, P_REFERRAL_TRIGGER) = range(
    len(PARAMS))

# Awareness / acquisition channels (values of ``aware[i, f]``; 0 = unaware).
CHANNELS = ("initial", "ads", "wom", "search", "cross_sell")
CH_NONE, CH_INITIAL, CH_AD, CH_WOM, CH_SEARCH, CH_XSELL = 0, 1, 2, 3, 4, 5

# Voice of a customer (int8): 0 silent/no firm, else (firm + 1) | (sign << 4).
VOICE_PASSIVE, VOICE_PROMOTER, VOICE_DETRACTOR = 0, 1, 2

# Integer tallies per block per firm.
ITALLY = (
    "rel_start", "rel", "customers", "aware",
    "acq_initial", "acq_ads", "acq_wom", "acq_search", "acq_cross_sell",
    "lost_churn", "lost_switch", "lost_outside", "saved",
    "units", "revenue_cents", "list_revenue_cents", "cogs_cents", "retention_cost_cents",
    "exposures", "exposures_unaware", "aware_ads", "aware_wom", "aware_search",
    "promoters", "detractors", "tenure_sum", "choices", "choices_peer", "choices_firm",
    "voice_customers", "voice_promoters", "voice_detractors",
    "service_cost_cents", "personalisation_cost_cents", "retention_offers",
    "recoveries", "recovery_cost_cents",
)
(T_REL_START, T_REL, T_CUSTOMERS, T_AWARE,
 T_ACQ_INITIAL, T_ACQ_AD, T_ACQ_WOM, T_ACQ_SEARCH, T_ACQ_XSELL,
 T_LOST_CHURN, T_LOST_SWITCH, T_LOST_OUTSIDE, T_SAVED,
 T_UNITS, T_REVENUE, T_LIST_REVENUE, T_COGS, T_RETENTION_COST,
 T_EXPOSURES, T_EXPOSED_UNAWARE, T_AWARE_AD, T_AWARE_WOM, T_AWARE_SEARCH,
 T_PROMOTERS, T_DETRACTORS, T_TENURE_SUM, T_CHOICES, T_CHOICES_PEER, T_CHOICES_FIRM,
 T_VOICE_CUST, T_VOICE_PROM, T_VOICE_DET, T_SERVICE_COST, T_PERS_COST,
 T_OFFERS, T_RECOVERIES, T_RECOVERY_COST) = range(len(ITALLY))
N_ITALLY = len(ITALLY)

# Float tallies per block per firm.
FTALLY = ("satisfaction_sum", "fit_sum", "experience_sum", "knowledge_sum", "wallet_share_sum",
          "belief_sum")
F_SAT, F_FIT, F_EXPERIENCE, F_KNOWLEDGE, F_WALLET, F_BELIEF = range(len(FTALLY))
N_FTALLY = len(FTALLY)

# Integer tallies per block per category (``ctally``, int64 [B, C, CT_CHOSE + F]): customers in
# the market for the category this step, those of them who bought nothing, then those who chose
# each firm (what a firm's pricing may observe of the market: issue 24).
CTALLY = ("in_market", "no_buy")
CT_IN_MARKET, CT_NO_BUY = range(len(CTALLY))
CT_CHOSE = len(CTALLY)

# Firms' offers cross the kernel boundary as four grouped arrays (rows named here):
# per-firm numbers (float64 [len(FIRM_FLOATS), F]), per-firm-and-category prices paid in money
# (float64 [len(FIRM_MONEY), F, C]) and amounts in cents (int64 [len(FIRM_CENTS), F, C]), and
# per-category numbers (float64 [len(CATEGORY), C]); market-wide voices last step, for a fully
# mixed market (float64 [len(MARKET_VOICE), F]).
FIRM_FLOATS = ("quality", "service", "personalisation", "learn", "ad_reach", "retention_cap",
               "cross_sell", "appeal", "novelty", "recovery", "referral")
FIRM_MONEY = ("price", "loyal_price")
FIRM_CENTS = ("price_cents", "list_cents", "cost_cents", "service_cents", "pers_cents",
              "save_cost_cents", "recovery_cents", "loyal_price_cents", "loyal_list_cents")
CATEGORY = ("ref_price", "occasion_prob", "renewal_prob")
MARKET_VOICE = ("global_pos", "global_neg", "global_soc")
(O_QUALITY, O_SERVICE, O_PERSONALISATION, O_LEARN, O_AD_REACH, O_RETENTION_CAP, O_CROSS_SELL,
 O_APPEAL, O_NOVELTY, O_RECOVERY, O_REFERRAL) = range(len(FIRM_FLOATS))
M_PRICE, M_LOYAL_PRICE = range(len(FIRM_MONEY))
(C_PRICE, C_LIST, C_COST, C_SERVICE, C_PERS, C_SAVE, C_RECOVERY, C_LOYAL_PRICE,
 C_LOYAL_LIST) = range(len(FIRM_CENTS))
CAT_REF_PRICE, CAT_OCCASION, CAT_RENEWAL = range(len(CATEGORY))
V_POS, V_NEG, V_SOC = range(len(MARKET_VOICE))

#: Customers per block: fixed (not per thread), so reductions run in the same order always.
BLOCK = 2048

# A field study's treatment (issue 26; ODD §7.19). ``group`` (int8 [N]) puts a customer in a
# study: 0 outside it, 1 … N_GROUPS their stratum. The treatment (float64 [len(TREATMENT)])
# acts on every customer in a stratum, toward one firm; ``treat_cents`` (int64 [C]) is its money
# per unit in each category. Twin runs on one seed differ only in ``kind`` (none in the
# control twin), so the same customers are compared treated and untreated.
TREATMENT = ("kind", "firm", "value")
TR_KIND, TR_FIRM, TR_VALUE = range(len(TREATMENT))
TREATMENTS = ("none", "contact", "generic_offer", "loyalty", "recovery")
TK_NONE, TK_CONTACT, TK_GENERIC, TK_LOYALTY, TK_RECOVERY = range(len(TREATMENTS))
N_GROUPS = 2
# Per study customer, with the study's firm, summed over the steps (int64 [N, len(LEDGER)]):
# contribution in cents (paid − production, service and personalisation delivery − retention
# offers and contact credits paid − recoveries) and the bad experiences recovered.
LEDGER = ("contribution_cents", "recoveries")
L_CONTRIBUTION, L_RECOVERIES = range(len(LEDGER))
