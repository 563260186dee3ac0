"""``ccsim replicate``: the published rows, the verdict rule, the quick form, the docs' table.

The quick form (every study, 400 customers, 2 seeds) runs once per session through the shared
``quick_cli`` fixture (the data dictionary's test reads the same folder).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.analysis import field_evidence as fe
from sim.analysis.generated_blocks import home, read_block
from sim.studies.replicate import main
from sim.studies.replicate_designs import DESIGNS


def test_every_published_row_has_a_source_a_band_and_one_study():
    rows = [p.row for p in fe.PUBLISHED]
    assert len(rows) == len(set(rows))
    for p in fe.PUBLISHED:
        assert p.source.strip() and p.where.strip() and p.figure.strip() and p.measure.strip(), p
        assert any(ch.isdigit() for ch in p.source), f"{p.row}: the source names no year"
        assert p.rule in fe.RULES, p.row
        if p.rule == "interval":
            assert p.band is not None and p.band[0] < p.band[1], p.row
        else:
            assert p.band is None, f"{p.row}: a band given but judged on the sign"
        assert p.band_text(), p.row
        assert p.study in DESIGNS and p.row in DESIGNS[p.study].rows, p.row
    in_designs = [r for d in DESIGNS.values() for r in d.rows]
    assert sorted(in_designs) == sorted(rows)


def test_a_row_without_a_band_is_refused_by_the_check():
    """The check above can fail: a row judged against an interval must give one."""
    bad = fe.Published("x", "loyalty", "l", "A 2000", "p. 1", "f", "interval", "m")
    assert bad.band_text() == ""
    with pytest.raises(TypeError):
        fe.verdict(bad, 1.0, 0.5, 1.5)


@pytest.mark.parametrize(("rule", "ci", "status"), [
    ("+", (1.0, 0.2, 1.8), fe.MET), ("+", (1.0, -0.2, 2.2), fe.MISSED),
    ("-", (-1.0, -1.5, -0.1), fe.MET), ("-", (-1.0, -2.0, 0.1), fe.MISSED),
    ("0", (0.1, -0.3, 0.5), fe.MET), ("0", (1.0, 0.5, 1.5), fe.MISSED),
    ("not-", (0.1, -0.3, 0.5), fe.MET), ("not-", (-1.0, -1.5, -0.5), fe.MISSED),
    ("+", (math.nan, math.nan, math.nan), fe.MISSED),
])
def test_verdict_by_rule(rule, ci, status):
    p = fe.Published("x", "loyalty", "l", "A 2000", "p. 1", "f", rule, "m")
    got, reason = fe.verdict(p, *ci)
    assert got == status and reason


def test_verdict_against_an_interval_and_a_named_gap():
    p = fe.Published("x", "loyalty", "l", "A 2000", "p. 1", "f", "interval", "m",
                     band=(0.1, 0.3))
    assert fe.verdict(p, 0.4, 0.25, 0.6)[0] == fe.MET  # the intervals overlap
    assert fe.verdict(p, 0.5, 0.35, 0.6)[0] == fe.MISSED
    gap = fe.Published("x", "loyalty", "l", "A 2000", "p. 1", "f", "+", "m", gap="no X")
    assert fe.verdict(gap, -1.0, -2.0, -0.5) == (fe.CANNOT, "no X")
    assert fe.verdict(gap, 1.0, 0.5, 1.5)[0] == fe.MET  # a gap the model closes is met


@pytest.fixture(scope="module")
def quick(quick_cli):
    done, out = quick_cli("replicate")
    assert done.returncode == 0, done.stderr[-3000:]
    return done, out


def test_quick_form_runs_every_study_end_to_end(quick):
    done, out = quick
    for name, design in DESIGNS.items():
        folder = out / name
        runs = pd.read_csv(folder / "runs.csv")
        summary = pd.read_csv(folder / "summary.csv")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert list(summary["row"]) == list(design.rows)
        assert sorted(runs["seed"].unique()) == [0, 1] and meta["quick"] is True
        commit = meta["git_commit"]
        assert commit and set(runs["git_commit"]) == {commit} == set(summary["git_commit"])
        for r in summary.itertuples():  # the status is the verdict on the saved figures
            mine = runs[runs["row"] == r.row]["estimate"]
            assert math.isclose(r.mean, mine.mean(), rel_tol=1e-6) or (
                math.isnan(r.mean) and mine.isna().all())
            status, reason = fe.verdict(fe.published(r.row), r.mean, r.ci_low, r.ci_high)
            assert (r.status, r.reason) == (status, reason)
        assert f"{name}:" in done.stdout
    assert "replicate:" in done.stderr  # progress lines


def test_table_is_built_from_the_summaries(quick):
    _, out = quick
    summaries = fe.load_summaries(out)
    text = fe.table(summaries)
    assert text.count("\n") == len(fe.PUBLISHED) + 2
    for r in summaries.itertuples():
        assert f"**{r.status}**" in text
    assert "not run yet" in fe.table(pd.DataFrame())


@pytest.mark.parametrize("block", ["field_evidence", "field_evidence_odd"])
def test_docs_table_matches_the_committed_csvs(block):
    """The results page's and the ODD's tables are the committed summaries' table."""
    committed = fe.load_summaries()
    assert read_block(home(block), block) == fe.table(committed), (
        "regenerate with `ccsim replicate` (or sim.studies.replicate.write_docs())")


def test_committed_statuses_are_the_verdicts_on_the_committed_figures():
    committed = fe.load_summaries()
    for r in committed.itertuples():
        p = fe.published(r.row)
        assert (r.status, r.reason) == fe.verdict(p, r.mean, r.ci_low, r.ci_high), r.row
        assert (r.source, r.published, r.rule) == (p.source, p.figure, p.rule), r.row
        assert str(r.git_commit) and "dirty" not in str(r.git_commit), r.row


def test_list_names_every_study_and_row(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name, design in DESIGNS.items():
        assert name in out and all(row in out for row in design.rows)


def test_a_saved_replication_is_kept_without_force(tmp_path, capsys):
    (tmp_path / "loyalty").mkdir()
    (tmp_path / "loyalty" / "summary.csv").write_text("study\n")
    assert main(["loyalty", "--quick", "--out", str(tmp_path)], check_only=True) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["loyalty", "--quick", "--force", "--out", str(tmp_path)],
                check_only=True) == 0
    assert main(["loyalty", "market.n_customers=5"], check_only=True) == 2
    assert main(["loyalty", "market.churn.proneness_sigma=0.5", "--quick", "--out",
                 str(tmp_path / "new")], check_only=True) == 0
