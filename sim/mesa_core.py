"""Mesa's core classes (``Model``, ``Agent``, ``DataCollector``) without all of ``import mesa``.

``import mesa`` runs the package's ``__init__``, which imports its spaces (networkx, scipy),
its experimental modules and its batch runner: about a second on this machine, most of a
warm ``ccsim run``'s start-up, for classes a run never uses. :data:`mesa` here is the real
``mesa`` package object with only ``mesa.model``, ``mesa.agent`` and ``mesa.datacollection``
loaded; the first access to any other name (``mesa.space``, ``mesa.batch_run``, …) runs the
package's own ``__init__`` then, so code that needs the rest still gets it. While those three
modules load, two of Mesa's logging helpers, which walk the whole stack through ``inspect``
(a quarter of a second deep inside a run's imports), are replaced by equivalents that read
one frame; the loggers and wrappers they make are the same.

One side effect of ``import mesa`` is deferred with the rest: its batch runner sets the
process's ``multiprocessing`` start method to ``spawn``. ccsim's parallel work uses joblib's
loky processes and Hydra's launchers, which do not depend on it.
"""

from __future__ import annotations

import functools
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
        logs = importlib.import_module("mesa.mesa_logging")
        slow = logs.create_module_logger, logs.method_logger
        logs.create_module_logger = _named_by_caller(slow[0])
        logs.method_logger = _method_logger(logs)
        try:
            for sub in ("agent", "model", "datacollection"):
                importlib.import_module(f"mesa.{sub}")
        finally:
            logs.create_module_logger, logs.method_logger = slow
    except BaseException:
        del sys.modules["mesa"]
        raise
    pkg.Agent = sys.modules["mesa.agent"].Agent
    pkg.Model = sys.modules["mesa.model"].Model
    pkg.DataCollector = sys.modules["mesa.datacollection"].DataCollector
    return pkg


def _named_by_caller(create):  # noqa: ANN001, ANN202 - wraps one Mesa function
    """``create_module_logger`` that names the logger from the caller's frame directly.

    Mesa's own finds the calling module through ``inspect.stack()`` and ``inspect.getmodule``,
    which read the source of every frame and scan every loaded module: a quarter of a second
    when called deep inside a run's imports. The logger (``MESA.<module>``) is the same.
    """

    def create_module_logger(name: str | None = None):  # noqa: ANN202
        if name is None:
            name = sys._getframe(1).f_globals["__name__"]
        return create(name)

    return create_module_logger


def _method_logger(logs: ModuleType):  # noqa: ANN202 - Mesa's decorator factory
    """Mesa's ``method_logger`` with the class name read from the caller's frame directly.

    Mesa's own calls ``inspect.getouterframes``, which reads the source of every frame on the
    stack; the wrapper it returns is the same as here.
    """

    def method_logger(name: str):  # noqa: ANN202
        logger = logs.get_module_logger(name)
        classname = sys._getframe(1).f_code.co_name

        def real_decorator(func):  # noqa: ANN001, ANN202
            @functools.wraps(func)
            def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                logger.debug(f"calling {classname}.{func.__name__} with {args[1::]} and {kwargs}")
                return func(*args, **kwargs)

            return wrapper

        return real_decorator

    return method_logger


mesa = _core_mesa()
