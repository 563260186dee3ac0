"""The committed fits (``results/fits/``) and the table of them on the docs' results page."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis import fit_report
from sim.analysis.generated_blocks import home, read_block

ROOT = Path(__file__).resolve().parents[2]
FITS = ROOT / "results" / "fits"
FOLDERS = sorted(p for p in FITS.iterdir() if (p / "meta.json").exists()) if FITS.is_dir() \
    else []
#: The searches (``ccsim fit TARGET`` with a band); the data reports (``cdnow``) apart.
REPORTS = {"cdnow"}
COMMITTED = [p.name for p in FOLDERS if p.name not in REPORTS]


def test_the_results_page_table_is_what_the_committed_fits_give():
    assert read_block(home("fits"), "fits") == fit_report.results_markdown(FITS)


@pytest.mark.parametrize("name", COMMITTED)
def test_each_committed_fit_has_its_files_and_a_git_commit(name):
    folder = FITS / name
    for f in ("report.md", "meta.json", "parameters.csv", "band.csv", "trials.csv", "fit.png"):
        assert (folder / f).exists(), f"{name}: {f} missing"
    params = pd.read_csv(folder / "parameters.csv")
    assert params["git_commit"].str.fullmatch(r"[0-9a-f]{40}(\+dirty)?").all()


def test_the_committed_cdnow_report_reproduces_the_published_bgnbd():
    """Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426 on the sample."""
    folder = FITS / "cdnow"
    if not (folder / "meta.json").exists():
        pytest.skip("no committed CDNOW report")
    for f in ("report.md", "weekly.png", "timing.csv", "by_frequency.csv"):
        assert (folder / f).exists(), f"cdnow: {f} missing"
    params = pd.read_csv(folder / "bgnbd_parameters.csv")
    assert params["git_commit"].str.fullmatch(r"[0-9a-f]{40}(\+dirty)?").all()
    assert params["fitted"].to_numpy() == pytest.approx(params["published"].to_numpy(),
                                                        abs=1e-3)
    assert not Path(json.loads((folder / "meta.json").read_text())["data"]).is_absolute()


def test_the_retention_premises_of_each_scenario_are_its_fit():
    """A scenario's churn premises equal its committed retention fit's best point (mix tied)."""
    from sim.configure import load_config
    from sim.studies.fit_survival import MARKETS, tied

    fitted = [s for s in MARKETS if (FITS / f"retention_{s}" / "meta.json").exists()]
    if not fitted:
        pytest.skip("no committed retention fit")
    for scenario in fitted:
        meta = json.loads((FITS / f"retention_{scenario}" / "meta.json").read_text())
        cfg = load_config([f"scenario={scenario}"])
        for key, value in tied(cfg, meta["best"]["params"]).items():
            node = cfg
            for part in key.split("."):
                node = getattr(node, part)
            assert float(node) == pytest.approx(value, rel=1e-3), (scenario, key)


def test_the_docs_command_refuses_a_missing_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        fit_report.main(["--docs", str(tmp_path / "nope")])
    assert e.value.code == 2 and "ROOT=" in capsys.readouterr().err
