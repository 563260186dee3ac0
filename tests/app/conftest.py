"""Small saved runs the dashboard tests replay (one with a long, ccsim-style folder name)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:  # Mesa's visualisation imported through the dashboard, which silences Solara's rules-of-
    # hooks check on Mesa's own ComponentsView (a page it does not use): nothing to act on
    import sim.app.pages  # noqa: F401
except ImportError:  # the dashboard extra is not installed: its tests skip
    pass

#: Small markets the dashboard tests save and replay: key → (folder name, overrides).
SAVED = {"a": ("run_a", ("market.n_customers=800", "market.steps=12", "seed=1")),
         "b": ("run_b", ("market.n_customers=800", "market.steps=12", "seed=2",
                         "scenario=subscription")),
         # the name `ccsim run` gives a run folder by default: long enough to widen a picker
         "long": ("2026-01-05_09-30-12-123456_experience_economy",
                  ("market.n_customers=600", "market.steps=14", "seed=3"))}


@pytest.fixture(scope="session")
def saved_runs(tmp_path_factory) -> dict[str, Path]:
    """Complete run folders under ``results/runs`` of a temporary working folder."""
    from sim import runner
    from sim.configure import load_config

    root = tmp_path_factory.mktemp("dashboard")
    out = {}
    for key, (folder, overrides) in SAVED.items():
        out[key] = root / "results" / "runs" / folder
        runner.run(load_config(list(overrides)), out[key], progress=False)
    return out


@pytest.fixture(scope="session")
def saved_overrides() -> dict[str, tuple[str, ...]]:
    """The overrides each saved run was made with."""
    return {key: overrides for key, (_, overrides) in SAVED.items()}


@pytest.fixture
def page_roots(saved_runs, monkeypatch):
    """Let pages rendered in this process open the saved runs (their ``results/`` folder)."""
    from sim.app.runs import ROOTS_ENV

    results = saved_runs["a"].parents[1]
    monkeypatch.setenv(ROOTS_ENV, str(results))
    return results
