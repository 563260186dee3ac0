"""``ccsim elasticities``: the definition's arithmetic, the burn-in copy, the quick CLI run."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from sim.configure import load_config
from sim.model import MarketModel
from sim.studies import elasticities as el

SMALL = ["market.n_customers=300", "market.steps=60", "seed=4"]


def test_elasticity_recovers_a_constant_elasticity():
    for e in (-2.62, 0.12, 0.0, 0.53):
        q_minus = 1000.0 * 0.9 ** e
        q_plus = 1000.0 * 1.1 ** e
        assert el.elasticity(q_plus, q_minus) == pytest.approx(e, abs=1e-12)
    assert math.isnan(el.elasticity(5.0, 0.0))
    assert math.isnan(el.elasticity(0.0, 5.0))


def test_a_copied_burn_in_continues_bit_identically():
    """Arms start from a deep copy of the burned-in model: it must be the same market."""
    cfg = load_config(SMALL)
    straight = MarketModel(cfg)
    for _ in range(el.BURN_IN + 6):
        straight.step()
    base = el.burn_in(cfg)
    arm = copy.deepcopy(base)
    for _ in range(6):
        arm.step()
    pd.testing.assert_frame_equal(straight.timeseries(), arm.timeseries(), check_exact=True)
    # and stepping the copy left the original where it was
    assert base.steps == el.BURN_IN and len(base.timeseries()) == el.BURN_IN * len(base.firms)


def test_quantities_sum_the_windows_after_the_change():
    steps = np.arange(1, el.BURN_IN + el.AFTER + 1)
    rows = [{"step": s, "firm": f, "units": 1.0 + (f == "a"), "acquisitions": 2.0,
             "choices": 3.0 if f == "a" else 1.0} for s in steps for f in ("a", "b")]
    q = el._quantities(pd.DataFrame(rows), "a", el.BURN_IN + 1)
    assert q[("units", "short")] == 2.0 * 12 and q[("units", "long")] == 2.0 * 12
    assert q[("acquisitions", "short")] == 24.0
    assert q[("choice_share", "short")] == pytest.approx(0.75)


def test_summary_averages_firms_within_a_seed_then_takes_the_ci_over_seeds():
    rows = []
    for seed, (ea, eb) in enumerate([(0.1, 0.3), (0.2, 0.6), (0.3, 0.3)]):
        for firm, e in (("a", ea), ("b", eb)):
            rows.append({"seed": seed, "firm": firm, "lever": "advertising", "quantity": "units",
                         "window": "short", "elasticity": e})
    s = el.summarise(pd.DataFrame(rows))
    mean = s[s["firm"] == "mean"].iloc[0]
    per_seed = np.array([0.2, 0.4, 0.3])
    assert mean["n"] == 3 and mean["mean"] == pytest.approx(per_seed.mean())
    half = 4.302652729911275 * per_seed.std(ddof=1) / math.sqrt(3)  # t(0.975, 2)
    assert mean["ci_high"] - mean["mean"] == pytest.approx(half)
    assert mean["benchmark"] == 0.12 and mean["headline"]
    assert list(s["firm"]) == ["mean", "a", "b"]


@pytest.fixture(scope="module")
def quick(quick_cli):
    return quick_cli("elasticities")  # shared with tests/docs/test_columns.py


def test_quick_run_prints_the_table_and_writes_the_tables(quick):
    done, out = quick
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("elasticities: seed ") == el.QUICK_SEEDS  # a line per seed
    for lever, quantity, window in el.HEADLINE:
        assert any(line.split()[:3] == [lever, quantity, window]
                   for line in done.stdout.splitlines()), (lever, quantity, window)
    assert "Sethuraman, Tellis & Briesch 2011" in done.stdout and "-2.62" in done.stdout
    runs = pd.read_csv(out / "runs.csv")
    n_firms = runs["firm"].nunique()
    assert len(runs) == (el.QUICK_SEEDS * n_firms * len(el.LEVERS) * len(el.QUANTITIES)
                         * len(el.WINDOWS))
    pd.testing.assert_frame_equal(runs, pd.read_parquet(out / "runs.parquet"),
                                  check_dtype=False, atol=1e-5)
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["firm"]) == {"mean", *runs["firm"]}
    meta = el_meta(out)
    assert meta["seeds"] == list(range(el.QUICK_SEEDS)) and meta["git_commit"]
    # the definition: every other lever's money unchanged, so the budget on the path
    assert meta["definition"]["budget"] == "baseline"


def el_meta(out):
    import json

    return json.loads((out / "meta.json").read_text())


def test_quick_run_measures_what_the_definition_says(quick):
    _, out = quick
    runs = pd.read_parquet(out / "runs.parquet")
    # recompute every elasticity from its Q- and Q+
    expect = [el.elasticity(p, m) for p, m in zip(runs["q_plus"], runs["q_minus"], strict=True)]
    np.testing.assert_allclose(runs["elasticity"], expect, rtol=1e-12, equal_nan=True)
    # a lever a firm spends nothing on has nothing to change: Q+ = Q-
    idle = runs[runs["spend_share"] == 0]
    assert len(idle) and (idle["q_plus"] == idle["q_minus"]).all()
    # a dearer list price loses share of the choices (the utility's price term)
    share = runs[(runs["lever"] == "price") & (runs["quantity"] == "choice_share")]
    assert (share["q_plus"] < share["q_minus"]).all()


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1"], "--seeds=1"),
    (["--levers", "advertising,tv"], "unknown tv"),
    (["seed=3"], "seed is set by the study"),
    (["market.steps=30"], "market.steps is set by the study"),
    (["market.n_customers=-5"], "n_customers"),
    (["--jobs", "0"], "--jobs=0"),
    (["--budget", "fixed"], "--budget=fixed: unknown; allowed baseline, rule"),
])
def test_bad_input_is_one_line_and_exit_2(cli, tmp_path, args, message):
    done = cli.run(["elasticities", "--quick", "--out", str(tmp_path / "o"), *args], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("ccsim: error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists() and done.stdout == ""


def test_budget_on_the_baseline_path_keeps_every_other_levers_money():
    """With ``budget="baseline"`` the changed firm spends the unchanged arm's budget by its shares,
    plus or minus 10% of the changed lever's money; with the factor at 1 the arm is the baseline."""
    from sim.strategies import LEVERS

    BURN_IN, AFTER = el.BURN_IN, el.AFTER  # noqa: N806
    baseline_budgets, burn_in, run_arm = el.baseline_budgets, el.burn_in, el.run_arm
    cfg = load_config(["market.n_customers=300", f"market.steps={BURN_IN + AFTER}"])
    base = burn_in(cfg)
    paths = baseline_budgets(base)
    assert sorted(paths[0]) == list(range(BURN_IN + 1, BURN_IN + AFTER + 1))
    plain = run_arm(base, 0, "advertising", 1.0)
    same = run_arm(base, 0, "advertising", 1.0, paths[0])
    pd.testing.assert_frame_equal(plain, same, check_exact=True)
    firm = base.firms[0].name
    up = run_arm(base, 0, "advertising", 1.1, paths[0])
    rule = run_arm(base, 0, "advertising", 1.1)
    costs = [f"cost_{lv}" for lv in LEVERS]
    def late(ts: pd.DataFrame) -> pd.DataFrame:
        return ts[(ts["firm"] == firm) & (ts["step"] > BURN_IN + 12)]

    b, u, r = late(plain), late(up), late(rule)
    # (promotion's cost is the revenue its discount forgoes, which moves with sales)
    others = [c for c in costs if c not in ("cost_advertising", "cost_promotion")]
    # on the path, every other lever's money is the baseline's, advertising's 10% more
    np.testing.assert_allclose(u[others].to_numpy(), b[others].to_numpy(), rtol=1e-12)
    # (money is booked in whole cents: each of u and b is its lever money x rounded to the
    # cent, so |u - 1.1 b| <= 0.005 + 1.1 * 0.005; e.g. x = 200.644 books b = 200.64 and
    # u = round(220.7084) = 220.71, 0.006 from 1.1 b)
    np.testing.assert_allclose(u["cost_advertising"].to_numpy(),
                               1.1 * b["cost_advertising"].to_numpy(), rtol=0, atol=0.0105)
    # by the rule, the extra sales move the other levers' money too
    assert not np.allclose(r[others].to_numpy(), b[others].to_numpy(), rtol=1e-12)
