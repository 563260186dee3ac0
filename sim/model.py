"""The market as a Mesa model: builds customers, network and firms, and runs the step schedule.

It orchestrates and does not compute: customers' journeys run in the Numba kernels
(``sim.kernels``), firms plan and account in ``sim.firms``, per-firm tallies become KPIs there,
and Mesa's ``DataCollector`` records one row per firm per step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import rng
from .config import Config, validate
from .customers import initial_state, make_traits
from .firms import Firm
from .interventions import InterventionAPI
from .kernels.bookkeeping import block_sum, ended_relationships, mark_starts
from .kernels.journey import estimate_normals, journey_step, new_group_tallies, new_tallies
from .kernels.layout import (
    C_LOYAL_PRICE,
    C_PRICE,
    CT_CHOSE,
    CT_IN_MARKET,
    CT_NO_BUY,
    FTALLY,
    ITALLY,
    LEDGER,
    PARAMS,
    TR_FIRM,
    TR_KIND,
    TR_VALUE,
    TREATMENT,
    TREATMENTS,
    VOICE_DETRACTOR,
    VOICE_PASSIVE,
    VOICE_PROMOTER,
)
from .mesa_core import mesa
from .network import build_network
from .pricing import FirmObservation
from .strategies import LEVERS

#: Every per-firm metric recorded each step (the brief's Outputs), in column order.
FIRM_METRICS = (
    "customers", "relationships", "products_per_customer", "aware",
    "acq_initial", "acq_ads", "acq_wom", "acq_search", "acq_cross_sell", "acquisitions",
    "churned", "lost_churn", "lost_switch", "lost_outside", "saved", "retention_offers",
    "recoveries", "retention",
    "units", "revenue", "cogs", "cost_service_delivery", "cost_personalisation_delivery",
    "cost_retention_offers", "cost_recovery_delivery", "cost_fixed",
    *[f"cost_{name}" for name in LEVERS],
    "profit", "margin", "cash", "market_share", "customer_share",
    "price", "discount", "quality", "service", "ad_reach", "personalisation", "appeal",
    "novelty", "versions",
    "ad_exposures", "ad_response_rate", "cpa_ads", "aware_ads", "aware_wom", "aware_search",
    "choices", "peer_informed_share", "firm_informed_share",
    "nps", "mean_satisfaction", "mean_tenure", "mean_fit", "mean_experience", "knowledge",
    "share_of_wallet", "mean_belief", "clv", "customer_equity", "tangible_assets",
    "intangible_share", "orientation", *[f"share_{name}" for name in LEVERS],
)


def behaviour_vector(cfg: Config) -> np.ndarray:
    """The behaviour parameters as the flat float64 vector the kernels read (``layout.PARAMS``)."""
    m = cfg.market
    a, c, e, ch = m.awareness, m.choice, m.experience, m.churn
    values = {
        "ad_response": a.ad_response, "ad_fatigue": a.ad_fatigue, "wom_strength": a.wom_strength,
        "neg_wom_multiplier": a.neg_wom_multiplier, "wom_belief_rate": a.wom_belief_rate,
        "search_rate": a.search_rate, "prior_belief": a.prior_belief,
        "beta_fit": c.beta_fit, "beta_quality": c.beta_quality, "beta_service": c.beta_service,
        "beta_belief": c.beta_belief, "beta_social": c.beta_social, "beta_price": c.beta_price,
        "beta_cross_sell": c.beta_cross_sell, "switching_cost": c.switching_cost,
        "outside_utility": c.outside_utility, "fit_width": c.fit_width,
        "w_fit": e.w_fit, "w_quality": e.w_quality, "w_service": e.w_service,
        "w_value": e.w_value, "noise_sd": e.noise_sd,
        "disconfirmation_weight": e.disconfirmation_weight,
        "satisfaction_smoothing": e.satisfaction_smoothing, "belief_learning": e.belief_learning,
        "promoter_threshold": e.promoter_threshold, "detractor_threshold": e.detractor_threshold,
        "churn_base": ch.base, "churn_sensitivity": ch.sensitivity, "churn_threshold": ch.threshold,
        "cross_sell_trigger": m.economics.cross_sell_trigger, "beta_appeal": c.beta_appeal,
        "beta_ad": c.beta_ad, "estimate_error": m.economics.estimate_error,
        "beta_novelty": c.beta_novelty, "referral_trigger": a.referral_trigger,
    }
    return np.array([float(values[name]) for name in PARAMS], dtype=np.float64)


def estimate_keys(seed: int, n_firms: int) -> np.ndarray:
    """Each firm's two stream keys of its fixed errors about customers' needs (uint64 [F, 2]).

    The keys do not change over a run: an error is fixed per (customer, firm, category,
    dimension), and what changes is how much of it remains (it shrinks with knowledge).
    """
    return np.array([[rng.step_key(seed, f, "need_estimate_u1"),
                      rng.step_key(seed, f, "need_estimate_u2")] for f in range(n_firms)],
                    dtype=np.uint64)


class MarketModel(InterventionAPI, mesa.Model):
    """Customers with needs and a social network choosing between firms with strategies."""

    def __init__(self, config: Config) -> None:
        validate(config)
        super().__init__(seed=config.seed)
        self.cfg = config
        self.seed = int(config.seed)
        m = config.market
        self.firm_configs = config.firms
        self.n_customers = m.n_customers
        self.n_categories = len(m.categories)
        self.traits = make_traits(m, self.seed)
        self.network = build_network(m.network, self.traits.persona, self.seed)
        self.state = initial_state(m, len(config.firms), self.seed)
        self.prm = behaviour_vector(config)
        self.est_keys = estimate_keys(self.seed, len(config.firms))
        self.est_z = estimate_normals(self.est_keys, self.n_customers, self.n_categories,
                                      self.traits.needs.shape[2])
        cats = list(m.categories.values())
        self.ref_price = np.array([c.ref_price for c in cats], dtype=np.float64)
        self.occasion_prob = np.array([c.occasion_prob for c in cats], dtype=np.float64)
        self.renewal_prob = np.array([c.renewal_prob for c in cats], dtype=np.float64)
        self.initial_positions = self._initial_positions()
        initial_rev = self._initial_list_revenue()
        self.firms = [Firm(self, k, name, fc, m, initial_rev[k])
                      for k, (name, fc) in enumerate(config.firms.items())]
        self.voice_index = 0  # which half of state.voice holds last step's voices
        self._initial_voices()
        self.need_means: np.ndarray | None = None
        self.spells: list[np.ndarray] = []
        #: per step: (step, in the market, bought nothing, consumer surplus), per category
        self.market_rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        # reporters by agent type: only firms are recorded, even if customers are agents too
        # (the reference implementation, sim.reference)
        self.datacollector = mesa.DataCollector(agenttype_reporters={
            Firm: {name: (lambda a, k=name: a.metrics.get(k)) for name in FIRM_METRICS}})
        #: a field study (ODD §7.19): each customer's stratum (empty: no study), the treatment
        #: (kind, firm, value), the study customers' ledger and, per step, their tallies
        self.group = np.zeros(0, np.int8)
        self.treatment = np.zeros(len(TREATMENT), np.float64)
        self.ledger = np.zeros((0, len(LEDGER)), np.int64)
        self.study_rows: list[tuple[int, np.ndarray, np.ndarray]] = []

    # ------------------------------------------------------------------------------------------
    def _initial_positions(self) -> np.ndarray:
        """Every firm starts with a mass-market offer: the population's mean need, plus a nudge."""
        gen = np.random.default_rng(rng.derived_seed(self.seed, "firm_positions"))
        mean = self.traits.needs.astype(np.float64).mean(axis=0)
        n_firms = len(self.cfg.firms)
        spread = self.cfg.market.economics.initial_position_spread
        return mean[None] + gen.normal(0.0, spread, size=(n_firms, *mean.shape))

    def _initial_voices(self) -> None:
        """Starting customers speak (passively, at their starting satisfaction) from step 1."""
        s, e = self.state, self.cfg.market.experience
        n_firms = len(self.cfg.firms)
        has = s.firm_of >= 0
        first = np.argmax(has, axis=1)
        rows = np.arange(self.n_customers)
        firm = np.where(has.any(axis=1), s.firm_of[rows, first], -1).astype(np.int64)
        sat = s.satisfaction[rows, first]
        sign = np.where(sat >= e.promoter_threshold, VOICE_PROMOTER,
                        np.where(sat <= e.detractor_threshold, VOICE_DETRACTOR, VOICE_PASSIVE))
        s.voice[0] = np.where(firm >= 0, (firm + 1) | (sign << 4), 0).astype(np.int8)
        speaking = firm >= 0
        n = self.n_customers
        self.global_soc = np.bincount(firm[speaking], minlength=n_firms) / n
        self.global_pos = np.bincount(firm[speaking & (sign == VOICE_PROMOTER)],
                                      minlength=n_firms) / n
        self.global_neg = np.bincount(firm[speaking & (sign == VOICE_DETRACTOR)],
                                      minlength=n_firms) / n

    def _initial_list_revenue(self) -> np.ndarray:
        """What each firm's starting customers would pay per month at list price (sets budgets)."""
        firm_of = self.state.firm_of
        n_firms = len(self.cfg.firms)
        rev = np.zeros(n_firms)
        for c, cat in enumerate(self.cfg.market.categories.values()):
            counts = np.bincount(firm_of[:, c][firm_of[:, c] >= 0], minlength=n_firms)
            rev += counts * cat.ref_price
        return rev

    def _offer_arrays(self) -> dict[str, np.ndarray]:
        """The firms' offers as firm-indexed arrays by name (the reference model reads these)."""
        fs = self.firms
        price_cents = np.stack([f.price_cents for f in fs])
        loyal_price_cents = np.stack([f.loyal_price_cents for f in fs])
        return {
            "offer_pos": np.stack([f.offer_pos for f in fs]),
            "quality": np.array([f.quality for f in fs]),
            "service": np.array([f.service for f in fs]),
            "personalisation": np.array([f.personalisation for f in fs]),
            "learn": np.array([f.learn for f in fs]),
            "ad_reach": np.array([f.ad_reach for f in fs]),
            "retention_cap": np.array([f.retention_cap for f in fs]),
            "cross_sell": np.array([f.cross_sell for f in fs]),
            "appeal": np.array([f.appeal for f in fs]),
            "novelty": np.array([f.novelty for f in fs]),
            "recovery": np.array([f.recovery for f in fs]),
            "recovery_cents": np.stack([f.recovery_cents for f in fs]),
            "referral": np.array([f.interventions.referral for f in fs]),
            "price": price_cents / 100.0,
            "loyal_after": np.array([f.loyal_after for f in fs], dtype=np.int64),
            "loyal_price": loyal_price_cents / 100.0,
            "loyal_price_cents": loyal_price_cents,
            "loyal_list_cents": np.stack([f.loyal_list_cents for f in fs]),
            "price_cents": price_cents,
            "list_cents": np.stack([f.list_cents for f in fs]),
            "cost_cents": np.stack([f.cost_cents for f in fs]),
            "service_cents": np.stack([f.service_cents for f in fs]),
            "pers_cents": np.stack([f.pers_cents for f in fs]),
            "save_cost_cents": np.stack([f.save_cost_cents for f in fs]),
        }

    def _kernel_offers(self) -> dict[str, np.ndarray]:
        """The offers grouped as the kernel takes them: ``pack`` of :meth:`_offer_arrays`.

        Built row by row from the firms, without the named arrays in between: the very same
        values (the same elementwise operations), in a fraction of the time.
        """
        fs = self.firms
        floats = np.array([[f.quality for f in fs], [f.service for f in fs],
                           [f.personalisation for f in fs], [f.learn for f in fs],
                           [f.ad_reach for f in fs], [f.retention_cap for f in fs],
                           [f.cross_sell for f in fs], [f.appeal for f in fs],
                           [f.novelty for f in fs], [f.recovery for f in fs],
                           [f.interventions.referral for f in fs]], dtype=np.float64)
        cents = np.array([[f.price_cents, f.list_cents, f.cost_cents, f.service_cents,
                           f.pers_cents, f.save_cost_cents, f.recovery_cents,
                           f.loyal_price_cents, f.loyal_list_cents] for f in fs],
                         dtype=np.int64).transpose(1, 0, 2)  # [firm, row, c] → [row, firm, c]
        return {
            "offer_pos": np.stack([f.offer_pos for f in fs]),
            "firm_floats": floats,
            "firm_money": cents[[C_PRICE, C_LOYAL_PRICE]] / 100.0,
            "firm_cents": np.ascontiguousarray(cents),
            "loyal_after": np.array([f.loyal_after for f in fs], dtype=np.int64),
            "category": np.stack([self.ref_price, self.occasion_prob, self.renewal_prob]),
            "market_voice": np.stack([self.global_pos, self.global_neg, self.global_soc])
            .astype(np.float64),
        }

    # ------------------------------------------------------------------------------------------
    def set_study(self, group: np.ndarray, firm: int | str) -> None:
        """Put customers in a field study of ``firm``: ``group[i]`` is i's stratum (1, 2), 0 not.

        Nothing changes for anyone until a treatment is set (:meth:`set_treatment`); from the
        next step the study's customers are also tallied per stratum (``study_rows``) and their
        contribution with ``firm`` summed (``ledger``). Integer tallies and every decision are
        the same bits as without a study.

        Raises:
            ValueError: Strata outside 0..2 or not one per customer; an unknown firm.
        """
        group = np.asarray(group)
        if group.shape != (self.n_customers,) or group.min() < 0 or group.max() > 2:
            raise ValueError(f"group: need {self.n_customers} strata in 0..2")
        self.treatment[:] = 0.0
        self.treatment[TR_FIRM] = self.firm_index(firm)
        self.group = group.astype(np.int8)
        self.ledger = np.zeros((self.n_customers, len(LEDGER)), np.int64)
        self.study_rows = []

    def set_treatment(self, kind: str, value: float = 0.0) -> None:
        """From the next step on, the study's firm does ``kind`` to the study's customers.

        Args:
            kind: ``none`` (the control twin), ``contact``, ``generic_offer``, ``loyalty`` or
                ``recovery`` (``layout.TREATMENTS``; ODD §7.19).
            value: The money of a contact's credit or a loyalty reward, as a share of the
                firm's price (0–1).

        Raises:
            ValueError: No study set (:meth:`set_study`), an unknown kind, a value outside 0–1.
        """
        if self.group.shape[0] == 0:
            raise ValueError("no study: set_study(group, firm) first")
        if kind not in TREATMENTS:
            raise ValueError(f"treatment {kind!r}: choose one of {', '.join(TREATMENTS)}")
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"treatment value={value}: a share of the price, 0 to 1")
        self.treatment[TR_KIND] = TREATMENTS.index(kind)
        self.treatment[TR_VALUE] = float(value)

    def _treat_cents(self) -> np.ndarray:
        """The treatment's money per unit in each category: value × the firm's price, cents."""
        if self.treatment[TR_KIND] == 0:
            return np.zeros(self.n_categories, np.int64)
        cents = self.firms[int(self.treatment[TR_FIRM])].price_cents
        return np.round(np.maximum(cents, 0) * self.treatment[TR_VALUE]).astype(np.int64)

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One month: plan, customer journey (kernels), accounting, word-of-mouth state, collect."""
        t = self.steps  # Mesa increments this before calling step(): 1, 2, ...
        for firm in self.firms:
            firm.plan_offer(t, None if self.need_means is None else self.need_means[firm.index])
        it, ft, ns, ct, cs = self.run_journey(t)
        self._account(t, it, ft, ns, ct)
        self.market_rows.append((t, ct[:, CT_IN_MARKET].copy(), ct[:, CT_NO_BUY].copy(), cs))
        self.datacollector.collect(self)

    def run_journey(self, t: int) -> tuple[np.ndarray, ...]:
        """Stages 2–6 for every customer: per-firm int, float and need-sum tallies, per category.

        The per-category tallies count the customers in the market, those who bought nothing
        and those who chose each firm; the last array sums their consumer surplus (money).
        """
        s, tr, net = self.state, self.traits, self.network
        o = self._kernel_offers()
        itally, ftally, need_sum, ctally, csurplus = new_tallies(
            self.n_customers, len(self.firms), self.n_categories, tr.needs.shape[2])
        studying = self.group.shape[0] > 0
        gtally, gctally = new_group_tallies(self.n_customers, len(self.firms),
                                            self.n_categories, studying)
        prev, nxt = s.voice[self.voice_index], s.voice[1 - self.voice_index]
        journey_step(
            net.indptr, net.indices, net.fully_mixed, o["market_voice"],
            tr.needs, tr.wtp, tr.price_sensitivity, tr.peer_susceptibility, tr.ad_susceptibility,
            tr.churn_proneness,
            s.aware, s.exposures, s.belief, s.knowledge, s.firm_of, s.tenure, s.satisfaction,
            s.spend, prev, nxt, s.ended,
            o["offer_pos"], o["firm_floats"], o["firm_money"], o["firm_cents"], o["loyal_after"],
            self.est_keys, self.est_z, o["category"], self.prm, rng.step_keys(self.seed, t),
            itally, ftally, need_sum, ctally, csurplus,
            self.group, self.treatment, self._treat_cents(), gtally, gctally, self.ledger,
        )
        self.voice_index = 1 - self.voice_index
        if studying:
            self.study_rows.append((t, gtally.sum(axis=0), gctally.sum(axis=0)))
        # fixed block order: the same sums whatever the number of threads
        return (itally.sum(axis=0), block_sum(ftally), block_sum(need_sum), ctally.sum(axis=0),
                block_sum(csurplus))

    def _account(self, t: int, it: np.ndarray, ft: np.ndarray, ns: np.ndarray,
                 ct: np.ndarray) -> None:
        n = self.n_customers
        for firm in self.firms:
            k = firm.index
            firm.account(t, dict(zip(ITALLY, it[k].tolist(), strict=True)),
                         dict(zip(FTALLY, ft[k].tolist(), strict=True)))
        rel = it[:, ITALLY.index("rel")]
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN where a firm served nobody
            self.need_means = ns[..., :-1] / ns[..., -1:]
        total_rev = sum(f.metrics["revenue"] for f in self.firms)
        total_rel = int(rel.sum())
        total_equity = sum(max(f.metrics["customer_equity"], 0.0) for f in self.firms)
        prices = np.array([np.where(f.price_cents >= 0, f.price_cents / 100.0, -1.0)
                           for f in self.firms])
        for firm in self.firms:
            firm.metrics["market_share"] = firm.metrics["revenue"] / total_rev if total_rev else 0.0
            firm.metrics["customer_share"] = (firm.metrics["relationships"] / total_rel
                                              if total_rel else 0.0)
            k = firm.index
            firm.observe(FirmObservation(
                step=t, price=prices[k],
                cost=(firm.cost_cents + firm.service_cents + firm.pers_cents) / 100.0,
                chosen=ct[:, CT_CHOSE + k].copy(), rival_prices=np.delete(prices, k, axis=0),
                in_market=ct[:, CT_IN_MARKET].copy(), no_buy=ct[:, CT_NO_BUY].copy()))
            firm.review(t, total_rev, total_equity)
        self.global_pos = it[:, ITALLY.index("voice_promoters")] / n
        self.global_neg = it[:, ITALLY.index("voice_detractors")] / n
        self.global_soc = it[:, ITALLY.index("voice_customers")] / n
        self._record_spells(t)

    def _record_spells(self, t: int) -> None:
        """Remember relationships that ended this step and mark the start of new ones."""
        s = self.state
        rows, cats = ended_relationships(s.ended) if self.cfg.output.spells else ((), ())
        if len(rows):
            self.spells.append(np.stack([rows, cats, s.ended[rows, cats], s.start[rows, cats],
                                         np.full(rows.size, t)], axis=1).astype(np.int64))
        mark_starts(s.tenure, s.firm_of, s.start, t)

    # ------------------------------------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        """Tidy per-firm, per-step table (one row per firm per step) from the DataCollector."""
        df = self.datacollector.get_agenttype_vars_dataframe(Firm).reset_index()
        df = df.rename(columns={"Step": "step", "AgentID": "agent_id"})
        # Mesa's step counter is 1-based inside step(); rows are collected after each step
        names = {f.unique_id: f for f in self.firms}
        df.insert(1, "firm", df["agent_id"].map(lambda a: names[a].name))
        df.insert(2, "strategy", df["agent_id"].map(lambda a: names[a].strategy))
        df.insert(3, "objective", df["agent_id"].map(lambda a: names[a].objective.value))
        df.insert(1, "year", (df["step"] - 1) // self.cfg.market.steps_per_year + 1)
        return df.drop(columns=["agent_id"]).sort_values(["step", "firm"], kind="stable") \
                 .reset_index(drop=True)

    def market_table(self) -> pd.DataFrame:
        """One row per step and category: customers in the market and their consumer surplus.

        Columns: the customers in the market, those of them who bought nothing, and their
        consumer surplus (money, summed; ODD §7.7), for welfare comparisons.
        """
        names = list(self.cfg.market.categories)
        rows = [{"step": t, "category": names[c], "in_market": int(inside[c]),
                 "no_buy": int(none[c]), "consumer_surplus": float(cs[c])}
                for t, inside, none, cs in self.market_rows for c in range(len(names))]
        return pd.DataFrame(rows, columns=["step", "category", "in_market", "no_buy",
                                           "consumer_surplus"])

    def spells_table(self) -> pd.DataFrame:
        """One row per customer–firm relationship: start and end step (end = -1: still active)."""
        cols = ["customer", "category", "firm", "start", "end"]
        ended = np.concatenate(self.spells) if self.spells else np.zeros((0, 5), np.int64)
        s = self.state
        rows, cats = np.nonzero(s.firm_of >= 0)
        active = np.stack([rows, cats, s.firm_of[rows, cats], s.start[rows, cats],
                           np.full(rows.size, -1)], axis=1).astype(np.int64)
        df = pd.DataFrame(np.concatenate([ended, active]), columns=cols)
        names = np.array([f.name for f in self.firms])
        df["firm_name"] = names[df["firm"].to_numpy()]
        df = df.sort_values(["customer", "category", "start"], kind="stable")
        return df.reset_index(drop=True)

