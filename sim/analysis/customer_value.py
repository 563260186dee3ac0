"""Gupta, Lehmann & Stuart (2004) on the model's own firms: customer equity's elasticities.

How customer equity moves with retention, margin and acquisition cost.

Gupta et al. value a firm by its customers: a 1 % improvement in (annual) retention, margin or
acquisition cost raises firm value by about 5 %, 1 % and 0.1 % (five firms, 12 % discount
rate). The model books each firm's customer equity every month (``Firm.account`` in
``sim/firms.py``)::

    CE = n · m · r / (1 + d − r)

with n relationships, m the contribution margin per relationship and month, r the mean monthly
retention of the last 12 months and d the monthly discount rate ((1 + annual rate)^(1/12) − 1).
:func:`value_elasticities` applies the same arithmetic to each firm's row of a saved timeseries
and perturbs it as Gupta et al. do: annual retention R = r¹² by +1 % (so r by (1.01)^(1/12)),
the margin by +1 %, the acquisition cost by −1 %. The model's customer equity counts the current
customers only, so the acquisition cost does not enter it (elasticity 0 by construction; Gupta
et al.'s 0.1 % comes from the value of future customers, net of what acquiring them costs). It
reads tables only and never runs the model.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["GUPTA_2004", "customer_equity", "value_elasticities"]

#: Published % change of firm value per 1 % improvement (Gupta, Lehmann & Stuart 2004).
GUPTA_2004 = {"retention": 5.0, "margin": 1.0, "acquisition_cost": 0.1}


def customer_equity(n: float, margin: float, retention: float, monthly_discount: float) -> float:
    """The model's customer equity n · m · r / (1 + d − r) (``Firm.account``)."""
    return n * margin * retention / (1.0 + monthly_discount - retention)


def value_elasticities(timeseries: pd.DataFrame, step: int, discount_rate: float = 0.10,
                       steps_per_year: int = 12) -> pd.DataFrame:
    """% change of each firm's customer equity per 1 % better retention, margin, acquisition cost.

    Args:
        timeseries: A run's ``timeseries`` (columns step, firm, relationships, customer_equity,
            retention).
        step: The month whose row of each firm is used.
        discount_rate: The annual rate of ``market.economics.discount_rate``.
        steps_per_year: ``market.steps_per_year``.

    Returns:
        One row per firm with ``monthly_retention`` (the r the model used, recovered from its
        booked equity), ``annual_retention`` (r¹²) and the three elasticities, plus
        ``published`` values in :data:`GUPTA_2004` as columns ``gupta_*``.
    """
    d = (1.0 + discount_rate) ** (1.0 / steps_per_year) - 1.0
    rows = []
    for r in timeseries[timeseries["step"] == step].itertuples(index=False):
        n, ce = float(r.relationships), float(r.customer_equity)
        if n <= 0 or ce <= 0:
            continue
        # the model's r (a 12-month mean) is not in the row; recover it from the booked equity:
        # CE / n = m·r/(1+d−r) and clv = m·(1+d)/(1+d−r), so r = (1+d)·(CE/n) / clv
        ret = (1.0 + d) * (ce / n) / float(r.clv)
        m = ce / n * (1.0 + d - ret) / ret
        base = customer_equity(n, m, ret, d)
        better_r = min((ret ** steps_per_year * 1.01) ** (1.0 / steps_per_year), 1.0 + d - 1e-9)
        rows.append({
            "firm": r.firm, "monthly_retention": ret, "annual_retention": ret ** steps_per_year,
            "retention": 100.0 * (customer_equity(n, m, better_r, d) / base - 1.0),
            "margin": 100.0 * (customer_equity(n, 1.01 * m, ret, d) / base - 1.0),
            "acquisition_cost": 0.0,
            **{f"gupta_{k}": v for k, v in GUPTA_2004.items()},
        })
    return pd.DataFrame(rows)
