"""The per-customer treatment flag of a field study (ODD §7.19), on small markets.

Observing customers (a study with no treatment) changes no bit; each treatment changes what
its mechanism says and only for the study's customers of the treating firm; the per-stratum
tallies add up to what the study's customers did. The reference model docks with all of it
(tests/validation/test_reference_docking.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.configure import load_config
from sim.kernels.layout import ITALLY, L_CONTRIBUTION, L_RECOVERIES
from sim.model import MarketModel

OVERRIDES = ["market.n_customers=800", "market.steps=14", "seed=2"]
T = {name: k for k, name in enumerate(ITALLY)}


def _twins(kind: str, firm: str = "cc_a", value: float = 0.0, months: int = 6,
           group: np.ndarray | None = None) -> tuple[MarketModel, MarketModel]:
    """(control, treated): one seed, the same study customers, the treatment in one twin."""
    out = []
    for k in ("none", kind):
        model = MarketModel(load_config(OVERRIDES))
        for _ in range(6):
            model.step()
        strata = group if group is not None else np.ones(model.n_customers, np.int8)
        model.set_study(strata, firm)
        model.set_treatment(k, value)
        for month in range(months):
            if month == 1 and k == "contact":
                model.set_treatment("none")
            model.step()
        out.append(model)
    return out[0], out[1]


def _study_sum(model: MarketModel, name: str, firm: int) -> int:
    return int(sum(g[:, firm, T[name]].sum() for _, g, _ in model.study_rows))


def test_observing_a_study_changes_no_bit():
    plain = MarketModel(load_config(OVERRIDES))
    for _ in range(12):
        plain.step()
    control, _ = _twins("none")
    a, b = plain.timeseries(), control.timeseries()
    assert a.equals(b)
    for name in ("firm_of", "satisfaction", "belief", "knowledge", "spend"):
        np.testing.assert_array_equal(getattr(plain.state, name), getattr(control.state, name))


def test_stratum_tallies_add_up_to_the_studys_customers():
    group = np.random.default_rng(0).integers(0, 3, 800).astype(np.int8)
    control, _ = _twins("none", group=group, months=4)
    everyone = MarketModel(load_config(OVERRIDES))
    for _ in range(6):
        everyone.step()
    everyone.set_study(np.ones(800, np.int8), "cc_a")  # one stratum: the whole market
    for _ in range(4):
        everyone.step()
    for (t, g, c), (t2, g_all, c_all) in zip(control.study_rows, everyone.study_rows,
                                            strict=True):
        assert t == t2
        # two strata, each a part of the market; both together are no more than the whole
        assert (g >= 0).all() and (g.sum(axis=0) <= g_all[0]).all()
        assert g[0].sum() > 0 and g[1].sum() > 0
        assert (c.sum(axis=0) <= c_all[0]).all()
    # everyone in the study: the stratum's tallies are the market's (the timeseries' units)
    ts = everyone.timeseries()
    units = (ts[ts["step"] > 6].groupby("firm")["units"].sum()
             .reindex([f.name for f in everyone.firms]).to_numpy())
    assert (sum(g[0][:, T["units"]] for _, g, _ in everyone.study_rows) == units).all()


def test_a_contact_brings_the_firms_customers_to_the_market_once():
    control, treated = _twins("contact", value=0.2)
    month = lambda m: m.study_rows[0][2][0]  # noqa: E731 - stratum 1's category tallies, month 1
    assert month(treated)[:, 0].sum() > month(control)[:, 0].sum()  # more in the market
    firm = treated.firm_index("cc_a")
    assert _study_sum(treated, "retention_offers", firm) > _study_sum(control,
                                                                      "retention_offers", firm)
    # after the contact month, the rule is the same again (the state differs, not the rule)
    assert treated.treatment[0] == 0


def test_a_generic_offer_fits_worse_than_a_personalised_one():
    control, treated = _twins("generic_offer", months=3)
    a, b = control.timeseries(), treated.timeseries()
    fit = lambda ts: ts[(ts["firm"] == "cc_a") & (ts["step"] == 7)]["mean_fit"].item()  # noqa
    assert fit(b) < fit(a)
    other = lambda ts: ts[(ts["firm"] == "pc_a") & (ts["step"] == 7)]  # noqa: E731
    assert other(a)["mean_fit"].item() == other(b)["mean_fit"].item()  # untouched that month


def test_a_loyalty_reward_lowers_the_price_members_pay():
    control, treated = _twins("loyalty", value=0.1, months=1)
    firm = treated.firm_index("cc_a")
    units_c, units_t = (_study_sum(m, "units", firm) for m in (control, treated))
    assert units_t >= units_c > 0  # a cheaper offer keeps (and wins) at least as many
    paid_c, paid_t = (_study_sum(m, "revenue_cents", firm) for m in (control, treated))
    assert paid_t / units_t < paid_c / units_c
    list_c, list_t = (_study_sum(m, "list_revenue_cents", firm) for m in (control, treated))
    # the reward shows as forgone list revenue (cost_promotion): at most value × price a unit
    forgone = (list_t - paid_t) - (list_c - paid_c) * units_t / units_c
    assert 0 < forgone <= units_t * treated._treat_cents().max() + 1e-9


def test_recovery_treatment_fixes_every_bad_experience_at_the_firm():
    control, treated = _twins("recovery", firm="cc_b", months=3)
    firm = treated.firm_index("cc_b")
    assert _study_sum(treated, "recoveries", firm) > _study_sum(control, "recoveries", firm)
    assert treated.ledger[:, L_RECOVERIES].sum() == _study_sum(treated, "recoveries", firm)
    assert treated.ledger[:, L_CONTRIBUTION].any()


def test_bad_studies_are_refused():
    model = MarketModel(load_config(["market.n_customers=50", "market.steps=2"]))
    with pytest.raises(ValueError, match="no study"):
        model.set_treatment("loyalty", 0.1)
    with pytest.raises(ValueError, match="strata"):
        model.set_study(np.full(50, 3), 0)
    with pytest.raises(ValueError, match="strata"):
        model.set_study(np.ones(49), 0)
    with pytest.raises(ValueError, match="firm"):
        model.set_study(np.ones(50), "nope")
    model.set_study(np.ones(50), "cc_a")
    with pytest.raises(ValueError, match="treatment 'nope'"):
        model.set_treatment("nope")
    with pytest.raises(ValueError, match="value"):
        model.set_treatment("loyalty", 1.5)
