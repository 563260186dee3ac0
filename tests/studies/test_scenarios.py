"""The scenario table: the results page's numbers are the committed CSV's, and the study runs.

``experiments/scenarios/run.py`` (:mod:`sim.studies.scenarios`) writes ``results/scenarios/``
and the generated table of docs/results.md; these tests check that the committed files agree
with each other and with that page, that the summary arithmetic is right on hand-checked
values, and that the quick form runs end to end in a subprocess with the house's bad-input rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis import scenario_table as st
from sim.analysis.generated_blocks import home
from sim.studies import scenarios

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "scenarios"
SCRIPT = ROOT / "experiments" / "scenarios" / "run.py"
#: KPIs of the shared table that the pricing study measures (experiments/pricing), not this one.
PRICING_ONLY = ("customer_centric_price", "product_centric_price")


def test_readme_table_is_the_committed_summary():
    summary = pd.read_csv(RESULTS / "summary.csv")
    block = st.BLOCK.search(home("scenarios").read_text(encoding="utf-8"))
    assert block, f"{home('scenarios')} has no generated scenarios block"
    assert block.group(2) == st.markdown(summary), (
        "the scenario table of docs/results.md differs from results/scenarios/summary.csv: run "
        "python experiments/scenarios/run.py")


def test_committed_summary_is_the_summary_of_the_committed_runs():
    """The committed files agree with each other: the runs are the cases and seeds meta.json
    lists, the summary is theirs, and every committed case is still made as the code makes it.

    The code may have gained a case since (``make results`` adds it): the committed table is
    checked against the cases it was written with, not against today's list.
    """
    runs = pd.read_csv(RESULTS / "runs.csv")
    committed = pd.read_csv(RESULTS / "summary.csv")
    meta = json.loads((RESULTS / "meta.json").read_text())
    again = st.summarise(runs)
    assert list(committed["case"].unique()) == list(meta["cases"])
    assert list(runs["case"].unique()) == list(meta["cases"])
    for case, saved in meta["cases"].items():
        assert case in scenarios.CASES, f"{case}: committed, but no case of the study any more"
        label, overrides = scenarios.CASES[case]
        assert (saved["label"], saved["overrides"]) == (label, list(overrides)), case
    pd.testing.assert_frame_equal(again.reset_index(drop=True), committed, check_exact=False,
                                  rtol=1e-6)
    assert meta["seeds"] == sorted(runs["seed"].unique().tolist())
    for case, g in runs.groupby("case"):
        assert sorted(g["seed"]) == meta["seeds"], case
    assert meta["git_commit"] != "unknown"


def _runs(values: dict[str, list[float]]) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame({"case": ["a"] * n, "label": ["case a"] * n, "seed": range(n),
                         "n_customers": [1000] * n, "steps": [24] * n,
                         **{m: values.get(m, [0.5] * n) for m in st.METRICS}})


def test_summary_on_hand_checked_values():
    # values 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653, half-width 4.302653 / sqrt(3)
    runs = _runs({"growth_gap_points": [1.0, 2.0, 3.0],
                  "growth_ratio": [2.0, float("nan"), 4.0]})
    s = st.summarise(runs).set_index("metric")
    g = s.loc["growth_gap_points"]
    assert g["mean"] == pytest.approx(2.0) and g["defined"] == 3
    assert g["high"] - g["mean"] == pytest.approx(4.302653 / 3 ** 0.5, rel=1e-6)
    assert s.loc["growth_ratio", "defined"] == 2 and s.loc["growth_ratio", "runs"] == 3
    table = st.markdown(st.summarise(runs))
    assert "| case a | 1,000 × 24 |" in table
    assert "+2.00 [" in table  # growth gap, signed, 2 decimals
    assert "n/a (a group shrank in 1 of 3 runs)" in table
    assert "seeds 0–2" in table


def test_rewrite_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- BEGIN GENERATED: scenarios -->\nold\n"
                      "<!-- END GENERATED: scenarios -->\nafter\n", encoding="utf-8")
    summary = st.summarise(_runs({"growth_gap_points": [1.0, 3.0]}))
    st.rewrite_readme(readme, summary)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n<!-- BEGIN") and text.endswith("-->\nafter\n")
    assert "old" not in text and st.markdown(summary) in text
    with pytest.raises(ValueError, match="no 'BEGIN GENERATED: scenarios' block"):
        st.rewrite_readme(_plain(tmp_path), summary)


def _plain(tmp_path: Path) -> Path:
    p = tmp_path / "plain.md"
    p.write_text("no block here\n", encoding="utf-8")
    return p


def _script(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_quick_run_writes_every_file_and_leaves_the_readme(quick_cli):
    before = home("scenarios").read_text(encoding="utf-8")
    done, out = quick_cli("scenarios")  # shared with tests/docs and tests/test_readme.py
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == len(scenarios.CASES) * scenarios.QUICK_SEEDS
    assert set(runs["case"]) == set(scenarios.CASES)
    assert (runs["n_customers"] == 300).all() and (runs["steps"] == 24).all()
    summary = pd.read_csv(out / "summary.csv")
    kpis = [m for m in st.METRICS if m not in PRICING_ONLY]
    assert list(summary["metric"].unique()) == kpis
    assert len(summary) == len(scenarios.CASES) * len(kpis)
    assert done.stderr.count("scenarios: ") == len(runs)  # a progress line per run
    assert home("scenarios").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1"], "--seeds=1"),
    (["seed=3"], "seed is set by the study"),
    (["scenario=b2b"], "scenario is set by the study"),
    (["market.n_customers=0"], "n_customers"),
    (["--jobs", "0"], "--jobs=0"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, message):
    out = tmp_path / "o"
    done = _script(["--quick", "--out", str(out), *args], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ccsim: error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_readme_without_a_block_is_refused_before_any_run(tmp_path):
    out = tmp_path / "o"
    done = _script(["--quick", "--out", str(out), "--readme", str(_plain(tmp_path))], tmp_path)
    assert done.returncode == 2 and "no 'BEGIN GENERATED: scenarios' block" in done.stderr
    assert not out.exists()
