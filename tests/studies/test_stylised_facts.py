"""The ODD's stylised-facts table and prose agree with the committed elasticity measurements."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis import stylised_facts as sf

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "ODD.md"
SCRIPT = ROOT / "experiments" / "calibration" / "stylised_facts.py"


def _script():
    spec = importlib.util.spec_from_file_location("stylised_facts_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _section() -> str:
    text = ODD.read_text(encoding="utf-8")
    return text[text.index("## 12 Stylised facts and benchmarks"):]


def test_odd_table_is_the_one_the_committed_csvs_give():
    script = _script()
    for folder in script.FOLDERS:
        assert (ROOT / folder / "summary.csv").exists(), f"{folder} is not committed"
    block = script.BLOCK.search(ODD.read_text(encoding="utf-8"))
    assert block, "docs/ODD.md has no stylised_facts block"
    assert block.group(2) == script.generated(), (
        "the ODD's stylised-facts table differs from results/calibration/: run "
        "python experiments/calibration/stylised_facts.py")


def test_readme_calibration_table_is_the_one_the_committed_csvs_give():
    script = _script()
    block = script.README_BLOCK.search(script.README.read_text(encoding="utf-8"))
    assert block, f"{script.README} has no generated calibration block"
    assert block.group(2) == script.generated_readme(), (
        "the calibration table of docs/results.md differs from results/calibration/: run "
        "python experiments/calibration/stylised_facts.py")


def test_readme_table_marks_targets_and_reads_each_folder(tmp_path):
    rows = [("advertising", "units", "short", 0.04), ("advertising", "units", "long", 0.10),
            ("price", "choice_share", "short", -2.0),
            ("word_of_mouth", "acquisitions", "long", 0.3)]
    folder = tmp_path / "el"
    folder.mkdir()
    pd.DataFrame([{"lever": lv, "quantity": q, "window": w, "firm": "mean", "n": 10, "mean": m,
                   "ci_low": m - 0.01, "ci_high": m + 0.01} for lv, q, w, m in rows]
                 ).to_csv(folder / "summary.csv", index=False)
    (folder / "meta.json").write_text(json.dumps(
        {"scenario": "product_aware_economy", "n_customers": 5000, "seeds": list(range(10)),
         "git_commit": "b" * 40}))
    row = sf.readme_table([folder]).splitlines()[2]
    assert row.startswith("| product-aware economy | 5,000 × 10 |")
    assert "−2.000 [−2.010, −1.990] met" in row
    assert "+0.040 [+0.030, +0.050] **missed** (target 0.10–0.40)" in row
    assert "| 2.5 met |" in row and "+0.300 [+0.290, +0.310]" in row


def test_nps_rows_come_from_the_scenario_study_with_a_target_where_calibrated(tmp_path):
    pd.DataFrame([{"case": c, "metric": "nps_mean", "runs": 10, "mean": m, "low": m - 1,
                   "high": m + 1, "n_customers": 10000}
                  for c, m in (("experience_economy", 12.0), ("subscription", -3.0),
                               ("neutral", 0.0))]).to_csv(tmp_path / "summary.csv", index=False)
    (tmp_path / "meta.json").write_text(json.dumps({"git_commit": "c" * 40}))
    t = sf.levels_table(tmp_path)
    assert len(t) == 2  # the structural checks are not stylised facts
    ee, sub = t.iloc[0], t.iloc[1]
    assert ee["model"] == "+12.0 [+11.0, +13.0]" and ee["met"] == "no"  # above +5 to +10
    assert ee["source"] == "Reichheld 2003" and "calibrated here" in ee["target"]
    assert sub["target"] == "" and sub["met"] == ""
    assert "subscription, 10,000 customers × 10 seeds, `ccccccccc`" == sub["scenario"]


PROSE = {  # folder -> rows whose mean and CI the prose of §12.3 quotes
    "elasticities_default": [("advertising", "units", "short"), ("advertising", "units", "long"),
                             ("price", "choice_share", "short"),
                             ("word_of_mouth", "acquisitions", "long"),
                             ("advertising", "acquisitions", "long")],
    "elasticities_subscription": [("advertising", "units", "short"),
                                  ("advertising", "units", "long"),
                                  ("price", "choice_share", "short"),
                                  ("word_of_mouth", "acquisitions", "long")],
    "elasticities_product_aware_economy": [("advertising", "units", "short"),
                                           ("advertising", "units", "long"),
                                           ("price", "choice_share", "short"),
                                           ("word_of_mouth", "acquisitions", "long")],
    "elasticities_exploitation": [("advertising", "units", "short"),
                                  ("advertising", "units", "long"),
                                  ("price", "choice_share", "short")],
    "elasticities_b2b": [("advertising", "units", "short"), ("price", "choice_share", "short")],
}


@pytest.mark.parametrize("folder", list(PROSE))
def test_odd_prose_names_each_folder_and_quotes_no_figure_by_hand(folder):
    """§12.3's prose points to each committed folder; its figures live in generated tables only.

    A figure quoted by hand goes stale with the next ``make results`` (the prose once quoted a
    price elasticity of −3.068 two model changes after it was measured).
    """
    prose = _section().split("<!-- END GENERATED: stylised_facts -->")[1].split("### 12.4")[0]
    assert f"results/calibration/{folder}/" in prose
    assert not re.search(r"[+−-]\d\.\d{3}\b", prose), "a three-decimal figure quoted by hand"


def test_committed_measurement_is_stamped_with_the_model_commit():
    meta = json.loads((ROOT / "results/calibration/elasticities_default/meta.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{40}", meta["git_commit"]), meta["git_commit"]
    assert len(meta["seeds"]) >= 10 and meta["n_customers"] >= 5000


def test_facts_table_marks_targets(tmp_path):
    rows = []
    for lever, quantity, window, mean in [("advertising", "units", "short", 0.10),
                                          ("advertising", "units", "long", 0.50),
                                          ("price", "choice_share", "short", -0.5),
                                          ("word_of_mouth", "acquisitions", "long", 0.2),
                                          ("advertising", "acquisitions", "long", 0.1)]:
        rows.append({"lever": lever, "quantity": quantity, "window": window, "firm": "mean",
                     "n": 10, "mean": mean, "ci_low": mean - 0.01, "ci_high": mean + 0.01})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    (tmp_path / "meta.json").write_text(json.dumps(
        {"scenario": "experience_economy", "n_customers": 100, "seeds": [0, 1],
         "git_commit": "a" * 40}))
    t = sf.facts_table([tmp_path]).set_index("fact")
    assert t.loc[sf.BENCHMARKS[0].note, "met"] == "yes"  # 0.10 in [0.05, 0.20]
    assert t.loc[sf.BENCHMARKS[3].note, "met"] == "no"  # -0.5 outside [-3.5, -1.5]
    assert t.loc["advertising: long run ÷ short run", "met"] == "no"  # 0.5 / 0.1 = 5 > 3
    assert t.loc["advertising: long run ÷ short run", "model"] == "+5.00"
    wom = t.loc["WOM ÷ advertising, elasticity of acquisitions, long run", "model"]
    assert wom.startswith("+2.00")
    assert "| stylised fact |" in sf.markdown(t.reset_index())


@pytest.mark.parametrize("b", sf.BENCHMARKS)
def test_every_benchmark_cites_a_source(b):
    assert b.source and re.search(r"\d{4}$", b.source)
    surname = b.source.split(",")[0].split(" ")[0]
    assert surname in _section()


def test_odd_decomposition_points_to_the_generated_claims_page():
    """§12.4 quotes no decomposition figure by hand; the claims page's block holds them."""
    from sim.analysis.generated_blocks import home, read_block
    text = _section().split("### 12.4")[1].split("### 12.5")[0]
    assert "strategist/claims.md" in text
    s = pd.read_csv(ROOT / "results/calibration/decompose_default/summary.csv")
    base = s[s["variant"] == "baseline"].set_index("gap")
    for gap in ("growth_gap_points", "margin_gap_points"):
        figure = f"{base.loc[gap, 'baseline']:+.2f}".replace("-", "−")
        assert figure not in text and figure.replace("−", "-") not in text
    assert read_block(home("claims_summary"), "claims_summary")

def test_targets_follow_the_scenario():
    ad, price = sf.BENCHMARKS[0], sf.BENCHMARKS[3]
    assert sf.target_for(ad, "experience_economy") == (0.05, 0.20)
    assert sf.target_for(ad, "product_aware_economy") == (0.10, 0.40)
    assert sf.target_for(ad, "b2b") is None
    assert sf.target_for(price, "subscription") == (-3.5, -1.5)
    assert sf.target_for(price, "bass") is None
    assert sf.target_for(price, "b2b") is None  # excluded, with its reason in b2b.yaml
