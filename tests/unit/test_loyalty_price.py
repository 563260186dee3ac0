"""The loyalty price of an exploiting firm in the journey kernel (hand-checked micro markets)."""

from __future__ import annotations

import numpy as np
from test_journey import Micro


def test_long_tenure_customers_pay_the_loyalty_price_new_ones_do_not():
    m = Micro(edges=())
    m.a["loyal_after"][0] = 12
    m.a["loyal_price_cents"] = m.price_cents + 300  # 1534 for firm 0
    m.a["loyal_list_cents"] = m.list_cents + 400
    m.customer(0, firm=0, tenure=12)  # at the threshold: pays the loyalty price
    m.customer(1, firm=0, tenure=11)  # one month short: the ordinary price
    m.run()
    assert m.spend.tolist()[:2] == [1534, 1234]
    assert m.t("revenue_cents", 0) == 1534 + 1234
    assert m.t("list_revenue_cents", 0) == 1900 + 1500


def test_exploited_customers_find_less_value_and_are_less_satisfied():
    """The surcharge reaches satisfaction through value for money (same equation as any price)."""
    sats = []
    for surcharge in (0, 5000):
        m = Micro(n=1, edges=())
        m.p.update(w_value=1.0)
        m.a["loyal_after"][0] = 1
        m.a["loyal_price_cents"] = m.price_cents + surcharge
        m.customer(0, firm=0, tenure=3)
        m.run()
        sats.append(float(m.satisfaction[0, 0]))
    # experience = (q + value)/2 with value = 1 − price/(wtp·ref): 1 − 12.34/10 and 1 − 62.34/10
    assert np.isclose(sats[0], 10 * (0.9 + (1 - 12.34 / 10)) / 2)
    assert sats[1] < sats[0]


def test_empowered_staff_fix_a_bad_experience_on_the_spot():
    """A bad experience (satisfaction ≤ 5 here) is lifted to the expectation, at a cost."""
    sats, costs = [], []
    for recovery in (0.0, 1.0):
        m = Micro(n=1, edges=())
        m.quality[0] = 0.3  # experience 0.3, expectation (belief) 0.5 → satisfaction 3
        m.recovery[0] = recovery
        m.recovery_cents[0, 0] = 370
        m.customer(0, firm=0, tenure=3)
        m.run()
        sats.append(float(m.satisfaction[0, 0]))
        costs.append((m.t("recoveries", 0), m.t("recovery_cost_cents", 0)))
    assert np.isclose(sats[0], 3.0) and np.isclose(sats[1], 5.0)  # 10 × max(0.3, 0.5)
    assert costs == [(0, 0), (1, 370)]
    m = Micro(n=1, edges=())  # a good experience needs no fixing
    m.recovery[0] = 1.0
    m.customer(0, firm=0, tenure=3)
    m.run()
    assert m.t("recoveries", 0) == 0
