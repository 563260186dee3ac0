"""Whole-model invariants shared by the fixed-configuration tests and the property tests.

Each check takes a finished run (its config, the model holding the final customer state, the
per-firm timeseries and the spells table) and asserts something that must hold for *any* valid
configuration: nothing here depends on which strategy does better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY_COLUMNS = ("customers", "revenue", "profit", "market_share", "nps")
CHANNELS = ("acq_initial", "acq_ads", "acq_wom", "acq_search", "acq_cross_sell")


def cents(series: pd.Series) -> np.ndarray:
    """Money recorded as cents / 100 back to exact integer cents (checks it is whole cents)."""
    x = series.to_numpy(dtype=float) * 100.0
    r = np.round(x)
    assert np.all(np.abs(x - r) < 1e-6 * np.maximum(1.0, np.abs(x))), "not whole cents"
    return r.astype(np.int64)


def by_firm(ts: pd.DataFrame, name: str) -> pd.DataFrame:
    return ts[ts["firm"] == name].sort_values("step")


def check_table_shape(run) -> None:
    """One row per firm per step, steps 1..T, the firms of the config."""
    cfg, ts = run.cfg, run.ts
    n_firms, steps = len(cfg.firms), cfg.market.steps
    assert len(ts) == n_firms * steps
    assert set(ts["firm"]) == set(cfg.firms)
    counts = ts.groupby(["step", "firm"]).size()
    assert (counts == 1).all()
    assert sorted(ts["step"].unique()) == list(range(1, steps + 1))


def check_no_nan(run) -> None:
    for col in KEY_COLUMNS:
        values = run.ts[col].to_numpy(dtype=float)
        assert np.all(np.isfinite(values)), f"{col} has NaN/inf"


def check_customers_conserved(run) -> None:
    """Relationships and customers in the state arrays match the firms' last-step counts."""
    model, ts, cfg = run.model, run.ts, run.cfg
    firm_of = model.state.firm_of
    n_firms = len(cfg.firms)
    assert firm_of.shape == (cfg.market.n_customers, len(cfg.market.categories))
    assert firm_of.min() >= -1 and firm_of.max() < n_firms
    last = ts[ts["step"] == cfg.market.steps].set_index("firm")
    assert int((firm_of >= 0).sum()) == int(last["relationships"].sum())
    for k, firm in enumerate(model.firms):
        assert int((firm_of == k).sum()) == int(last.loc[firm.name, "relationships"]), firm.name
        assert int((firm_of == k).any(axis=1).sum()) == int(last.loc[firm.name, "customers"])
    # a customer buys each category from at most one firm: customers ≤ market size everywhere
    assert (ts["customers"] <= cfg.market.n_customers).all()
    assert (ts["customers"] <= ts["relationships"]).all()
    assert (ts["relationships"] <= ts["customers"] * len(cfg.market.categories)).all()


def check_flows(run) -> None:
    """relationships(t) = relationships(t−1) + acquisitions(t) − churned(t), per firm."""
    ts, spells = run.ts, run.spells
    for k, firm in enumerate(run.model.firms):
        g = by_firm(ts, firm.name)
        rel = g["relationships"].to_numpy()
        initial = int(((spells["firm"] == k) & (spells["start"] == 0)).sum())
        previous = np.concatenate([[initial], rel[:-1]])
        acq = g["acquisitions"].to_numpy()
        churned = g["churned"].to_numpy()
        np.testing.assert_array_equal(rel, previous + acq - churned, err_msg=firm.name)
    np.testing.assert_array_equal(ts["acquisitions"], ts[list(CHANNELS)].sum(axis=1))
    np.testing.assert_array_equal(
        ts["churned"], ts[["lost_churn", "lost_switch", "lost_outside"]].sum(axis=1))


def check_shares(run) -> None:
    ts = run.ts
    totals = ts.groupby("step")["revenue"].sum()
    shares = ts.groupby("step")["market_share"].sum()
    paying = totals > 0
    np.testing.assert_allclose(shares[paying], 1.0, rtol=0, atol=1e-12)
    assert (shares[~paying] == 0).all()
    assert ts["market_share"].between(0.0, 1.0).all()
    rel = ts.groupby("step")["relationships"].sum()
    cshare = ts.groupby("step")["customer_share"].sum()
    np.testing.assert_allclose(cshare[rel > 0], 1.0, rtol=0, atol=1e-12)


def check_money(run) -> None:
    """Cents spent by customers equal cents booked as revenue by firms (exact integers)."""
    spent = int(run.model.state.spend.sum())
    booked = int(cents(run.ts["revenue"]).sum())
    assert spent == booked
    assert (run.model.state.spend >= 0).all()
    # profit is revenue less every cost line (each in whole cents); cash is cumulative profit
    ts = run.ts
    cost_cols = ["cogs", "cost_service_delivery", "cost_personalisation_delivery",
                 "cost_retention_offers", "cost_fixed"] + [
        c for c in ts.columns if c.startswith("cost_") and c not in (
            "cost_service_delivery", "cost_personalisation_delivery", "cost_retention_offers",
            "cost_fixed", "cost_promotion")]
    costs = sum(cents(ts[c]) for c in cost_cols)
    np.testing.assert_array_equal(cents(ts["profit"]), cents(ts["revenue"]) - costs)
    for firm in run.model.firms:
        g = by_firm(ts, firm.name)
        np.testing.assert_array_equal(cents(g["cash"]), np.cumsum(cents(g["profit"])))


def check_ranges(run) -> None:
    ts = run.ts
    assert ts["nps"].between(-100.0, 100.0).all()
    ret = ts["retention"].dropna()
    assert ret.between(0.0, 1.0).all()
    sat = ts.loc[ts["relationships"] > 0, "mean_satisfaction"]
    assert sat.between(0.0, 10.0).all()
    assert ts["knowledge"].between(0.0, 1.0).all()
    has = ts["customers"] > 0
    assert ts.loc[has, "products_per_customer"].between(1.0, len(run.cfg.market.categories)).all()
    assert (ts["mean_tenure"] >= 0).all() and (ts["mean_tenure"] <= ts["step"] + 1).all()
    assert ts.loc[has, "share_of_wallet"].between(0.0, 1.0 + 1e-12).all()
    state = run.model.state
    assert state.satisfaction.min() >= 0.0 and state.satisfaction.max() <= 10.0
    assert state.belief.min() >= 0.0 and state.belief.max() <= 1.0
    assert state.knowledge.min() >= 0.0 and state.knowledge.max() <= 1.0
    # a customer always knows the firm they buy from
    rows, cats = np.nonzero(state.firm_of >= 0)
    assert (state.aware[rows, state.firm_of[rows, cats]] > 0).all()


def check_spells(run) -> None:
    """Spells: active ones mirror the state; ended ones have end > start and match the flows."""
    sp, state, cfg = run.spells, run.model.state, run.cfg
    steps = cfg.market.steps
    assert list(sp.columns[:5]) == ["customer", "category", "firm", "start", "end"]
    active = sp[sp["end"] == -1]
    rows, cats = np.nonzero(state.firm_of >= 0)
    assert len(active) == rows.size
    assert not active.duplicated(["customer", "category"]).any()
    got = active.set_index(["customer", "category"])["firm"].sort_index()
    want = pd.Series(state.firm_of[rows, cats].astype(np.int64),
                     index=pd.MultiIndex.from_arrays([rows, cats],
                                                     names=["customer", "category"])).sort_index()
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    # an active relationship started at step s has been used in steps s..T (initial: tenure 1
    # at step 0) → tenure T − s + 1
    ten = state.tenure[active["customer"].to_numpy(), active["category"].to_numpy()]
    np.testing.assert_array_equal(ten, steps - active["start"].to_numpy() + 1)
    ended = sp[sp["end"] != -1]
    assert (ended["end"] > ended["start"]).all()
    assert ended["end"].between(1, steps).all() and sp["start"].between(0, steps).all()
    # spells of one customer in one category never overlap
    s = sp.sort_values(["customer", "category", "start"], kind="stable")
    cust, cat = s["customer"].to_numpy(), s["category"].to_numpy()
    start, end = s["start"].to_numpy(), s["end"].to_numpy()
    end = np.where(end == -1, steps + 1, end)
    same = (cust[1:] == cust[:-1]) & (cat[1:] == cat[:-1])
    assert (start[1:][same] >= end[:-1][same]).all()
    # counts match the flows in the timeseries
    for k, firm in enumerate(run.model.firms):
        g = by_firm(run.ts, firm.name)
        mine = sp[sp["firm"] == k]
        assert (mine["end"] != -1).sum() == g["churned"].sum(), firm.name
        assert (mine["start"] >= 1).sum() == g["acquisitions"].sum(), firm.name
        assert (mine["firm_name"] == firm.name).all()


def check_intangible_share(run) -> None:
    """The intangible share of firm value is a share: in [0, 1], also when margins are negative."""
    assert run.ts["intangible_share"].between(0.0, 1.0).all()


ALL_CHECKS = (check_table_shape, check_no_nan, check_customers_conserved, check_flows,
              check_shares, check_money, check_ranges, check_spells, check_intangible_share)


def check_all(run) -> None:
    for check in ALL_CHECKS:
        check(run)
