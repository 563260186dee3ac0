"""The dashboard's components rendered without a browser (``solara.render``).

Each test reads what a page shows (text of the KPI table, circles of the network picture,
values of the controls) and compares it with what the model or the saved files say.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from mesa.visualization.utils import force_update  # noqa: E402

from sim import io, runner, samples  # noqa: E402
from sim.app import live_model as lm  # noqa: E402
from sim.app import pages, views  # noqa: E402
from sim.configure import load_config, read_config  # noqa: E402

SMALL = {"n_customers": 700, "seed": 4}


def _pre(rc, css: str) -> str:
    return rc.find(v.Html, class_=css).widget.children[0]


def _html(rc, css: str) -> str:
    return rc.find(solara.widgets.HTML, attributes={"class": css}).widget.unsafe_innerHTML


def _fills(svg: str) -> dict[str, int]:
    found = re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"', svg)
    return dict(pd.Series(found).value_counts()) if found else {}


def test_live_kpi_table_is_format_table_of_the_same_run():
    model = lm.LiveModel(strategy_pc_b="mix 0.75", **SMALL)
    _, rc = solara.render(pages.LiveMarket(model), handle_error=False)
    assert _pre(rc, "ccsim-kpi").startswith("(no steps yet")
    for _ in range(5):
        model.step()
    force_update()
    shown = _pre(rc, "ccsim-kpi")
    offline = runner.run(load_config([*model.overrides, "market.steps=5"]), progress=False)
    assert shown == runner.format_table(offline)
    assert "pc_b" in shown and "mix" in shown


def test_network_picture_counts_customers_per_firm():
    model = lm.LiveModel(**SMALL)
    for _ in range(3):
        model.step()
    _, rc = solara.render(pages.LiveMarket(model), handle_error=False)
    svg = _html(rc, "ccsim-network-view")
    sample = samples.network_sample(model)
    firms = samples.current_firms(model.state.firm_of)[sample["customer"].to_numpy()]
    expected = np.bincount(firms + 1, minlength=len(model.firms) + 1)
    fills = _fills(svg)
    assert fills.get(views.NO_FIRM_COLOUR, 0) == expected[0]
    for k in range(len(model.firms)):
        assert fills.get(views.firm_colour(k), 0) == expected[k + 1]
    assert sum(fills.values()) == len(sample) and svg.count("<line") == len(samples.edges(sample))


def test_lesson_loads_its_configuration_into_the_controls():
    cfg = load_config(["scenario=product_aware_economy"])
    pages.lesson_key.set("1700s")
    try:
        _, rc = solara.render(solara.AppLayout(children=[pages.LivePage()]), handle_error=False)
        sliders = {w.label: w.v_model for w in rc.find(v.Slider).widgets}
        command = _pre(rc, "ccsim-command")
        titles = " ".join(str(w.children) for w in rc.find(v.CardTitle).widgets)
    finally:
        pages.lesson_key.set("explore")
    assert sliders["Advertising response"] == cfg.market.awareness.ad_response
    assert sliders["Network density (mean contacts)"] == cfg.market.network.mean_degree
    assert sliders["Need heterogeneity"] == cfg.market.customers.need_heterogeneity
    assert command.startswith("ccsim run scenario=product_aware_economy ")
    assert "What won in the 1700s?" in titles


def test_a_lesson_without_its_scenario_says_so():
    from sim.app import lessons

    lesson = lessons.by_key("exploitation")
    _, rc = solara.render(pages.LessonCard(lesson), handle_error=False)
    texts = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    if lesson.available:
        assert "not in this version" not in texts
    else:
        assert "conf/scenario/exploitation.yaml is missing" in texts


def test_replay_shows_the_saved_row_of_the_step(saved_runs):
    run = saved_runs["a"]
    pages.replay_path.set(str(run))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        ts = io.read_parquet(run / "timeseries.parquet")
        last = int(ts["step"].max())
        assert _pre(rc, "ccsim-step-rows") == views.step_text(ts, last)
        slider = next(w for w in rc.find(v.Slider).widgets if w.label == "Step")
        slider.v_model = 4
        text = _pre(rc, "ccsim-step-rows")
        rows = ts[ts["step"] == 4]
        for row in rows.itertuples():
            assert re.search(rf"^\s*4\s+{row.firm}\s+{row.customers}\s", text, re.M), text
        assert _pre(rc, "ccsim-kpi") == views.kpi_text(ts[ts["step"] <= 4], 12, _saved_config(run))
    finally:
        pages.replay_path.set("")


def test_replay_network_follows_the_spells(saved_runs):
    from sim.app.runs import open_run

    saved = open_run(saved_runs["a"])
    firms0, firms_last = saved.firms_at(0), saved.firms_at(saved.steps)
    assert firms0.shape == (len(saved.sample),) and not np.array_equal(firms0, firms_last)
    pages.replay_path.set(str(saved_runs["a"]))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        fills = _fills(_html(rc, "ccsim-network-view"))
        assert fills.get(views.firm_colour(0), 0) == np.count_nonzero(firms_last == 0)
    finally:
        pages.replay_path.set("")


def test_replay_of_a_missing_folder_is_an_error_on_the_page(tmp_path):
    pages.replay_path.set(str(tmp_path / "nope"))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        errors = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
        assert "no such run folder" in errors
    finally:
        pages.replay_path.set("")


def test_comparison_shows_both_runs(saved_runs):
    pages.compare_paths.set((str(saved_runs["a"]), str(saved_runs["b"])))
    try:
        _, rc = solara.render(pages.ComparePage(), handle_error=False)
        tables = [w.children[0] for w in rc.find(v.Html, class_="ccsim-kpi").widgets]
        assert len(tables) == 2
        for table, name in zip(tables, ("a", "b"), strict=True):
            ts = io.read_parquet(saved_runs[name] / "timeseries.parquet")
            assert table == views.kpi_text(ts, 12, _saved_config(saved_runs[name]))
        assert tables[0] != tables[1]
    finally:
        pages.compare_paths.set(("", ""))


def _saved_config(run):
    """The configuration a saved run was made with (the KPI table's legend names its rate)."""
    return read_config(run / "config.yaml")
