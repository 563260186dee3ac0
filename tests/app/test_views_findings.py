"""What the dashboard draws, checked on the figures and tables themselves (issue 29's findings).

Colours follow the strategy group as in ``ccsim plot``; growth reads ``n/a until month 13``
before a year of data; the channel chart's legend stays off its lines, whose styles all differ;
compared runs share their scales; every firm's budget shares are drawn; each lesson's answer
shows the run's own numbers.
"""

from __future__ import annotations

import colorsys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim import io, runner
from sim.app import answers, views
from sim.configure import load_config
from sim.metrics import strategy_comparison
from sim.plots import draw, load_results
from sim.plots.style import GROUP_COLORS

matplotlib.use("Agg")


def _hue(colour: str) -> float:
    return colorsys.rgb_to_hsv(*mcolors.to_rgb(colour))[0] * 360.0


def _near(a: float, b: float, tol: float = 12.0) -> bool:
    return min(abs(a - b), 360.0 - abs(a - b)) <= tol


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    """A saved run of five firms along the mix (two per group, one in the middle)."""
    out = tmp_path_factory.mktemp("ladder") / "run"
    runner.run(load_config(["firms=mix_ladder", "market.n_customers=500", "market.steps=14",
                            "seed=2"]), out, progress=False)
    return out


def test_one_colour_per_group_in_the_dashboard_and_in_ccsim_plot(saved_runs, ladder):
    for folder in (saved_runs["a"], ladder):
        ts = io.read_parquet(folder / "timeseries.parquet")
        names = list(dict.fromkeys(ts["firm"]))
        styles = views.styles_of_ts(ts, names)
        colours = views.palette(styles, names)
        assert len(set(colours)) == len(names)  # every firm its own shade
        for name in names:
            group = styles[name].group
            assert _near(_hue(styles[name].color), _hue(GROUP_COLORS[group])), (name, group)
        # the dashboard's market chart and ccsim plot's share figure draw each firm alike
        dash = {line.get_label().split(" ")[0]: line.get_color()
                for line in views.charts(ts, names, styles).axes[0].get_lines()}
        cli = {line.get_label().split(" ")[0]: line.get_color()
               for line in draw(load_results(folder), "share").axes[0].get_lines()}
        assert dash == cli and set(dash) == set(names)
    ladder_styles = views.styles_of_ts(io.read_parquet(ladder / "timeseries.parquet"),
                                       ["mix_00", "mix_25", "mix_50", "mix_75", "mix_100"])
    assert [ladder_styles[f].group for f in ("mix_00", "mix_25", "mix_50", "mix_75", "mix_100")] \
        == ["product_centric"] * 2 + ["middle"] + ["customer_centric"] * 2


def test_growth_reads_na_until_month_13(saved_runs):
    ts = io.read_parquet(saved_runs["long"] / "timeseries.parquet")  # 14 months
    cfg = load_config(["market.n_customers=600", "market.steps=14", "seed=3"])
    firms = set(ts["firm"])
    for month in (1, 5, 12):
        text = views.kpi_text(ts[ts["step"] <= month], 12, cfg)
        rows = [line for line in text.split("\n\n")[0].split("\n") if line.split()[0] in firms]
        assert len(rows) == len(firms)
        assert all("n/a until month 13" in row for row in rows), text
        headline = {line.split()[0]: line for line in text.split("\n")
                    if line.startswith("  ")}
        for key in ("revenue", "growth_gap_points", "growth_ratio"):
            assert "n/a until month 13" in headline[key] and "%" not in headline[key], text
        assert "n/a: " not in headline["revenue_multiple_ratio"], text
    for month in (13, 14):  # a year of growth: the table ccsim run prints, to the character
        part = ts[ts["step"] <= month]
        assert views.kpi_text(part, 12, cfg) == runner.format_table(
            views.run_result(part, 12, cfg))
        assert "n/a until" not in views.kpi_text(part, 12, cfg)


def test_channel_legend_off_the_lines_and_styles_distinct(saved_runs):
    ts = io.read_parquet(saved_runs["a"] / "timeseries.parquet")
    names = list(dict.fromkeys(ts["firm"]))
    fig = views.charts(ts, names, views.styles_of_ts(ts, names))
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    channel = next(ax for ax in fig.axes if ax.get_title().startswith("acquisitions"))
    lines = channel.get_lines()
    assert len(lines) == len(views.CHANNELS)
    for attr in ("get_color", "get_linestyle", "get_marker"):
        assert len({getattr(line, attr)() for line in lines}) == len(lines), attr
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 2  # firms, channels
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), legend.get_title().get_text()
        assert box.x1 <= fig.bbox.x1 + 1  # not cut off at the figure's edge


def test_compared_runs_share_their_scales(saved_runs):
    a = io.read_parquet(saved_runs["a"] / "timeseries.parquet")
    b = io.read_parquet(saved_runs["b"] / "timeseries.parquet")
    shared = views.limits([a, b])
    figs = [views.charts(ts, list(dict.fromkeys(ts["firm"])),
                         views.styles_of_ts(ts, list(dict.fromkeys(ts["firm"]))), ylims=shared)
            for ts in (a, b)]
    for ax_a, ax_b in zip(figs[0].axes, figs[1].axes, strict=True):
        assert ax_a.get_ylim() == ax_b.get_ylim(), ax_a.get_title()
    for col, (lo, hi) in shared.items():
        if col == "channels":
            continue
        scale = views.PANELS[col][1]
        for ts in (a, b):
            assert lo <= ts[col].min() * scale and ts[col].max() * scale <= hi, col


def test_budget_chart_shows_every_firms_shares(ladder):
    ts = io.read_parquet(ladder / "timeseries.parquet")
    names = ["mix_00", "mix_25", "mix_50", "mix_75", "mix_100"]
    fig = views.budget_chart(ts, names)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.collections]
    assert [ax.get_title().split("\n")[0] for ax in panels] == names
    last = ts[ts["step"] == ts["step"].max()].set_index("firm")
    from sim.strategies import CUSTOMER_LEVERS

    for ax, name in zip(panels, names, strict=True):
        assert len(ax.collections) == len(views.LEVER_COLOURS)  # one band per lever
        on_customers = last.loc[name, [f"share_{lv}" for lv in CUSTOMER_LEVERS]].sum()
        assert f"{on_customers:.0%} customer levers" in ax.get_title()
        top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
        assert top == pytest.approx(100.0, abs=1e-6)  # the shares stack to the whole budget
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert box.x1 <= fig.bbox.x1 + 1
    for ax in panels:
        assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()
    titles = [ax.title.get_window_extent(renderer) for ax in panels]
    assert not any(a.overlaps(b) for i, a in enumerate(titles) for b in titles[i + 1:])


def test_answers_show_the_runs_own_numbers(saved_runs, ladder):
    ts = io.read_parquet(saved_runs["long"] / "timeseries.parquet")
    early, _ = answers.answer("groups", ts[ts["step"] <= 6], 12)
    assert (early["revenue growth (CAGR / year)"] == "n/a until month 13").all()
    table, note = answers.answer("groups", ts, 12)
    c = strategy_comparison(ts, 12)
    row = table.set_index("group").loc["customer-centric"]
    assert row["revenue growth (CAGR / year)"] == f"{c['customer_centric_revenue_cagr']:+.1%}"
    assert f"{c['growth_gap_points']:+.1f} percentage points" in note
    channels, _ = answers.answer("channels", ts, 12)
    assert channels.set_index("channel").loc["word of mouth", "customers won so far"] == \
        f"{ts['acq_wom'].sum():,.0f}"
    lad = io.read_parquet(ladder / "timeseries.parquet")
    cross, _ = answers.answer("cross_selling", lad, 12)
    assert cross.set_index("firm").loc["mix_100", "customers won by cross-sell"] == \
        f"{lad.loc[lad['firm'] == 'mix_100', 'acq_cross_sell'].sum():,.0f}"
    for name in answers.ANSWERS:
        table, note = answers.answer(name, ts, 12)
        assert len(table) >= 2 and note, name
    assert answers.answer("groups", views.EMPTY_TS, 12)[0].empty


@pytest.mark.parametrize("run", ["a", "b"])
def test_budget_answer_reads_the_share_columns(saved_runs, run):
    ts = io.read_parquet(saved_runs[run] / "timeseries.parquet")
    table, _ = answers.answer("budgets", ts, 12)
    first = ts[ts["step"] == 1].set_index("firm")
    for firm, row in table.set_index("firm").iterrows():
        orientation = first.loc[firm, "orientation"]
        assert row["budget on customer levers, start"] == f"{orientation:.1%}"
    assert isinstance(table, pd.DataFrame) and np.all(table["firm"].isin(ts["firm"]))
