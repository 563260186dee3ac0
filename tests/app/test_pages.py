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
    assert shown == views.kpi_text(offline.timeseries, 12, offline.config)
    assert "n/a until month 13" in shown  # five months annualised would be absurd
    for _ in range(8):
        model.step()
    force_update()
    shown = _pre(rc, "ccsim-kpi")
    offline = runner.run(load_config([*model.overrides, "market.steps=13"]), progress=False)
    assert shown == runner.format_table(offline)  # a year of growth: what ccsim run prints
    assert "pc_b" in shown and "mix" in shown


def _live_palette(model) -> list[str]:
    names = [f.name for f in model.firms]
    coords = views.model_coordinates([f.orientation for f in model.firms])
    return views.palette(views.styles_for(names, coords), names)


def test_network_picture_counts_customers_per_firm():
    model = lm.LiveModel(**SMALL)
    colours = _live_palette(model)
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
        assert fills.get(colours[k].lower(), 0) == expected[k + 1]
    assert sum(fills.values()) == len(sample) and svg.count("<line") == len(samples.edges(sample))


def _sliders(rc) -> dict[str, float]:
    """Slider label (without its value) → value; each label ends with the value it shows."""
    out = {}
    for w in rc.find(v.Slider).widgets:
        if not w.label:
            continue
        name, _, shown = w.label.rpartition(": ")
        assert shown and float(shown.replace(",", "")) == pytest.approx(w.v_model), w.label
        out[name] = w.v_model
    return out


def _all_text(rc) -> str:
    return " ".join(str(getattr(w, "children", "")) + " " + str(getattr(w, "label", ""))
                    for w in rc.find().widgets)


def test_lesson_loads_its_configuration_into_the_controls():
    cfg = load_config(["scenario=product_aware_economy"])
    pages.lesson_key.set("1700s")
    try:
        _, rc = solara.render(solara.AppLayout(children=[pages.LivePage()]), handle_error=False)
        sliders = _sliders(rc)
        command = _pre(rc, "ccsim-command")
        titles = " ".join(str(w.children) for w in rc.find(v.CardTitle).widgets)
        text = _all_text(rc)
    finally:
        pages.lesson_key.set("explore")
    assert sliders["Advertising response"] == cfg.market.awareness.ad_response
    assert sliders["Network density (mean contacts)"] == cfg.market.network.mean_degree
    assert sliders["Need heterogeneity"] == cfg.market.customers.need_heterogeneity
    assert sliders["Customers"] == lm.DEFAULT_CUSTOMERS
    assert command.startswith("ccsim run scenario=product_aware_economy ")
    assert "What won in the 1700s?" in titles
    assert "What to watch." in text
    # Mesa's own tuning controls are not shown to a class; its Reset, ▶ and Step are
    for hidden in ("Play Interval", "Render Interval", "Use Threads"):
        assert hidden not in text, hidden
    buttons = {w.children[0] for w in rc.find(v.Btn).widgets if w.children}
    assert {"Reset", "▶", "Step"} <= buttons


def test_each_lesson_page_asks_says_what_to_watch_and_answers():
    from sim.app import lessons

    lesson = lessons.by_key("wom_vs_ads")
    model = lm.LiveModel(base=lesson.overrides, **SMALL)
    for _ in range(3):
        model.step()
    _, rc = solara.render(pages.LiveMarket(model, lesson), handle_error=False)
    answer = _html(rc, "ccsim-answer-table")
    ts = model.timeseries()
    for col, (label, *_) in views.CHANNELS.items():
        assert f"<td>{label}</td>" in answer
        assert f"<td>{ts[col].sum():,.0f}</td>" in answer, col
    _, card = solara.render(pages.LessonCard(lesson), handle_error=False)
    text = _all_text(card)
    assert lesson.question in text and lesson.watch in text


def test_a_lesson_without_its_scenario_says_so():
    from sim.app import lessons

    lesson = lessons.by_key("exploitation")
    _, rc = solara.render(pages.LessonCard(lesson), handle_error=False)
    texts = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    if lesson.available:
        assert "not in this version" not in texts
    else:
        assert "conf/scenario/exploitation.yaml is missing" in texts


def test_replay_shows_the_saved_row_of_the_step(saved_runs, page_roots):
    run = saved_runs["a"]
    pages.replay_path.set(str(run))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        ts = io.read_parquet(run / "timeseries.parquet")
        last = int(ts["step"].max())
        assert _pre(rc, "ccsim-step-rows") == views.step_text(ts, last)
        (slider,) = rc.find(v.Slider).widgets
        slider.v_model = 4
        text = _pre(rc, "ccsim-step-rows")
        rows = ts[ts["step"] == 4]
        for row in rows.itertuples():
            assert re.search(rf"^\s*4\s+{row.firm}\s+{row.customers}\s", text, re.M), text
        assert _pre(rc, "ccsim-kpi") == views.kpi_text(ts[ts["step"] <= 4], 12, _saved_config(run))
    finally:
        pages.replay_path.set("")


def test_replay_network_follows_the_spells(saved_runs, page_roots):
    from sim.app.runs import open_run

    saved = open_run(saved_runs["a"])
    firms0, firms_last = saved.firms_at(0), saved.firms_at(saved.steps)
    assert firms0.shape == (len(saved.sample),) and not np.array_equal(firms0, firms_last)
    pages.replay_path.set(str(saved_runs["a"]))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        fills = _fills(_html(rc, "ccsim-network-view"))
        colours = views.palette(views.styles_of_ts(saved.ts, saved.firms), saved.firms)
        assert fills.get(colours[0].lower(), 0) == np.count_nonzero(firms_last == 0)
    finally:
        pages.replay_path.set("")


def _replay_errors(path) -> str:
    pages.replay_path.set(str(path))
    try:
        _, rc = solara.render(pages.ReplayPage(), handle_error=False)
        return " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    finally:
        pages.replay_path.set("")


def test_replay_of_a_missing_folder_is_an_error_on_the_page(page_roots):
    assert "no such run folder" in _replay_errors(page_roots / "runs" / "nope")


def test_replay_opens_only_folders_below_its_roots(page_roots, tmp_path):
    """Outside the roots every folder gets the same refusal, existing or not (no probing)."""
    (tmp_path / "exists").mkdir()
    said = [_replay_errors(p) for p in (tmp_path / "exists", tmp_path / "missing",
                                        page_roots / ".." / ".." / "elsewhere")]
    for text in said:
        assert "outside the folders this dashboard opens" in text, text
        assert "--root" in text
        assert "no such" not in text and "not a complete run" not in text
    assert said[0].replace("exists", "X") == said[1].replace("missing", "X")


def test_replay_link_into_a_root_through_a_symlink_is_refused(page_roots, saved_runs, tmp_path):
    import shutil

    outside = tmp_path / "outside_run"
    shutil.copytree(saved_runs["a"], outside)
    link = page_roots / "runs" / "sneaky"
    link.symlink_to(outside)
    try:
        assert "outside the folders this dashboard opens" in _replay_errors(link)
    finally:
        link.unlink()


DAMAGE = {
    "truncated_timeseries": (lambda d: (d / "timeseries.parquet").write_bytes(
        (d / "timeseries.parquet").read_bytes()[:300]), "timeseries.parquet is unreadable"),
    "timeseries_without_step": (lambda d: pd.DataFrame({"x": [1, 2]}).to_parquet(
        d / "timeseries.parquet"), "no column step"),
    "config_not_a_mapping": (lambda d: (d / "config.yaml").write_text("- 1\n- 2\n"),
                             "config.yaml is not a configuration"),
    "spells_wrong_shape": (lambda d: pd.DataFrame({"x": [1]}).to_parquet(
        d / "spells.parquet"), "spells.parquet is not a ccsim table"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_damaged_run_is_one_error_on_the_page(case, saved_runs, page_roots):
    import shutil

    damage, words = DAMAGE[case]
    work = page_roots / "runs" / f"damaged_{case}"
    shutil.copytree(saved_runs["a"], work)
    try:
        damage(work)
        assert words in _replay_errors(work)
    finally:
        shutil.rmtree(work)


def test_comparison_shows_both_runs_on_shared_scales(saved_runs, page_roots, monkeypatch):
    drawn = []
    charts = views.charts

    def spy(ts, names, styles, title="", ylims=None, last_step=None):
        drawn.append(ylims)
        return charts(ts, names, styles, title, ylims, last_step)

    monkeypatch.setattr(views, "charts", spy)
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
    a = io.read_parquet(saved_runs["a"] / "timeseries.parquet")
    b = io.read_parquet(saved_runs["b"] / "timeseries.parquet")
    assert len(drawn) == 2 and drawn[0] == drawn[1] == views.limits([a, b])


def _saved_config(run):
    """The configuration a saved run was made with (the KPI table's legend names its rate)."""
    return read_config(run / "config.yaml")
