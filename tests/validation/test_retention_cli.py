"""``ccsim retention`` as a user meets it: bad run folders, piping into head, degenerate fits.

Bad input gives one line ``ccsim: error: ...`` naming the file or option, exit status 2, and
nothing written (the real command, in a subprocess, for the cases found by probing); output
piped into ``head`` ends without a traceback; fits whose α, β run off to the search bound are
flagged with the reason and never printed as estimates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim import cli  # noqa: E402
from sim.analysis.retention import fit_sbg, fit_sbg_pooled  # noqa: E402
from sim.analysis.retention_cli import degenerate_notes, format_table  # noqa: E402
from sim.analysis.retention_figure import plot_survival, population_note  # noqa: E402
from sim.analysis.retention_report import POOLED, build_report  # noqa: E402
from sim.configure import load_config  # noqa: E402
from sim.runner import run  # noqa: E402

CCSIM = [sys.executable, "-m", "sim"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small complete run folder (subscription: real churn), 24 months."""
    out = tmp_path_factory.mktemp("run") / "subscription"
    cfg = load_config(["market=small", "market.n_customers=1500", "market.steps=24",
                       "scenario=subscription"])
    run(cfg, out, progress=False)
    return out


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


def _spoil(run_dir: Path, tmp_path: Path, change: Callable[[Path], None]) -> Path:
    """A copy of the run folder with ``change`` applied to it."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    change(copy)
    return copy


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# (what is wrong, how to make it, words the error line must hold)
BAD_FOLDERS = {
    "summary is a JSON list": (
        lambda d: (d / "summary.json").write_text("[1, 2, 3]"),
        ["summary.json", "JSON list"]),
    "summary lacks steps": (
        lambda d: (d / "summary.json").write_text(json.dumps({"name": "x", "steps": "36"})),
        ["summary.json", 'steps="36"', "positive integer"]),
    "summary firms of the wrong shape": (
        lambda d: (d / "summary.json").write_text(json.dumps(
            {"steps": 24, "steps_per_year": 12, "firms": ["cc_a"]})),
        ["summary.json", "'firms'"]),
    "summary not JSON": (
        lambda d: (d / "summary.json").write_text('{"steps": 24,'),
        ["summary.json", "not valid JSON"]),
    "summary not text": (
        lambda d: (d / "summary.json").write_bytes(b"\xff\xfe\x00garbage"),
        ["summary.json", "cannot read"]),
    "timeseries missing": (
        lambda d: (d / "timeseries.parquet").unlink(),
        ["not a complete run folder", "timeseries.parquet is missing"]),
    "timeseries cut short": (
        lambda d: _truncate(d / "timeseries.parquet"),
        ["timeseries.parquet", "not a readable Parquet file"]),
    "spells cut short": (
        lambda d: _truncate(d / "spells.parquet"),
        ["spells.parquet", "not a readable Parquet file"]),
    "config not YAML": (
        lambda d: (d / "config.yaml").write_text("market: [1, 2\n"),
        ["config.yaml", "not readable YAML"]),
}


def _assert_refused(proc_rc: int, out: str, err: str, words: list[str]) -> None:
    assert proc_rc == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("case", ["summary is a JSON list", "summary not JSON",
                                  "timeseries missing", "timeseries cut short"])
def test_bad_run_folder_real_command(case: str, run_dir: Path, tmp_path: Path) -> None:
    """The cases found by probing, through the real ``ccsim`` in a subprocess."""
    change, words = BAD_FOLDERS[case]
    folder = _spoil(run_dir, tmp_path, change)
    before = _listing(folder)
    proc = subprocess.run([*CCSIM, "retention", str(folder)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    _assert_refused(proc.returncode, proc.stdout, proc.stderr, words)
    assert _listing(folder) == before  # nothing written, not even RUN_DIR/retention/


@pytest.mark.parametrize("case", sorted(BAD_FOLDERS))
def test_bad_run_folder(case: str, run_dir: Path, tmp_path: Path, capsys) -> None:
    """Every unusable file is named in one line; exit 2; nothing written."""
    change, words = BAD_FOLDERS[case]
    folder = _spoil(run_dir, tmp_path, change)
    before = _listing(folder)
    rc = cli.main(["retention", str(folder)])
    captured = capsys.readouterr()
    _assert_refused(rc, captured.out, captured.err, words)
    assert _listing(folder) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cohort-length", "x"], ["--cohort-length=x", "not an integer"]),
        (["--no-such-option"], ["unknown option", "--no-such-option"]),
        (["--out", "{file}"], ["--out", "is a file"]),
        (["--out", "{file}/sub"], ["--out", "is a file"]),
    ],
)
def test_bad_options(args: list[str], words: list[str], run_dir: Path, tmp_path: Path,
                     capsys) -> None:
    """Usage errors are one line too (argparse's usage text is not printed)."""
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    before = _listing(run_dir)
    argv = [a.format(file=a_file) for a in args]
    rc = cli.main(["retention", str(run_dir), *argv])
    captured = capsys.readouterr()
    _assert_refused(rc, captured.out, captured.err, words)
    assert _listing(run_dir) == before
    assert a_file.read_text() == "not a folder"


def test_output_into_a_closed_pipe_ends_quietly(run_dir: Path, tmp_path: Path) -> None:
    """``ccsim retention RUN | head``: no BrokenPipe traceback, status 0, the work done.

    The reader here (``true``) exits at once, so the pipe is surely closed when ccsim prints;
    ``head -1`` would race with the pipe buffer.
    """
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    shell = f"{sys.executable} -m sim retention {folder} | true; echo status=${{PIPESTATUS[0]}}"
    proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() == "status=0", (proc.stdout, proc.stderr)
    assert (folder / "retention" / "sbg_fits.parquet").is_file()  # the work was done first


# --------------------------------------------------------------------------------------------
# Degenerate fits
# --------------------------------------------------------------------------------------------


def test_fit_flags_degenerate_curves() -> None:
    """No churn, all churn at once, and churn without heterogeneity are flagged, with why."""
    assert "no churn" in fit_sbg([500, 500, 500, 500]).degenerate
    assert "first period" in fit_sbg([500, 0, 0, 0]).degenerate
    # retention falling over time (less than geometric): alpha, beta run to the upper bound
    falling = fit_sbg([1000, 950, 890, 820, 740, 650])
    assert max(falling.alpha, falling.beta) > 1e5
    assert "no heterogeneity" in falling.degenerate
    pooled = fit_sbg_pooled([[1000, 950, 890, 820, 740, 650], [800, 760, 712]])
    assert "no heterogeneity" in pooled.degenerate
    # a regular cohort (Fader & Hardie 2007) is an estimate
    regular = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    assert regular.degenerate == "" and regular.to_dict()["degenerate"] == ""
    assert regular.alpha < 10 and regular.beta < 10


def _spells_with_degenerate_firm(steps: int = 36, n: int = 3000) -> pd.DataFrame:
    """Firm 0: heterogeneous churn (θ ~ Beta(0.8, 2.5)); firm 1: nobody ever churns."""
    rng = np.random.default_rng(5)
    start = rng.integers(1, steps + 1, n)
    life = rng.geometric(rng.beta(0.8, 2.5, n))
    end = np.where(start + life <= steps, start + life, -1)
    churners = pd.DataFrame({"customer": np.arange(n), "category": 0, "firm": 0,
                             "start": start, "end": end})
    loyal = pd.DataFrame({"customer": np.arange(n), "category": 0, "firm": 1,
                          "start": rng.integers(1, steps + 1, n), "end": -1})
    other = pd.DataFrame({"customer": np.arange(50), "category": 1, "firm": 0,
                          "start": 3, "end": -1})
    existing = pd.DataFrame({"customer": np.arange(70), "category": 0, "firm": 1,
                             "start": 0, "end": -1})
    return pd.concat([churners, loyal, other, existing], ignore_index=True)


def test_report_prints_degenerate_fits_as_such() -> None:
    """Degenerate fits: NaN α, β in the tables, 'degen.*' in the printed table, a reason."""
    report = build_report(_spells_with_degenerate_firm(), 36, category_name="core")
    fits = report.fits
    loyal = fits[fits["firm"] == "firm 1"]
    assert len(loyal) >= 3 and (loyal["degenerate"].str.contains("no churn")).all()
    assert loyal[["alpha", "beta"]].isna().all().all()
    assert (loyal["retention_t1"] > 0.999).all()  # what the data say is kept
    churners = fits[fits["firm"] == "firm 0"]
    assert (churners["degenerate"] == "").all() and churners["alpha"].notna().all()
    table = format_table(report)
    for line in table.splitlines()[1:]:
        assert ("degen.*" in line) == line.startswith("firm 1"), line
        assert "1e+06" not in line and "1e-06" not in line
    notes = degenerate_notes(report)
    assert len(notes) == 1 and "no churn in the cohort" in notes[0]
    assert f"firm 1/{POOLED}" in notes[0]
    fig = plot_survival(report)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert "pooled sBG degenerate" in titles[1] and "α =" not in titles[1]
    assert "α =" in titles[0]


def test_counts_add_up_to_every_relationship_of_the_run() -> None:
    """The caption's counts (analysed + each exclusion) sum to all spells, as printed."""
    spells = _spells_with_degenerate_firm()
    report = build_report(spells, 36, category_name="core")
    m = report.meta
    assert m["n_spells"] == len(spells)
    assert (m["n_acquired"] + m["n_left_truncated"] + m["n_zero_length"]
            + m["n_other_categories"]) == len(spells)
    assert m["n_left_truncated"] == 70 and m["n_other_categories"] == 50
    assert sum(m["n_acquired_by_firm"].values()) == m["n_acquired"]
    note = population_note(m)
    assert f"{m['n_acquired']:,} relationships acquired" in note
    assert "70 existing at the start" in note and "50 in other categories" in note
    assert f"of {len(spells):,} relationships in the run" in note
    fig = plot_survival(report)
    assert note in " ".join(fig.get_suptitle().split("\n"))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    for firm, n in m["n_acquired_by_firm"].items():  # panel counts add up to the caption's
        assert any(t.startswith(f"{firm}") and f"{n:,} acquired" in t for t in titles)
