"""The firm agent: strategy, capability stocks, offer and price, budget, accounting, adaptation.

A firm sees only aggregates (its tallies), never individual customers' arrays: what it does to
customers reaches them through the offer arrays the model hands to the kernels.
"""

from __future__ import annotations

import math

import numpy as np

from . import rng
from .config import (
    FirmConfig,
    LeverBase,
    LeverResponse,
    MarketConfig,
    Objective,
    Pricing,
    price_unit,
)
from .interventions import FirmInterventions
from .mesa_core import mesa
from .pricing import CostPlus, FirmObservation, ValueBased, list_price  # noqa: F401
from .strategies import (
    LEVER,
    LEVERS,
    PER_CUSTOMER_LEVERS,
    customer_orientation,
    resolve_shares,
)

N_LEVERS = len(LEVERS)
NEVER = 2**62  # a tenure no relationship reaches
I_PROMO = LEVER["promotion"]


def capability(stock: np.ndarray, half_saturation: np.ndarray | float) -> np.ndarray:
    """Diminishing returns: capability stock/(stock + h) in [0, 1)."""
    return stock / (stock + half_saturation)


def adstock(stock: np.ndarray, spend: np.ndarray, carryover: np.ndarray) -> np.ndarray:
    """Carry-over of lever money: this month's stock = carry-over × last month's + spend."""
    return carryover * stock + spend


def delivery_costs(unit_cost: np.ndarray, quality_cost: np.ndarray, quality: float,
                   service_cost: float, service: float, personalisation_cost: float,
                   personalisation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-unit cost of delivering the offer, per category: (production, service, personal).

    One rule for every delivery cost: each is a multiple of the category's unit cost at level 1,
    scaled by the level delivered (quality, service level, personalisation level).
    """
    production = unit_cost * (1.0 + quality_cost * quality)
    return (production, unit_cost * service_cost * service,
            unit_cost * personalisation_cost * personalisation)


def lever_curves(market: MarketConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(half-saturation, carry-over, per-customer?) per lever in ``LEVERS`` order.

    Per-customer levers are measured against the firm's own relationships, the others against
    the market's customers; with ``economics.product_lever_base=own`` every lever is
    per-customer. Promotion has no stock (its money buys a discount): its entries are
    placeholders.
    """
    h = np.ones(N_LEVERS)
    carry = np.zeros(N_LEVERS)
    for k, name in enumerate(LEVERS):
        if name != "promotion":
            curve = getattr(market.levers, name)
            h[k], carry[k] = curve.half_saturation, curve.carryover
    own = LeverBase(market.economics.product_lever_base) == LeverBase.own
    per_customer = np.array([own or name in PER_CUSTOMER_LEVERS for name in LEVERS])
    return h, carry, per_customer


class Firm(mesa.Agent):
    """A firm with a strategy (budget shares over levers) competing for customers."""

    def __init__(self, model: mesa.Model, index: int, name: str, cfg: FirmConfig,
                 market: MarketConfig, initial_list_revenue: float) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.cfg = cfg
        self.market = market
        self.strategy = cfg.strategy
        self.shares = resolve_shares(cfg.strategy, cfg.mix, dict(cfg.shares))
        self.orientation = customer_orientation(self.shares)
        self.objective = Objective(cfg.objective)
        n_cat = len(market.categories)
        eco = market.economics
        self.n_market = market.n_customers
        self.share_of_market = 1.0 / max(1, len(model.firm_configs))
        #: money of one price unit: every money premise of the economics is stated in it
        self.price_unit = price_unit(market)
        self.half_saturation = eco.half_saturation * self.n_market * self.price_unit
        self.curve_h, self.carryover, self.per_customer = lever_curves(market)
        self.curve_h = self.curve_h * self.price_unit
        self.relationships = int((model.state.firm_of == index).sum())
        response = LeverResponse(eco.lever_response)
        self.neutral = response != LeverResponse.specific
        self.per_lever_appeal = response == LeverResponse.neutral_per_lever
        # capability stocks start at the steady state of the firm's own strategy
        self.planned_revenue = float(initial_list_revenue)
        budget0 = self.budget_for(self.planned_revenue)
        self.stocks = budget0 * self.shares / np.maximum(1.0 - self.carryover, 0.01)
        self.stocks[I_PROMO] = 0.0
        # neutral levers: one stock fed by all lever money, promotion included (or one per
        # lever on a shared curve)
        self.appeal_stock = budget0 / max(eco.stock_decay, 0.01)
        self.appeal_stocks = budget0 * self.shares / max(eco.stock_decay, 0.01)
        self.appeal = 0.0
        # novelty: R&D money develops new versions whose news wears off
        self.development = 0.0
        self.novelty = 0.0
        self.versions = 0
        self.offer_pos = np.array(model.initial_positions[index], dtype=np.float64)
        self.list_revenue_prev = float(initial_list_revenue)
        self.revenue_prev = float(initial_list_revenue)
        self.year_revenue = 0.0
        self.cash = 0
        self.unit_cost = np.array([c.unit_cost for c in market.categories.values()])
        ref_prices = np.array([c.ref_price for c in market.categories.values()])
        self.pricing: CostPlus | ValueBased = (
            ValueBased(model.seed, index, cfg.markup, cfg.review_every, cfg.price_test,
                       cfg.price_window, cfg.price_ceiling * ref_prices, cfg.price_step)
            if Pricing(cfg.pricing) == Pricing.value_based else CostPlus(cfg.markup))
        #: what the firm saw of each month (its pricing reads these; a run's record of them)
        self.observations: list[FirmObservation] = []
        self.quality_cost = np.array([c.quality_cost for c in market.categories.values()])
        self.offered = np.ones(n_cat, dtype=bool)
        self.retention_history: list[float] = []
        # adaptive search state
        self.last_move: tuple[int, int, float] | None = None
        self.objective_prev: float | None = None
        self.period_revenue = 0.0
        self.period_market_revenue = 0.0
        self.metrics: dict[str, float] = {}
        self.interventions = FirmInterventions()  # mid-run changes (sim.interventions)
        pivot = cfg.pivot
        if pivot.at > 0:  # a pivot from the configuration: stocks built so far carry over
            self.interventions.pivot = (pivot.at, resolve_shares(pivot.to, pivot.mix,
                                                                 dict(pivot.shares)))
        #: the month's budget before lever factors, by step (what ``set_budget_path`` takes)
        self.budgets: dict[int, float] = {}
        self.plan_offer(step=0, need_means=None)

    # ------------------------------------------------------------------------------------------
    def budget_for(self, planned_revenue: float) -> float:
        """Lever budget this month: a share of the year's planned monthly revenue.

        Never below the floor: the larger of a market-wide floor (``min_budget``, off by
        default) and one tied to the firm's own size (``min_budget_per_relationship`` × the
        relationships it serves).
        """
        eco = self.market.economics
        floor = self.price_unit * max(eco.min_budget * self.n_market * self.share_of_market,
                                      eco.min_budget_per_relationship * self.relationships)
        return max(floor, self.cfg.budget_rate * planned_revenue)

    def close_month(self, step: int, revenue: float, relationships: int) -> None:
        """Book the month for planning: the relationships served and, at a year's end, the plan.

        The plan for the next year is the past year's monthly revenue (firms budget yearly
        from planned revenue); until the first year closes it is the starting list revenue.
        """
        self.relationships = relationships
        self.year_revenue += revenue
        if step % self.market.steps_per_year == 0:
            self.planned_revenue = self.year_revenue / self.market.steps_per_year
            self.year_revenue = 0.0

    def allocate(self, budget: float, step: int) -> np.ndarray:
        """This step's spending per lever: the budget split by the strategy's shares.

        ``step`` is unused by the rule itself; experiments that hold spending on a recorded
        path (``tests/model/levers.py``) key on it.
        """
        return budget * self.shares

    def set_shares(self, shares: np.ndarray) -> None:
        """Split the budget by ``shares`` from now on (a pivot); the stocks are untouched.

        An adaptive firm's last trial move and its baseline refer to the old split, so its
        search starts again from the new one.
        """
        self.shares = np.array(shares, dtype=np.float64)
        self.orientation = customer_orientation(self.shares)
        self.last_move = None
        self.objective_prev = None

    def plan_offer(self, step: int, need_means: np.ndarray | None) -> None:
        """Stage 1: invest the budget, update capabilities, set offer positions and prices."""
        eco = self.market.economics
        pivot = self.interventions.due_shares(step)
        if pivot is not None:
            self.set_shares(pivot)
        budget = self.interventions.budget(step, self.budget_for(self.planned_revenue))
        self.budgets[step] = budget
        budget, spend = self.interventions.spend(budget, self.allocate(budget, step))
        self.lever_spend = spend
        if self.neutral:
            self._neutral_levers(budget, spend)
        else:
            self._specific_levers(spend, need_means)
        production, service, personal = delivery_costs(
            self.unit_cost, self.quality_cost, self.quality, eco.service_cost, self.service,
            eco.personalisation_cost, self.personalisation)
        self.cost_cents = np.round(production * 100.0).astype(np.int64)
        self.service_cents = np.round(service * 100.0).astype(np.int64)
        self.pers_cents = np.round(personal * 100.0).astype(np.int64)
        unit = production + service + personal
        if isinstance(self.pricing, ValueBased):  # the policy sets the price paid
            # at the marginal cost it observes: the cents the firm books per unit
            cost = (self.cost_cents + self.service_cents + self.pers_cents) / 100.0
            paid = self.pricing.price(step, cost) * self.interventions.list_price
            self.price_cents = np.round(paid * 100.0).astype(np.int64)
            self.list_cents = np.round(paid / (1.0 - self.discount) * 100.0).astype(np.int64)
        else:
            self.list_cents = np.round(self.pricing.list_price(unit)
                                       * self.interventions.list_price * 100.0).astype(np.int64)
            self.price_cents = np.round(self.list_cents * (1.0 - self.discount)).astype(np.int64)
        self.price_cents[~self.offered] = -1
        # exploitation: long-tenure customers pay a surcharge (the only place it is read)
        surcharge = self.cfg.exploitation
        self.loyal_after = self.cfg.exploitation_tenure if surcharge > 0 else NEVER
        self.loyal_list_cents = np.round(self.list_cents * (1.0 + surcharge)).astype(np.int64)
        self.loyal_price_cents = np.round(self.loyal_list_cents * (1.0 - self.discount)
                                          ).astype(np.int64)
        self.loyal_price_cents[~self.offered] = -1
        self.save_cost_cents = np.round(self.price_cents * eco.retention_offer).astype(np.int64)
        self.recovery_cents = np.round(self.price_cents * eco.recovery_cost).astype(np.int64)

    def _specific_levers(self, spend: np.ndarray, need_means: np.ndarray | None) -> None:
        """Each lever buys its own effect through its own capability stock."""
        eco = self.market.economics
        invest = spend.copy()
        invest[I_PROMO] = 0.0  # promotion buys a discount, not a stock
        self.stocks = adstock(self.stocks, invest, self.carryover)
        # per-customer levers are money per relationship the firm serves; the others act on
        # the offer or the whole market and are measured against its size
        scale = np.where(self.per_customer, max(self.relationships, 1), self.n_market)
        cap = capability(self.stocks, self.curve_h * scale)
        self.capabilities = cap
        self.quality = eco.quality_base + (1.0 - eco.quality_base) * cap[LEVER["rd"]]
        self.service = eco.service_base + (1.0 - eco.service_base) * cap[LEVER["service"]]
        self.ad_reach = cap[LEVER["advertising"]]
        self.personalisation = eco.personalisation_reach * cap[LEVER["personalisation"]]
        # insight buys data unification and analytics together
        self.learn = eco.learn_rate * cap[LEVER["insight"]]
        self.retention_cap = cap[LEVER["retention"]]
        self.cross_sell = cap[LEVER["cross_sell"]]
        self.recovery = cap[LEVER["recovery"]]
        if need_means is not None:  # co-creation: move toward customers' revealed needs
            rate = eco.cocreation_speed * cap[LEVER["cocreation"]]
            has = ~np.isnan(need_means[:, 0])
            self.offer_pos[has] += rate * (need_means[has] - self.offer_pos[has])
        promo_budget = spend[I_PROMO]
        if self.list_revenue_prev > 0:
            self.discount = min(eco.max_discount, promo_budget / self.list_revenue_prev)
        else:
            self.discount = eco.max_discount if promo_budget > 0 else 0.0
        self.appeal = 0.0
        self._develop(spend[LEVER["rd"]])

    def _develop(self, rd_spend: float) -> None:
        """Novelty: R&D money accumulates into new versions; a launch is news that wears off.

        A version launches when the money since the last launch reaches ``version_cost`` price
        units per market customer (per own relationship with
        ``economics.product_lever_base=own``); its novelty starts at 1 and loses
        ``novelty_wear`` a month.
        """
        eco = self.market.economics
        self.novelty *= 1.0 - eco.novelty_wear
        self.development += rd_spend
        base = max(self.relationships, 1) if self.per_customer[LEVER["rd"]] else self.n_market
        cost = eco.version_cost * base * self.price_unit
        if self.development >= cost:
            self.development -= cost
            self.novelty = 1.0
            self.versions += 1

    def _neutral_levers(self, budget: float, spend: np.ndarray) -> None:
        """All lever money feeds one stock; every lever-specific effect stays at zero spend.

        The structural null (``lever_response=neutral``): the stock's capability
        ``A/(A + hN)`` is a generic appeal in customers' utility, whatever the money was meant
        for, so two strategies with the same budget are the same firm. With
        ``neutral_per_lever`` each lever keeps its own stock on one shared curve with
        half-saturation hN/L, and the appeal is the mean of their capabilities: equal to the
        single stock's when the money is spread evenly over all L levers, less when it is not.
        """
        eco = self.market.economics
        self.appeal_stock = (1.0 - eco.stock_decay) * self.appeal_stock + budget
        self.appeal_stocks = (1.0 - eco.stock_decay) * self.appeal_stocks + spend
        if self.per_lever_appeal:
            caps = capability(self.appeal_stocks, self.half_saturation / N_LEVERS)
            self.appeal = float(caps.mean())
        else:
            self.appeal = float(self.appeal_stock / (self.appeal_stock + self.half_saturation))
        self.capabilities = np.zeros(N_LEVERS)
        self.quality = eco.quality_base
        self.service = eco.service_base
        self.ad_reach = 0.0
        self.personalisation = 0.0
        self.learn = 0.0
        self.retention_cap = 0.0
        self.cross_sell = 0.0
        self.recovery = 0.0
        self.discount = 0.0

    # ------------------------------------------------------------------------------------------
    def account(self, step: int, it: dict[str, int], ft: dict[str, float]) -> None:
        """Stage 7: book revenue and costs (integer cents), update cash and the KPIs."""
        eco = self.market.economics
        rel = it["rel"]
        revenue = it["revenue_cents"]
        service_c = it["service_cost_cents"]
        pers_c = it["personalisation_cost_cents"]
        spend = self.lever_spend.tolist()  # Python floats: the same values, faster to round
        lever_c = {name: round(spend[k] * 100.0) for k, name in enumerate(LEVERS)}
        if not self.neutral:  # promotion is paid for by forgone revenue, not cash
            lever_c["promotion"] = it["list_revenue_cents"] - revenue
        fixed_c = round(eco.fixed_cost * self.n_market * self.share_of_market * self.price_unit
                        * 100.0)
        cash_levers = sum(v for k, v in lever_c.items() if self.neutral or k != "promotion")
        contribution = revenue - it["cogs_cents"] - service_c - pers_c
        profit = (contribution - it["retention_cost_cents"] - it["recovery_cost_cents"]
                  - cash_levers - fixed_c)
        self.cash += profit
        self.revenue_prev = revenue / 100.0
        self.close_month(step, revenue / 100.0, rel)
        self.list_revenue_prev = it["list_revenue_cents"] / 100.0
        self.period_revenue += revenue / 100.0

        rel_start = it["rel_start"]
        lost = it["lost_churn"] + it["lost_switch"] + it["lost_outside"]
        retention = 1.0 - lost / rel_start if rel_start > 0 else float("nan")
        if rel_start > 0:
            self.retention_history.append(retention)
        recent = self.retention_history[-self.market.steps_per_year:]
        r = float(np.mean(recent)) if recent else 0.0
        d = (1.0 + eco.discount_rate) ** (1.0 / self.market.steps_per_year) - 1.0
        margin_per_rel = contribution / 100.0 / rel if rel > 0 else 0.0
        clv = margin_per_rel * (1.0 + d) / (1.0 + d - r)
        equity = rel * margin_per_rel * r / (1.0 + d - r)
        tangible = (eco.tangible_assets * self.n_market * self.share_of_market * self.price_unit
                    + max(self.cash, 0) / 100)
        customers = it["customers"]
        exposures_unaware = it["exposures_unaware"]
        acq_ads = it["acq_ads"]
        m = {
            "customers": customers,
            "relationships": rel,
            "products_per_customer": rel / customers if customers else 0.0,
            "aware": it["aware"],
            "acq_initial": it["acq_initial"], "acq_ads": acq_ads, "acq_wom": it["acq_wom"],
            "acq_search": it["acq_search"], "acq_cross_sell": it["acq_cross_sell"],
            "acquisitions": (it["acq_initial"] + acq_ads + it["acq_wom"] + it["acq_search"]
                             + it["acq_cross_sell"]),
            "churned": lost, "lost_churn": it["lost_churn"], "lost_switch": it["lost_switch"],
            "lost_outside": it["lost_outside"], "saved": it["saved"],
            "retention_offers": it["retention_offers"], "recoveries": it["recoveries"],
            "retention": retention,
            "units": it["units"],
            "revenue": revenue / 100.0,
            "cogs": it["cogs_cents"] / 100.0,
            "cost_service_delivery": service_c / 100.0,
            "cost_personalisation_delivery": pers_c / 100.0,
            "cost_retention_offers": it["retention_cost_cents"] / 100.0,
            "cost_recovery_delivery": it["recovery_cost_cents"] / 100.0,
            "cost_fixed": fixed_c / 100.0,
            **{f"cost_{name}": v / 100.0 for name, v in lever_c.items()},
            "profit": profit / 100.0,
            "margin": profit / revenue if revenue > 0 else float("nan"),
            "cash": self.cash / 100.0,
            "price": self.price_cents[0] / 100.0,
            "discount": self.discount,
            "quality": self.quality,
            "service": self.service,
            "ad_reach": self.ad_reach,
            "personalisation": self.personalisation,
            "appeal": self.appeal,
            "novelty": self.novelty,
            "versions": self.versions,
            "ad_exposures": it["exposures"],
            "ad_response_rate": it["aware_ads"] / exposures_unaware if exposures_unaware else 0.0,
            "cpa_ads": (self.lever_spend[LEVER["advertising"]] / acq_ads if acq_ads
                        else float("nan")),
            "aware_ads": it["aware_ads"], "aware_wom": it["aware_wom"],
            "aware_search": it["aware_search"],
            "choices": it["choices"],
            "peer_informed_share": it["choices_peer"] / it["choices"] if it["choices"] else 0.0,
            "firm_informed_share": it["choices_firm"] / it["choices"] if it["choices"] else 0.0,
            "nps": 100.0 * (it["promoters"] - it["detractors"]) / rel if rel else 0.0,
            "mean_satisfaction": ft["satisfaction_sum"] / rel if rel else float("nan"),
            "mean_tenure": it["tenure_sum"] / rel if rel else 0.0,
            "mean_fit": ft["fit_sum"] / it["units"] if it["units"] else float("nan"),
            "mean_experience": ft["experience_sum"] / it["units"] if it["units"] else float("nan"),
            "knowledge": ft["knowledge_sum"] / customers if customers else 0.0,
            "share_of_wallet": ft["wallet_share_sum"] / customers if customers else 0.0,
            "mean_belief": ft["belief_sum"] / it["aware"] if it["aware"] else 0.0,
            "clv": clv,
            "customer_equity": equity,
            "tangible_assets": tangible,
            # a customer base worth less than nothing adds no intangible value (share in [0, 1))
            "intangible_share": max(equity, 0.0) / (max(equity, 0.0) + tangible)
            if max(equity, 0.0) + tangible > 0 else 0.0,
            # the allocation this step's spending followed (a review changes the next one)
            "orientation": self.orientation,
            **{f"share_{name}": s for name, s in zip(LEVERS, self.shares.tolist(), strict=True)},
        }
        self.metrics = m

    # ------------------------------------------------------------------------------------------
    def review(self, step: int, market_revenue: float, market_equity: float) -> None:
        """After the market's books close: add to the review period; adapt at a review step.

        Args:
            step: this step.
            market_revenue: every firm's revenue this step (money).
            market_equity: every firm's customer equity this step, negative ones counted as 0.
        """
        self.period_market_revenue += market_revenue
        if self.objective != Objective.fixed and step % self.cfg.review_every == 0:
            self.adapt(step, market_equity)
        if isinstance(self.pricing, ValueBased) and not self.interventions.pricing_frozen:
            self.pricing.review(step)

    def observe(self, obs: FirmObservation) -> None:
        """Record what the firm saw of this month; its pricing policy learns from it."""
        self.observations.append(obs)
        if isinstance(self.pricing, ValueBased):
            self.pricing.observe(obs)

    def adapt(self, step: int, market_equity: float) -> None:
        """Re-allocate the budget by hill climbing on the firm's share of the market.

        The objective is a share, which a growing market does not inflate: the firm's share of
        the market's revenue over the review period (``revenue``), or its share of the market's
        customer equity, the expected future margins of current customers (``clv``). Keep the
        last trial move if the objective improved, undo it otherwise, then try a new move of
        ``exploration`` of the budget from one lever to another, drawn from the run's
        counter-based stream for this firm and step.
        """
        if self.objective == Objective.revenue:
            value = (self.period_revenue / self.period_market_revenue
                     if self.period_market_revenue > 0 else 0.0)
        else:
            value = (max(self.metrics["customer_equity"], 0.0) / market_equity
                     if market_equity > 0 else 0.0)
        self.period_revenue = 0.0
        self.period_market_revenue = 0.0
        worse = self.objective_prev is not None and value < self.objective_prev
        if self.last_move is not None and worse:
            # the trial made things worse: undo it; the baseline stays the untried allocation's
            donor, receiver, amount = self.last_move
            self.shares[donor] += amount
            self.shares[receiver] -= amount
        else:
            self.objective_prev = value
        key = rng.step_key(self.model.seed, step, f"firm_review/{self.index}")
        donors = [k for k in range(N_LEVERS) if self.shares[k] > 1e-12]
        donor = donors[min(len(donors) - 1, math.floor(rng.uniform(key, 0) * len(donors)))]
        others = [k for k in range(N_LEVERS) if k != donor]
        receiver = others[min(len(others) - 1, math.floor(rng.uniform(key, 1) * len(others)))]
        amount = min(self.cfg.exploration, float(self.shares[donor]))
        self.shares[donor] -= amount
        self.shares[receiver] += amount
        self.last_move = (donor, receiver, amount)
        self.orientation = customer_orientation(self.shares)
