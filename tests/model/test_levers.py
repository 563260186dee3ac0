"""Levers work as levers: more money never hurts first-year sales; dead money never helps.

Both tests add money to one lever of one firm while every other lever's spending stays on the
baseline run's path (``tests/model/levers.py``), on the same seeds (common random numbers), so
the difference between the runs is that lever's money alone. Each has a planted-defect
companion (``tests/model/defects.py`` or a parameter perturbed after the model is built).

- **Monotone levers**: a ``mix=0.5`` firm gets 10% of its budget added to one lever; for every
  lever the lower 97.5% bound of the change in its first-year unit sales is ≥ −0.5%. The levers
  whose capability raises the unit cost, and the cost-plus list price with it, are tested at
  constant list price (:data:`PRICED`: R&D's quality raises production cost; service and
  personalisation add their delivery costs), so that the test reads the lever's own effect and
  not the price response, which the elasticities measure.
- **Wasted money**: money added to a lever whose effect is switched off (advertising with
  ``ad_response = 0`` and ``beta_ad = 0``) does not make the firm grow faster: the upper 97.5%
  bound of the change in its revenue is ≤ +0.1%. (Adding the money with other spending held,
  rather than taking it from other levers, is the strict form: a move would also remove useful
  spending, which can hide a leak.)

Quick forms run by default; the issue's forms (seeds 0–9, larger markets) are marked slow.
"""

from __future__ import annotations

import defects
import numpy as np
import pytest
from contest import ci
from levers import lever_effect

from sim.kernels.layout import P
from sim.strategies import LEVERS

MIX = ["firms=mix_ladder"]
FIRM = "mix_50"
TOLERANCE = -0.005  # the lower bound of the change in first-year units may not go below −0.5%
#: Levers tested at constant list price: their capability raises the unit cost (sim.firms.
#: delivery_costs), and the list price is cost-plus, so without it the test would read the price
#: response too (at the third calibration round's beta_price 12, personalisation's first-year
#: change with the price free is −0.11% on average, seeds 0–9 at 2,000 customers).
PRICED = ("rd", "service", "personalisation")


def _monotone_bounds(monkeypatch, n: int, seeds, levers=LEVERS) -> dict[str, float]:
    bounds = {}
    for lever in levers:
        changes = [lever_effect(monkeypatch, [*MIX, f"market.n_customers={n}", f"seed={s}"],
                                FIRM, lever, constant_price=lever in PRICED)["units"]
                   for s in seeds]
        bounds[lever] = ci(changes)[1]
    print("\nlower 97.5% bound of the change in first-year units, per lever: "
          + ", ".join(f"{k} {100 * v:+.2f}%" for k, v in bounds.items()))
    return bounds


def test_monotone_levers_quick(monkeypatch):
    # 5 seeds: on the calibrated defaults (issue 13; a steeper price response) three seeds'
    # t interval is too wide to tell recovery's small gain (+0.48% mean, sd 0.41%, seeds 0-5)
    # from the tolerance
    bounds = _monotone_bounds(monkeypatch, 2000, range(5))
    assert all(b >= TOLERANCE for b in bounds.values()), bounds


def test_monotone_levers_companion(monkeypatch):
    """Planted defect: service's effect is negated (more money, worse service)."""
    defects.negate(monkeypatch, "service", zero=0.2, full=1.0)
    bounds = _monotone_bounds(monkeypatch, 2000, range(3), levers=("service",))
    assert bounds["service"] < TOLERANCE


@pytest.mark.slow
def test_monotone_levers(monkeypatch):
    bounds = _monotone_bounds(monkeypatch, 5000, range(10))
    assert all(b >= TOLERANCE for b in bounds.values()), bounds


# ----------------------------------------------------------------------------------------------
# Wasted money

DEAD_ADS = ["market.awareness.ad_response=0", "market.choice.beta_ad=0"]
GAIN_LIMIT = 0.001  # the upper bound of the revenue change may not exceed +0.1%


def _leak(fraction: float):
    """Planted defect: the switched-off advertising keeps ``fraction`` of its default effect."""
    def prepare(model):
        model.prm[P["ad_response"]] = fraction * 0.03
        model.prm[P["beta_ad"]] = fraction * 0.5
    return prepare


def _wasted_upper(monkeypatch, n: int, steps: int, seeds, prepare=None) -> float:
    changes = [lever_effect(monkeypatch, [*MIX, *DEAD_ADS, f"market.n_customers={n}",
                                          f"seed={s}"],
                            "mix_00", "advertising", steps=steps, prepare=prepare)["revenue"]
               for s in seeds]
    mean, _, high, half = ci(changes)
    high = mean if not np.isfinite(half) or half == 0 else high
    print(f"\nwasted money: revenue change {100 * mean:+.3f}%, upper 97.5% bound "
          f"{100 * high:+.3f}% ({len(changes)} seeds)")
    return high


def test_wasted_money_quick(monkeypatch):
    assert _wasted_upper(monkeypatch, 2000, 24, range(4)) <= GAIN_LIMIT


def test_wasted_money_companion(monkeypatch):
    assert _wasted_upper(monkeypatch, 2000, 24, range(4), prepare=_leak(0.05)) > GAIN_LIMIT


@pytest.mark.slow
def test_wasted_money(monkeypatch):
    assert _wasted_upper(monkeypatch, 5000, 60, range(10)) <= GAIN_LIMIT


@pytest.mark.slow
def test_wasted_money_slow_companion(monkeypatch):
    assert _wasted_upper(monkeypatch, 5000, 60, range(10), prepare=_leak(0.05)) > GAIN_LIMIT
