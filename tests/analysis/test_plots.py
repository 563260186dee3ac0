"""`ccsim plot`: every kind writes PNG and PDF from a run folder and a collected sweep."""

import pandas as pd

from sim import cli
from sim.plots import (
    KINDS,
    applicable_kinds,
    load_results,
    main,
    make_figures,
    pick_heatmap_axes,
    plot_share,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _check_written(files, out, kinds):
    assert [f.name for f in files] == [f"{k}.{fmt}" for k in kinds for fmt in ("png", "pdf")]
    for f in files:
        assert f.parent == out and f.stat().st_size > 1000
        head = f.read_bytes()[:8]
        assert head == PNG_MAGIC if f.suffix == ".png" else head.startswith(b"%PDF")


def test_single_run_every_kind(single_run):
    """A run folder: share, revenue, kpis and retention as PNG and PDF."""
    results = load_results(single_run)
    assert results.kind == "run" and results.spells is not None
    kinds = applicable_kinds(results)
    assert kinds == ["share", "revenue", "kpis", "retention"]  # no heatmap, headline for one run
    files = make_figures(single_run)
    _check_written(files, single_run / "figures", kinds)


def test_sweep_every_kind_with_heatmap_auto_pick(sweep2, tmp_path, capsys):
    """A two-parameter sweep: all five kinds; the heatmap picks its axes."""
    results = load_results(sweep2)
    assert results.kind == "sweep"
    assert "failed" not in set(results.runs["run_id"])  # failed runs are dropped
    assert results.varied == ["market.awareness.ad_response", "market.network.mean_degree"]
    assert pick_heatmap_axes(results.runs) == ("market.awareness.ad_response",
                                               "market.network.mean_degree")
    assert pick_heatmap_axes(results.runs, y="market.awareness.ad_response") == (
        "market.network.mean_degree", "market.awareness.ad_response")
    assert applicable_kinds(results) == ["share", "revenue", "kpis", "headline", "heatmap",
                                         "retention"]
    out = tmp_path / "figs"
    assert main([str(sweep2), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 12 and all(p.startswith(str(out)) for p in printed)
    assert (out / "heatmap_growth_gap_points.png").exists()
    assert (out / "heatmap_growth_gap_points.pdf").exists()
    # another KPI, axes given explicitly, through the ccsim registry
    assert cli.main(["plot", str(sweep2), "--kind", "heatmap", "--kpi", "margin_gap_points",
                     "--x", "market.network.mean_degree", "--y",
                     "market.awareness.ad_response", "--out", str(out), "--format", "png"]) == 0
    assert (out / "heatmap_margin_gap_points.png").exists()


def test_sweep_kinds_where_and_by_firm(sweep1, tmp_path):
    """One swept parameter: no heatmap by default; --where and --by firm work."""
    results = load_results(sweep1)
    assert "heatmap" not in applicable_kinds(results)  # one swept parameter: nothing to pick
    files = make_figures(sweep1, ["share", "kpis", "retention"], tmp_path,
                         where=["market.awareness.wom_strength=0.5"], by="firm")
    _check_written(files, tmp_path, ["share", "kpis", "retention"])


def test_errors_exit_2_with_one_line(sweep1, single_run, tmp_path, capsys):
    """Bad paths, kinds and options: exit 2 with one line on stderr."""
    cases = [
        [str(tmp_path / "nowhere")],
        [str(tmp_path)],  # exists, holds no results
        [str(single_run), "--kind", "heatmap"],
        [str(sweep1), "--kind", "heatmap"],  # one swept parameter: cannot auto-pick
        [str(sweep1), "--kind", "pie"],
        [str(sweep1), "--where", "market.network.mean_degree=4"],
        [str(single_run), "--format", "gif"],
        [str(single_run), "--bogus"],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("ccsim: error: ") and err.count("\n") == 1, (argv, err)
    assert cli.main(["plot", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_python_api_draws_on_given_or_new_axes(sweep2):
    """The notebook API draws on new or given axes."""
    import matplotlib.pyplot as plt

    ts = pd.read_parquet(sweep2 / "timeseries.parquet")
    ax = plot_share(ts)
    assert ax.get_legend() is not None
    assert "mean of 8 runs" in ax.get_title()  # a pooled table counts runs, not seeds
    fig, ax2 = plt.subplots()
    assert plot_share(ts[ts.run_id == ts.run_id.iloc[0]], ax2) is ax2
    plt.close("all")
    assert set(KINDS) == {"share", "revenue", "kpis", "headline", "heatmap", "retention"}
