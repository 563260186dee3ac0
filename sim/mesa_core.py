"""Mesa's core classes (``Model``, ``Agent``, ``DataCollector``) without all of ``import mesa``.

``import mesa`` runs the package's ``__init__``, which imports its spaces (networkx, scipy),
its experimental modules and its batch runner: about a second on this machine, most of a
warm ``ccsim run``'s start-up, for classes a run never uses. :data:`mesa` here is the real
``mesa`` package object with only ``mesa.model``, ``mesa.agent`` and ``mesa.datacollection``
loaded; the first access to any other name (``mesa.space``, ``mesa.batch_run``, …) runs the
package's own ``__init__`` then, so code that needs the rest still gets it.

One side effect of ``import mesa`` is deferred with the rest: its batch runner sets the
process's ``multiprocessing`` start method to ``spawn``. ccsim's parallel work uses joblib's
loky processes and Hydra's launchers, which do not depend on it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def _core_mesa() -> ModuleType:
    """The ``mesa`` package with its core submodules loaded and its ``__init__`` deferred."""
    if "mesa" in sys.modules:  # already imported (fully, or by an earlier call)
        return sys.modules["mesa"]
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None:  # pragma: no cover - mesa is a dependency
        raise ImportError("mesa is not installed")
    pkg = importlib.util.module_from_spec(spec)
    sys.modules["mesa"] = pkg

    def __getattr__(name: str):  # noqa: ANN202, N807 - a module's own __getattr__
        del pkg.__dict__["__getattr__"]
        spec.loader.exec_module(pkg)  # the package's own __init__, once
        return getattr(pkg, name)

    pkg.__getattr__ = __getattr__
    try:
        for sub in ("agent", "model", "datacollection"):
            importlib.import_module(f"mesa.{sub}")
    except BaseException:
        del sys.modules["mesa"]
        raise
    pkg.Agent = sys.modules["mesa.agent"].Agent
    pkg.Model = sys.modules["mesa.model"].Model
    pkg.DataCollector = sys.modules["mesa.datacollection"].DataCollector
    return pkg


mesa = _core_mesa()
