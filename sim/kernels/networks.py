"""Network generators as Numba kernels that write CSR arrays directly, without networkx.

The model uses them when ``market.network.generator=numba`` (:mod:`sim.network`); the default,
``networkx``, keeps every seed's results as they were. Each generator returns ``indptr``
(int64, n + 1) and ``indices`` (int32, each row sorted, no self-loops, no duplicates), both
directions of every edge stored. Every random draw is counter-based (:func:`sim.rng.uniform_nb`,
keyed by the seed and the draw's own number), so the same seed gives the same arrays on any
number of threads. None allocates per-node Python objects: 10^7 nodes take seconds and about
three int32 words per edge end at the peak (``results/benchmark/networks.csv``).

- :func:`watts_strogatz_csr`: small world (Watts & Strogatz 1998). It differs from
  :func:`networkx.watts_strogatz_graph` in its random stream and in one detail: networkx
  redraws a rewired edge's new end until it is neither the node itself nor already a
  neighbour; here it is drawn once among the other nodes, and an edge that duplicates another
  is dropped when the rows are deduplicated (expected share of edges lost ≈ p·k/n, 0.6 % at
  n = 200, k = 12, p = 0.1; nil at market sizes).
- :func:`barabasi_albert_csr`: scale-free preferential attachment in linear time through the
  list of edge ends (Batagelj & Brandes 2005, algorithm "BA"), started, as networkx's, from a
  star on m + 1 nodes, each new node attaching to m distinct earlier nodes (a duplicate target
  is redrawn, as networkx does). Sequential: each node's draws depend on the edges before it.
- :func:`gnp_csr`: Erdős–Rényi G(n, p) by geometric skips over each row's candidates
  (Batagelj & Brandes 2005, algorithm "G(n, p)"), rows in parallel.
- :func:`block_gnp_csr`: the same with one probability inside a block of consecutive nodes and
  another across blocks: a stochastic block model over nodes sorted by block.
- :func:`relabel_csr`: position → node relabelling (homophily lays nodes out by persona).
- :func:`networkx_watts_strogatz_csr`: not a new generator but networkx's own small world,
  replayed (same algorithm, same Mersenne Twister stream, same edges): what the default
  ``networkx`` generator uses for small worlds, so default results are unchanged.

Degree distribution and clustering are checked against networkx's on small graphs
(``tests/unit/test_network_kernels.py``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..rng import INV_2_53, mix64, mix64_nb, stream_salt, uniform_nb


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
    half, key = k // 2, _key(seed)
    # two passes over the same counter-based draws (count, then fill): no edge list is stored
    deg = np.zeros(n + 1, np.int64)
    _lattice_rewired(n, half, p, key, deg, deg, np.empty(0, np.int32), False)
    ptr = np.cumsum(deg)
    deg[:] = ptr  # now the next free slot of each row
    raw = np.empty(ptr[-1], np.int32)
    _lattice_rewired(n, half, p, key, deg, ptr, raw, True)
    del deg
    return _dedupe_rows(ptr, raw)


def _key(seed: int) -> np.uint64:
    return np.uint64(mix64((int(seed) & (2**64 - 1)) ^ stream_salt("network")))


def barabasi_albert_csr(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A Barabási–Albert graph on ``n`` nodes, each new node attached to ``m`` earlier ones.

    Args:
        n: number of nodes (> m).
        m: edges each new node brings (>= 1); nodes 0..m start as a star centred on node 0.
        seed: the generator's seed.

    Returns:
        ``(indptr, indices)`` as :func:`watts_strogatz_csr`; (n - m) · m edges in all.
    """
    if not 1 <= m < n:
        raise ValueError(f"m={m}: need 1 <= m < n={n}")
    ends = _preferential_ends(n, m, _key(seed))
    return _to_csr(n, ends[0::2], ends[1::2])


@njit(cache=True)
def _preferential_ends(n, m, key):
    """Edge ends (u0, v0, u1, v1, ...) of a preferential-attachment graph.

    A star on nodes 0..m, then each node v >= m + 1 picks m distinct targets, each the end of
    an earlier edge drawn uniformly (so a node is drawn in proportion to its degree).
    """
    n_edges = m + (n - m - 1) * m
    ends = np.empty(2 * n_edges, np.int32)
    for j in range(m):
        ends[2 * j] = 0
        ends[2 * j + 1] = j + 1
    e = m
    for v in range(m + 1, n):
        existing = 2 * e  # ends drawn from: only earlier edges
        slot = 0
        for j in range(m):
            while True:
                r = int(uniform_nb(key, v, slot) * existing)
                slot += 1
                t = ends[r]
                dup = False
                for q in range(j):
                    if ends[2 * (e + q) + 1] == t:
                        dup = True
                        break
                if not dup:
                    break
            ends[2 * (e + j)] = v
            ends[2 * (e + j) + 1] = t
        e += m
    return ends


def gnp_csr(n: int, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An Erdős–Rényi G(n, p) graph: each of the n(n − 1)/2 pairs an edge with probability p.

    Args:
        n: number of nodes.
        p: edge probability, 0 <= p < 1.
        seed: the generator's seed.

    Returns:
        ``(indptr, indices)`` as :func:`watts_strogatz_csr`.
    """
    return block_gnp_csr(np.zeros(n, np.int64), p, p, seed)


def block_gnp_csr(block: np.ndarray, p_in: float, p_out: float,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stochastic block model over nodes numbered block by block.

    Args:
        block: each node's block, non-decreasing (int [n]): nodes of a block are consecutive.
        p_in: edge probability of a pair in the same block (0 <= p_in < 1).
        p_out: edge probability of a pair across blocks (0 <= p_out < 1).
        seed: the generator's seed.

    Returns:
        ``(indptr, indices)`` as :func:`watts_strogatz_csr`.
    """
    block = np.asarray(block, np.int64)
    if block.size and (np.diff(block) < 0).any():
        raise ValueError("block: nodes must be numbered block by block (non-decreasing)")
    for name, q in (("p_in", p_in), ("p_out", p_out)):
        if not 0.0 <= q < 1.0:
            raise ValueError(f"{name}={q}: need 0 <= p < 1")
    n = block.shape[0]
    first = np.zeros(n, np.int64)  # first node of each node's block
    if n:
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        first = np.repeat(starts, np.diff(np.r_[starts, n]))
    key = _key(seed)
    count = np.zeros(n + 1, np.int64)
    _gnp_rows(first, p_in, p_out, key, count, np.empty(0, np.int32), False)
    offsets = np.cumsum(count)
    dst = np.empty(offsets[-1], np.int32)
    _gnp_rows(first, p_in, p_out, key, offsets, dst, True)
    src = np.repeat(np.arange(n, dtype=np.int32), np.diff(offsets))
    return _to_csr(n, src, dst)


@njit(cache=True)
def _skip_edges(v, lo, hi, log_q, key, slot, out, at, fill):
    """Edges from v to the nodes of [lo, hi), each with probability 1 − exp(log_q).

    Geometric skips (Batagelj & Brandes 2005): the gap to the next edge is
    ⌊log(1 − u) / log(1 − p)⌋. Returns (edges found, next draw slot).
    """
    found = 0
    if log_q == 0.0 or hi <= lo:  # p = 0, or no candidates
        return 0, slot
    w = lo - 1
    while True:
        u = uniform_nb(key, 0, slot)
        slot += 1
        w += 1 + int(math.log(1.0 - u) / log_q)
        if w >= hi:
            return found, slot
        if fill:
            out[at + found] = w
        found += 1


@njit(cache=True, parallel=True)
def _gnp_rows(first, p_in, p_out, key, count, out, fill):
    """Row v's edges to every w < v: first to other blocks' nodes (p_out), then its own (p_in).

    Pass 1 (``fill`` False) counts them into ``count[v + 1]``; pass 2 writes them to
    ``out[count[v]:...]`` (count holds the offsets then) with the same draws.
    """
    n = first.shape[0]
    lq_in = math.log(1.0 - p_in) if p_in > 0.0 else 0.0
    lq_out = math.log(1.0 - p_out) if p_out > 0.0 else 0.0
    for v in prange(n):
        row_key = mix64_nb(key + np.uint64(v) * np.uint64(0x9E3779B97F4A7C15))
        at = count[v] if fill else 0
        a, slot = _skip_edges(v, 0, first[v], lq_out, row_key, 0, out, at, fill)
        b, slot = _skip_edges(v, first[v], v, lq_in, row_key, slot, out, at + a, fill)
        if not fill:
            count[v + 1] = a + b


@njit(cache=True, parallel=True)
def relabel_csr(indptr, indices, node_at):  # noqa: D417 - the CSR pair is documented together
    """The same graph with position p renamed ``node_at[p]`` (a permutation), rows sorted.

    Args:
        indptr, indices: CSR over positions.
        node_at: the node at each position (int [n]).
    """
    n = indptr.shape[0] - 1
    pos_of = np.empty(n, np.int64)
    for p in range(n):
        pos_of[node_at[p]] = p
    deg = np.zeros(n + 1, np.int64)
    for v in range(n):
        p = pos_of[v]
        deg[v + 1] = indptr[p + 1] - indptr[p]
    new_ptr = np.cumsum(deg)
    new_idx = np.empty(indices.shape[0], np.int32)
    for v in prange(n):
        p = pos_of[v]
        row = new_idx[new_ptr[v]:new_ptr[v + 1]]
        for a in range(row.shape[0]):
            row[a] = node_at[indices[indptr[p] + a]]
        row.sort()
    return new_ptr, new_idx


@njit(cache=True)
def _lattice_edge(e, n, p, key):
    """Lattice edge e = (u, u + j mod n), j = e // n + 1, its far end rewired with probability p."""
    j = e // n + 1
    u = e - (j - 1) * n
    v = (u + j) % n
    if uniform_nb(key, e, 0) < p:
        w = int(uniform_nb(key, e, 1) * (n - 1))  # uniform among the n - 1 other nodes
        v = w + 1 if w >= u else w
    return u, v


@njit(cache=True)
def _lattice_rewired(n, half, p, key, deg, ptr, raw, fill):
    """Pass 1 (``fill`` False): count each node's edge ends into ``deg[node + 1]``.

    Pass 2: write them into ``raw`` at ``deg[node]`` (the next free slot, from ``ptr``).
    """
    for e in range(n * half):
        u, v = _lattice_edge(e, n, p, key)
        if fill:
            raw[deg[u]] = v
            deg[u] += 1
            raw[deg[v]] = u
            deg[v] += 1
        else:
            deg[u + 1] += 1
            deg[v + 1] += 1


def _to_csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edge list → CSR with sorted rows, duplicates removed.

    Two kernels called from Python (a cached kernel calling a cached parallel one crashed when
    loaded from Numba's cache here).
    """
    return _dedupe_rows(*_edge_rows(n, src, dst))


@njit(cache=True)
def _edge_rows(n, src, dst):
    """Both ends of every edge into rows: (ptr, raw) with raw[ptr[i]:ptr[i + 1]] i's ends."""
    ptr = np.zeros(n + 1, np.int64)
    for e in range(src.shape[0]):
        ptr[src[e] + 1] += 1
        ptr[dst[e] + 1] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    raw = np.empty(ptr[-1], np.int32)
    for e in range(src.shape[0]):
        u, v = src[e], dst[e]
        raw[fill[u]] = v
        fill[u] += 1
        raw[fill[v]] = u
        fill[v] += 1
    return ptr, raw


@njit(cache=True, parallel=True)
def _dedupe_rows(ptr, raw):
    """Sort each row of (ptr, raw), drop repeated neighbours and self-loops, compact in place.

    Returns ``(indptr, indices)``; ``indices`` is the front of ``raw`` (no second copy).
    """
    n = ptr.shape[0] - 1
    count = np.zeros(n + 1, np.int64)
    for i in prange(n):
        row = raw[ptr[i]:ptr[i + 1]]
        row.sort()
        c = 0
        for a in range(row.shape[0]):
            if (a == 0 or row[a] != row[a - 1]) and row[a] != i:
                row[c] = row[a]
                c += 1
        count[i + 1] = c
    for i in range(n):
        count[i + 1] += count[i]
    for i in range(n):  # rows move left only, in order: safe in place
        start = ptr[i]
        for a in range(count[i + 1] - count[i]):
            raw[count[i] + a] = raw[start + a]
    return count, raw[:count[n]]


# ----------------------------------------------------------------------------------------------
# networkx's Watts–Strogatz, reproduced bit for bit


def networkx_watts_strogatz_csr(n: int, k: int, p: float,
                                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Exactly the graph of ``networkx.watts_strogatz_graph(n, k, p, seed=seed)``, as CSR.

    networkx (3.x) lays out the ring lattice, then visits the lattice edges (u, u + j) for
    j = 1..k/2 and u = 0..n−1 and, with probability p, moves the far end to a uniform node w
    that is neither u nor already u's neighbour, redrawing w until it is, all from a
    ``random.Random(seed)``. This kernel runs the same algorithm on the same Mersenne Twister
    stream (its state taken from ``random.Random(seed)``, draws made as CPython's ``random()``
    and ``choice()`` make them), on fixed-width neighbour lists instead of a Python graph:
    the same edges, without a Python object per node and edge (10^6 customers in about a
    second instead of ~30 s). ``tests/unit/test_network_kernels.py`` compares edge sets.

    Args:
        n: number of nodes (k < n).
        k: each node's lattice neighbours (even; networkx uses k // 2 on each side).
        p: rewiring probability.
        seed: the integer seed networkx would get.

    Returns:
        ``(indptr, indices)`` as :func:`watts_strogatz_csr`; ``None`` if a node's degree
        outgrew the lists' width (then build with networkx).
    """
    import random

    if not 0 < k < n:
        raise ValueError(f"k={k}: need 0 < k < n={n}")
    state = random.Random(seed).getstate()[1]  # 624 words and the position
    mt = np.array(state[:624], np.uint32)
    # rewiring adds about Poisson(λ = p·k/2) ends to a node: the lists leave room for
    # λ + 10·sqrt(λ) + 16 more (a node needing more makes the caller fall back to networkx)
    lam = p * k / 2.0
    width = k + int(lam + 10.0 * math.sqrt(lam) + 16)
    adj, deg, ok = _ws_networkx_order(n, k // 2, p, mt, int(state[624]), width)
    if not ok:
        return None
    return _rows_to_csr(adj, deg)


@njit(cache=True)
def _mt_next(mt, pos):
    """The next tempered 32-bit output of MT19937 (as CPython's ``genrand_uint32``)."""
    if pos >= 624:
        for kk in range(624):
            y = (mt[kk] & np.uint32(0x80000000)) | (mt[(kk + 1) % 624] & np.uint32(0x7FFFFFFF))
            v = mt[(kk + 397) % 624] ^ (y >> np.uint32(1))
            if y & np.uint32(1):
                v ^= np.uint32(0x9908B0DF)
            mt[kk] = v
        pos = 0
    y = mt[pos]
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y, pos + 1


@njit(cache=True)
def _ws_networkx_order(n, half, p, mt, pos, width):
    """The lattice-then-rewire loop of networkx on neighbour lists ``adj[node, :deg[node]]``."""
    adj = np.empty((n, width), np.int32)
    deg = np.zeros(n, np.int64)
    for j in range(1, half + 1):
        for u in range(n):
            v = (u + j) % n
            adj[u, deg[u]] = v
            deg[u] += 1
            adj[v, deg[v]] = u
            deg[v] += 1
    bits = 0
    while (n >> bits) > 0:  # n.bit_length(): choice() draws getrandbits(bits) below n
        bits += 1
    shift = np.uint32(32 - bits)
    for j in range(1, half + 1):
        for u in range(n):
            v = (u + j) % n
            a, pos = _mt_next(mt, pos)
            b, pos = _mt_next(mt, pos)
            # CPython's random(): 53 bits from two outputs
            r = ((a >> np.uint32(5)) * 67108864.0 + (b >> np.uint32(6))) * INV_2_53
            if r < p:
                w, pos = _choice(mt, pos, n, shift)
                skipped = False
                while w == u or _has(adj, deg, u, w):
                    w, pos = _choice(mt, pos, n, shift)
                    if deg[u] >= n - 1:
                        skipped = True
                        break
                if not skipped:
                    _drop(adj, deg, u, v)
                    _drop(adj, deg, v, u)
                    if deg[u] >= width or deg[w] >= width:
                        return adj, deg, False
                    adj[u, deg[u]] = w
                    deg[u] += 1
                    adj[w, deg[w]] = u
                    deg[w] += 1
    return adj, deg, True


@njit(cache=True)
def _choice(mt, pos, n, shift):
    """CPython's ``choice(range(n))``: getrandbits(n.bit_length()) until it is below n."""
    while True:
        y, pos = _mt_next(mt, pos)
        r = int(y >> shift)
        if r < n:
            return r, pos


@njit(cache=True)
def _has(adj, deg, u, w):
    for a in range(deg[u]):
        if adj[u, a] == w:
            return True
    return False


@njit(cache=True)
def _drop(adj, deg, u, v):
    """Remove v from u's list (the order of a list does not matter: rows are sorted later)."""
    for a in range(deg[u]):
        if adj[u, a] == v:
            deg[u] -= 1
            adj[u, a] = adj[u, deg[u]]
            return


@njit(cache=True, parallel=True)
def _rows_to_csr(adj, deg):
    """Neighbour lists → CSR with each row sorted."""
    n = deg.shape[0]
    indptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        indptr[i + 1] = indptr[i] + deg[i]
    indices = np.empty(indptr[n], np.int32)
    for i in prange(n):
        row = indices[indptr[i]:indptr[i + 1]]
        row[:] = adj[i, :deg[i]]
        row.sort()
    return indptr, indices
