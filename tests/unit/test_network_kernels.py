"""The Numba Watts–Strogatz generator (sim.kernels.networks) against networkx's."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim.kernels.networks import watts_strogatz_csr

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


def test_no_rewiring_is_networkx_ring_lattice() -> None:
    indptr, indices = watts_strogatz_csr(300, 12, 0.0, seed=1)
    _check_csr(indptr, indices, 300)
    ours = _graph(indptr, indices)
    theirs = nx.watts_strogatz_graph(300, 12, 0.0, seed=1)
    assert set(map(frozenset, ours.edges())) == set(map(frozenset, theirs.edges()))


@pytest.mark.parametrize(("k", "p"), [(12, 0.1), (10, 0.3), (4, 1.0)])
def test_degree_and_clustering_match_networkx(k: int, p: float) -> None:
    n, seeds = 600, range(4)
    ours, theirs = [], []
    for s in seeds:
        indptr, indices = watts_strogatz_csr(n, k, p, seed=s)
        _check_csr(indptr, indices, n)
        ours.append(_graph(indptr, indices))
        theirs.append(nx.watts_strogatz_graph(n, k, p, seed=s))

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


def test_bit_identical_on_one_and_two_threads() -> None:
    code = ("import hashlib; from sim.kernels.networks import watts_strogatz_csr as w; "
            "p, i = w(50000, 12, 0.1, seed=3); "
            "print(hashlib.sha256(p.tobytes() + i.tobytes()).hexdigest())")
    digests = set()
    for threads in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "NUMBA_NUM_THREADS": threads})
        assert done.returncode == 0, done.stderr[-2000:]
        digests.add(done.stdout.strip())
    p, i = watts_strogatz_csr(50000, 12, 0.1, seed=3)
    digests.add(hashlib.sha256(p.tobytes() + i.tobytes()).hexdigest())
    assert len(digests) == 1


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k=12"):
        watts_strogatz_csr(10, 12, 0.1, seed=0)
    with pytest.raises(ValueError, match="p=1.5"):
        watts_strogatz_csr(100, 4, 1.5, seed=0)
