"""Numba's start without importing all of ``scipy.linalg``.

When Numba first compiles or loads a kernel it sets up its CPU target, which imports
``numba.np.arraymath``, which checks once that SciPy's BLAS is there by importing
``scipy.linalg.cython_blas`` — and so the whole ``scipy.linalg`` package (its decompositions,
``numpy.f2py``, ``numpy.testing``, SciPy's array-API layer): about 0.15 s of every run, for a
module the kernels never call (they use no BLAS). :func:`load_blas_only` loads the
``cython_blas`` extension module on its own and registers it under its full name first, so the
check finds it and ``scipy.linalg`` is imported only by code that uses it (``from scipy.linalg
import ...`` still works as usual; Numba, if a kernel ever used BLAS, would take its functions
from this very module). Nothing changes if SciPy is not installed, if ``scipy.linalg`` is
already imported, or if loading the module on its own fails (then Numba imports it as before).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

#: The module Numba's BLAS check imports.
BLAS = "scipy.linalg.cython_blas"


def load_blas_only() -> bool:
    """Register SciPy's ``cython_blas`` without its package's ``__init__`` (once).

    Returns:
        True if the module is in ``sys.modules`` afterwards (loaded here or before).
    """
    if BLAS in sys.modules:
        return True
    if "scipy.linalg" in sys.modules:
        return False  # the package is imported already: let it import its own module
    try:
        import scipy  # the top-level package only (Numba imports it anyway)

        folder = Path(scipy.__file__).parent / "linalg"
        files = [folder / f"cython_blas{suffix}"
                 for suffix in importlib.machinery.EXTENSION_SUFFIXES]
        found = next((f for f in files if f.is_file()), None)
        if found is None:
            return False
        loader = importlib.machinery.ExtensionFileLoader(BLAS, str(found))
        spec = importlib.util.spec_from_file_location(BLAS, found, loader=loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[BLAS] = module
        loader.exec_module(module)
    except Exception:  # noqa: BLE001 - any failure: Numba imports scipy.linalg as before
        sys.modules.pop(BLAS, None)
        return False
    return True
