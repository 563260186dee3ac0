"""The Numba network generators (sim.kernels.networks) against networkx's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim.kernels.networks import (
    barabasi_albert_csr,
    block_gnp_csr,
    gnp_csr,
    networkx_watts_strogatz_csr,
    relabel_csr,
    watts_strogatz_csr,
)

ROOT = Path(__file__).resolve().parents[2]


def _graph(indptr: np.ndarray, indices: np.ndarray) -> nx.Graph:
    n = indptr.shape[0] - 1
    adj = sp.csr_array((np.ones(indices.shape[0]), indices, indptr), shape=(n, n))
    return nx.from_scipy_sparse_array(adj)


def _check_csr(indptr: np.ndarray, indices: np.ndarray, n: int) -> None:
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert indptr.shape == (n + 1,) and indptr[0] == 0 and indptr[-1] == indices.shape[0]
    rows = np.repeat(np.arange(n), np.diff(indptr))
    assert not (rows == indices).any()  # no self-loops
    for i in range(n):
        row = indices[indptr[i]:indptr[i + 1]]
        assert (np.diff(row) > 0).all()  # sorted, no duplicates
    adj = sp.csr_array((np.ones(indices.shape[0]), indices, indptr), shape=(n, n))
    assert (adj != adj.T).nnz == 0  # undirected


def _checked_graphs(make, n: int, seeds) -> list[nx.Graph]:
    """``make(seed)``'s CSR for each seed, checked by :func:`_check_csr`, as networkx graphs."""
    graphs = []
    for s in seeds:
        indptr, indices = make(s)
        _check_csr(indptr, indices, n)
        graphs.append(_graph(indptr, indices))
    return graphs


def test_no_rewiring_is_networkx_ring_lattice() -> None:
    indptr, indices = watts_strogatz_csr(300, 12, 0.0, seed=1)
    _check_csr(indptr, indices, 300)
    ours = _graph(indptr, indices)
    theirs = nx.watts_strogatz_graph(300, 12, 0.0, seed=1)
    assert set(map(frozenset, ours.edges())) == set(map(frozenset, theirs.edges()))


@pytest.mark.parametrize(("k", "p"), [(12, 0.1), (10, 0.3), (4, 1.0)])
def test_degree_and_clustering_match_networkx(k: int, p: float) -> None:
    n, seeds = 600, range(4)
    ours = _checked_graphs(lambda s: watts_strogatz_csr(n, k, p, seed=s), n, seeds)
    theirs = [nx.watts_strogatz_graph(n, k, p, seed=s) for s in seeds]

    def stats(graphs: list[nx.Graph]) -> tuple[float, float, float, float]:
        deg = np.concatenate([[d for _, d in g.degree()] for g in graphs])
        clust = np.mean([nx.average_clustering(g) for g in graphs])
        return deg.mean(), deg.std(), clust, np.mean([nx.transitivity(g) for g in graphs])

    mean, sd, clust, trans = stats(ours)
    nx_mean, nx_sd, nx_clust, nx_trans = stats(theirs)
    assert nx_mean * 0.99 <= mean <= nx_mean  # duplicates dropped: never more edges
    assert abs(sd - nx_sd) <= 0.15 * nx_sd + 0.05
    assert abs(clust - nx_clust) <= 0.03
    assert abs(trans - nx_trans) <= 0.03


def test_same_seed_same_graph_other_seed_other_graph() -> None:
    a = watts_strogatz_csr(2000, 12, 0.1, seed=7)
    b = watts_strogatz_csr(2000, 12, 0.1, seed=7)
    c = watts_strogatz_csr(2000, 12, 0.1, seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])


def _stats(graphs: list[nx.Graph]) -> tuple[float, float, float, float]:
    deg = np.concatenate([[d for _, d in g.degree()] for g in graphs])
    return (deg.mean(), deg.std(), np.mean([nx.average_clustering(g) for g in graphs]),
            float(np.mean([max(d for _, d in g.degree()) for g in graphs])))


@pytest.mark.parametrize("m", [1, 3, 6])
def test_barabasi_albert_degree_and_clustering_match_networkx(m: int) -> None:
    n, seeds = 800, range(4)
    ours = _checked_graphs(lambda s: barabasi_albert_csr(n, m, seed=s), n, seeds)
    theirs = [nx.barabasi_albert_graph(n, m, seed=s) for s in seeds]
    mean, sd, clust, top = _stats(ours)
    nx_mean, nx_sd, nx_clust, nx_top = _stats(theirs)
    assert mean == nx_mean  # exactly (n − m)·m edges, as networkx
    assert abs(sd - nx_sd) <= 0.15 * nx_sd
    assert abs(clust - nx_clust) <= 0.02 + 0.2 * nx_clust
    assert 0.6 * nx_top <= top <= 1.6 * nx_top  # hubs of the same size: a heavy tail
    # power-law tail: the share of nodes with degree >= 4m is far above a Poisson's
    deg = np.concatenate([[d for _, d in g.degree()] for g in ours])
    nx_deg = np.concatenate([[d for _, d in g.degree()] for g in theirs])
    assert abs(np.mean(deg >= 4 * m) - np.mean(nx_deg >= 4 * m)) <= 0.02


@pytest.mark.parametrize("k", [4, 12])
def test_gnp_degree_and_clustering_match_networkx(k: int) -> None:
    n, seeds = 800, range(4)
    p = k / (n - 1)
    ours = _checked_graphs(lambda s: gnp_csr(n, p, seed=s), n, seeds)
    theirs = [nx.fast_gnp_random_graph(n, p, seed=s) for s in seeds]
    mean, sd, clust, _ = _stats(ours)
    nx_mean, nx_sd, nx_clust, _ = _stats(theirs)
    assert abs(mean - k) <= 0.3 and abs(nx_mean - k) <= 0.3
    assert abs(sd - nx_sd) <= 0.1 * nx_sd
    assert abs(clust - nx_clust) <= 0.01


def test_gnp_edge_count_is_binomial() -> None:
    n, p = 3000, 0.004
    pairs = n * (n - 1) / 2
    counts = np.array([gnp_csr(n, p, seed=s)[1].shape[0] // 2 for s in range(20)])
    # mean within 4 standard errors of the binomial mean
    assert abs(counts.mean() - pairs * p) <= 4 * np.sqrt(pairs * p * (1 - p) / 20)
    assert gnp_csr(50, 0.0, seed=1)[1].shape[0] == 0


def test_block_model_matches_networkx_sbm() -> None:
    sizes = [300, 200, 300]
    block = np.repeat(np.arange(3), sizes)
    p_in, p_out = 0.04, 0.005
    ours, theirs = [], []
    for s in range(4):
        indptr, indices = block_gnp_csr(block, p_in, p_out, seed=s)
        _check_csr(indptr, indices, block.shape[0])
        rows = np.repeat(np.arange(block.shape[0]), np.diff(indptr))
        ours.append(np.mean(block[rows] == block[indices]))
        g = nx.stochastic_block_model(sizes, [[p_in if a == b else p_out for b in range(3)]
                                              for a in range(3)], seed=s)
        e = np.array(list(g.edges()))
        theirs.append(np.mean(block[e[:, 0]] == block[e[:, 1]]))
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.03
    with pytest.raises(ValueError, match="block by block"):
        block_gnp_csr(np.array([1, 0, 1]), 0.1, 0.1, seed=0)


def test_relabel_is_the_same_graph_under_the_permutation() -> None:
    indptr, indices = watts_strogatz_csr(500, 6, 0.2, seed=2)
    node_at = np.random.default_rng(0).permutation(500)
    new_ptr, new_idx = relabel_csr(indptr, indices, node_at)
    _check_csr(new_ptr, new_idx, 500)
    old = {frozenset((int(node_at[u]), int(node_at[v])))
           for u, v in _graph(indptr, indices).edges()}
    new = {frozenset(e) for e in _graph(new_ptr, new_idx).edges()}
    assert old == new


GENERATE = {
    "ws": "w.watts_strogatz_csr(50000, 12, 0.1, seed=3)",
    "ba": "w.barabasi_albert_csr(50000, 6, seed=3)",
    "gnp": "w.gnp_csr(50000, 12 / 49999, seed=3)",
}


@pytest.mark.parametrize("name", sorted(GENERATE))
def test_bit_identical_on_one_and_two_threads(name: str) -> None:
    code = ("import hashlib; import sim.kernels.networks as w; "
            f"p, i = {GENERATE[name]}; "
            "print(hashlib.sha256(p.tobytes() + i.tobytes()).hexdigest())")
    digests = set()
    for threads in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "NUMBA_NUM_THREADS": threads})
        assert done.returncode == 0, done.stderr[-2000:]
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k=12"):
        watts_strogatz_csr(10, 12, 0.1, seed=0)
    with pytest.raises(ValueError, match="p=1.5"):
        watts_strogatz_csr(100, 4, 1.5, seed=0)
    with pytest.raises(ValueError, match="m=10"):
        barabasi_albert_csr(10, 10, seed=0)
    with pytest.raises(ValueError, match="p_in=1.0"):
        gnp_csr(10, 1.0, seed=0)
    with pytest.raises(ValueError, match="m=10"):
        barabasi_albert_csr(10, 10, seed=0)
    with pytest.raises(ValueError, match="p_in=1.0"):
        gnp_csr(10, 1.0, seed=0)


@pytest.mark.parametrize(("n", "k", "p", "seed"), [
    (20, 4, 0.5, 1), (200, 12, 0.1, 7), (1000, 10, 0.3, 12345), (5, 2, 1.0, 3),
    (300, 6, 0.0, 2), (50, 48, 0.9, 4), (2000, 12, 1.0, 2**31 + 5), (3000, 12, 0.1, 2**32 - 1),
])
def test_networkx_replay_gives_networkx_own_edges(n: int, k: int, p: float, seed: int) -> None:
    indptr, indices = networkx_watts_strogatz_csr(n, k, p, seed)
    _check_csr(indptr, indices, n)
    ours = {frozenset(e) for e in _graph(indptr, indices).edges()}
    theirs = {frozenset(e) for e in nx.watts_strogatz_graph(n, k, p, seed=seed).edges()}
    assert ours == theirs
