"""End to end: a run into a folder that already holds a finished run replaces it cleanly.

The old ``summary.json`` (the completion marker) is withdrawn before anything new is written,
and temp files that killed writes left behind are removed, as sweep jobs do. A folder is
recognised as a run by the marker only ccsim writes (``.ccsim-run``), or, if it was written
before markers existed, by its ``summary.json`` with a ``config_hash``; anything else is
someone else's folder and is refused (``tests/cli/test_refusals.py``).
"""

from __future__ import annotations

import json

import pytest

from sim.folders import RUN_MARKER

SMALL = ["market=small", "market.n_customers=300", "market.steps=4"]


def test_rerun_into_a_finished_folder(tmp_path, cli):
    run_dir = tmp_path / "r"
    first = cli.run(["run", *SMALL, "seed=1", "hydra.run.dir=r"], cwd=tmp_path, script=True)
    assert first.returncode == 0, first.stderr[-2000:]
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 1
    leftover = run_dir / ".timeseries.parquet.k1ll3d.tmp"  # what a killed atomic write leaves
    leftover.write_bytes(b"partial")
    second = cli.run(["run", *SMALL, "seed=2", "hydra.run.dir=r"], cwd=tmp_path, script=True)
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 2
    assert not leftover.exists()
    assert not list(run_dir.glob(".*.tmp"))
    # the marker ccsim writes when it makes the folder; a folder from before markers (only its
    # summary.json says it is a run) is reused and gets the marker
    assert json.loads((run_dir / RUN_MARKER).read_text())["written_by"] == "ccsim"
    (run_dir / RUN_MARKER).unlink()
    third = cli.run(["run", *SMALL, "seed=3", "hydra.run.dir=r"], cwd=tmp_path, script=True)
    assert third.returncode == 0, third.stderr[-2000:]
    assert json.loads((run_dir / "summary.json").read_text())["seed"] == 3
    assert (run_dir / RUN_MARKER).is_file()


def test_the_python_api_writes_only_into_a_run_folder(tmp_path):
    """``sim.runner.run(cfg, folder)`` refuses a folder of someone else's files, unchanged."""
    from sim import runner
    from sim.configure import load_config
    from sim.folders import FolderError

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.yaml").write_text("my: precious\n")
    cfg = load_config([*SMALL, "output.progress=false"])
    with pytest.raises(FolderError, match="not a ccsim run"):
        runner.run(cfg, mine, progress=False)
    assert [p.name for p in mine.iterdir()] == ["config.yaml"]
    assert (mine / "config.yaml").read_text() == "my: precious\n"
    runner.run(cfg, tmp_path / "new", progress=False)  # a new folder becomes a run folder
    new = tmp_path / "new"
    assert (new / RUN_MARKER).is_file() and (new / "summary.json").is_file()
