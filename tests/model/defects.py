"""Planted defects: test-only perturbations of a built model, so a logic test can prove it bites.

A logic test that passes on the shipped model says little unless it fails on a model with a
known flaw. Each function here plants one such flaw by patching the firm agent's class for the
duration of a test (pytest's ``monkeypatch`` undoes it afterwards). Nothing here is reachable
from the command line or from a configuration: production code has no defect switches.

Each defect is described by the mechanism it breaks:

- :func:`budget_bonus`: firms matching a predicate (a label, an orientation) get more money.
- a switched-off lever that leaks a share of its effect is planted on the built model's
  parameter vector (``tests/model/test_levers.py``, ``_leak``).
- :func:`negate`: one lever's effect is turned against the firm.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.firms import Firm


def budget_bonus(monkeypatch: pytest.MonkeyPatch, factor: float,
                 applies: Callable[[Firm], bool]) -> None:
    """Firms for which ``applies(firm)`` holds get ``factor`` × the budget their rule sets."""
    original = Firm.budget_for

    def patched(self: Firm, *args, **kwargs) -> float:
        budget = original(self, *args, **kwargs)
        return budget * factor if applies(self) else budget

    monkeypatch.setattr(Firm, "budget_for", patched)


def by_label(label: str) -> Callable[[Firm], bool]:
    """Predicate: the firm's strategy *name* is ``label`` (behaviour tied to a label)."""
    return lambda firm: firm.strategy == label


def customer_oriented(firm: Firm) -> bool:
    """Predicate: more than half of the firm's budget is on customer levers."""
    return firm.orientation > 0.5


def _after_levers(monkeypatch: pytest.MonkeyPatch, change: Callable[[Firm], None]) -> None:
    """Run ``change(firm)`` after the firm's levers have set this month's capabilities."""
    original = Firm._specific_levers

    def patched(self: Firm, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        change(self)

    monkeypatch.setattr(Firm, "_specific_levers", patched)


def negate(monkeypatch: pytest.MonkeyPatch, effect: str, zero: float, full: float) -> None:
    """The effect on attribute ``effect`` runs backwards: more money, less effect.

    The value is mirrored within its range [``zero``, ``full``] (zero spend gives ``full``).
    """
    def change(firm: Firm) -> None:
        setattr(firm, effect, zero + full - getattr(firm, effect))

    _after_levers(monkeypatch, change)
