"""Unit tests of ``sim.network``: CSR networks the word-of-mouth kernel can trust.

``hear_word_of_mouth`` assumes an undirected graph without self-loops in CSR form with int64
``indptr`` and int32 ``indices``; these tests check that every generator delivers that, with the
configured mean degree, and that homophily makes neighbours share personas.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sim.config import NetworkConfig, NetworkGenerator, NetworkKind
from sim.network import build_network

N = 400
PERSONA = np.random.default_rng(0).integers(0, 4, size=N).astype(np.int8)


def adjacency(net) -> sp.csr_array:
    data = np.ones(net.indices.shape[0], np.int8)
    return sp.csr_array((data, net.indices, net.indptr), shape=(N, N))


def same_persona_share(net) -> float:
    rows = np.repeat(np.arange(N), np.diff(net.indptr))
    return float(np.mean(PERSONA[rows] == PERSONA[net.indices]))


GENERATORS = list(NetworkGenerator)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(("kind", "homophily"), [(NetworkKind.small_world, 0.0),
                                                 (NetworkKind.small_world, 0.5),
                                                 (NetworkKind.scale_free, 0.0),
                                                 (NetworkKind.random, 0.0),
                                                 (NetworkKind.random, 0.5)])
def test_csr_is_a_simple_undirected_graph(kind, homophily, generator):
    net = build_network(NetworkConfig(kind=kind, mean_degree=8, homophily=homophily,
                                      generator=generator), PERSONA, seed=1)
    assert not net.fully_mixed
    assert net.indptr.dtype == np.int64 and net.indices.dtype == np.int32
    assert net.indptr.shape == (N + 1,) and net.indptr[0] == 0
    assert net.indptr[-1] == net.indices.shape[0]
    a = adjacency(net)
    assert (a != a.T).nnz == 0  # symmetric: i hears j iff j hears i
    assert a.diagonal().sum() == 0  # nobody is their own neighbour
    assert a.max() == 1  # no duplicate edges
    for i in range(N):  # sorted, in range
        nb = net.neighbours(i)
        assert np.all(np.diff(nb) > 0) and (nb.size == 0 or (nb.min() >= 0 and nb.max() < N))
    assert net.n_edges * 2 == net.indices.shape[0]
    # mean degree as configured (scale-free: 2m(n−m)/n with m = 4 → 7.92)
    assert abs(net.degree().mean() - 8.0) < 0.6


@pytest.mark.parametrize("generator", GENERATORS)
def test_small_world_without_rewiring_is_regular(generator):
    net = build_network(NetworkConfig(kind=NetworkKind.small_world, mean_degree=6,
                                      rewire_prob=0.0, generator=generator), PERSONA, seed=2)
    assert (net.degree() == 6).all()


def test_fully_mixed_has_no_edges():
    net = build_network(NetworkConfig(kind=NetworkKind.fully_mixed), PERSONA, seed=3)
    assert net.fully_mixed and net.n_edges == 0
    assert net.indptr.shape == (N + 1,) and (net.indptr == 0).all()


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("kind", [NetworkKind.small_world, NetworkKind.random])
def test_homophily_makes_neighbours_share_personas(kind, generator):
    # four personas of ~equal size: without homophily about 1/4 of edges stay within a persona
    plain = build_network(NetworkConfig(kind=kind, mean_degree=8, rewire_prob=0.0,
                                        generator=generator), PERSONA, 4)
    homo = build_network(NetworkConfig(kind=kind, mean_degree=8, rewire_prob=0.0,
                                       homophily=0.9, generator=generator), PERSONA, 4)
    assert abs(same_persona_share(plain) - 0.25) < 0.08
    assert same_persona_share(homo) > 0.75
    assert abs(homo.degree().mean() - plain.degree().mean()) < 1.0


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("kind", [NetworkKind.small_world, NetworkKind.scale_free,
                                  NetworkKind.random])
def test_same_seed_same_network_different_seed_different_network(kind, generator):
    cfg = NetworkConfig(kind=kind, mean_degree=6, generator=generator)
    a, b, c = (build_network(cfg, PERSONA, s) for s in (5, 5, 6))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


def test_generators_build_different_networks_of_the_same_kind():
    nx_net, nb_net = (build_network(NetworkConfig(kind=NetworkKind.scale_free, mean_degree=8,
                                                  generator=g), PERSONA, seed=1)
                      for g in GENERATORS)
    assert nx_net.n_edges == nb_net.n_edges  # (n − m)·m edges either way
    assert not np.array_equal(nx_net.indices, nb_net.indices)
