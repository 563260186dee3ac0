"""The network sample a run saves for the dashboard, and the firm of a customer at a step."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import samples


def _ring(n: int, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of a ring lattice where every node links to its k nearest on each side."""
    rows = [sorted({(i + d) % n for d in range(-k, k + 1) if d}) for i in range(n)]
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    return indptr, np.concatenate(rows).astype(np.int32)


def test_sample_size_and_determinism():
    indptr, indices = _ring(1000)
    a = samples.sample_customers(indptr, indices, 90, seed=4)
    assert a.shape == (90,) and np.unique(a).shape == (90,)
    assert np.array_equal(a, samples.sample_customers(indptr, indices, 90, seed=4))
    assert not np.array_equal(a, samples.sample_customers(indptr, indices, 90, seed=5))
    # snowballs on a ring are runs of neighbours: far fewer gaps than a uniform draw would have
    gaps = np.count_nonzero(np.diff(a) > 1)
    assert gaps < 30


def test_small_market_takes_everyone():
    indptr, indices = _ring(50)
    assert np.array_equal(samples.sample_customers(indptr, indices, 300, seed=0), np.arange(50))


def test_network_sample_edges_are_the_networks(small_run):
    model = small_run.model
    sample = samples.network_sample(model, size=120)
    assert list(sample.columns) == list(samples.COLUMNS)
    assert len(sample) == 120
    chosen = set(sample["customer"].tolist())
    net = model.network
    for i, nbs in zip(sample["customer"], sample["neighbours"], strict=True):
        truth = {int(j) for j in net.neighbours(int(i))} & chosen
        assert set(nbs.tolist()) == truth
    pairs = samples.edges(sample)
    assert len(pairs) == sum(len(n) for n in sample["neighbours"]) // 2
    assert np.array_equal(sample["persona"], model.traits.persona[sample["customer"]])
    assert sample[["x", "y"]].abs().to_numpy().max() <= 1.0 + 1e-9


def test_current_firms_first_category_with_a_firm():
    firm_of = np.array([[-1, -1], [2, 0], [-1, 1], [3, -1]], dtype=np.int8)
    assert samples.current_firms(firm_of).tolist() == [-1, 2, 1, 3]


def test_firms_from_spells_match_the_live_state():
    from sim.configure import load_config
    from sim.model import MarketModel

    model = MarketModel(load_config(["market=small", "market.n_customers=800", "seed=2"]))
    customers = np.arange(0, 800, 3)
    seen = [samples.current_firms(model.state.firm_of)[customers]]
    for _ in range(8):
        model.step()
        seen.append(samples.current_firms(model.state.firm_of)[customers])
    spells = model.spells_table()
    assert len(spells) > 0
    for step, live in enumerate(seen):
        rebuilt = samples.firms_from_spells(spells, customers, model.n_categories, step)
        assert np.array_equal(rebuilt, live), step
    assert not all(np.array_equal(seen[0], s) for s in seen[1:])  # the market did move


def test_firms_from_spells_hand_case():
    spells = pd.DataFrame({"customer": [0, 0, 1, 2], "category": [0, 0, 1, 0],
                           "firm": [1, 2, 0, 3], "start": [0, 4, 2, 5], "end": [4, -1, -1, 5]})
    at = [samples.firms_from_spells(spells, np.array([0, 1, 2]), 2, t).tolist()
          for t in (0, 2, 3, 4, 5)]
    assert at == [[1, -1, -1], [1, 0, -1], [1, 0, -1], [2, 0, -1], [2, 0, -1]]


def test_run_folder_holds_the_sample(tmp_path):
    from sim import io, runner
    from sim.configure import load_config
    from sim.model import MarketModel

    cfg = load_config(["market=small", "market.n_customers=600", "market.steps=3", "seed=1"])
    runner.run(cfg, tmp_path, progress=False)
    saved = io.read_parquet(tmp_path / "network_sample.parquet")
    fresh = samples.network_sample(MarketModel(cfg))
    assert saved["customer"].tolist() == fresh["customer"].tolist()
    assert np.allclose(saved[["x", "y"]], fresh[["x", "y"]])
    assert [list(a) for a in saved["neighbours"]] == [list(a) for a in fresh["neighbours"]]
    # written before the completion marker
    assert ((tmp_path / "network_sample.parquet").stat().st_mtime_ns
            <= (tmp_path / "summary.json").stat().st_mtime_ns)


def test_a_run_without_its_network_sample_writes_the_rest_and_hashes_apart(tmp_path):
    """``output.network_sample=false`` (experiments' sweeps) leaves out only that picture; the
    default hashes as before the key existed, so earlier complete runs stay complete."""
    from sim import fingerprint, runner
    from sim.configure import load_config

    size = ["market=small", "market.n_customers=300", "market.steps=3", "seed=1"]
    on, off = load_config(size), load_config([*size, "output.network_sample=false"])
    runner.run(off, tmp_path, progress=False)
    assert not (tmp_path / "network_sample.parquet").exists()
    assert all((tmp_path / name).is_file() for name in runner.RUN_FILES)
    assert "network_sample" not in fingerprint.hashed_fields(on)["output"]
    assert fingerprint.config_hash(on) != fingerprint.config_hash(off)
