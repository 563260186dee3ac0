"""End to end: a run into a folder that already holds a finished run replaces it cleanly.

The old ``summary.json`` (the completion marker) is withdrawn before anything new is written,
and temp files that killed writes left behind are removed, as sweep jobs do.
"""

from __future__ import annotations

import json

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
