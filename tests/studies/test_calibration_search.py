"""The calibration search script: what it measures at a point, and how its grid is built."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SPACES = sorted((ROOT / "experiments" / "calibration").glob("search_space*.yaml"))


@pytest.fixture(scope="module")
def search():
    spec = importlib.util.spec_from_file_location(
        "calibration_search", ROOT / "experiments" / "calibration" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("budget", [None, "baseline", "rule"])
def test_a_point_is_measured_with_the_spaces_budget(search, monkeypatch, budget):
    """``size.budget`` reaches the elasticity study (absent: the budget rule of the first
    searches), and the log row records it."""
    seen = []

    def fake_study(cfg, seeds, levers, jobs, budget="unset"):
        seen.append((cfg.name, list(seeds), list(levers), budget))
        return pd.DataFrame()

    monkeypatch.setattr(search, "run_study", fake_study)
    monkeypatch.setattr(search, "summarise", lambda runs: runs)
    monkeypatch.setattr(search, "measures", lambda summary: {"ad_short": 0.1})
    monkeypatch.setattr(search, "score_parts", lambda found: {"x": 0.0})
    monkeypatch.setattr(search, "score", lambda found: 0.0)
    size = {"n_customers": 300, "seeds": 2, "levers": ["advertising"]}
    if budget is not None:
        size["budget"] = budget
    space = {"size": size, "scenarios": ["experience_economy", "subscription"],
             "searched": {"market.choice.beta_ad": {"values": [2.0]}}}
    row = search.evaluate(space, {"market.choice.beta_ad": 2.0}, jobs=1)
    want = budget or "rule"
    assert [s[3] for s in seen] == [want, want]
    assert [s[0] for s in seen] == ["experience_economy", "subscription"]
    assert seen[0][1] == [0, 1] and row["budget"] == want


@pytest.mark.parametrize("path", [p for p in SPACES if "nps" not in p.name], ids=lambda p: p.name)
def test_every_committed_space_builds_its_grid(search, path):
    """Each committed search space loads, names a benchmark for every searched key, and its grid
    is the full product of the values (derived keys added by their rule)."""
    space = search.load_space(path)
    points = search.grid(space)
    n = 1
    for key, d in space["searched"].items():
        assert d.get("benchmark"), key
        n *= len(d["values"])
    assert len(points) == n and len({search.point_id(p) for p in points}) == n
    assert space.get("size", {}).get("budget", "rule") in ("rule", "baseline")
