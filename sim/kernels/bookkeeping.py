"""Per-step bookkeeping over every customer, as single Numba passes (no NumPy temporaries).

Each function computes exactly what the NumPy expression named in its docstring computes
(the same values, the same order), only without the full-size boolean temporaries: at 10^6
customers the NumPy forms took several milliseconds a step.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def block_sum(a):
    """``a.sum`` over the first (block) axis, strictly in block order.

    The same as ``out = zeros(a.shape[1:]); for b: out += a[b]``: each element is summed from
    0 in block order, so the float result is bit-identical to that loop for any number of
    threads the blocks were computed on.
    """
    nb = a.shape[0]
    flat = a.reshape(nb, -1)
    out = np.zeros(flat.shape[1], a.dtype)
    for b in range(nb):
        for j in range(flat.shape[1]):
            out[j] += flat[b, j]
    return out.reshape(a.shape[1:])


@njit(cache=True)
def ended_relationships(ended):
    """``np.nonzero(ended >= 0)``: (customers, categories) of relationships that ended, in order."""
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
def mark_starts(tenure, firm_of, start, step):
    """``start[(tenure == 1) & (firm_of >= 0)] = step``: relationships begun this step."""
    # reshape, not ravel: a view or an error, never a silent copy of start
    t, f, s = tenure.reshape(-1), firm_of.reshape(-1), start.reshape(-1)
    for k in range(t.size):
        if t[k] == 1 and f[k] >= 0:
            s[k] = step
