"""A small sample of the customer network for pictures: who is in it, where, and who knows whom.

A run saves it as ``network_sample.parquet`` so that a picture of the market can be redrawn
from the files alone (the dashboard's replay): which firm each sampled customer buys from at a
step comes from ``spells.parquet`` (:func:`firms_from_spells`), the same as
:func:`current_firms` reads from a live model's state.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pandas as pd

from .layout import spring_layout
from .rng import derived_seed

#: Customers in a network sample: enough to see clusters, few enough to draw at every step.
SAMPLE_SIZE = 300
#: Neighbourhoods the sample grows from (a snowball from each), so it shows more than one.
SAMPLE_SEEDS = 3
#: Columns of a network sample.
COLUMNS = ("customer", "persona", "x", "y", "neighbours")


def sample_customers(indptr: np.ndarray, indices: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Customers reached by snowball sampling (breadth first) from a few random starts.

    Args:
        indptr: CSR row pointers of the network (``n + 1``).
        indices: CSR neighbour lists.
        size: How many customers to take (all of them if the market is smaller).
        seed: The run's seed (the sample is a named stream of it).

    Returns:
        The sampled customers' indices, sorted.
    """
    n = indptr.shape[0] - 1
    if n <= size:
        return np.arange(n, dtype=np.int64)
    gen = np.random.default_rng(derived_seed(seed, "network_sample"))
    taken = np.zeros(n, dtype=bool)
    count = 0
    ball = -(-size // SAMPLE_SEEDS)  # customers per neighbourhood
    while count < size:
        start = int(gen.integers(n))
        if taken[start]:
            continue
        taken[start] = True
        count += 1
        grown, queue = 1, deque([start])
        while queue and grown < ball and count < size:
            node = queue.popleft()
            for nb in gen.permutation(indices[indptr[node]:indptr[node + 1]]):
                if not taken[nb]:
                    taken[nb] = True
                    count += 1
                    grown += 1
                    queue.append(int(nb))
                    if grown >= ball or count >= size:
                        break
    return np.flatnonzero(taken).astype(np.int64)


def network_sample(model: Any, size: int = SAMPLE_SIZE) -> pd.DataFrame:
    """A few hundred customers of a model's network, laid out for drawing.

    Args:
        model: A :class:`~sim.model.MarketModel` (reads ``network``, ``traits.persona``,
            ``seed``).
        size: Number of customers to sample.

    Returns:
        One row per sampled customer: ``customer`` (index in the market), ``persona``, ``x`` and
        ``y`` (a spring layout of the sample, in [-1, 1]: :func:`sim.layout.spring_layout`) and
        ``neighbours`` (the customer's neighbours that are in the sample too). A fully mixed
        market has no edges.
    """
    net = model.network
    customers = sample_customers(net.indptr, net.indices, size, model.seed)
    inside = set(customers.tolist())
    neighbours = [sorted(int(j) for j in net.indices[net.indptr[i]:net.indptr[i + 1]]
                         if int(j) in inside) for i in customers]
    # the sample's graph as networkx's spring layout saw it: an edge per listed pair (either
    # way round), no self-loops, nodes in the order of ``customers``
    adjacency = np.zeros((customers.shape[0], customers.shape[0]))
    row = {int(c): k for k, c in enumerate(customers)}
    for k, (i, nbs) in enumerate(zip(customers, neighbours, strict=True)):
        for j in nbs:
            if j > i:
                adjacency[k, row[j]] = adjacency[row[j], k] = 1.0
    layout_seed = derived_seed(model.seed, "network_layout") % (2**32)
    xy = spring_layout(adjacency, seed=layout_seed, iterations=60)
    return pd.DataFrame({
        "customer": customers,
        "persona": model.traits.persona[customers].astype(np.int8),
        "x": xy[:, 0], "y": xy[:, 1],
        "neighbours": [np.array(nbs, dtype=np.int64) for nbs in neighbours],
    })


def edges(sample: pd.DataFrame) -> np.ndarray:
    """The sample's edges as rows ``(row_a, row_b)`` of positions in ``sample``, each once."""
    row = {int(c): k for k, c in enumerate(sample["customer"])}
    out = [(k, row[int(j)]) for k, (i, nbs) in enumerate(zip(sample["customer"],
                                                             sample["neighbours"], strict=True))
           for j in nbs if int(j) > int(i)]
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def current_firms(firm_of: np.ndarray) -> np.ndarray:
    """The firm each customer buys from: that of their first category with a firm, else -1.

    Args:
        firm_of: ``[N, C]`` current firm per customer and category (-1: none), as in
            :class:`~sim.customers.State`.
    """
    has = firm_of >= 0
    first = np.argmax(has, axis=1)
    firm = firm_of[np.arange(firm_of.shape[0]), first].astype(np.int64)
    return np.where(has.any(axis=1), firm, -1)


def firms_from_spells(spells: pd.DataFrame, customers: np.ndarray, n_categories: int,
                      step: int) -> np.ndarray:
    """What :func:`current_firms` showed after ``step``, rebuilt from a run's spells table.

    A relationship counts at ``step`` if it started at or before it and had not ended by then
    (``end`` is the step in which it ended, -1 while it lasts).

    Args:
        spells: The run's ``spells.parquet`` (``customer, category, firm, start, end``).
        customers: Customers to look up.
        n_categories: Number of product categories in the run.
        step: The step (0: the starting market).
    """
    live = spells[(spells["start"] <= step) & ((spells["end"] < 0) | (spells["end"] > step))]
    live = live[live["customer"].isin(customers)]
    firm_of = np.full((customers.shape[0], n_categories), -1, dtype=np.int64)
    row = pd.Series(np.arange(customers.shape[0]), index=customers)
    firm_of[row[live["customer"]].to_numpy(), live["category"].to_numpy()] = live["firm"].to_numpy()
    return current_firms(firm_of)
