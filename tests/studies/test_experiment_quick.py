"""Every experiment's quick form end to end: one sweep for all of them, then each one's outputs.

The quick forms run together (``ccsim experiment --all --quick`` does the same): their runs
share one sweep folder, so a run two experiments need runs once. Each experiment's folder must
hold well-formed outputs, and its ``verdict.md`` must be what the code makes of its CSVs. No
test here looks at which strategy wins or what a verdict says: a quick form is a check of the
machinery in a tiny market with two seeds (its verdicts are inconclusive by the n >= 5 rule).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from sim import io
from sim.analysis.claims import VERDICTS
from sim.analysis.experiment_metrics import available_comparison
from sim.analysis.experiment_report import SUMMARY_COLUMNS
from sim.analysis.experiment_spec import list_experiments, load, load_all
from sim.analysis.experiment_verdict import render
from sim.analysis.experiments_readme import claims_table
from sim.studies.experiment_design import BASE, jobs_for
from sim.studies.experiments import run_experiments

NAMES = list_experiments()
#: The headline's quantities of the category's growth (sim.metrics.strategy_comparison).
CATEGORY = ("market_cagr", "share_gain_points", "customer_centric_category_part",
            "product_centric_category_part")


@pytest.fixture(scope="module")
def quick(quick_cli):
    """``ccsim experiment --all --quick``: the session's shared run (``quick_cli``, which the
    data dictionary's test reads too)."""
    done, out = quick_cli("experiment")
    assert done.returncode == 0, done.stderr[-3000:]
    exps = load_all(NAMES)
    seconds = max(io.read_json(out / name / "stamp.json")["seconds"] for name in NAMES)
    return SimpleNamespace(root=out.parent, out=out, work=out.parent / "sweep",
                           done={name: out / name for name in NAMES},
                           exps={e.name: e for e in exps}, seconds=seconds)


def _folder(quick, name):
    return quick.done[name]


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_well_formed(quick, name):
    folder = _folder(quick, name)
    exp = quick.exps[name]
    form = exp.form(True)
    for f in ("summary.csv", "series.csv", "runs.parquet", "arms.csv", "premises.csv",
              "experiment.yaml", "stamp.json", "verdict.md", "claim.png", "claim.pdf"):
        assert (folder / f).stat().st_size > 0, f
    summary = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["role"].iloc[0] == "claim" and (summary["role"].iloc[1:] == "report").all()
    assert len(summary) == 1 + len(exp.report)
    claim = summary.iloc[0]
    assert claim["verdict"] in VERDICTS and claim["seeds"] <= form.seeds
    assert claim["verdict"] == "inconclusive"  # two seeds: the n >= 5 rule, not the result
    for row in summary.itertuples():
        if all(math.isfinite(v) for v in (row.estimate, row.ci_low, row.ci_high)):
            assert row.ci_low <= row.estimate <= row.ci_high, row.quantity
    runs = io.read_parquet(folder / "runs.parquet")
    jobs = jobs_for(exp, quick=True)
    assert len(runs) == len(jobs)
    base = runs[runs["point"] == BASE]
    seeds = {arm: sorted(g["seed"]) for arm, g in base.groupby("arm")}
    assert set(seeds) == set(exp.arms) and all(s == list(range(form.seeds))
                                               for s in seeds.values())  # common seeds
    stamp = io.read_json(folder / "stamp.json")
    assert len(stamp["git_commit"]) == 40 and stamp["commands"][0].startswith("ccsim experiment")
    assert any(c.startswith("ccsim run -m ") for c in stamp["commands"])
    if exp.series:
        series = pd.read_csv(folder / "series.csv")
        assert set(series["series"]) == {s.label for s in exp.series}
        assert (series["n"] <= form.seeds).all() and (folder / "series.png").is_file()
    if exp.premises:
        points = pd.read_csv(folder / "points.csv")
        assert len(points) == form.points
        for p in exp.premises:
            if not p.categorical:
                assert points[p.key].between(p.low, p.high).all(), p.key
        for f in ("prim.csv", "prim_boxes.csv", "region.png", "region.pdf"):
            assert (folder / f).is_file(), f


@pytest.mark.parametrize("name", NAMES)
def test_verdict_is_regenerated_from_the_csvs(quick, name):
    folder = _folder(quick, name)
    text = (folder / "verdict.md").read_text(encoding="utf-8")
    assert render(folder) == text
    exp = quick.exps[name]
    assert exp.claim_text[:40] in text and exp.seed_file in text
    assert "## Where it holds" in text and "## Premises the verdict rests on" in text


def test_runs_are_shared_between_experiments_and_resume_runs_nothing(quick, capsys):
    lines = {frozenset(j.line) for e in quick.exps.values() for j in jobs_for(e, quick=True)}
    total = sum(len(jobs_for(e, quick=True)) for e in quick.exps.values())
    folders = [p for p in quick.work.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(folders) == len(lines) < total  # a run several experiments need ran once
    again = run_experiments([quick.exps["value_80_20"]], quick=True, out=quick.root / "again",
                            work=quick.work)
    assert "0 to run" in capsys.readouterr().err
    a = pd.read_csv(quick.done["value_80_20"] / "summary.csv")
    b = pd.read_csv(again["value_80_20"] / "summary.csv")
    pd.testing.assert_frame_equal(a, b)


def test_claims_table_quotes_the_csvs(quick):
    table = claims_table(quick.out, quick.out)
    for name, folder in quick.done.items():
        claim = pd.read_csv(folder / "summary.csv").iloc[0]
        row = next(line for line in table.splitlines() if f"[{name}]" in line)
        assert f"**{claim['verdict']}**" in row and f"{int(claim['seeds'])} seeds" in row
        assert f"({name}/verdict.md)" in row


def test_two_to_one_reports_the_category_and_the_share_gain(quick):
    assert set(CATEGORY) <= available_comparison()
    summary = pd.read_csv(quick.done["two_to_one"] / "summary.csv")
    rows = summary[summary["metric"].isin(CATEGORY)]
    assert sorted(rows["metric"]) == sorted(CATEGORY) and (rows["seeds"] > 0).all()


def test_margin_and_price_runs_strategy_by_pricing_policy(quick):
    """Each arm's runs price as its overrides say (firms.NAME.pricing exists now)."""
    import yaml

    exp = quick.exps["margin_and_price"]
    runs = io.read_parquet(quick.done["margin_and_price"] / "runs.parquet")
    assert set(runs["arm"]) == set(exp.arms) == {"cost_plus", "value_based", "cc_value_based",
                                                   "pc_value_based"}
    value_based = {"cost_plus": set(), "value_based": {"pc_a", "pc_b", "cc_a", "cc_b"},
                   "cc_value_based": {"cc_a", "cc_b"}, "pc_value_based": {"pc_a", "pc_b"}}
    for row in runs[runs["point"] == BASE].itertuples():
        config = yaml.safe_load((quick.work / row.run_id / "config.yaml").read_text())
        pricing = {name: firm["pricing"] for name, firm in config["firms"].items()}
        assert {n for n, p in pricing.items() if p == "value_based"} == value_based[row.arm]
        assert set(pricing.values()) <= {"cost_plus", "value_based"}
    summary = pd.read_csv(quick.done["margin_and_price"] / "summary.csv")
    premium = summary[summary["metric"] == "cc_price_premium_pct"]
    assert len(premium) == 3 and (premium["seeds"] > 0).all()


def test_quick_forms_stay_quick(quick):
    """All quick forms together: the issue allows about two minutes on an idle 2-core machine
    (measured here on a shared one, so the bound is loose). ``stamp.json``'s seconds run from
    the command's start to each experiment's analysis, so their largest is every run's time."""
    assert quick.seconds < 600
    assert load("two_to_one").form(True).customers <= 500
