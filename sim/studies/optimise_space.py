"""One firm's decision as a search space: budget shares, budget rate, pricing policy and its terms.

A *decision* is a plain dict (JSON-able, so it travels to worker processes and into the trial
tables): ``shares`` (lever → share, every lever of :data:`sim.strategies.LEVERS`, summing to 1),
``budget_rate``, ``pricing`` (``cost_plus`` or ``value_based``) and the policy's terms
(``markup``; for ``value_based`` also ``price_test`` and ``price_step``). A search may decide
only some parts (``shares``, ``budget``, ``price``); the others stay as the firm is configured.

**The simplex.** Budget shares are searched as normalised −log U: for each searched lever an
Optuna float ``u_<lever>`` in [:data:`U_LOW`, 1], e = −ln u, s = e / Σe. When the u are uniform
the e are Exp(1) and s is uniform on the simplex (a Dirichlet(1, …, 1)), so TPE's and random
search's first proposals cover every mix evenly, which a softmax of uniform logits does not (it
crowds the corners). A lever at u = 1 gets share 0; the map is scale-free (u^k gives the same
shares), a flat direction that CMA-ES tolerates. A known decision is put back into the space
with u = e^{−s} (:meth:`DecisionSpace.params_for`), so the firm's plan and the presets can be
the search's first trials.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Config, FirmConfig, Pricing, validate
from ..strategies import CUSTOMER_LEVERS, LEVERS, PRESETS, resolve_shares, shares_vector

__all__ = ["DEFAULT_RANGES", "PARTS", "POLICIES", "PRICE_TERMS", "U_LOW", "DecisionSpace",
           "firm_decision", "flat", "mix_of", "orientation_of", "shares_from_u",
           "with_decisions"]

#: What a search may decide.
PARTS = ("shares", "budget", "price")
#: Pricing policies (sim.pricing) and the terms each one has.
POLICIES = tuple(p.value for p in Pricing)
PRICE_TERMS: dict[str, tuple[str, ...]] = {"cost_plus": ("markup",),
                                           "value_based": ("markup", "price_test", "price_step")}
#: Default ranges of the searched numbers (within the schema's; *assumed*: wide enough to hold
#: every preset and the default firm, narrow enough not to waste trials on firms that give
#: their product away or spend half their revenue on levers).
DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "budget_rate": (0.02, 0.40),  # share of planned revenue spent on levers (default 0.15)
    "markup": (0.1, 2.0),  # × unit cost (default 0.6); value_based: the starting price
    "price_test": (0.005, 0.1),  # value_based: the ± test perturbation (default 0.02)
    "price_step": (0.05, 0.5),  # value_based: largest move per review (default 0.2)
}
#: Lower end of the u of a share (e = −ln u ≤ 9.2: a lever can get ~9× the others' typical e).
U_LOW = 1e-4


def shares_from_u(levers: Sequence[str], u: Sequence[float]) -> dict[str, float]:
    """Normalised −log U: shares over every lever (0 for levers not in ``levers``)."""
    e = -np.log(np.clip(np.asarray(u, dtype=float), U_LOW, 1.0))
    total = float(e.sum())
    e = e / total if total > 0 else np.full(len(levers), 1.0 / len(levers))
    out = dict.fromkeys(LEVERS, 0.0)
    out.update({lever: float(s) for lever, s in zip(levers, e, strict=True)})
    return out


def orientation_of(shares: Mapping[str, float]) -> float:
    """The share of the budget on customer levers (0: all product levers, 1: all customer)."""
    return float(sum(shares.get(lever, 0.0) for lever in CUSTOMER_LEVERS))


def mix_of(shares: Mapping[str, float]) -> float:
    """Where a budget lies between the presets: 0 product-centric, 1 customer-centric."""
    from ..metrics import mix_coordinate

    return float(mix_coordinate(orientation_of(shares)))


def firm_decision(firm: FirmConfig) -> dict[str, Any]:
    """A configured firm's whole decision (shares as its strategy resolves them at the start)."""
    vec = resolve_shares(firm.strategy, firm.mix, dict(firm.shares))
    policy = Pricing(firm.pricing).value
    out: dict[str, Any] = {"shares": {lever: float(s) for lever, s in zip(LEVERS, vec,
                                                                           strict=True)},
                           "budget_rate": float(firm.budget_rate), "pricing": policy}
    for term in PRICE_TERMS[policy]:
        out[term] = float(getattr(firm, term))
    return out


def preset_decision(firm: FirmConfig, preset: str) -> dict[str, Any]:
    """The firm's decision with a preset's shares (its budget rate and pricing kept)."""
    out = firm_decision(firm)
    vec = shares_vector(PRESETS[preset])
    out["shares"] = {lever: float(s) for lever, s in zip(LEVERS, vec, strict=True)}
    return out


def complete(base: Mapping[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` (a whole decision) with the parts ``part`` decides (a policy brings its terms)."""
    out = {**base, **part}
    if "pricing" in part:
        out = {k: v for k, v in out.items() if k not in PRICE_TERMS["value_based"] or k in part}
    return out


def flat(decision: Mapping[str, Any]) -> dict[str, Any]:
    """A decision as table columns: ``share_<lever>``, budget_rate, pricing, its terms, mix."""
    shares = decision.get("shares", {})
    out: dict[str, Any] = {f"share_{lever}": float(shares.get(lever, 0.0)) for lever in LEVERS}
    out["budget_rate"] = float(decision.get("budget_rate", math.nan))
    out["pricing"] = str(decision.get("pricing", ""))
    for term in PRICE_TERMS["value_based"]:
        out[term] = float(decision.get(term, math.nan))
    # rounded: sums of shares leave 1e-17 where 0 is meant (a mix of "-0.00")
    out["orientation"] = round(orientation_of(shares), 12) + 0.0
    out["mix"] = round(mix_of(shares), 12) + 0.0
    return out


def unflat(row: Mapping[str, Any]) -> dict[str, Any]:
    """The decision of a row of :func:`flat` columns (NaN terms dropped)."""
    out: dict[str, Any] = {"shares": {lever: float(row[f"share_{lever}"]) for lever in LEVERS},
                           "budget_rate": float(row["budget_rate"]),
                           "pricing": str(row["pricing"])}
    for term in PRICE_TERMS[out["pricing"]]:
        out[term] = float(row[term])
    return out


def with_decisions(cfg: Config, decisions: Mapping[str, Mapping[str, Any]]) -> Config:
    """A validated copy of ``cfg`` where each named firm takes its (partial) decision.

    Raises:
        sim.config.ConfigError: a value the schema refuses.
    """
    firms = dict(cfg.firms)
    for name, decision in decisions.items():
        firm = firms[name]
        change: dict[str, Any] = {}
        if "shares" in decision:
            shares = {k: float(v) for k, v in decision["shares"].items() if v > 0.0}
            total = sum(shares.values())
            if abs(total - 1.0) > 1e-9:  # else as given: a preset's shares stay bit for bit
                shares = {k: v / total for k, v in shares.items()}
            change.update(strategy="custom", mix=0.0, shares=shares)
        if "budget_rate" in decision:
            change["budget_rate"] = float(decision["budget_rate"])
        if "pricing" in decision:
            change["pricing"] = Pricing(decision["pricing"])
        for term in PRICE_TERMS["value_based"]:
            if term in decision:
                change[term] = float(decision[term])
        firms[name] = dataclasses.replace(firm, **change)
    return validate(dataclasses.replace(cfg, firms=firms))


@dataclass(frozen=True)
class DecisionSpace:
    """What a search decides for one firm, and over which ranges; ``space(trial) -> decision``.

    Its ``repr`` names the whole space, so a resumed search checks it is the same one.

    Attributes:
        levers: The levers whose shares are searched (the others get 0).
        parts: Which of :data:`PARTS` are searched.
        policies: The pricing policies the search may choose between (one: fixed).
        ranges: (name, low, high) for budget_rate and the pricing terms.
    """

    levers: tuple[str, ...] = LEVERS
    parts: tuple[str, ...] = PARTS
    policies: tuple[str, ...] = POLICIES
    ranges: tuple[tuple[str, float, float], ...] = tuple(
        (k, lo, hi) for k, (lo, hi) in DEFAULT_RANGES.items())

    def range(self, name: str) -> tuple[float, float]:
        """The (low, high) range of a searched number."""
        return next((lo, hi) for k, lo, hi in self.ranges if k == name)

    def __call__(self, trial: Any) -> dict[str, Any]:
        """Suggest a (partial) decision from an Optuna trial."""
        out: dict[str, Any] = {}
        if "shares" in self.parts:
            u = [trial.suggest_float(f"u_{lever}", U_LOW, 1.0) for lever in self.levers]
            out["shares"] = shares_from_u(self.levers, u)
        if "budget" in self.parts:
            out["budget_rate"] = trial.suggest_float("budget_rate", *self.range("budget_rate"))
        if "price" in self.parts:
            policy = (self.policies[0] if len(self.policies) == 1
                      else trial.suggest_categorical("pricing", list(self.policies)))
            out["pricing"] = policy
            for term in PRICE_TERMS[policy]:
                out[term] = trial.suggest_float(term, *self.range(term))
        return out

    def params_for(self, decision: Mapping[str, Any]) -> dict[str, Any] | None:
        """The trial parameters that give ``decision`` (to enqueue it), or None if outside.

        A decision is outside the space when it spends on a lever not searched, uses a policy
        not searched, or has a number outside its range.
        """
        out: dict[str, Any] = {}
        if "shares" in self.parts:
            shares = decision["shares"]
            if any(s > 1e-12 for lever, s in shares.items() if lever not in self.levers):
                return None
            out.update({f"u_{lever}": math.exp(-float(shares.get(lever, 0.0)))
                        for lever in self.levers})
        numbers = []
        if "budget" in self.parts:
            numbers.append("budget_rate")
        if "price" in self.parts:
            policy = decision["pricing"]
            if policy not in self.policies:
                return None
            if len(self.policies) > 1:
                out["pricing"] = policy
            numbers += PRICE_TERMS[policy]
        for name in numbers:
            lo, hi = self.range(name)
            value = float(decision[name])
            if not lo <= value <= hi:
                return None
            out[name] = value
        return out

    def decided(self, decision: Mapping[str, Any]) -> dict[str, Any]:
        """The parts of a whole decision this space decides."""
        out: dict[str, Any] = {}
        if "shares" in self.parts:
            out["shares"] = dict(decision["shares"])
        if "budget" in self.parts:
            out["budget_rate"] = decision["budget_rate"]
        if "price" in self.parts:
            out["pricing"] = decision["pricing"]
            out.update({t: decision[t] for t in PRICE_TERMS[decision["pricing"]]})
        return out
