"""The sweep-efficiency measurement (experiments/benchmark_sweep/run.py), in a tiny form.

Only that it measures and records what it says: a figure measured on a shared machine is not
quoted from a test (the committed measurement is run on an idle one).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from sim.columns import undocumented

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "benchmark_sweep" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("ccsim_benchmark_sweep", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_efficiency_is_model_time_over_wall_time_times_workers(bench, tmp_path, capsys):
    assert bench.main(["--runs", "4", "--customers", "200", "--months", "12", "--workers", "2",
                       "--chunk", "2", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "efficiency.csv")
    assert list(table.columns) == bench.COLUMNS and len(table) == 1
    assert undocumented("sweep_efficiency", table.columns) == []  # the data dictionary's
    row = table.iloc[0]
    assert row["runs"] == 4 and row["workers"] == 2 and row["path"] == "experiment"
    assert row["efficiency"] == pytest.approx(
        row["model_seconds"] / (row["wall_seconds"] * row["workers"]), abs=2e-3)
    assert 0 < row["efficiency"] < 1 and row["load_before"] >= 0
    assert "efficiency" in capsys.readouterr().out
    bench.main(["--runs", "2", "--customers", "200", "--months", "12", "--workers", "1",
                "--out", str(tmp_path)])
    assert len(pd.read_csv(tmp_path / "efficiency.csv")) == 2  # appended, oldest first
