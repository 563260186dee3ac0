"""Configuration: Hydra structured-config dataclasses and the validation of every value.

The dataclasses are the single declaration of every parameter (default, unit, range). Hydra
composes YAML from ``conf/`` on top of them and rejects wrong types and unknown keys; ranges,
names and cross-field rules are checked here by :func:`validate`, once, at the boundary, so the
model only ever receives a validated plain object.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any

from .strategies import LEVERS, STRATEGY_NAMES

MAX_FIRMS = 15  # customers' word-of-mouth state packs a firm index into 4 bits


class ConfigError(ValueError):
    """A configuration value that is not allowed; the message names key, value and rule."""


class NetworkKind(str, Enum):  # noqa: UP042 - OmegaConf reads plain Enum subclasses
    """Social network generators (networkx)."""

    small_world = "small_world"
    scale_free = "scale_free"
    random = "random"
    fully_mixed = "fully_mixed"


class NetworkGenerator(str, Enum):  # noqa: UP042
    """Which code builds the network: networkx (default) or the Numba kernels (large markets)."""

    networkx = "networkx"
    numba = "numba"


class LeverResponse(str, Enum):  # noqa: UP042
    """How lever money reaches customers: each lever its own effect, or one generic appeal.

    ``neutral`` (one stock, one appeal term) exists to test the model's structure;
    ``neutral_per_lever`` gives every lever its own stock on the same concave curve and the
    appeal is their mean, which measures how much spreading money over levers gains from the
    curves' shape alone (the concavity bias).
    """

    specific = "specific"
    neutral = "neutral"
    neutral_per_lever = "neutral_per_lever"


class LeverBase(str, Enum):  # noqa: UP042
    """What product-lever money (R&D and its versions, advertising, co-creation) is per.

    ``market`` (the default): per customer of the market, because reach is bought per person
    reached and a version's development cost is one outlay for a product every customer of the
    market may buy, so both scale with the market's size, not with the firm's. ``own``: per
    relationship the firm serves, like the customer levers (insight, personalisation, service,
    retention offers, cross-selling, recovery).
    """

    market = "market"
    own = "own"


class Pricing(str, Enum):  # noqa: UP042
    """How a firm sets its prices (``sim.pricing``): open to every strategy."""

    cost_plus = "cost_plus"
    value_based = "value_based"


class Objective(str, Enum):  # noqa: UP042
    """What steers an adaptive firm's budget re-allocation (``fixed``: it never re-allocates)."""

    fixed = "fixed"
    revenue = "revenue"
    clv = "clv"


def _num(default: float, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         unit: str = "", help: str = "") -> Any:
    """A numeric field with a range, a unit and a meaning (read by `validate` and the docs)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "lo_open": lo_open, "unit": unit,
                                            "help": help})


def _prob(default: float, help: str = "") -> Any:
    return _num(default, 0.0, 1.0, unit="probability", help=help)


def _share(default: float, help: str = "", unit: str = "share 0–1") -> Any:
    return _num(default, 0.0, 1.0, unit=unit, help=help)


@dataclass
class NetworkConfig:
    """Who talks to whom."""

    kind: NetworkKind = field(default=NetworkKind.small_world,
                              metadata={"help": "network generator (networkx)"})
    mean_degree: int = _num(10, 2, 1000, unit="contacts", help="average number of neighbours")
    rewire_prob: float = _prob(0.1, "small-world rewiring probability (Watts–Strogatz)")
    homophily: float = _num(0.0, 0.0, 1.0, unit="0–1",
                            help="tendency of neighbours to share a persona (small_world, random)")
    generator: NetworkGenerator = field(
        default=NetworkGenerator.networkx,
        metadata={"help": "code that builds it: networkx, or numba (Numba kernels straight to "
                          "CSR, for millions of customers; other random streams, so other "
                          "networks for the same seed)"})


@dataclass
class CustomerConfig:
    """How customers' traits are drawn."""

    n_personas: int = _num(4, 1, 64, unit="personas", help="customer segments with shared needs")
    need_dims: int = _num(2, 1, 8, unit="dimensions", help="dimensions of a need vector")
    persona_spread: float = _num(1.0, 0.0, 10.0, unit="need units",
                                 help="sd of persona centroids around the population mean")
    need_heterogeneity: float = _num(0.8, 0.0, 10.0, unit="need units",
                                     help="sd of individual needs around their persona centroid")
    wtp_mean: float = _num(1.6, 0.0, 100.0, lo_open=True, unit="× reference price",
                           help="mean willingness to pay")
    price_sensitivity_mean: float = _num(1.0, 0.0, 100.0, unit="utility per price/wtp",
                                         help="mean price sensitivity")
    peer_susceptibility_mean: float = _num(1.0, 0.0, 100.0, unit="×",
                                           help="mean susceptibility to peers' word of mouth")
    ad_susceptibility_mean: float = _num(1.0, 0.0, 100.0, unit="×",
                                         help="mean susceptibility to advertising")
    trait_sigma: float = _num(0.3, 0.0, 3.0, unit="log sd",
                              help="log-normal spread of wtp and the susceptibilities")


@dataclass
class CategoryConfig:
    """A product category: what a month of it costs and how often people are in the market."""

    ref_price: float = _num(50.0, 0.0, 1e6, lo_open=True, unit="money / month",
                            help="reference price that willingness to pay scales")
    unit_cost: float = _num(20.0, 0.0, 1e6, unit="money / month", help="unit cost at quality 0")
    quality_cost: float = _num(0.5, 0.0, 10.0, unit="× unit cost",
                               help="extra unit cost at quality 1")
    occasion_prob: float = _prob(0.1, "chance a non-customer is in the market in a month")
    renewal_prob: float = _prob(0.05, "chance a customer reconsiders their firm in a month")


def _default_categories() -> dict[str, CategoryConfig]:
    return {
        "core": CategoryConfig(),
        "complement": CategoryConfig(ref_price=15.0, unit_cost=6.0, occasion_prob=0.03),
    }


@dataclass
class AwarenessConfig:
    """How customers learn that firms exist and what to expect of them."""

    ad_response: float = _prob(0.03, "chance an exposed, unaware customer takes notice")
    ad_fatigue: float = _num(0.85, 0.0, 1.0, unit="× per exposure",
                             help="response multiplier per earlier exposure (1 = no fatigue)")
    wom_strength: float = _num(0.3, 0.0, 10.0, unit="hazard",
                               help="awareness hazard when all of one's neighbours recommend")
    neg_wom_multiplier: float = _num(2.0, 0.0, 100.0, unit="×",
                                     help="weight of a warning relative to a recommendation")
    wom_belief_rate: float = _share(0.2, unit="share of the gap per month",
                                    help="how far word of mouth moves beliefs per month")
    referral_trigger: float = _num(0.8524, 0.0, 100.0, unit="× wom_strength",
                                   help="how strongly contacts' recommendations of a firm a "
                                        "customer already knows bring them to the market for "
                                        "it (a month's hazard wom_strength × this × the share "
                                        "of recommending contacts), relative to how they make "
                                        "an unknown firm known; 0: word of mouth only spreads "
                                        "awareness and beliefs")
    search_rate: float = _prob(0.02, "chance per month a customer searches and finds a firm")
    initial_awareness: float = _prob(0.3, "chance a customer knows a firm at the start")
    prior_belief: float = _num(0.6, 0.0, 1.0, unit="experience units",
                               help="expected experience of a newly known firm")


@dataclass
class ChoiceConfig:
    """The logit utility customers use to choose among known firms and the outside option."""

    beta_fit: float = _num(3.0, 0.0, 100.0, unit="utils", help="weight of fit to needs")
    beta_quality: float = _num(1.5, 0.0, 100.0, unit="utils", help="weight of product quality")
    beta_service: float = _num(0.7092, 0.0, 100.0, unit="utils",
                               help="weight of service experience")
    beta_belief: float = _num(2.0, 0.0, 100.0, unit="utils", help="weight of beliefs")
    beta_social: float = _num(1.0, 0.0, 100.0, unit="utils",
                              help="weight of the share of neighbours who buy from the firm")
    beta_price: float = _num(12.0, 0.0, 100.0, unit="utils",
                             help="weight of price / wtp (calibrated: price elasticity of choice "
                                  "share ≈ −2.6, Bijmolt et al. 2005; experiments/calibration)")
    beta_cross_sell: float = _num(0.698, 0.0, 100.0, unit="utils",
                                  help="pull of a personalised offer from a firm the customer "
                                       "already buys another category from")
    beta_ad: float = _num(2.5, 0.0, 100.0, unit="utils",
                          help="weight of a firm's advertising salience (its ad reach × the "
                               "customer's ad susceptibility) for customers who know the firm "
                               "(calibrated: short-run advertising elasticity, Sethuraman et al. "
                               "2011; experiments/calibration)")
    beta_novelty: float = _num(0.0, 0.0, 100.0, unit="utils",
                               help="weight of a firm's news (novelty of its latest version × its "
                                    "ad reach × the customer's ad susceptibility); 0: novelty "
                                    "does not matter")
    beta_appeal: float = _num(1.5, 0.0, 100.0, unit="utils",
                              help="weight of the generic appeal that all lever money buys "
                                   "with economics.lever_response=neutral")
    switching_cost: float = _num(1.0, 0.0, 100.0, unit="utils", help="bonus of staying put")
    outside_utility: float = _num(-3.6, -1e9, 1e9, unit="utils",
                                  help="utility of buying nothing (set with beta_price: "
                                       "3 − 0.66 × (beta_price − 2), the pre-calibration gap to "
                                       "buying at the mean price; experiments/calibration)")
    fit_width: float = _num(1.0, 0.0, 100.0, lo_open=True, unit="need units",
                            help="distance at which fit falls to exp(-1/2)")


@dataclass
class ExperienceConfig:
    """Experience, satisfaction (expectation vs experience) and word-of-mouth thresholds."""

    w_fit: float = _num(1.0, 0.0, 100.0, help="weight of fit in experience")
    w_quality: float = _num(1.0, 0.0, 100.0, help="weight of quality in experience")
    w_service: float = _num(1.0, 0.0, 100.0, help="weight of service in experience")
    w_value: float = _num(1.0, 0.0, 100.0, help="weight of value for money in experience")
    noise_sd: float = _num(0.1, 0.0, 10.0, unit="experience units", help="noise of one experience")
    disconfirmation_weight: float = _num(0.4497, 0.0, 10.0,
                                         help="how much beating or missing expectations counts")
    satisfaction_smoothing: float = _share(0.3, unit="weight, 0–1",
                                           help="weight of this month in satisfaction")
    belief_learning: float = _share(0.3, unit="share of the gap per experience",
                                    help="how far an experience moves the belief about a firm")
    promoter_threshold: float = _num(7.25, -1.0, 11.0, unit="0–10 score",
                                     help="satisfaction at or above which a customer recommends "
                                          "(calibrated: the survey's 9 shifted onto the model's "
                                          "score so that the typical firm's NPS over years "
                                          "2–10 is +5 to +10, Reichheld 2003; "
                                          "experiments/calibration/nps.py)")
    detractor_threshold: float = _num(4.25, -1.0, 11.0, unit="0–10 score",
                                      help="satisfaction at or below which a customer warns "
                                           "(promoter_threshold − 3, the survey's 9 and 6)")


@dataclass
class ChurnConfig:
    """Leaving a firm."""

    base: float = _prob(0.005, "monthly chance a customer leaves whatever happens")
    sensitivity: float = _num(0.3, 0.0, 100.0, unit="hazard per 10 points",
                              help="extra monthly hazard per 10 points below the threshold")
    threshold: float = _num(6.0, 0.0, 10.0, unit="0–10 score",
                            help="satisfaction below which hazard rises")
    proneness_sigma: float = _num(0.0, 0.0, 5.0, unit="log sd",
                                  help="spread of customers' churn proneness, a multiplier on "
                                       "each customer's monthly hazard drawn once (log-normal, "
                                       "mean 1): heterogeneity that makes a cohort's retention "
                                       "rise with tenure (Fader & Hardie 2007); 0: everyone "
                                       "alike")


@dataclass
class EconomicsConfig:
    """The technology shared by all firms: how spending becomes capability, and costs."""

    lever_response: LeverResponse = field(
        default=LeverResponse.specific,
        metadata={"help": "specific: each lever has its own effect; neutral: all lever money "
                          "(promotion as cash) feeds one stock whose capability enters utility "
                          "as one generic appeal term, every lever-specific effect at its "
                          "zero-spend value (a test of the structure); neutral_per_lever: "
                          "the same, but each lever has its own stock on one shared concave "
                          "curve (measures the concavity bias)"})
    price_unit: float | None = _num(None, 0.0, 1e9, lo_open=True, unit="money / month",
                                    help="the money every premise marked 'price units' is "
                                         "stated in (empty: the first category's ref_price), so "
                                         "a market whose prices are k× higher has the same "
                                         "economics")
    product_lever_base: LeverBase = field(
        default=LeverBase.market,
        metadata={"help": "what R&D (and a version's cost), advertising and co-creation money "
                          "is measured against: market (per customer in the market: reach is "
                          "bought per person reached, a version is one outlay for the whole "
                          "market) or own (per relationship the firm serves, as the customer "
                          "levers are)"})
    half_saturation: float = _num(0.02, 0.0, 1e9, lo_open=True,
                                  unit="price units per market customer",
                                  help="neutral levers: appeal stock (per customer in the market) "
                                       "at appeal 0.5")
    stock_decay: float = _share(0.05, unit="share per month",
                                help="neutral levers: monthly decay of the appeal stock")
    quality_base: float = _share(0.3, unit="quality level, 0–1", help="quality with no R&D")
    service_base: float = _share(0.2, unit="service level, 0–1",
                                 help="service level with no service investment")
    max_discount: float = _share(0.3, unit="share of list price", help="deepest price promotion")
    personalisation_reach: float = _share(0.2845, unit="share of distance",
                                          help="share of the offer–need distance full "
                                               "personalisation removes")
    learn_rate: float = _share(0.05413, unit="share of the unknown per served month",
                               help="share of the missing knowledge of a customer gained per "
                               "purchase at full insight capability and data unification 1")
    estimate_error: float = _num(1.238, 0.0, 100.0, unit="need units",
                                 help="sd of a firm's error about the need of a customer it knows "
                                      "nothing of; × (1 − knowledge) as it learns")
    version_cost: float = _num(0.04, 0.0, 1e9, lo_open=True,
                               unit="price units per market customer",
                               help="R&D money that produces a new version of the offer")
    novelty_wear: float = _share(0.1, unit="share per month",
                                 help="how fast a new version's novelty wears off")
    cocreation_speed: float = _share(0.1, unit="share of distance per month",
                                     help="monthly move of the offer toward customers' needs")
    cross_sell_trigger: float = _prob(0.1175, "chance a triggered cross-sell brings a customer to "
                                           "market")
    service_cost: float = _num(0.2, 0.0, 100.0, unit="× unit cost",
                               help="delivery cost of service at level 1, per unit sold (part of "
                                    "the unit cost, priced in like quality)")
    personalisation_cost: float = _num(0.1, 0.0, 100.0, unit="× unit cost",
                                       help="delivery cost of personalisation at level 1, per unit "
                                            "sold (part of the unit cost, priced in like quality)")
    recovery_cost: float = _num(0.3, 0.0, 10.0, unit="× monthly price",
                                help="cost of fixing one bad experience on the spot (service "
                                     "recovery by empowered frontline staff)")
    retention_offer: float = _num(0.5257, 0.0, 10.0, unit="× monthly price",
                                  help="cost of one retention offer")
    fixed_cost: float = _num(0.02, 0.0, 1e6, unit="price units / market customer / month",
                             help="fixed cost of a firm, per customer in the market, split evenly")
    tangible_assets: float = _num(2.0, 0.0, 1e9, unit="price units / market customer",
                                  help="a firm's tangible assets, per customer in the market, "
                                        "split evenly")
    min_budget: float = _num(0.0, 0.0, 1e6, unit="price units / market customer / month",
                             help="smallest lever budget of a firm, per customer in the "
                                   "market, split evenly (a market-wide floor; off by default)")
    min_budget_per_relationship: float = _num(
        0.02, 0.0, 1e6, unit="price units / relationship / month",
        help="smallest lever budget of a firm per relationship it serves (a floor tied to the "
             "firm's own size)")
    initial_penetration: float = _share(0.3, unit="share of customers per category",
                                        help="share of customers with a firm in each category "
                                        "at the start")
    initial_position_spread: float = _num(0.0, 0.0, 10.0, unit="need units",
                                          help="sd of firms' starting offers around the mean need "
                                               "(0: every firm starts with the same mass-market "
                                               "offer, a fair start)")
    discount_rate: float = _num(0.10, 0.0, 10.0, lo_open=True, unit="per year",
                                help="discount rate for CLV")


@dataclass
class LeverCurve:
    """One lever's response curve: a stock with carry-over, concave in money.

    The customer levers' half-saturations are re-calibrated on field studies (issue 26);
    R&D's, advertising's and co-creation's are assumed (advertising's carry-over calibrated).
    """

    half_saturation: float = _num(0.02, 0.0, 1e9, lo_open=True, unit="price units per customer",
                                  help="stock at capability 0.5, per customer in the market "
                                       "(rd, advertising, cocreation) or per relationship of the "
                                       "firm (insight, personalisation, service, retention, "
                                       "cross_sell)")
    carryover: float = _num(0.95, 0.0, 1.0, unit="share per month",
                            help="share of the stock left after a month (adstock for "
                                 "advertising)")


def _curve(half_saturation: float, carryover: float) -> Any:
    return field(default_factory=lambda: LeverCurve(half_saturation, carryover))


@dataclass
class LeversConfig:
    """Each lever's response curve (promotion's is economics.max_discount).

    Half-saturations in price units. The customer levers' (insight, personalisation, service,
    retention, cross-selling, recovery) are issue 26's re-calibration on the field studies
    (results/recalibration, best trial #118, rounded to 4 figures); R&D's, co-creation's and
    advertising's are issue 23's (the earlier defaults ÷ 50, the default ref_price), with
    advertising's carry-over calibrated in issue 13.
    """

    rd: LeverCurve = _curve(0.02, 0.95)
    advertising: LeverCurve = _curve(0.01, 0.45)  # carry-over calibrated (issue 13)
    insight: LeverCurve = _curve(0.835, 0.95)
    personalisation: LeverCurve = _curve(0.6561, 0.95)
    service: LeverCurve = _curve(0.03079, 0.95)
    cocreation: LeverCurve = _curve(0.02, 0.95)
    retention: LeverCurve = _curve(0.6972, 0.95)
    cross_sell: LeverCurve = _curve(0.1305, 0.95)
    recovery: LeverCurve = _curve(0.9912, 0.95)


@dataclass
class MarketConfig:
    """The market: its size and length, its customers, their network and behaviour."""

    n_customers: int = _num(10_000, 1, 10**9, unit="customers", help="customers in the market")
    steps: int = _num(120, 1, 10**6, unit="months", help="length of a run")
    steps_per_year: int = _num(12, 1, 366, unit="steps",
                               help="steps in a year (for CAGR, retention)")
    network: NetworkConfig = field(default_factory=NetworkConfig)
    customers: CustomerConfig = field(default_factory=CustomerConfig)
    categories: dict[str, CategoryConfig] = field(default_factory=_default_categories)
    awareness: AwarenessConfig = field(default_factory=AwarenessConfig)
    choice: ChoiceConfig = field(default_factory=ChoiceConfig)
    experience: ExperienceConfig = field(default_factory=ExperienceConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    levers: LeversConfig = field(default_factory=LeversConfig)


@dataclass
class PivotConfig:
    """A change of strategy at a stated month; capability stocks carry over (at = 0: none)."""

    at: int = _num(0, 0, 10**6, unit="month",
                   help="month from which the firm spends its budget by `to` (0: never pivots)")
    to: str = field(default="customer_centric",
                    metadata={"help": "the strategy from that month: a preset, mix or custom",
                              "choices": STRATEGY_NAMES})
    mix: float = _num(0.0, 0.0, 1.0, unit="0–1",
                      help="with to=mix: 0 product-centric … 1 customer-centric")
    shares: dict[str, float] = field(default_factory=dict,
                                     metadata={"help": "with to=custom: share per lever"})


@dataclass
class FirmConfig:
    """One firm: its strategy (budget shares), pricing and what steers it."""

    strategy: str = field(default="product_centric",
                          metadata={"help": "budget shares over the levers: a preset, mix or "
                                            "custom", "choices": STRATEGY_NAMES})
    mix: float = _num(0.0, 0.0, 1.0, unit="0–1",
                      help="with strategy=mix: 0 product-centric … 1 customer-centric")
    shares: dict[str, float] = field(default_factory=dict,
                                     metadata={"help": "with strategy=custom: share per lever"})
    objective: Objective = field(default=Objective.fixed, metadata={
        "help": "what steers re-allocating the budget (fixed: never re-allocates)"})
    pricing: Pricing = field(default=Pricing.value_based, metadata={
        "help": "cost_plus: list price = unit cost × (1 + markup); value_based: each category's "
                "price is the firm's estimated best response to its own fitted logit demand, "
                "reset every review_every months (sim.pricing)"})
    markup: float = _num(0.6, -0.99, 100.0, unit="× unit cost",
                         help="list price over unit cost (value_based: the starting price)")
    price_test: float = _num(0.02, 0.0, 0.5, unit="share of the base price",
                             help="value_based: each month's price is the base price × 1 ± this "
                                  "(a coin per category from the firm's own stream), the "
                                  "variation its demand is estimated from")
    price_window: int = _num(12, 3, 10**6, unit="months",
                             help="value_based: the months of observations a review fits")
    price_step: float = _num(0.2, 0.0, 1.0, lo_open=True, unit="share of the base price",
                             help="value_based: the largest move of a base price at one review "
                                  "(a firm moves its prices by at most this much a review)")
    price_ceiling: float = _num(10.0, 0.0, 1e6, lo_open=True, unit="× ref_price",
                                help="value_based: the highest base price, a multiple of the "
                                     "category's reference price (never below cost)")
    budget_rate: float = _share(0.15, unit="share of revenue",
                                help="share of planned monthly revenue spent on levers each "
                                     "month (the plan: last year's mean monthly revenue, set at "
                                     "each year's end; the starting list revenue in year 1)")
    exploitation: float = _num(0.0, 0.0, 10.0, unit="× price",
                               help="surcharge on the price of long-tenure customers (a firm that "
                                    "gains at its locked-in customers' expense; 0 = none)")
    exploitation_tenure: int = _num(12, 1, 10**6, unit="months",
                                    help="tenure from which exploitation's surcharge applies")
    review_every: int = _num(12, 1, 10**6, unit="months",
                             help="how often an adaptive firm re-allocates and a value_based "
                                  "firm resets its prices")
    exploration: float = _num(0.05, 0.0, 1.0, lo_open=True, unit="budget share",
                              help="share an adaptive firm moves between two levers per trial")
    pivot: PivotConfig = field(default_factory=PivotConfig, metadata={
        "help": "a mid-run change of strategy (sim.interventions.set_strategy)"})


@dataclass
class OutputConfig:
    """What a run writes and shows."""

    spells: bool = field(default=True, metadata={
        "help": "write spells.parquet (one row per customer–firm relationship)"})
    network_sample: bool = field(default=True, metadata={
        "help": "write network_sample.parquet (a few hundred customers laid out for the "
                "dashboard's replay; experiments' sweeps leave it out)"})
    progress: bool = field(default=True, metadata={
        "help": "progress bar on a terminal for runs longer than 2 s"})
    print_table: bool = field(default=True, metadata={"help": "print the KPI table at the end"})


@dataclass
class Config:
    """A whole run."""

    seed: int = _num(0, 0, 2**63 - 1, unit="", help="the run's only seed")
    name: str = field(default="run", metadata={
        "help": "label of the run, part of its folder name", "unit": "text without / or .."})
    market: MarketConfig = field(default_factory=MarketConfig)
    # Entries are FirmConfig, so every key of a preset's firm can be overridden or swept
    # (`firms.cc_a.markup=0.4,0.8`). To change which firms compete, choose or write a preset in
    # conf/firms/ (OmegaConf cannot add a structured dict entry from the command line).
    firms: dict[str, FirmConfig] = field(default_factory=dict)
    output: OutputConfig = field(default_factory=OutputConfig)


def price_unit(market: MarketConfig) -> float:
    """The money of one price unit: ``economics.price_unit``, else the first category's ref_price.

    Every premise whose unit says "price units" is multiplied by it where it is used, so scaling
    every category's ``ref_price`` and ``unit_cost`` by k gives the same market in k× the money.
    """
    unit = market.economics.price_unit
    if unit is not None:
        return float(unit)
    return float(next(iter(market.categories.values())).ref_price)


# ----------------------------------------------------------------------------------------------
# Validation


def _check_number(path: str, value: Any, meta: dict) -> None:
    lo, hi = meta.get("lo"), meta.get("hi")
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{path}={value}: must be a finite number")
    low_bad = lo is not None and (value <= lo if meta.get("lo_open") else value < lo)
    high_bad = hi is not None and value > hi
    if low_bad or high_bad:
        left = "(" if meta.get("lo_open") else "["
        raise ConfigError(f"{path}={value}: out of range; allowed {left}{lo}, {hi}]"
                          + (f" ({meta['unit']})" if meta.get("unit") else ""))


def _walk(obj: Any, path: str) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if is_dataclass(value):
            _walk(value, key)
        elif isinstance(value, dict) and value and all(is_dataclass(v) for v in value.values()):
            for name, sub in value.items():
                _walk(sub, f"{key}.{name}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and "lo" in f.metadata:
            _check_number(key, value, f.metadata)


def check_strategy(path: str, key: str, strategy: str, shares: dict[str, float]) -> None:
    """Check a strategy name and its custom shares (``key``: the field naming the strategy).

    Raises:
        ConfigError: an unknown strategy or lever, or shares that are not a budget split.
    """
    if strategy not in STRATEGY_NAMES:
        close = difflib.get_close_matches(strategy, STRATEGY_NAMES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{path}.{key}={strategy!r}: unknown strategy{hint}; "
                          f"allowed: {', '.join(STRATEGY_NAMES)}")
    if strategy == "custom":
        unknown = sorted(set(shares) - set(LEVERS))
        if unknown:
            raise ConfigError(f"{path}.shares: unknown lever {unknown[0]!r}; "
                              f"levers: {', '.join(LEVERS)}")
        for lever, share in shares.items():
            if not (0.0 <= share <= 1.0):
                raise ConfigError(f"{path}.shares.{lever}={share}: a share must be in [0, 1]")
        total = sum(shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ConfigError(f"{path}.shares: shares sum to {total:.6g}, they must sum to 1")
    elif shares:
        raise ConfigError(f"{path}.shares is set but {key}={strategy!r}; "
                          f"shares are only read with {key}=custom")


def _check_firm(path: str, firm: FirmConfig, steps: int) -> None:
    check_strategy(path, "strategy", firm.strategy, firm.shares)
    pivot = firm.pivot
    check_strategy(f"{path}.pivot", "to", pivot.to, pivot.shares)
    if pivot.at > steps:
        raise ConfigError(f"{path}.pivot.at={pivot.at}: after the run's last month "
                          f"(market.steps={steps}); allowed 0 (no pivot) to {steps}")


#: Longest ``name`` (characters): it goes into the run folder's name after a 27-character
#: timestamp, and file systems allow 255 bytes.
MAX_NAME = 100


def _check_name(name: str) -> None:
    """``name`` labels a run and goes into its folder name: a short line of text, not a path.

    Control characters (a newline, an ANSI escape) would reach folder names and terminals; a
    name longer than :data:`MAX_NAME` characters would make the folder name too long.
    """
    import unicodedata

    if not name.strip() or "/" in name or "\\" in name or ".." in name or "\0" in name:
        raise ConfigError(f"name={name}: a name is a label, not a path; allowed: text without "
                          "'/', '\\' or '..' (use hydra.run.dir=DIR to choose the folder)")
    control = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if control:
        shown = "".join(ascii(c)[1:-1] if c in control else c for c in name)
        raise ConfigError(f"name={shown}: holds a control character ({ascii(control[0])}); "
                          "allowed: printable text on one line")
    if len(name) > MAX_NAME or len(name.encode()) > 2 * MAX_NAME:
        raise ConfigError(f"name={name[:40]}…: {len(name)} characters; allowed: at most "
                          f"{MAX_NAME} (it becomes part of the run folder's name)")


def validate(cfg: Config) -> Config:
    """Check every range, name and cross-field rule; raise :class:`ConfigError` naming the key."""
    _walk(cfg, "")
    _check_name(str(cfg.name))
    if not cfg.firms:
        raise ConfigError("firms: no firms configured; choose a firms preset (firms=two_vs_two)")
    if len(cfg.firms) > MAX_FIRMS:
        raise ConfigError(f"firms: {len(cfg.firms)} firms; at most {MAX_FIRMS} are allowed")
    for name, firm in cfg.firms.items():
        _check_firm(f"firms.{name}", firm, cfg.market.steps)
    if not cfg.market.categories:
        raise ConfigError("market.categories: at least one product category is needed")
    if len(cfg.market.categories) > 8:
        raise ConfigError("market.categories: at most 8 categories are allowed")
    exp = cfg.market.experience
    if exp.detractor_threshold >= exp.promoter_threshold:
        raise ConfigError(f"market.experience.detractor_threshold={exp.detractor_threshold}: "
                          "must be "
                          f"below promoter_threshold={exp.promoter_threshold}")
    net = cfg.market.network
    if net.kind == NetworkKind.scale_free and net.homophily > 0:
        raise ConfigError(f"market.network.homophily={net.homophily}: homophily is supported for "
                          "small_world and random networks, not scale_free")
    if net.kind == NetworkKind.fully_mixed and net.homophily > 0:
        raise ConfigError(f"market.network.homophily={net.homophily}: a fully mixed market has no "
                          "network to be homophilous; use small_world or random")
    if net.kind != NetworkKind.fully_mixed and net.mean_degree >= cfg.market.n_customers:
        raise ConfigError(f"market.network.mean_degree={net.mean_degree}: must be below "
                          f"market.n_customers={cfg.market.n_customers}")
    return cfg


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (as ``base_config`` and ``firm_schema``)."""
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    cs = ConfigStore.instance()
    stored = cs.repo.get("base_config.yaml")
    if stored is not None and stored.node is not None and OmegaConf.get_type(stored.node) is Config:
        return  # once per process: each store builds the whole schema again (~30 ms)
    cs.store(name="base_config", node=Config)
