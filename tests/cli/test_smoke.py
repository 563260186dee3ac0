"""End to end: ``python -m sim run`` on a small market, the way a user runs it.

One default-style run (no ``hydra.run.dir``: Hydra picks ``results/runs/<time>_<name>`` under
the working directory) is shared by the tests below; they check the printed per-firm table, the
Hydra record, and the run folder's tables and summary.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

FIRMS = ("pc_a", "pc_b", "cc_a", "cc_b")
STEPS = 24
BRIEF_OUTPUTS = (
    "customers", "acq_ads", "acq_wom", "acq_search", "churned", "retention", "revenue", "profit",
    "margin", "market_share", "nps", "mean_satisfaction", "mean_tenure", "products_per_customer",
    "knowledge", "customer_equity", "intangible_share",
)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, cli):
    cwd = tmp_path_factory.mktemp("smoke")
    proc = cli.run(["run", "market=small", f"market.steps={STEPS}"], cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = list((cwd / "results" / "runs").iterdir())
    assert len(runs) == 1, runs
    return proc, runs[0]


def test_run_prints_the_per_firm_table(default_run):
    proc, _ = default_run
    out = proc.stdout
    headers = " ".join(line for line in out.splitlines() if line.startswith("firm"))
    for word in ("strategy", "revenue", "profit", "rev CAGR", "margin", "retention/yr", "share",
                 "NPS", "CLV", "at start", "acq ads", "acq WoM", "acq search"):
        assert word in headers, word
    rows = [line.split()[0] for line in out.splitlines() if line.split()[:1] and
            line.split()[0] in FIRMS]
    assert sorted(rows) == sorted(FIRMS * 2)  # outcomes table, then customers table
    assert "growth_gap_points" in out and "margin_gap_points" in out
    assert "money over the whole run" in " ".join(out.split())  # units and windows stated
    assert "Traceback" not in proc.stderr


def test_run_writes_the_hydra_record(default_run):
    _, run_dir = default_run
    for name in ("config.yaml", "hydra.yaml", "overrides.yaml"):
        assert (run_dir / ".hydra" / name).is_file(), name
    overrides = (run_dir / ".hydra" / "overrides.yaml").read_text()
    assert "market=small" in overrides and f"market.steps={STEPS}" in overrides
    # the run mode as Hydra records it when it reads the mode itself (ccsim answers its
    # get_mode from the checks' composition: sim.cli._mode_known)
    hydra = yaml.safe_load((run_dir / ".hydra" / "hydra.yaml").read_text())["hydra"]
    assert hydra["mode"] == "RUN" and "hydra.mode=RUN" in hydra["overrides"]["hydra"]


def test_timeseries_has_one_row_per_firm_per_step(default_run):
    _, run_dir = default_run
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    assert len(ts) == len(FIRMS) * STEPS
    assert (ts.groupby(["step", "firm"]).size() == 1).all()
    assert set(ts["firm"]) == set(FIRMS)
    assert sorted(ts["step"].unique()) == list(range(1, STEPS + 1))
    missing = set(BRIEF_OUTPUTS) - set(ts.columns)
    assert not missing, missing


def test_spells_table(default_run):
    _, run_dir = default_run
    spells = pd.read_parquet(run_dir / "spells.parquet")
    assert {"customer", "category", "firm", "start", "end"} <= set(spells.columns)
    assert len(spells) > 0 and (spells["end"] == -1).any()


def test_run_writes_outputs(default_run):
    _, run_dir = default_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["seed"] == 0 and summary["steps"] == STEPS
    assert summary["n_customers"] == 2000
    assert set(summary["firms"]) == set(FIRMS)
    for pkg in ("python", "numpy", "numba", "mesa", "pandas"):
        assert summary["versions"][pkg], pkg
    for key in ("growth_ratio", "growth_gap_points", "revenue_multiple_ratio",
                "margin_gap_points", "customer_centric_revenue_cagr",
                "product_centric_revenue_cagr"):
        assert key in summary["comparison"], key
    # the hash is of the saved, resolved configuration (display-only keys left out)
    from omegaconf import OmegaConf

    from sim.config import Config
    from sim.runner import config_hash

    saved = OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.load(run_dir / "config.yaml"))
    assert summary["config_hash"] == config_hash(OmegaConf.to_object(saved))


def test_saved_config_reproduces_the_run_config(default_run):
    from sim.configure import load_config
    from sim.runner import config_hash

    _, run_dir = default_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert config_hash(load_config(["market=small", f"market.steps={STEPS}"])) == \
        summary["config_hash"]
