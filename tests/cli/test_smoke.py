"""A first end-to-end check: `ccsim run` on a small market writes a complete run folder."""

import json
import subprocess
import sys


def test_run_writes_outputs(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", "market=small", "market.steps=12",
         f"hydra.run.dir={out}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 12
    assert set(summary["firms"]) == {"pc_a", "pc_b", "cc_a", "cc_b"}
    assert (out / "timeseries.parquet").stat().st_size > 0
