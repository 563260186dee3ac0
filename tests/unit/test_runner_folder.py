"""``sim.runner.run`` into a folder holding an earlier run: the old marker goes first.

A run killed while it writes must never leave the old ``summary.json`` beside new tables. The
kill is simulated by a write that raises half-way: afterwards the folder must hold no
completion marker, and temp files of earlier killed writes must be gone.
"""

from __future__ import annotations

import json

import pytest

from sim import io, runner
from sim.configure import load_config

SMALL = ["market=small", "market.n_customers=300", "market.steps=3"]


def test_old_marker_is_withdrawn_before_new_files(tmp_path, monkeypatch):
    runner.run(load_config([*SMALL, "seed=1"]), tmp_path, progress=False)
    assert json.loads((tmp_path / "summary.json").read_text())["seed"] == 1
    (tmp_path / ".spells.parquet.old.tmp").write_bytes(b"half")

    written = []
    real = io.write_parquet

    def dies_after_first(df, path):
        if written:
            raise KeyboardInterrupt("killed")  # like SIGINT between two writes
        written.append(path)
        return real(df, path)

    monkeypatch.setattr(io, "write_parquet", dies_after_first)
    with pytest.raises(KeyboardInterrupt):
        runner.run(load_config([*SMALL, "seed=2"]), tmp_path, progress=False)
    assert written  # the new timeseries was written …
    assert not (tmp_path / "summary.json").exists()  # … and no old marker vouches for it
    assert not list(tmp_path.glob(".*.tmp"))


def test_remove_leftovers_only_takes_temp_files(tmp_path):
    keep = [tmp_path / "summary.json", tmp_path / ".hydra", tmp_path / "notes.tmp"]
    keep[0].write_text("{}")
    keep[1].mkdir()
    keep[2].write_text("mine")
    gone = tmp_path / ".timeseries.parquet.abc123.tmp"
    gone.write_bytes(b"x")
    assert io.remove_leftovers(tmp_path) == [gone]
    assert all(p.exists() for p in keep) and not gone.exists()
    assert io.remove_leftovers(tmp_path / "missing") == []
