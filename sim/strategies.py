"""Strategies as data: budget shares over the firm's levers, presets and the mix between them.

A strategy never changes code paths; it only says how a firm divides its budget. Everything a
strategy achieves has to come from what those levers do to customers' choices.
"""

from __future__ import annotations

import numpy as np

#: The levers a firm can spend on, in the order used by every lever-indexed array.
LEVERS = (
    "rd",  # product R&D: raises quality (and unit cost)
    "advertising",  # mass advertising: reach of ad exposures
    "promotion",  # price promotion: discount depth, paid for by forgone revenue
    "insight",  # customer insight (data unification and analytics): how fast interactions
    # become per-customer knowledge
    "personalisation",  # moves each known customer's offer toward their need
    "service",  # service experience
    "cocreation",  # moves the offer toward customers' revealed needs
    "retention",  # retention offers to customers about to leave
    "cross_sell",  # triggers offers in other categories to known customers
    "recovery",  # frontline empowerment: staff who may fix a bad experience on the spot
)
LEVER = {name: k for k, name in enumerate(LEVERS)}
#: Levers whose capability is money per relationship of the firm's own (a per-customer
#: activity: serving, knowing, personalising, saving, cross-selling); the others (R&D,
#: advertising, co-creation) act on the offer or the whole market and scale with its size.
PER_CUSTOMER_LEVERS = ("insight", "personalisation", "service", "retention", "cross_sell",
                       "recovery")
#: Levers that start from the individual customer (used to place a strategy on the mix axis).
CUSTOMER_LEVERS = ("insight", "personalisation", "service", "cocreation", "retention", "cross_sell",
                   "recovery")

PRESETS: dict[str, dict[str, float]] = {
    # Push one offer to as many people as possible: quality, reach and price (essay 003).
    "product_centric": {
        "rd": 0.35,
        "advertising": 0.40,
        "promotion": 0.20,
        "service": 0.05,
    },
    # Start from the individual: knowledge, personalisation, experience, co-creation (000, 003).
    "customer_centric": {
        "rd": 0.05,
        "advertising": 0.05,
        "insight": 0.20,
        "personalisation": 0.20,
        "service": 0.20,
        "cocreation": 0.10,
        "retention": 0.10,
        "cross_sell": 0.10,
    },
}
STRATEGY_NAMES = (*PRESETS, "mix", "custom")


def shares_vector(shares: dict[str, float]) -> np.ndarray:
    """Budget shares as an array in :data:`LEVERS` order (missing levers get 0)."""
    unknown = set(shares) - set(LEVERS)
    if unknown:
        raise ValueError(f"unknown lever(s) {sorted(unknown)}; levers are {', '.join(LEVERS)}")
    return np.array([float(shares.get(name, 0.0)) for name in LEVERS])


def mix_shares(mix: float) -> np.ndarray:
    """Shares on the straight line from product-centric (mix=0) to customer-centric (mix=1)."""
    pc = shares_vector(PRESETS["product_centric"])
    cc = shares_vector(PRESETS["customer_centric"])
    return (1.0 - mix) * pc + mix * cc


def customer_orientation(shares: np.ndarray) -> float:
    """Share of the budget on customer levers: 0 = all product levers, 1 = all customer levers."""
    return float(sum(shares[LEVER[name]] for name in CUSTOMER_LEVERS))


def resolve_shares(strategy: str, mix: float, custom: dict[str, float]) -> np.ndarray:
    """The budget-share vector a firm's strategy settings describe."""
    if strategy in PRESETS:
        return shares_vector(PRESETS[strategy])
    if strategy == "mix":
        return mix_shares(mix)
    if strategy == "custom":
        return shares_vector(custom)
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGY_NAMES)}")

