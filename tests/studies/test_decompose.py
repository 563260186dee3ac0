"""``ccsim decompose``: switches that really switch a mechanism off, the arithmetic, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import MarketModel
from sim.studies import decompose as dc

SMALL = ["market.n_customers=400", "market.steps=8", "seed=2"]


@pytest.fixture(scope="module")
def runs_by_variant():
    configs = dc.configs_for(SMALL)
    out = {}
    for variant, cfg in configs.items():
        model = MarketModel(cfg)
        for _ in range(cfg.market.steps):
            model.step()
        out[variant] = model.timeseries()
    return configs, out


def test_placebo_switches_every_mechanism_off():
    v = dc.variants()
    assert list(v)[0] == "baseline" and v["baseline"] == ()
    assert set(v["placebo"]) == {o for ovs in dc.MECHANISMS.values() for o in ovs}


def test_each_switch_sets_its_mechanism_to_the_zero_spend_value(runs_by_variant):
    configs, ts = runs_by_variant
    base = ts["baseline"]
    cc = base["strategy"] == "customer_centric"
    # the baseline has each mechanism working, so the checks below can fail
    assert base.loc[cc, "knowledge"].iloc[-1] > 0 and base.loc[cc, "personalisation"].max() > 0
    assert (base.loc[cc, "service"] > configs["baseline"].market.economics.service_base).all()
    assert ts["knowledge"]["knowledge"].max() == 0.0
    assert ts["personalisation"]["personalisation"].max() == 0.0
    service_base = configs["service"].market.economics.service_base
    np.testing.assert_allclose(ts["service"]["service"], service_base, atol=1e-6)
    np.testing.assert_allclose(ts["placebo"]["service"], service_base, atol=1e-6)
    assert ts["placebo"]["knowledge"].max() == 0.0


def test_money_is_still_spent(runs_by_variant):
    _, ts = runs_by_variant
    cols = [c for c in ts["baseline"].columns if c.startswith("cost_")
            and c.removeprefix("cost_") in ("rd", "advertising", "insight", "personalisation",
                                            "service", "cocreation", "retention", "cross_sell")]
    first = {v: t[t["step"] == 1][cols].to_numpy() for v, t in ts.items()}
    for variant, money in first.items():
        np.testing.assert_array_equal(money, first["baseline"], err_msg=variant)


def test_decompose_pairs_seeds_and_shares_the_baseline_gap():
    rows = []
    for seed, (b, off) in enumerate([(10.0, 4.0), (12.0, 8.0), (8.0, 3.0)]):
        rows.append({"variant": "baseline", "seed": seed, "growth_gap_points": b,
                     "margin_gap_points": 2.0})
        rows.append({"variant": "service", "seed": seed, "growth_gap_points": off,
                     "margin_gap_points": 2.0})
    s = dc.decompose(pd.DataFrame(rows))
    g = s[(s["variant"] == "service") & (s["gap"] == "growth_gap_points")].iloc[0]
    assert g["change"] == pytest.approx(5.0) and g["baseline"] == pytest.approx(10.0)
    assert g["share"] == pytest.approx(0.5)
    m = s[(s["variant"] == "service") & (s["gap"] == "margin_gap_points")].iloc[0]
    assert m["change"] == 0.0 and m["share"] == 0.0


def test_quick_cli(quick_cli):
    done, out = quick_cli("decompose")  # shared with tests/docs/test_columns.py
    assert done.returncode == 0, done.stderr
    for name in [*dc.MECHANISMS, "placebo"]:
        assert any(line.startswith(name) for line in done.stdout.splitlines()), name
    for name in dc.NOT_DECOMPOSABLE:
        assert f"not decomposable yet: {name}" in done.stdout
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == len(dc.variants()) * dc.QUICK_SEEDS
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["variant"]) == set(dc.variants())
    assert done.stderr.count("decompose: ") == len(runs)  # a progress line per run


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1"], "--seeds=1"), (["seed=4"], "seed is set by the study"),
    (["market.n_customers=0"], "n_customers"),
])
def test_bad_input(cli, tmp_path, args, message):
    done = cli.run(["decompose", "--quick", "--out", str(tmp_path / "o"), *args], tmp_path)
    assert done.returncode == 2 and message in done.stderr
    assert done.stderr.startswith("ccsim: error: ") and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
