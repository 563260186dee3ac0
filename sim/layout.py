"""Positions for drawing a small graph: networkx's spring layout, bit for bit, without networkx.

``network_sample`` lays a run's few hundred sampled customers out once, at the end of every run.
``networkx.spring_layout(G, seed=s, iterations=m)`` did it, but importing networkx and its
pass over an ``(n, n, 2)`` array per iteration (the pairwise distances through
``np.linalg.norm(delta, axis=-1)``, a reduction over an axis of length 2) took about a quarter
of a second of a default run. :func:`spring_layout` is the same Fruchterman–Reingold iteration
(networkx's ``_fruchterman_reingold`` and ``rescale_layout``, graphs under 500 nodes) with the
same random start (``numpy.random.RandomState(seed)``), the same floating-point operations in
the same order and the same ``np.einsum`` calls on arrays of the same layout, so the same
positions to the last bit (checked against networkx in ``tests/unit/test_layout.py``); only the
differences and distances are computed on the two coordinates' own ``(n, n)`` arrays.

Fruchterman, T. M. J. and Reingold, E. M. (1991). Graph drawing by force-directed placement.
Software: Practice and Experience 21(11), 1129–1164.
"""

from __future__ import annotations

import numpy as np

#: networkx lays out graphs of this many nodes or more with its sparse method (``method="auto"``).
DENSE_LIMIT = 500


def spring_layout(adjacency: np.ndarray, seed: int, iterations: int = 50,
                  threshold: float = 1e-4) -> np.ndarray:
    """``networkx.spring_layout(G, seed=seed, iterations=iterations)`` of a graph's adjacency.

    Args:
        adjacency: ``[n, n]`` weights (1.0 per edge, symmetric; row ``i`` is the ``i``-th node
            of ``G``).
        seed: Seed of the random starting positions (an integer, as networkx takes it).
        iterations: Most iterations (fewer when the nodes stop moving: ``threshold``).
        threshold: Mean displacement per node below which the iteration stops.

    Returns:
        ``[n, 2]`` positions centred on 0, the largest coordinate ±1 (as networkx's, ``scale=1``).
    """
    a = np.asarray(adjacency, dtype=np.float64)
    n = a.shape[0]
    if n >= DENSE_LIMIT:  # networkx's sparse method: not replayed here
        import networkx as nx

        pos = nx.spring_layout(nx.from_numpy_array(a), seed=seed, iterations=iterations,
                               threshold=threshold)
        return np.array([pos[i] for i in range(n)], dtype=np.float64).reshape(-1, 2)
    if n <= 1:
        return np.zeros((n, 2))
    pos = np.asarray(np.random.RandomState(seed).rand(n, 2), dtype=a.dtype)
    k = np.sqrt(1.0 / n)  # optimal distance between nodes
    t = max(max(pos.T[0]) - min(pos.T[0]), max(pos.T[1]) - min(pos.T[1])) * 0.1
    dt = t / (iterations + 1)
    delta = np.empty((n, n, 2))
    for _ in range(iterations):
        # delta[i, j] = pos[i] - pos[j]; its norm is sqrt(dx**2 + dy**2), the reduction
        # np.linalg.norm(delta, axis=-1) computes, with the same two roundings
        dx = np.subtract.outer(pos[:, 0], pos[:, 0])
        dy = np.subtract.outer(pos[:, 1], pos[:, 1])
        delta[:, :, 0] = dx
        delta[:, :, 1] = dy
        dx *= dx
        dy *= dy
        dx += dy
        distance = np.sqrt(dx, out=dx)
        np.clip(distance, 0.01, None, out=distance)
        displacement = np.einsum("ijk,ij->ik", delta, (k * k / distance**2 - a * distance / k))
        length = np.linalg.norm(displacement, axis=-1)
        length = np.clip(length, a_min=0.01, a_max=None)
        delta_pos = np.einsum("ij,i->ij", displacement, t / length)
        pos += delta_pos
        t -= dt  # cooling
        if (np.linalg.norm(delta_pos) / n) < threshold:
            break
    # networkx's rescale_layout (scale 1), then + its centre (zeros: turns -0.0 into 0.0)
    pos -= pos.mean(axis=0)
    lim = np.abs(pos).max()
    if lim > 0:
        pos *= 1 / lim
    return pos + np.zeros(2)
