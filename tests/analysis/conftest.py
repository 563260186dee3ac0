"""Shared folders for the analysis tests: one run and two small sweeps, built once."""

from __future__ import annotations

import logging

import matplotlib
import pytest

from .sweeps import run_dir, sweep_dir

matplotlib.use("Agg")
logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def single_run(tmp_path_factory):
    """A run folder of the tiny market (with spells)."""
    return run_dir(tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="session")
def sweep2(tmp_path_factory):
    """A sweep over two parameters × two seeds (heatmap auto-picks them)."""
    return sweep_dir(tmp_path_factory.mktemp("sweep2"),
                     {"market.awareness.ad_response": [0.01, 0.1],
                      "market.network.mean_degree": [4, 12]})


@pytest.fixture(scope="session")
def sweep1(tmp_path_factory):
    """A sweep over one parameter × two seeds."""
    return sweep_dir(tmp_path_factory.mktemp("sweep1"),
                     {"market.awareness.wom_strength": [0.1, 0.5]}, seeds=[0, 1])


@pytest.fixture(scope="session")
def sweep3(tmp_path_factory):
    """Two scenarios × two parameters × two seeds: eight settings of two seeds each."""
    return sweep_dir(tmp_path_factory.mktemp("sweep3"),
                     {"scenario": ["experience_economy", "subscription"],
                      "market.awareness.ad_response": [0.01, 0.1],
                      "market.network.mean_degree": [4, 12]})
