"""Per-step bookkeeping over every customer: Numba passes for large markets, NumPy for small.

Each function returns exactly what the NumPy expression named in its docstring returns (the
same values, the same order). Large markets get a single Numba pass without full-size NumPy
temporaries (at 10^6 customers the NumPy forms took about 10 ms a step); small ones keep the
NumPy form, so that a default run neither compiles (cold) nor loads (warm) these kernels for
savings smaller than that cost.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Sizes from which the Numba passes are used: blocks of tallies, customer × category cells.
NUMBA_BLOCKS = 32
NUMBA_CELLS = 2**17


def block_sum(a: np.ndarray) -> np.ndarray:
    """``a`` summed over its first (block) axis strictly in block order.

    The same as ``out = zeros(a.shape[1:]); for b: out += a[b]``: each element is summed from
    0 in block order, so the float result is bit-identical to that loop for any number of
    threads the blocks were computed on.
    """
    if a.shape[0] < NUMBA_BLOCKS:
        out = np.zeros(a.shape[1:], dtype=a.dtype)
        for b in range(a.shape[0]):
            out += a[b]
        return out
    return _block_sum_nb(a.reshape(a.shape[0], -1)).reshape(a.shape[1:])


def ended_relationships(ended: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero(ended >= 0)``: (customers, categories) of relationships that ended, in order."""
    if ended.size < NUMBA_CELLS:
        return np.nonzero(ended >= 0)
    return _ended_nb(ended)


def mark_starts(tenure: np.ndarray, firm_of: np.ndarray, start: np.ndarray, step: int) -> None:
    """``start[(tenure == 1) & (firm_of >= 0)] = step``: relationships begun this step."""
    if tenure.size < NUMBA_CELLS:
        start[(tenure == 1) & (firm_of >= 0)] = step
    else:
        _mark_starts_nb(tenure, firm_of, start, step)


@njit(cache=True)
def _block_sum_nb(flat):
    out = np.zeros(flat.shape[1], flat.dtype)
    for b in range(flat.shape[0]):
        for j in range(flat.shape[1]):
            out[j] += flat[b, j]
    return out


@njit(cache=True)
def _ended_nb(ended):
    n_cat = ended.shape[1]
    flat = ended.reshape(-1)
    count = 0
    for k in range(flat.size):
        count += flat[k] >= 0
    rows = np.empty(count, np.int64)
    cats = np.empty(count, np.int64)
    j = 0
    for k in range(flat.size):
        if flat[k] >= 0:
            rows[j] = k // n_cat
            cats[j] = k % n_cat
            j += 1
    return rows, cats


@njit(cache=True)
def _mark_starts_nb(tenure, firm_of, start, step):
    # reshape, not ravel: a view or an error, never a silent copy of start
    t, f, s = tenure.reshape(-1), firm_of.reshape(-1), start.reshape(-1)
    for k in range(t.size):
        if t[k] == 1 and f[k] >= 0:
            s[k] = step
