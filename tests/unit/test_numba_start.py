"""Numba starts without importing ``scipy.linalg`` (``sim.numba_start``), and BLAS still works."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import numpy as np
from sim import rng  # registers scipy.linalg.cython_blas on its own
from sim.kernels.networks import watts_strogatz_csr  # any kernel: Numba's CPU target starts
watts_strogatz_csr(200, 4, 0.1, 3)
assert "scipy.linalg.cython_blas" in sys.modules
assert "scipy.linalg" not in sys.modules, "Numba's start imported scipy.linalg"
import numba
@numba.njit
def gram(a):
    return np.dot(a, a.T)  # BLAS through Numba: its functions come from the module loaded
a = np.arange(12.0).reshape(3, 4)
assert np.array_equal(gram(a), a @ a.T)
import scipy.linalg  # the package itself still imports and works
from scipy.linalg import cython_blas
assert cython_blas is sys.modules["scipy.linalg.cython_blas"]
assert np.allclose(scipy.linalg.solve(2 * np.eye(3), np.ones(3)), 0.5)
print("ok")
"""


def test_numba_starts_without_scipy_linalg_and_blas_works():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"


def test_nothing_done_when_scipy_linalg_is_imported_already():
    script = ("import sys, scipy.linalg; sys.modules.pop('scipy.linalg.cython_blas', None);"
              "from sim.numba_start import load_blas_only; print(load_blas_only())")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "False"
