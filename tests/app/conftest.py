"""A small saved run (two, for the comparison) that the dashboard tests replay."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Small markets the dashboard tests save and replay.
SAVED = {"a": ("market.n_customers=800", "market.steps=12", "seed=1"),
         "b": ("market.n_customers=800", "market.steps=12", "seed=2", "scenario=subscription")}


@pytest.fixture(scope="session")
def saved_runs(tmp_path_factory) -> dict[str, Path]:
    """Two complete run folders under ``results/runs`` of a temporary working folder."""
    from sim import runner
    from sim.configure import load_config

    root = tmp_path_factory.mktemp("dashboard")
    out = {}
    for name, overrides in SAVED.items():
        folder = root / "results" / "runs" / f"run_{name}"
        runner.run(load_config(list(overrides)), folder, progress=False)
        out[name] = folder
    return out


@pytest.fixture(scope="session")
def saved_overrides() -> dict[str, tuple[str, ...]]:
    """The overrides each saved run was made with."""
    return SAVED
