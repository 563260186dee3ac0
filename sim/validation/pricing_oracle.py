"""A market whose price answer is known: the oracle of the value-based pricing policy (issue 24).

Every customer is alike and in the market for the one category every month, knows every firm,
has no switching cost, social proof or beliefs in utility, never churns, and no firm spends on
any lever. Each month is then a plain multinomial logit over N identical firms and buying
nothing: firm f's utility is v − α·p_f with

    v = beta_fit · 1 + beta_quality · quality_base + beta_service · service_base   (fit is 1)
    α = beta_price · price_sensitivity / (wtp · ref_price)
    c = unit_cost · (1 + quality_cost · quality_base + service_cost · service_base)

and u₀ = outside_utility. The symmetric Nash markup m is the unique root of
m = 1 / (α (1 − s)), s = x / (e^{u₀} + N·x), x = e^{v − α(c + m)}; for a monopoly
p* = c + (1 + W(e^{v − αc − u₀ − 1})) / α, W Lambert's function (ODD §7.13.1 derives both).
The market is fully mixed (no network: nothing in utility depends on it), so large oracle
markets stay cheap.
"""

from __future__ import annotations

import dataclasses
import math

from scipy.special import lambertw

from ..config import Config, FirmConfig, validate
from ..configure import load_config

__all__ = ["ORACLE_OVERRIDES", "monopoly_price", "nash_price", "oracle_config", "oracle_terms"]

#: The settings that make the market an exact logit (the firms are set by :func:`oracle_config`).
ORACLE_OVERRIDES = (
    "market.network.kind=fully_mixed",
    "market.customers.persona_spread=0", "market.customers.need_heterogeneity=0",
    "market.customers.trait_sigma=0",
    "market.economics.initial_position_spread=0",
    "market.categories.core.occasion_prob=1", "market.categories.core.renewal_prob=1",
    "market.awareness.initial_awareness=1",
    "market.choice.switching_cost=0", "market.choice.beta_social=0", "market.choice.beta_belief=0",
    "market.churn.base=0", "market.churn.sensitivity=0",
    "market.economics.min_budget=0", "market.economics.min_budget_per_relationship=0",
    # backstops: with no lever money these terms are 0 anyway
    "market.choice.beta_ad=0", "market.choice.beta_novelty=0", "market.choice.beta_appeal=0",
    "market.choice.beta_cross_sell=0",
    # every customer re-chooses every month, so relationships end and start by the million:
    # their spells are not needed here (kept, they fill memory at a million customers)
    "output.spells=false",
)


def oracle_config(n_firms: int, beta_price: float, n_customers: int, seed: int = 0,
                  pricing: str = "value_based", markup: float = 0.6, steps: int = 120,
                  extra: tuple[str, ...] = ()) -> Config:
    """The oracle market with ``n_firms`` identical firms on ``pricing``, validated."""
    cfg = load_config([*ORACLE_OVERRIDES, f"market.choice.beta_price={beta_price}",
                       f"market.n_customers={n_customers}", f"market.steps={steps}",
                       f"seed={seed}", "firms=single", *extra])
    market = dataclasses.replace(cfg.market, categories={"core": cfg.market.categories["core"]})
    firm = FirmConfig(strategy="product_centric", pricing=pricing, markup=markup,
                      budget_rate=0.0, exploitation=0.0)
    firms = {f"firm_{k}": dataclasses.replace(firm) for k in range(n_firms)}
    return validate(dataclasses.replace(cfg, market=market, firms=firms))


def oracle_terms(cfg: Config) -> tuple[float, float, float, float]:
    """(v, α, c, u₀) of the oracle market: inside utility before price, price weight, cost."""
    m = cfg.market
    ch, eco, cust = m.choice, m.economics, m.customers
    core = m.categories["core"]
    v = ch.beta_fit + ch.beta_quality * eco.quality_base + ch.beta_service * eco.service_base
    alpha = ch.beta_price * cust.price_sensitivity_mean / (cust.wtp_mean * core.ref_price)
    cost = core.unit_cost * (1.0 + core.quality_cost * eco.quality_base
                             + eco.service_cost * eco.service_base)
    return v, alpha, cost, ch.outside_utility


def nash_price(cfg: Config) -> float:
    """The symmetric Nash price c + m of the oracle market (bisection on the markup m)."""
    v, alpha, cost, u0 = oracle_terms(cfg)
    n = len(cfg.firms)

    def excess(m: float) -> float:
        x = math.exp(v - alpha * (cost + m))
        s = x / (math.exp(u0) + n * x)
        return m - 1.0 / (alpha * (1.0 - s))

    lo, hi = 0.0, 1.0 / alpha
    while excess(hi) <= 0.0:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if excess(mid) > 0.0 else (mid, hi)
    return cost + 0.5 * (lo + hi)


def monopoly_price(cfg: Config) -> float:
    """p* = c + (1 + W(e^{v − αc − u₀ − 1})) / α: the monopoly price in closed form."""
    v, alpha, cost, u0 = oracle_terms(cfg)
    return cost + (1.0 + float(lambertw(math.exp(v - alpha * cost - u0 - 1.0)).real)) / alpha
