"""Social networks as CSR arrays (``indptr`` int64, ``indices`` int32), built with networkx.

Nodes are customers. Homophily orders customers by persona before a lattice-based generator
lays them out (small world), or raises within-persona edge odds (random: a stochastic block
model), so neighbours tend to share needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .config import NetworkConfig, NetworkKind
from .rng import derived_seed


@dataclass
class Network:
    """A customer network in CSR form; ``fully_mixed`` networks have no edges."""

    indptr: np.ndarray
    indices: np.ndarray
    fully_mixed: bool

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.indices.shape[0] // 2)

    def degree(self) -> np.ndarray:
        """Degree of every customer."""
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        """Indices of customer i's neighbours."""
        return self.indices[self.indptr[i]:self.indptr[i + 1]]


def _homophily_order(persona: np.ndarray, homophily: float, rng: np.random.Generator) -> np.ndarray:
    """Lattice position → customer: sorted by persona with probability ``homophily`` per slot."""
    n = persona.shape[0]
    key = np.where(rng.random(n) < homophily, persona.astype(np.float64), -1.0)
    noise = rng.random(n)
    # customers not placed by persona are scattered uniformly among all positions
    free = key < 0
    key[free] = noise[free] * (persona.max() + 1)
    key[~free] += 0.5
    return np.lexsort((noise, key))


def _to_csr(graph: nx.Graph, order: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    adj = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr", dtype=np.int8)
    if order is not None:  # relabel lattice positions as customers
        perm = sp.csr_array((np.ones(n, np.int8), (order, np.arange(n))), shape=(n, n))
        adj = (perm @ adj @ perm.T).tocsr()
    adj.sort_indices()
    return adj.indptr.astype(np.int64), adj.indices.astype(np.int32)


def build_network(cfg: NetworkConfig, persona: np.ndarray, seed: int) -> Network:
    """Build the network that ``cfg`` describes for customers with the given personas."""
    n = persona.shape[0]
    net_seed = derived_seed(seed, "network")
    if cfg.kind == NetworkKind.fully_mixed:
        return Network(np.zeros(n + 1, np.int64), np.zeros(0, np.int32), True)
    k = int(cfg.mean_degree)
    rng = np.random.default_rng(net_seed)
    order = None
    if cfg.kind == NetworkKind.small_world:
        graph = nx.watts_strogatz_graph(n, max(2, k - k % 2), cfg.rewire_prob, seed=net_seed)
        if cfg.homophily > 0:
            order = _homophily_order(persona, cfg.homophily, rng)
        else:
            order = rng.permutation(n)
    elif cfg.kind == NetworkKind.scale_free:
        graph = nx.barabasi_albert_graph(n, max(1, k // 2), seed=net_seed)
        order = rng.permutation(n)
    else:  # random
        p = k / max(1, n - 1)
        if cfg.homophily > 0:
            graph = _block_model(persona, p, cfg.homophily, net_seed)
        else:
            graph = nx.fast_gnp_random_graph(n, p, seed=net_seed)
    indptr, indices = _to_csr(graph, order, n)
    return Network(indptr, indices, False)


def _block_model(persona: np.ndarray, p: float, homophily: float, seed: int) -> nx.Graph:
    """Random graph with mean degree ≈ p(n−1) whose edges favour same-persona pairs."""
    n = persona.shape[0]
    sizes = np.bincount(persona.astype(np.int64), minlength=int(persona.max()) + 1)
    within = float((sizes * (sizes - 1)).sum()) / max(1, n * (n - 1))
    # split the expected edges: a share (within + homophily·(1−within)) inside personas
    share_in = within + homophily * (1.0 - within)
    p_in = min(1.0, p * share_in / max(within, 1e-12))
    p_out = min(1.0, p * (1.0 - share_in) / max(1.0 - within, 1e-12))
    probs = [[p_in if a == b else p_out for b in range(len(sizes))] for a in range(len(sizes))]
    graph = nx.stochastic_block_model(sizes.tolist(), probs, seed=seed, sparse=True)
    # SBM numbers nodes block by block; map back to customers
    order = np.argsort(persona, kind="stable")
    return nx.relabel_nodes(graph, {k: int(order[k]) for k in range(n)})
