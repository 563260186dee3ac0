"""No noise from a run or a sweep: no empty ``ccsim.log`` in run folders, no launcher lines.

The real ``ccsim`` in a subprocess, on a 200-customer market.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CCSIM = [sys.executable, "-m", "sim"]
TINY = ["market.n_customers=200", "market.steps=3"]


def _ccsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CCSIM, *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "MPLBACKEND": "Agg"})


def test_run_and_sweep_write_no_log_file_and_no_launcher_lines(tmp_path: Path) -> None:
    run = _ccsim("run", *TINY, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "summary.json").is_file()
    assert not list((tmp_path / "run").glob("*.log"))

    sweep = _ccsim("run", "-m", "seed=0,1", *TINY, f"hydra.sweep.dir={tmp_path / 'sweep'}",
                   cwd=tmp_path)
    assert sweep.returncode == 0, sweep.stderr
    jobs = [p.parent for p in (tmp_path / "sweep").glob("*/summary.json")]
    assert len(jobs) == 2
    assert not list((tmp_path / "sweep").rglob("*.log"))
    text = sweep.stdout + sweep.stderr
    assert "Joblib.Parallel" not in text and "Launching jobs" not in text, text
    assert "#0 : " not in text and "#1 : " not in text, text


def test_submitit_local_leaves_no_literal_percent_j_folder(tmp_path: Path) -> None:
    """submitit's job files go straight into <sweep>/.submitit/ (no folder named `%j`)."""
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    sweep = _ccsim("run", "-m", "hydra/launcher=submitit_local", "seed=0", *TINY,
                   f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert sweep.returncode == 0, sweep.stderr
    assert list((tmp_path / "sweep").glob("*/summary.json"))
    submitit = tmp_path / "sweep" / ".submitit"
    assert list(submitit.glob("*_log.out")), sorted(p.name for p in submitit.iterdir())
    assert not [p for p in submitit.rglob("*") if "%" in p.name]
    assert "UserWarning" not in sweep.stderr and "#0 : " not in sweep.stdout + sweep.stderr
