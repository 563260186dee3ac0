"""Social networks as CSR arrays (``indptr`` int64, ``indices`` int32).

Nodes are customers. Homophily orders customers by persona before a lattice-based generator
lays them out (small world), or raises within-persona edge odds (random: a stochastic block
model), so neighbours tend to share needs.

Two generators build the same kinds of network (``market.network.generator``): ``networkx``
(the default: networkx's graphs, every committed result made with them; its small world is
made by :func:`sim.kernels.networks.networkx_watts_strogatz_csr`, which replays networkx's
algorithm and random stream in Numba and gives the very same edges in a fraction of the time)
and ``numba`` (the kernels of :mod:`sim.kernels.networks`, straight to CSR: 10^7 customers in
seconds, no per-node Python objects). The two draw from different random streams, so the same
seed gives different networks; the numba path also leaves customers in lattice/attachment order
where customers are exchangeable (no homophily), which keeps neighbours near each other in
memory. networkx and SciPy are imported only when the networkx path runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .config import NetworkConfig, NetworkGenerator, NetworkKind
from .rng import derived_seed

if TYPE_CHECKING:
    import networkx as nx


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
    import networkx as nx
    import scipy.sparse as sp

    adj = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr", dtype=np.int8)
    if order is not None:  # relabel lattice positions as customers
        perm = sp.csr_array((np.ones(n, np.int8), (order, np.arange(n))), shape=(n, n))
        adj = (perm @ adj @ perm.T).tocsr()
    adj.sort_indices()
    return adj.indptr.astype(np.int64), adj.indices.astype(np.int32)


def _replay_matches_networkx() -> bool:
    """The replay is of networkx 3's ``watts_strogatz_graph`` (checked in the unit tests)."""
    from importlib.metadata import version

    return version("networkx").split(".")[0] == "3"


def build_network(cfg: NetworkConfig, persona: np.ndarray, seed: int) -> Network:
    """Build the network that ``cfg`` describes for customers with the given personas."""
    n = persona.shape[0]
    net_seed = derived_seed(seed, "network")
    if cfg.kind == NetworkKind.fully_mixed:
        return Network(np.zeros(n + 1, np.int64), np.zeros(0, np.int32), True)
    if cfg.generator == NetworkGenerator.numba:
        return _build_numba(cfg, persona, net_seed)
    k = int(cfg.mean_degree)
    rng = np.random.default_rng(net_seed)
    order = None
    if cfg.kind == NetworkKind.small_world:
        from .kernels.networks import networkx_watts_strogatz_csr, relabel_csr

        k_even = max(2, k - k % 2)
        # networkx's own graph, made by a kernel that replays its algorithm and random stream
        csr = (networkx_watts_strogatz_csr(n, k_even, cfg.rewire_prob, net_seed)
               if _replay_matches_networkx() else None)
        if cfg.homophily > 0:
            order = _homophily_order(persona, cfg.homophily, rng)
        else:
            order = rng.permutation(n)
        if csr is not None:
            return Network(*relabel_csr(*csr, order), False)
        import networkx as nx

        graph = nx.watts_strogatz_graph(n, k_even, cfg.rewire_prob, seed=net_seed)
    elif cfg.kind == NetworkKind.scale_free:
        import networkx as nx

        graph = nx.barabasi_albert_graph(n, max(1, k // 2), seed=net_seed)
        order = rng.permutation(n)
    else:  # random
        import networkx as nx

        p = k / max(1, n - 1)
        if cfg.homophily > 0:
            graph = _block_model(persona, p, cfg.homophily, net_seed)
        else:
            graph = nx.fast_gnp_random_graph(n, p, seed=net_seed)
    indptr, indices = _to_csr(graph, order, n)
    return Network(indptr, indices, False)


def _block_probs(persona: np.ndarray, p: float, homophily: float) -> tuple[float, float]:
    """Within- and across-persona edge probabilities for mean degree ≈ p(n−1) and homophily."""
    n = persona.shape[0]
    sizes = np.bincount(persona.astype(np.int64), minlength=int(persona.max()) + 1)
    within = float((sizes * (sizes - 1)).sum()) / max(1, n * (n - 1))
    # split the expected edges: a share (within + homophily·(1−within)) inside personas
    share_in = within + homophily * (1.0 - within)
    p_in = min(1.0, p * share_in / max(within, 1e-12))
    p_out = min(1.0, p * (1.0 - share_in) / max(1.0 - within, 1e-12))
    return p_in, p_out


def _block_model(persona: np.ndarray, p: float, homophily: float, seed: int) -> nx.Graph:
    """Random graph with mean degree ≈ p(n−1) whose edges favour same-persona pairs."""
    import networkx as nx

    n = persona.shape[0]
    sizes = np.bincount(persona.astype(np.int64), minlength=int(persona.max()) + 1)
    p_in, p_out = _block_probs(persona, p, homophily)
    probs = [[p_in if a == b else p_out for b in range(len(sizes))] for a in range(len(sizes))]
    graph = nx.stochastic_block_model(sizes.tolist(), probs, seed=seed, sparse=True)
    # SBM numbers nodes block by block; map back to customers
    order = np.argsort(persona, kind="stable")
    return nx.relabel_nodes(graph, {k: int(order[k]) for k in range(n)})


def _build_numba(cfg: NetworkConfig, persona: np.ndarray, net_seed: int) -> Network:
    """The same kinds of network as the networkx path, from :mod:`sim.kernels.networks`."""
    from .kernels import networks as gen

    n = persona.shape[0]
    k = int(cfg.mean_degree)
    if cfg.kind == NetworkKind.small_world:
        indptr, indices = gen.watts_strogatz_csr(n, max(2, k - k % 2), cfg.rewire_prob, net_seed)
        if cfg.homophily > 0:
            order = _homophily_order(persona, cfg.homophily, np.random.default_rng(net_seed))
            indptr, indices = gen.relabel_csr(indptr, indices, order)
    elif cfg.kind == NetworkKind.scale_free:
        indptr, indices = gen.barabasi_albert_csr(n, max(1, k // 2), net_seed)
    else:  # random
        p = min(k / max(1, n - 1), 1.0 - 1e-12)
        if cfg.homophily > 0:
            p_in, p_out = _block_probs(persona, p, cfg.homophily)
            order = np.argsort(persona, kind="stable")  # position → customer, block by block
            indptr, indices = gen.block_gnp_csr(persona[order], min(p_in, 1.0 - 1e-12),
                                                min(p_out, 1.0 - 1e-12), net_seed)
            indptr, indices = gen.relabel_csr(indptr, indices, order)
        else:
            indptr, indices = gen.gnp_csr(n, p, net_seed)
    return Network(indptr, indices, False)
