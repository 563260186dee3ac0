"""The calibration objective reads only mean-over-firms elasticities, never the strategy contest."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis import calibration as cal


def _summary(ad_short: float, ad_long: float, price: float, extra: bool = False) -> pd.DataFrame:
    rows = []
    for (lever, quantity, window), mean in [(("advertising", "units", "short"), ad_short),
                                            (("advertising", "units", "long"), ad_long),
                                            (("price", "choice_share", "short"), price)]:
        rows.append({"lever": lever, "quantity": quantity, "window": window, "firm": "mean",
                     "mean": mean})
        for firm, strategy, shift in (("pc_a", "product_centric", -1.0),
                                      ("cc_a", "customer_centric", +1.0)):
            rows.append({"lever": lever, "quantity": quantity, "window": window, "firm": firm,
                         "mean": mean + shift, **({"strategy": strategy} if extra else {})})
    df = pd.DataFrame(rows)
    if extra:  # columns a strategy comparison would have: the objective must not read them
        df["growth_gap_points"] = 99.0
        df["margin_gap_points"] = -99.0
        df["orientation"] = df["firm"].str.startswith("cc").astype(float)
    return df


def test_objective_reads_only_its_input_columns_and_the_mean_rows():
    bare = _summary(0.12, 0.24, -2.62)[list(cal.INPUT_COLUMNS)]
    assert set(bare.columns) == {"lever", "quantity", "window", "firm", "mean"}
    decorated = _summary(0.12, 0.24, -2.62, extra=True)
    assert cal.measures(bare) == cal.measures(decorated) == {
        "ad_short": 0.12, "ad_long": 0.24, "price_choice": -2.62}
    # per-firm rows (where strategies differ) do not enter: change them, nothing changes
    moved = decorated.copy()
    moved.loc[moved["firm"] != "mean", "mean"] *= -5
    assert cal.measures(moved) == cal.measures(bare)


def test_objective_fails_without_a_mean_row():
    s = _summary(0.12, 0.24, -2.62)
    m = cal.measures(s[s["firm"] != "mean"])
    assert all(math.isnan(v) for v in m.values())
    assert cal.score({"experience_economy": m}) == math.inf


def test_score_is_lowest_at_the_published_values_and_penalises_misses():
    at = {"ad_short": 0.12, "ad_long": 0.24, "price_choice": -2.62}
    pae = {"ad_short": 0.25, "ad_long": 0.5, "price_choice": -2.62}
    good = cal.score({"experience_economy": at, "product_aware_economy": pae})
    assert good == pytest.approx(0.0)
    parts = cal.score_parts({"experience_economy": {**at, "price_choice": -0.7},
                             "product_aware_economy": pae})
    assert parts["experience_economy:price"] > cal.OUTSIDE_WEIGHT * (0.8 / 2.0) ** 2 - 1e-9
    # long run more than 3 x the short run
    assert cal.score_parts({"subscription": {**at, "ad_long": 0.48}})["subscription:ratio"] \
        == pytest.approx(1.0)
    # the product-aware economy must respond more than the experience economy
    below = cal.score_parts({"experience_economy": {**at, "ad_short": 0.15},
                             "product_aware_economy": {**pae, "ad_short": 0.12}})
    assert below["product_aware_economy:above_default"] > 0
    # inside the range but away from the published mean: a small pull only
    inside = cal.score({"experience_economy": {**at, "ad_short": 0.18, "ad_long": 0.36}})
    assert 0 < inside < 0.1
