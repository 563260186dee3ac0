"""The claims page's and the sensitivity README's generated prose: the committed blocks are what
the committed tables give, and the verdict words follow the rule on hand-made tables.

Never asserts which strategy wins: the real data only checks that text and tables agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import verdict_summary as vs
from sim.analysis.claims import Claim
from sim.analysis.generated_blocks import HOMES, home, read_block
from sim.analysis.sensitivity_summary import reversed_share, seed_noise

ROOT = Path(__file__).resolve().parents[2]
#: What the blocks (vs.WRITERS) read (copied into a scratch repository for the CLI tests).
SOURCES = ("results/scenarios", "results/pricing", "results/calibration/decompose_default",
           "results/calibration/elasticities_default", "results/sensitivity", "results/optimise")


@pytest.mark.parametrize("name", sorted(vs.WRITERS))
def test_committed_block_is_what_the_committed_tables_give(name):
    block = read_block(home(name), name)
    assert block is not None, f"{HOMES[name]} has no generated {name} block"
    assert block == vs.WRITERS[name](ROOT), (
        f"{HOMES[name]}: block {name} is stale; run python -m sim.analysis.verdict_summary")


def _runs(values, case="x", metric="growth_gap_points"):
    return pd.DataFrame({"case": case, "seed": range(len(values)), metric: values})


GAP = Claim("growth_gap_points", ">", 0, undefined="drop", arms={"case": 1})


@pytest.mark.parametrize("values, verdict, words", [
    (5 + 0.1 * np.arange(10), "holds", "**holds**"),
    (-5 - 0.1 * np.arange(10), "fails", "**fails**"),
    (np.linspace(-3, 3, 10), "inconclusive", "cannot be told from 0"),
    (np.array([4.0, 5.0, 6.0]), "inconclusive", "cannot be told from 0"),  # too few seeds
])
def test_verdict_words_follow_the_interval(values, verdict, words):
    v = vs.judge_case(_runs(values), "x", GAP)
    assert v.verdict == verdict
    assert vs.verdict_words(v, GAP) == words


def test_ratio_claim_counts_undefined_seeds_as_failures():
    ratio = Claim("growth_ratio", ">=", 2, undefined="fail", arms={"case": 1})
    values = np.r_[3 + 0.1 * np.arange(9), np.nan]
    v = vs.judge_case(_runs(values, metric="growth_ratio"), "x", ratio)
    assert v.verdict == "inconclusive" and v.n_undefined == 1  # clears 2 over the defined only
    assert vs.verdict_words(v, ratio) == "cannot be told from 2"
    full = vs.judge_case(_runs(values[:9], metric="growth_ratio"), "x", ratio)
    assert full.verdict == "holds"


def test_judge_case_reads_only_its_case():
    runs = pd.concat([_runs(5 + 0.1 * np.arange(10), "a"), _runs(-5 - 0.1 * np.arange(10), "b")],
                     ignore_index=True)
    assert vs.judge_case(runs, "a", GAP).verdict == "holds"
    assert vs.judge_case(runs, "b", GAP).verdict == "fails"


@pytest.mark.parametrize("a, b, word", [
    ((2.0, 3.0), (0.0, 1.0), "above"), ((-3.0, -2.0), (0.0, 1.0), "below"),
    ((0.5, 3.0), (0.0, 1.0), "not told apart from"),
])
def test_compare_intervals(a, b, word):
    assert vs.compare(a, b) == word


def test_reversed_share_and_seed_noise_on_hand_checked_tables():
    samples = pd.DataFrame({"g": [-1.0, 2.0, -0.5, np.nan, 3.0]})
    assert reversed_share(samples, "g") == (2, 4)
    runs = pd.DataFrame({"sample": [0, 0, 1, 1, 2, 2], "g": [1.0, 3.0, 0.0, 0.5, 2.0, 2.0]})
    assert seed_noise(runs, "g") == pytest.approx(0.25)  # halves 1.0, 0.25, 0.0


@pytest.fixture()
def scratch(tmp_path):
    """A scratch repository with the committed tables and the pages that hold the blocks."""
    for src in SOURCES:
        shutil.copytree(ROOT / src, tmp_path / src)
    for page in {HOMES[n] for n in vs.WRITERS}:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / page, tmp_path / page)
    return tmp_path


def test_check_notices_a_changed_table_and_rewrite_mends_only_the_block(scratch, capsys):
    assert vs.main(["--root", str(scratch), "--check"]) == 0
    runs_csv = scratch / "results" / "scenarios" / "runs.csv"
    runs = pd.read_csv(runs_csv)
    runs.loc[runs["case"] == "experience_economy", "growth_gap_points"] += 50.0
    runs.to_csv(runs_csv, index=False)
    page = scratch / HOMES[vs.BLOCK]
    before = page.read_text(encoding="utf-8")
    assert vs.main(["--root", str(scratch), "--check"]) == 1
    assert page.read_text(encoding="utf-8") == before  # --check writes nothing
    assert vs.main(["--root", str(scratch)]) == 0
    after = page.read_text(encoding="utf-8")
    assert after != before
    head = before.split("<!-- BEGIN GENERATED: claims_summary -->")[0]
    tail = before.split("<!-- END GENERATED: claims_summary -->")[1]
    assert after.startswith(head) and after.endswith(tail)
    assert vs.main(["--root", str(scratch), "--check"]) == 0


def test_page_without_its_block_is_refused_with_one_line(scratch, capsys):
    page = scratch / HOMES["sensitivity_summary"]
    page.write_text("# no block here\n", encoding="utf-8")
    claims_before = (scratch / HOMES[vs.BLOCK]).read_text(encoding="utf-8")
    assert vs.main(["--root", str(scratch)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccsim: error: root=")
    assert page.read_text(encoding="utf-8") == "# no block here\n"
    assert (scratch / HOMES[vs.BLOCK]).read_text(encoding="utf-8") == claims_before


def test_missing_table_is_refused_with_one_line(scratch, capsys):
    (scratch / "results" / "pricing" / "runs.csv").unlink()
    assert vs.main(["--root", str(scratch)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "committed tables are needed" in err[0]
