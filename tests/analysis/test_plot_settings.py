"""Sweep figures never average different settings; titles say what they pool; run labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.plots import applicable_kinds, draw, load_results, select, settings
from sim.plots.heatmap import plot_heatmap


def test_settings_split_every_swept_key_but_the_seed(sweep3):
    """Eight settings, each holding its two seeds and one value of every other key."""
    results = load_results(sweep3)
    assert results.varied == ["scenario", "market.awareness.ad_response",
                              "market.network.mean_degree"]
    parts = settings(results)
    assert len(parts) == 8
    for label, sub in parts:
        assert sorted(sub.runs["seed"]) == [0, 1]
        for key in results.varied:
            assert sub.runs[key].nunique() == 1 and f"{key}=" in label
        assert set(sub.timeseries["run_id"]) == set(sub.runs["run_id"])


def test_too_many_settings_refuse_naming_where(sweep3):
    """Eight settings: the per-setting panels refuse with --where; the headline still fits."""
    results = load_results(sweep3)
    kinds = applicable_kinds(results)
    assert kinds == ["headline"]  # share, revenue, kpis, retention: > 6 settings; heatmap: 3 keys
    for kind in ("share", "kpis", "retention"):
        with pytest.raises(ValueError, match="--where"):
            draw(results, kind)
    with pytest.raises(ValueError, match=r"also varies scenario.*--where scenario="):
        draw(results, "heatmap", x="market.awareness.ad_response",
             y="market.network.mean_degree")


def test_heatmap_of_one_scenario_means_its_seeds_only(sweep3):
    """With --where the heatmap draws; each cell is the mean of that cell's two seeds."""
    results = select(load_results(sweep3), ["scenario=subscription"])
    fig = draw(results, "heatmap", x="market.awareness.ad_response",
               y="market.network.mean_degree")
    ax = fig.axes[0]
    assert "mean over 2 seeds per cell" in ax.get_title()
    runs = results.runs
    cell = runs[(runs["market.awareness.ad_response"] == 0.1)
                & (runs["market.network.mean_degree"] == 12)]
    texts = [t.get_text() for t in ax.texts if t.get_text() != "n/a"]
    shown = [float(t) for t in texts]
    m = cell["growth_gap_points"].mean()
    # half a unit of the last digit shown: signed one-decimal labels when the colour scale
    # straddles 0, else three significant digits
    tol = 0.05 if any(t[0] in "+-" for t in texts) else 0.006 * abs(m)
    assert len(shown) == 4 and min(abs(v - m) for v in shown) <= tol + 1e-9
    pooled = load_results(sweep3).runs  # both scenarios: a different number, never shown
    pooled = pooled[(pooled["market.awareness.ad_response"] == 0.1)
                    & (pooled["market.network.mean_degree"] == 12)]["growth_gap_points"].mean()
    assert abs(pooled - m) > 2 * tol  # the two scenarios really differ in this cell
    assert min(abs(v - pooled) for v in shown) > tol
    everything = load_results(sweep3).runs
    with pytest.raises(ValueError, match="--where"):
        plot_heatmap(everything, "market.awareness.ad_response", "market.network.mean_degree")


def test_share_panels_per_setting_match_their_own_seeds(sweep3):
    """One panel per setting; each line is the mean over that setting's seeds, nothing else."""
    results = select(load_results(sweep3), ["scenario=experience_economy"])
    fig = draw(results, "share")
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == 4
    for ax, (label, sub) in zip(axes, settings(results), strict=True):
        assert ax.get_title().startswith(label) and "mean of 2 seeds" in ax.get_title()
        ts = sub.timeseries
        pc = (ts[ts["strategy"] == "product_centric"]
              .groupby(["run_id", "step"])["market_share"].mean()
              .groupby("step").mean() * 100)
        line = next(line for line in ax.get_lines() if line.get_label() == "product-centric")
        assert np.allclose(line.get_ydata(), pc.to_numpy())


def test_headline_figure_one_group_per_setting(sweep3):
    """The headline figure: one tick per setting and one 2:1 verdict per setting."""
    fig = draw(load_results(sweep3), "headline")
    ratio = next(ax for ax in fig.axes if ax.get_title().startswith("Growth ratio"))
    assert len(ratio.get_xticks()) == 8
    verdicts = [t.get_text() for t in ratio.texts if t.get_text() in
                ("holds", "fails", "inconcl.", "not appl.")]
    assert len(verdicts) == 8
    assert "mean of 2 seeds per setting" in fig.get_suptitle()


def test_run_figures_name_scenario_seed_and_market(single_run):
    """Run figures carry the scenario, seed and market size."""
    results = load_results(single_run)
    for kind in ("share", "kpis", "retention"):
        title = draw(results, kind).get_suptitle()
        assert "scenario experience_economy" in title and "seed 0" in title, kind
        assert "300 customers × 24 months" in title, kind


def test_pooled_notebook_table_says_runs_not_seeds(sweep3):
    """plot_share on a table holding several settings counts runs, not seeds."""
    from sim.plots import plot_share

    ts = pd.read_parquet(sweep3 / "timeseries.parquet")
    ax = plot_share(ts)
    assert "mean of 16 runs" in ax.get_title() and "seeds" not in ax.get_title()
