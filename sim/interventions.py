"""Mid-run interventions on one firm: lever money, list price, budget, word of mouth.

An intervention is a standing factor on something the firm's own rules produce, set from a
given step on and kept until it is set again (``factor=1`` undoes it):

* **a lever's money** — that lever's spend is ``factor`` × what the firm's budget rule and
  strategy give it, every other lever's money unchanged (for promotion the money buys a larger
  or smaller discount, as it does without an intervention);
* **the price** — ``factor`` × the price the firm's pricing policy sets (the cost-plus list
  price, so a promotion's discount applies to the changed list price; or a value-based firm's
  price paid), and value-based prices can be frozen (no review) for an experiment's window;
* **the budget** — a path of monthly budgets (step → money) in place of the firm's budget rule,
  e.g. an unchanged run's, so that a lever factor changes one lever's money and no other;
* **word of mouth** — ``factor`` × the hazards with which the firm's promoters among a
  customer's contacts make it known (to a customer who does not know it yet) and bring a
  customer who knows it to the market for it (the referral hazards).
* **the strategy** — the budget shares of another strategy (a preset, a point of the mix or
  custom shares) from a given step on: a pivot. Only the split of the money changes; the
  capability stocks the old strategy built carry over and decay or grow from there, and an
  adaptive firm starts its search again from the new split. ``firms.NAME.pivot`` schedules one
  from the configuration; :meth:`InterventionAPI.set_strategy` makes one mid-run (the
  dashboard's mix slider does).

Every factor is exactly 1 until it is set, and multiplying by 1.0 changes no bit, so a run with
no intervention, or with one set at step ``t``, is bit-identical to the plain run up to step
``t - 1``. Firms read their factors through :class:`FirmInterventions`; models get the setters
from :class:`InterventionAPI` (the elasticity study, ``sim.studies.elasticities``, and the
dashboard use them). The reference implementation (``sim.reference``) shares the firms and
reads the referral factor from the offer arrays, so it applies the same change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .strategies import LEVER, LEVERS, resolve_shares

__all__ = ["FirmInterventions", "InterventionAPI"]


def _factor(name: str, value: float) -> float:
    """A checked factor: finite and >= 0."""
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise ValueError(f"{name}={value}: a factor must be finite and >= 0")
    return v


@dataclass
class FirmInterventions:
    """The standing intervention factors of one firm (all 1: none).

    Attributes:
        lever: factor on each lever's money, in ``LEVERS`` order.
        list_price: factor on the list price.
        referral: factor on the firm's word-of-mouth referral hazard.
        budget_path: the month's budget by step, replacing the firm's budget rule in those
            steps (``None``: the rule), e.g. another run's budgets, so that a change of one
            lever's money leaves every other lever's money on that run's path.
        pricing_frozen: a value-based firm keeps its base prices (no review) while True, so an
            experiment's change is not answered by a new price (``ccsim elasticities``).
    """

    lever: np.ndarray = field(default_factory=lambda: np.ones(len(LEVERS)))
    list_price: float = 1.0
    referral: float = 1.0
    budget_path: dict[int, float] | None = None
    pricing_frozen: bool = False
    #: a change of strategy due from a step on: (step, budget shares), applied when the firm
    #: plans that step (``firms.NAME.pivot``); None: none pending
    pivot: tuple[int, np.ndarray] | None = None

    def due_shares(self, step: int) -> np.ndarray | None:
        """The shares of a pivot due by ``step`` (once: it is then no longer pending)."""
        if self.pivot is None or step < self.pivot[0]:
            return None
        shares, self.pivot = self.pivot[1], None
        return shares

    def budget(self, step: int, by_rule: float) -> float:
        """The month's budget before lever factors: the path's at ``step``, else the rule's."""
        if self.budget_path is not None and step in self.budget_path:
            return self.budget_path[step]
        return by_rule

    @property
    def active(self) -> bool:
        """Whether any lever factor differs from 1 (list price and referral apply by product)."""
        return bool(np.any(self.lever != 1.0))

    def spend(self, budget: float, spend: np.ndarray) -> tuple[float, np.ndarray]:
        """``(budget, spend)`` after the lever factors: what the firm really spends.

        Args:
            budget: The month's budget by the firm's rule.
            spend: Its split over the levers (``Firm.allocate``).

        Returns:
            The spend per lever times its factor, and the budget changed by the same money (the
            neutral-lever mode feeds the budget into one stock). Unchanged objects when no
            factor is set, so a run without interventions keeps every bit.
        """
        if not self.active:
            return budget, spend
        changed = spend * self.lever
        return budget + float((changed - spend).sum()), changed


class InterventionAPI:
    """Setters of mid-run interventions, mixed into ``sim.model.MarketModel``.

    Firms are named by index or by name; a change takes effect from the next step the model
    runs (it is read when firms plan their offers) and stays until set again.
    """

    firms: list  # the model's firm agents, each with ``interventions``

    def firm_index(self, firm: int | str) -> int:
        """The index of a firm given by index or name.

        Raises:
            ValueError: No such firm.
        """
        names = [f.name for f in self.firms]
        if isinstance(firm, str):
            if firm not in names:
                raise ValueError(f"firm {firm!r}: choose one of {', '.join(names)}")
            return names.index(firm)
        k = int(firm)
        if not 0 <= k < len(names):
            raise ValueError(f"firm {firm}: index out of range 0..{len(names) - 1}")
        return k

    def set_lever(self, firm: int | str, lever: str, factor: float) -> None:
        """Spend ``factor`` × the lever's planned money from the next step on.

        Args:
            firm: Firm index or name.
            lever: One of ``sim.strategies.LEVERS``.
            factor: Multiplier on that lever's money (1 undoes); other levers are unchanged.

        Raises:
            ValueError: Unknown firm or lever, or a negative or non-finite factor.
        """
        if lever not in LEVER:
            raise ValueError(f"lever {lever!r}: choose one of {', '.join(LEVERS)}")
        f = self.firms[self.firm_index(firm)]
        f.interventions.lever[LEVER[lever]] = _factor("factor", factor)

    def set_strategy(self, firm: int | str, strategy: str, mix: float = 0.0,
                     shares: dict[str, float] | None = None) -> None:
        """Spend the firm's budget by another strategy from the next step on: a pivot.

        The capability stocks carry over (only the split of new money changes); an adaptive
        firm starts its search again from the new split. The firm keeps its configured
        ``strategy`` label; its ``orientation`` and ``share_*`` columns show the change.

        Args:
            firm: Firm index or name.
            strategy: What ``firms.NAME.strategy`` takes: a preset, ``mix`` or ``custom``.
            mix: With ``mix``: 0 is the product-centric preset, 1 the customer-centric one.
            shares: With ``custom``: budget share per lever (summing to 1).

        Raises:
            ValueError: Unknown firm or strategy, a mix outside [0, 1], or bad shares.
        """
        from .config import check_strategy

        k = self.firm_index(firm)
        custom = dict(shares or {})
        check_strategy(f"firms.{self.firms[k].name}", "strategy", strategy, custom)
        m = float(mix)
        if not 0.0 <= m <= 1.0:
            raise ValueError(f"mix={mix}: must be in [0, 1]")
        self.firms[k].set_shares(resolve_shares(strategy, m, custom))

    def set_budget_path(self, firm: int | str, budgets: dict[int, float] | None) -> None:
        """Hold the firm's monthly budget on ``budgets`` (step → money) instead of its rule.

        The lever factors of :meth:`set_lever` still apply on top, so with the path of an
        unchanged run one lever's money changes while every other lever's stays on that run's
        path. ``None`` returns the firm to its budget rule.

        Raises:
            ValueError: Unknown firm, or a budget that is not finite and >= 0.
        """
        k = self.firm_index(firm)
        path = None
        if budgets is not None:
            path = {int(t): _factor(f"budget at step {t}", b) for t, b in budgets.items()}
        self.firms[k].interventions.budget_path = path

    def freeze_pricing(self, frozen: bool = True) -> None:
        """Hold every value-based firm's base prices where they are (``False``: review again).

        Inside an experiment's window the policy must not answer the change being measured:
        the perturbations go on (the same draws in every arm), the reviews stop.
        """
        for f in self.firms:
            f.interventions.pricing_frozen = bool(frozen)

    def set_list_price_factor(self, firm: int | str, factor: float) -> None:
        """Set the firm's price to ``factor`` × what its pricing policy sets, from the next step.

        For a cost-plus firm that is its cost-plus list price (the discount then comes off it);
        for a value-based firm the price paid its policy sets.

        Raises:
            ValueError: Unknown firm, or a factor that is not finite and > 0.
        """
        value = _factor("factor", factor)
        if value == 0.0:
            raise ValueError("factor=0: a list price factor must be > 0")
        self.firms[self.firm_index(firm)].interventions.list_price = value

    def set_referral_factor(self, firm: int | str, factor: float) -> None:
        """Multiply the firm's word-of-mouth referral hazard by ``factor`` from the next step.

        Raises:
            ValueError: Unknown firm, or a negative or non-finite factor.
        """
        self.firms[self.firm_index(firm)].interventions.referral = _factor("factor", factor)

    def active_interventions(self) -> dict[str, dict[str, float]]:
        """The factors in force that differ from 1, per firm name (empty: no intervention)."""
        out: dict[str, dict[str, float]] = {}
        for f in self.firms:
            iv = f.interventions
            d = {f"lever_{name}": float(v) for name, v in zip(LEVERS, iv.lever, strict=True)
                 if v != 1.0}
            if iv.list_price != 1.0:
                d["list_price"] = iv.list_price
            if iv.referral != 1.0:
                d["referral"] = iv.referral
            if d:
                out[f.name] = d
        return out
