"""Network generators as Numba kernels that write CSR arrays directly (opt-in, not yet used).

:func:`watts_strogatz_csr` builds a Watts–Strogatz small world (Watts & Strogatz 1998) as
``indptr`` (int64) and ``indices`` (int32, each row sorted) without a networkx graph: 10^6
nodes in about a second instead of ~40 s through networkx (``results/benchmark/networks.csv``).
It is deterministic per seed whatever the number of threads: every random draw is counter-based
(:func:`sim.rng.uniform_nb`, keyed by the seed and the lattice edge's number).

It differs from :func:`networkx.watts_strogatz_graph` in its random stream (so the same seed
gives a different graph) and in one detail: networkx redraws a rewired edge's new end until it
is neither the node itself nor already a neighbour; here it is drawn once among the other
nodes, and an edge that duplicates another is dropped when the rows are deduplicated (expected
share of edges lost ≈ p·k/n, 0.6 % at n = 200, k = 12, p = 0.1; nil at market sizes). Degree
distribution and clustering match networkx's on small graphs
(``tests/unit/test_network_kernels.py``).

:mod:`sim.network` still builds the model's networks through networkx: switching changes every
seed's results, so it waits for the reference docking, the determinism tests and every
committed figure to follow (issue 14).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..rng import mix64, stream_salt, uniform_nb


def watts_strogatz_csr(n: int, k: int, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A Watts–Strogatz graph on ``n`` nodes as CSR arrays (undirected: both directions stored).

    Args:
        n: number of nodes (> k).
        k: lattice degree; odd ``k`` is rounded down to even, as networkx does.
        p: probability that each lattice edge has its far end rewired to a random other node.
        seed: the generator's seed; the same seed gives the same arrays on any thread count.

    Returns:
        ``(indptr, indices)``: int64 of length n + 1, int32 with each row's neighbours sorted,
        no self-loops and no duplicate edges.
    """
    if not 0 < k < n:
        raise ValueError(f"k={k}: need 0 < k < n={n}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p={p}: need 0 <= p <= 1")
    key = np.uint64(mix64((int(seed) & (2**64 - 1)) ^ stream_salt("network")))
    src, dst = _lattice_rewired(n, k // 2, p, key)
    return _to_csr(n, src, dst)


@njit(cache=True, parallel=True)
def _lattice_rewired(n, half, p, key):
    """Edges (u, u + j mod n) for j = 1..half, the far end rewired with probability p."""
    m = n * half
    src = np.empty(m, np.int32)
    dst = np.empty(m, np.int32)
    for e in prange(m):
        j = e // n + 1
        u = e - (j - 1) * n
        v = (u + j) % n
        if uniform_nb(key, e, 0) < p:
            w = int(uniform_nb(key, e, 1) * (n - 1))  # uniform among the n - 1 other nodes
            v = w + 1 if w >= u else w
        src[e] = u
        dst[e] = v
    return src, dst


@njit(cache=True, parallel=True)
def _to_csr(n, src, dst):
    """Undirected edge list → CSR with sorted rows, duplicates removed."""
    deg = np.zeros(n + 1, np.int64)
    for e in range(src.shape[0]):
        deg[src[e] + 1] += 1
        deg[dst[e] + 1] += 1
    ptr = np.cumsum(deg)
    fill = ptr[:-1].copy()
    raw = np.empty(ptr[-1], np.int32)
    for e in range(src.shape[0]):
        u, v = src[e], dst[e]
        raw[fill[u]] = v
        fill[u] += 1
        raw[fill[v]] = u
        fill[v] += 1
    unique = np.zeros(n + 1, np.int64)
    for i in prange(n):
        row = raw[ptr[i]:ptr[i + 1]]
        row.sort()
        count = 0
        for a in range(row.shape[0]):
            if a == 0 or row[a] != row[a - 1]:
                row[count] = row[a]
                count += 1
        unique[i + 1] = count
    indptr = np.cumsum(unique)
    indices = np.empty(indptr[-1], np.int32)
    for i in prange(n):
        indices[indptr[i]:indptr[i + 1]] = raw[ptr[i]:ptr[i] + indptr[i + 1] - indptr[i]]
    return indptr, indices

