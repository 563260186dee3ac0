"""The bit-identity check of experiments/benchmark/bit_identity.py must see a one-ulp change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "benchmark" / "bit_identity.py"


def _load():
    spec = importlib.util.spec_from_file_location("bit_identity", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _folder(path: Path, ts: pd.DataFrame) -> Path:
    path.mkdir()
    ts.to_parquet(path / "timeseries.parquet")
    return path


def test_same_sees_one_ulp_and_nan_equal(tmp_path):
    bit_identity = _load()
    ts = pd.DataFrame({"step": [1, 2, 3], "revenue": [1.5, np.nan, 0.1 + 0.2]})
    a = _folder(tmp_path / "a", ts)
    b = _folder(tmp_path / "b", ts.copy())
    assert bit_identity.same(a, b) == []  # NaN equals NaN, every bit the same
    nudged = ts.copy()
    nudged.loc[2, "revenue"] = np.nextafter(nudged.loc[2, "revenue"], 1.0)
    c = _folder(tmp_path / "c", nudged)
    bad = bit_identity.same(a, c)
    assert len(bad) == 1 and bad[0].startswith("timeseries.parquet")
    (a / "spells.parquet").write_bytes((a / "timeseries.parquet").read_bytes())
    assert bit_identity.same(a, b) == ["spells.parquet (present in only one)"]
