"""The sample's layout is networkx's spring layout to the last bit (``sim.layout``)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.layout import spring_layout


def _networkx(graph: nx.Graph, seed: int, iterations: int) -> np.ndarray:
    pos = nx.spring_layout(graph, seed=seed, iterations=iterations)
    return np.array([pos[v] for v in graph], dtype=np.float64).reshape(-1, 2)


@pytest.mark.parametrize("n", [2, 3, 17, 120, 300, 499])
@pytest.mark.parametrize("kind", ["small_world", "random", "no_edges"])
def test_same_positions_as_networkx(n, kind):
    seed = 7919 * n + len(kind)
    graph = {"small_world": lambda: nx.watts_strogatz_graph(n, min(6, n - 1), 0.1, seed=n),
             "random": lambda: nx.gnp_random_graph(n, 0.04, seed=n),
             "no_edges": lambda: nx.empty_graph(n)}[kind]()
    for iterations in (60, 5):
        mine = spring_layout(nx.to_numpy_array(graph), seed, iterations=iterations)
        theirs = _networkx(graph, seed, iterations)
        assert mine.dtype == theirs.dtype and mine.shape == (n, 2)
        assert np.array_equal(mine, theirs)  # exactly, not within a tolerance
        assert np.array_equal(np.signbit(mine), np.signbit(theirs))  # -0.0 too
    # another seed, another picture
    assert not np.array_equal(spring_layout(nx.to_numpy_array(graph), seed + 1, 60), mine)


def test_early_stop_as_networkx():
    # a threshold this large stops after the first iteration: the same one in both
    graph = nx.cycle_graph(40)
    mine = spring_layout(nx.to_numpy_array(graph), 3, iterations=60, threshold=1e3)
    pos = nx.spring_layout(graph, seed=3, iterations=60, threshold=1e3)
    assert np.array_equal(mine, np.array([pos[v] for v in graph]))
    assert not np.array_equal(mine, spring_layout(nx.to_numpy_array(graph), 3, iterations=60))


def test_tiny_and_large_graphs():
    assert spring_layout(np.zeros((0, 0)), 1).shape == (0, 2)
    assert spring_layout(np.zeros((1, 1)), 1).tolist() == [[0.0, 0.0]]
    # from 500 nodes networkx uses another method: handed over to networkx itself
    graph = nx.watts_strogatz_graph(500, 4, 0.1, seed=1)
    assert np.array_equal(spring_layout(nx.to_numpy_array(graph), 5, iterations=3),
                          _networkx(graph, 5, 3))
