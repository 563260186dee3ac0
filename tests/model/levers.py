"""Lever experiments: add money to one lever of one firm, all other spending on a fixed path.

A baseline run records the target firm's monthly budget; the treated run (same seed, so the
same random numbers) spends exactly that budget by the same shares *plus* ``extra`` × budget on
one lever. The two runs differ only by that lever's money, so the change in the firm's unit
sales is the lever's effect. R&D can be tested at constant list price: the treated firm's
prices are held on the baseline's path (its higher quality still costs it margin).

The seams are :meth:`sim.firms.Firm.allocate` and :meth:`~sim.firms.Firm.plan_offer`, patched
for the duration of a run with pytest's ``monkeypatch``; nothing here changes production code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.configure import load_config
from sim.firms import Firm
from sim.model import MarketModel
from sim.strategies import LEVER


def _simulate(overrides: list[str], steps: int,
              prepare: Callable[[MarketModel], None] | None = None) -> pd.DataFrame:
    cfg = load_config([*overrides, f"market.steps={steps}"])
    model = MarketModel(cfg)
    if prepare is not None:
        prepare(model)
    for _ in range(steps):
        model.step()
    return model.timeseries()


def lever_effect(monkeypatch: pytest.MonkeyPatch, overrides: list[str], firm: str, lever: str,
                 extra: float = 0.1, steps: int = 12, constant_price: bool = False,
                 prepare: Callable[[MarketModel], None] | None = None) -> dict[str, float]:
    """Relative change of the firm's unit sales and revenue over ``steps`` months.

    Args:
        monkeypatch: pytest's fixture (patches are undone after the test).
        overrides: configuration overrides, including the seed.
        firm: name of the treated firm.
        lever: the lever that gets ``extra`` × the baseline budget on top.
        constant_price: hold the treated firm's list and paid prices on the baseline's path.
        prepare: called on each freshly built model (e.g. to plant a defect).
    """
    budgets: dict[int, float] = {}
    prices: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    allocate, plan = Firm.allocate, Firm.plan_offer
    state = {"treated": False}

    def patched_allocate(self: Firm, budget: float, step: int) -> np.ndarray:
        if self.name != firm:
            return allocate(self, budget, step)
        if not state["treated"]:
            budgets[step] = budget
            return allocate(self, budget, step)
        base = budgets[step]
        spend = allocate(self, base, step)
        spend[LEVER[lever]] += extra * base
        return spend

    def patched_plan(self: Firm, step: int, need_means) -> None:
        plan(self, step, need_means)
        if self.name != firm or not constant_price:
            return
        if not state["treated"]:
            prices[step] = (self.list_cents.copy(), self.price_cents.copy(),
                            self.save_cost_cents.copy())
        else:
            self.list_cents, self.price_cents, self.save_cost_cents = (
                a.copy() for a in prices[step])

    monkeypatch.setattr(Firm, "allocate", patched_allocate)
    monkeypatch.setattr(Firm, "plan_offer", patched_plan)
    base = _simulate(overrides, steps, prepare)
    state["treated"] = True
    treated = _simulate(overrides, steps, prepare)
    monkeypatch.setattr(Firm, "allocate", allocate)
    monkeypatch.setattr(Firm, "plan_offer", plan)
    b, t = base[base["firm"] == firm], treated[treated["firm"] == firm]
    return {"units": t["units"].sum() / b["units"].sum() - 1.0,
            "revenue": t["revenue"].sum() / b["revenue"].sum() - 1.0}
