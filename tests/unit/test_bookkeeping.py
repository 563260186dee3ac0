"""The per-step bookkeeping equals the NumPy expressions it replaces, bit for bit, on both paths.

Small inputs take the NumPy path, large ones the Numba pass (``NUMBA_BLOCKS``,
``NUMBA_CELLS``); both are checked here against the plain NumPy form.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels import bookkeeping
from sim.kernels.bookkeeping import block_sum, ended_relationships, mark_starts


def _loop_sum(a: np.ndarray) -> np.ndarray:
    out = np.zeros(a.shape[1:], dtype=a.dtype)
    for b in range(a.shape[0]):
        out += a[b]
    return out


@pytest.mark.parametrize("blocks", [5, bookkeeping.NUMBA_BLOCKS + 5])
def test_block_sum_is_the_ordered_loop(blocks):
    gen = np.random.default_rng(3)
    shape = (blocks, 4, 2, 3)
    # magnitudes far apart, so that any other order of summation rounds differently
    a = gen.normal(size=shape) * 10.0 ** gen.integers(-8, 9, size=shape)
    a[3, 1, 0, 2] = np.nan
    a[:, 0, 0, 0] = -0.0
    got = block_sum(a)
    want = _loop_sum(a)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(got, want, equal_nan=True)
    assert np.signbit(got[0, 0, 0]) == np.signbit(want[0, 0, 0])
    # the comparison can fail: the blocks summed in reverse order round differently
    assert not np.array_equal(got, _loop_sum(a[::-1]), equal_nan=True)
    ints = gen.integers(-5, 5, size=(blocks, 4, 3))
    assert np.array_equal(block_sum(ints), ints.sum(axis=0))


@pytest.mark.parametrize("n", [500, bookkeeping.NUMBA_CELLS // 3 + 7])
def test_ended_relationships_is_nonzero(n):
    gen = np.random.default_rng(4)
    ended = gen.integers(-1, 4, size=(n, 3)).astype(np.int8)
    ended[gen.random(ended.shape) < 0.7] = -1
    rows, cats = ended_relationships(ended)
    want_rows, want_cats = np.nonzero(ended >= 0)
    assert rows.dtype == want_rows.dtype and cats.dtype == want_cats.dtype
    assert np.array_equal(rows, want_rows) and np.array_equal(cats, want_cats)
    none = ended_relationships(np.full((n, 3), -1, np.int8))
    assert none[0].size == 0 and none[1].size == 0


@pytest.mark.parametrize("n", [400, bookkeeping.NUMBA_CELLS // 2 + 11])
def test_mark_starts_is_the_masked_assignment(n):
    gen = np.random.default_rng(5)
    tenure = gen.integers(0, 3, size=(n, 2)).astype(np.int16)
    firm_of = gen.integers(-1, 4, size=(n, 2)).astype(np.int8)
    start = gen.integers(0, 9, size=(n, 2)).astype(np.int32)
    want = start.copy()
    want[(tenure == 1) & (firm_of >= 0)] = 17
    mark_starts(tenure, firm_of, start, 17)
    assert np.array_equal(start, want)
