"""End to end: ``ccsim collect`` prints the headline; ``ccsim plot`` collects, refuses bad input.

A real Hydra sweep (two values of a parameter × two seeds, tiny market) is left uncollected so
``ccsim plot`` must collect it; a real run folder is copied and damaged for the bad-input cases.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

TINY = ["market.n_customers=200", "market.steps=12"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory, cli):
    """(sweep folder, run folder), both made by the real CLI."""
    cwd = tmp_path_factory.mktemp("plotcli")
    sweep = cli.start(["run", "-m", *TINY, "seed=0,1", "market.choice.switching_cost=0,2",
                       "hydra.sweep.dir=sweep"], cwd)
    single = cli.start(["run", *TINY, "hydra.run.dir=run"], cwd)
    for proc in (cli.finish(sweep), cli.finish(single)):
        assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd / "sweep", cwd / "run"


def test_plot_collects_an_uncollected_sweep_first(folders, tmp_path, cli):
    """`ccsim plot SWEEP` on job folders collects them (tables and headline), then draws."""
    sweep, _ = folders
    work = tmp_path / "sweep"
    shutil.copytree(sweep, work)
    assert not (work / "runs.parquet").exists()
    done = cli.run(["plot", str(work), "--format", "png"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "collecting" in done.stderr
    for name in ("runs.parquet", "firm_kpis.parquet", "timeseries.parquet", "headline.csv"):
        assert (work / name).is_file(), name
    written = done.stdout.split()
    assert [p.rsplit("/", 1)[-1] for p in written] == [
        "share.png", "revenue.png", "kpis.png", "headline.png", "retention.png"]


def test_collect_prints_and_writes_the_headline(folders, tmp_path, cli):
    """`ccsim collect`: the headline per setting over seeds, in the terminal and in files."""
    sweep, _ = folders
    work = tmp_path / "sweep"
    shutil.copytree(sweep, work)
    done = cli.run(["collect", str(work)], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert out.count("2:1 test") == 2  # one per setting, never pooled
    assert "market.choice.switching_cost=0.0 — 2 run(s), 2 seed(s)" in out
    for kpi in ("growth_gap_points", "revenue_multiple_ratio", "growth_ratio",
                "margin_gap_points"):
        assert kpi in out
    table = pd.read_parquet(work / "headline.parquet")
    assert sorted(table["market.choice.switching_cost"]) == [0.0, 2.0]
    assert (table["runs"] == 2).all()
    assert set(table["two_to_one"]) <= {"holds", "fails", "inconclusive", "not applicable"}
    runs = pd.read_parquet(work / "runs.parquet")
    assert "growth_gap" not in runs.columns and "growth_gap_points" in runs.columns
    one = runs[runs["market.choice.switching_cost"] == 2.0]["growth_gap_points"]
    row = table[table["market.choice.switching_cost"] == 2.0].iloc[0]
    assert row["growth_gap_points_mean"] == pytest.approx(one.mean())
    assert (work / "headline.csv").read_text().startswith("market.n_customers,")


def _damaged(run, tmp_path, name, damage):
    work = tmp_path / name
    shutil.copytree(run, work)
    damage(work)
    return work


CASES = {
    # id: (damage, words the one-line error must contain)
    "summary_wrong_shape": (lambda d: (d / "summary.json").write_text("[1, 2, 3]"),
                            ["summary.json", "not a run summary"]),
    "summary_wrong_field": (lambda d: (d / "summary.json").write_text(json.dumps(
        {**json.loads((d / "summary.json").read_text()), "steps_per_year": "monthly"})),
        ["summary.json", "steps_per_year"]),
    "summary_not_json": (lambda d: (d / "summary.json").write_text('{"seed": 0,'),
                         ["summary.json", "unreadable JSON"]),
    "killed_run": (lambda d: (d / "summary.json").unlink(),
                   ["not a complete run", "no summary.json"]),
    "truncated_timeseries": (lambda d: (d / "timeseries.parquet").write_bytes(
        (d / "timeseries.parquet").read_bytes()[:200]), ["timeseries.parquet", "unreadable"]),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_one_line_exit_2_nothing_written(folders, tmp_path, cli, case):
    """Each damaged folder: `ccsim: error: …` naming the file, exit 2, no figures folder."""
    _, run = folders
    damage, words = CASES[case]
    work = _damaged(run, tmp_path, case, damage)
    before = sorted(p.name for p in work.iterdir())
    done = cli.run(["plot", str(work)], tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in work.iterdir()) == before  # nothing written


def test_run_label_reads_the_recorded_scenario(folders):
    """A CLI run folder: the label takes the scenario from Hydra's record."""
    from sim.plots import load_results

    _, run = folders
    assert load_results(run).label == (
        "scenario experience_economy · seed 0 · 200 customers × 12 months")


# ----------------------------------------------------------------------------------------------
# issue 29: figures a strategist cannot misread

#: The sweep of issue 29 (two scenarios × two markups × three seeds) on a tiny market.
FOUR_SETTINGS = ["run", "-m", "seed=range(0,3)", "scenario=experience_economy,subscription",
                 "firms.cc_a.markup=0.6,0.9", "market.n_customers=120", "market.steps=12",
                 "hydra.sweep.dir=four"]


@pytest.fixture(scope="module")
def four(tmp_path_factory, cli):
    """The 4-setting sweep, made and plotted by the real CLI (headline only, PNG)."""
    cwd = tmp_path_factory.mktemp("four")
    done = cli.finish(cli.start(FOUR_SETTINGS, cwd))
    assert done.returncode == 0, done.stderr[-3000:]
    plotted = cli.run(["plot", "four", "--kind", "headline", "--format", "png"], cwd)
    assert plotted.returncode == 0, plotted.stderr[-3000:]
    assert (cwd / "four" / "figures" / "headline.png").stat().st_size > 10_000
    return cwd / "four"


def _overlaps(boxes):
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
            if ba.overlaps(bb)]


def test_headline_tick_labels_never_overlap(four):
    """Four settings of two keys: no two tick labels (nor two lines of the key) intersect."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.plots import draw, load_results

    fig = draw(load_results(four), "headline")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert len(labels) == 4, ax.get_title()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
        assert _overlaps(boxes) == [], ax.get_title()
    # the settings are spelled out once, in a key whose entries do not overlap either
    (key,) = fig.legends
    entries = [(t.get_text(), t.get_window_extent(renderer)) for t in key.get_texts()]
    assert len(entries) == 4 and _overlaps(entries) == []
    assert {t for t, _ in entries} == {
        f"{i}: scenario={s}, firms.cc_a.markup={m}" for i, (s, m) in enumerate(
            [(s, m) for s in ("experience_economy", "subscription") for m in (0.6, 0.9)], 1)}
    for _, box in entries:  # inside the figure, not cut off
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1


def test_panel_titles_are_words_with_units(four):
    """No raw column name as a title; every value axis names its unit."""
    from sim.metrics import HEADLINE_UNITS
    from sim.plots import FIRM_KPIS, RUN_KPIS, draw, load_results, select

    everything = load_results(four)
    one = select(everything, ["scenario=subscription"])
    raw = {*HEADLINE_UNITS, *RUN_KPIS, *FIRM_KPIS, "revenue_cagr"}
    for kind, fig in (("headline", draw(everything, "headline")), ("kpis", draw(one, "kpis")),
                      ("heatmap", draw(everything, "heatmap", x="scenario",
                                       y="firms.cc_a.markup"))):
        for ax in fig.axes:
            title = ax.get_title()
            if not title:
                continue
            assert not any(k in title for k in raw), (kind, title)
            if ax.get_ylabel() and kind != "heatmap":
                assert "(" in ax.get_ylabel() and ")" in ax.get_ylabel(), (kind, ax.get_ylabel())


def test_overrides_the_same_in_every_run_are_on_every_figure(four):
    """A sweep narrowed to markup=0.9 says so on each figure; so do the tiny market's keys."""
    from sim.plots import draw, load_results, select

    results = select(load_results(four), ["firms.cc_a.markup=0.9"])
    for kind in ("share", "revenue", "kpis", "headline", "retention"):
        fig = draw(results, kind)
        text = fig.get_suptitle()
        assert "same in every run:" in text, kind
        for item in ("firms.cc_a.markup=0.9", "market.n_customers=120", "market.steps=12"):
            assert item in text, (kind, item)


def test_kpis_growth_is_the_headline_growth(four):
    """kpis.png's growth panel shows each group's pooled growth, the number headline.png shows."""
    from sim.analysis.headline import headline_table
    from sim.plots import draw, load_results, select

    results = select(load_results(four), ["scenario=experience_economy",
                                          "firms.cc_a.markup=0.6"])
    fig = draw(results, "kpis")
    growth = next(ax for ax in fig.axes if ax.get_title() == "Revenue growth of each group")
    means = [c.lines[0].get_ydata()[0] for c in growth.containers]
    table = headline_table(results.runs, by=[]).iloc[0]
    assert means == pytest.approx([100 * table["product_centric_revenue_cagr_mean"],
                                   100 * table["customer_centric_revenue_cagr_mean"]])
    titles = [ax.get_title() for ax in fig.axes]
    assert "Revenue growth" not in titles  # the mean of per-firm growth is not drawn


def test_unknown_heatmap_key_refused_before_anything_is_written(four, tmp_path, cli):
    """`plot SWEEP --x nope` on an uncollected sweep: one line, exit 2, nothing collected."""
    work = tmp_path / "sweep"
    shutil.copytree(four, work, ignore=shutil.ignore_patterns(
        "runs.parquet", "firm_kpis.parquet", "timeseries.parquet", "headline.*", "figures"))
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    for argv, words in ((["--x", "nope"], ["--x nope", "not a swept key", "scenario"]),
                        (["--y", "nope", "--kind", "share"], ["--y nope"]),
                        (["--kpi", "nope"], ["--kpi nope", "growth_gap_points"])):
        done = cli.run(["plot", str(work), *argv], tmp_path)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2, done.stderr[-2000:]
        assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), lines
        for word in words:
            assert word in lines[0], (word, lines[0])
        assert sorted(p.relative_to(work) for p in work.rglob("*")) == before
