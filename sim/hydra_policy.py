"""What of Hydra's own configuration a command line or a preset may change: nothing that runs code.

Hydra instantiates every ``_target_`` under ``hydra.callbacks`` (and the launcher and sweeper
named in ``hydra.launcher`` and ``hydra.sweeper``), and hands ``hydra.job_logging`` and
``hydra.hydra_logging`` to Python's ``logging.config.dictConfig``, which creates any handler
class named there with any arguments (a ``logging.FileHandler`` with ``mode: w`` empties a file).
So whatever can set them can run code or overwrite files. ccsim therefore allows:

* ``_target_`` only from :data:`ALLOWED_TARGETS` (ccsim's sweep callback, Hydra's basic
  sweeper and launcher, and the joblib, submitit and Ray launchers the README documents);
* ``hydra.callbacks``, ``hydra.job_logging``, ``hydra.hydra_logging`` and ``hydra.searchpath``
  only as ccsim's own ``conf/`` sets them (``--config-dir`` adds a folder to the search path);
* Hydra's output paths only inside the output folder (``hydra.output_subdir``,
  ``hydra.sweep.subdir``: relative, without ``..``);
* no shell lines for a launcher to run (``hydra.launcher.setup`` of submitit), and no sweep
  from ``hydra.sweeper.params`` (its values would escape the checks of the command line's).

The rules hold wherever a value comes from: each override on the command line
(:func:`check_overrides`, before anything is composed, every value of a sweep included), each
YAML file of a ``--config-dir`` folder (:func:`check_config_dir`, every preset, chosen or not),
and the composed ``hydra`` node itself (:func:`check_node`, after group overrides such as
``hydra/job_logging=...`` and presets have been applied). Each refusal is one
:class:`~sim.config.ConfigError` line naming the override or file.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from .config import ConfigError

#: The only classes Hydra may instantiate for ccsim.
ALLOWED_TARGETS = frozenset({
    "sim.sweep.SweepCallback",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
})

#: Parts of Hydra's node that come from ccsim's conf only (dotted, below ``hydra``).
PROTECTED = ("callbacks", "job_logging", "hydra_logging", "searchpath")

__all__ = ["ALLOWED_TARGETS", "PROTECTED", "check_config_dir", "check_node", "check_overrides"]


def _protected(path: str) -> str | None:
    """The protected part of Hydra's node a dotted path touches (``hydra.callbacks.x``)."""
    parts = path.split(".")
    if parts[0] != "hydra":
        return None
    if len(parts) == 1:
        return "hydra"
    return f"hydra.{parts[1]}" if parts[1] in PROTECTED else None


def _targets(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every ``(dotted path, value)`` of a ``_target_`` key inside a value (dicts, lists)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            sub_path = f"{path}.{key}" if path else str(key)
            if key == "_target_":
                yield sub_path, sub
            else:
                yield from _targets(sub, sub_path)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _targets(sub, f"{path}[{i}]")


def _paths(value: Any, path: str) -> Iterator[str]:
    """Every dotted path a value sets below ``path`` (the path itself for a plain value)."""
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            yield from _paths(sub, f"{path}.{key}" if path else str(key))
    else:
        yield path


def _refuse_target(shown: str, target: Any) -> None:
    if str(target) not in ALLOWED_TARGETS:
        raise ConfigError(f"{shown}: _target_={target} is not allowed (Hydra would import and "
                          "call it); ccsim instantiates only its sweep callback, Hydra's basic "
                          "sweeper and launcher, and the joblib, submitit and Ray launchers")


def _values(ov: Any) -> list[Any]:
    """The values an override sets: one, or each of a list sweep (others: none known)."""
    from hydra.core.override_parser.types import ChoiceSweep

    try:
        value = ov.value()
    except Exception:  # noqa: BLE001 - e.g. glob() needs a config loader: a group choice
        return []
    if isinstance(value, ChoiceSweep):
        return list(value.list)
    return [] if ov.is_sweep_override() else [value]


def check_overrides(parsed: list[Any]) -> None:
    """Refuse command-line overrides that touch what may run code or write elsewhere.

    Args:
        parsed: Hydra ``Override`` objects (:func:`sim.configure.parse_overrides`).

    Raises:
        ConfigError: ``OVERRIDE: why``.
    """
    for ov in parsed:
        line = ov.input_line
        key = ov.key_or_group.replace("/", ".")
        package = (ov.package or "").replace("/", ".")
        for where in (key, package):
            part = _protected(where) if where else None
            if part == "hydra":
                raise ConfigError(f"{line}: Hydra's node is set key by key (hydra.run.dir=DIR, "
                                  "hydra.launcher.n_jobs=N, hydra/launcher=NAME)")
            if part:
                raise ConfigError(f"{line}: {part} comes from ccsim's conf only (it can run "
                                  "code or write files); it cannot be changed from the command "
                                  "line")
        if package.startswith("hydra"):
            raise ConfigError(f"{line}: a preset cannot be placed into Hydra's node "
                              f"(@{ov.package}); choose Hydra's presets with hydra/GROUP=NAME")
        if not key.startswith("hydra"):
            continue
        if key.endswith("._target_") or key == "_target_":
            for value in _values(ov) or [ov.get_value_element_as_str()]:
                _refuse_target(line, value)
        if key.startswith("hydra.sweeper.params") and not ov.is_delete():
            raise ConfigError(f"{line}: sweeps come from the command line only (ccsim run -m "
                              "KEY=A,B), where every value is checked first")
        if key == "hydra.launcher.setup" and not ov.is_delete():
            raise ConfigError(f"{line}: shell lines for the launcher to run are not taken from "
                              "the command line; load modules and set variables before `ccsim "
                              "run` (the jobs inherit the environment)")
        for value in _values(ov):
            for path in _paths(value, key):
                part = _protected(path)
                if part:
                    raise ConfigError(f"{line}: {part} comes from ccsim's conf only")
            for path, target in _targets(value, key):
                _refuse_target(f"{line} ({path})", target)


def _package(text: str, rel: Path) -> str:
    """Where a preset file's content goes: its ``# @package`` line, else its group's path."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body.startswith("@package"):
            package = body.removeprefix("@package").strip()
            return "" if package == "_global_" else package.replace("/", ".")
    return ".".join(rel.parent.parts)


def check_config_dir(folder: str | os.PathLike) -> None:
    """Refuse a ``--config-dir`` whose presets touch what may run code or write files.

    Every YAML file is read (chosen now or not: a sweep may choose any of them): a
    ``_target_`` outside :data:`ALLOWED_TARGETS`, any setting of ``hydra.callbacks``,
    ``hydra.job_logging``, ``hydra.hydra_logging`` or ``hydra.searchpath`` (directly, through
    its ``# @package`` line, or through its defaults list), or launcher shell lines refuse the
    folder.

    Raises:
        ConfigError: ``--config-dir=DIR: FILE: why``.
    """
    import yaml

    root = Path(folder)
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        rel = path.relative_to(root)
        shown = f"--config-dir={folder}: {rel}"
        try:
            text = path.read_text(encoding="utf-8")
            doc = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # not ccsim's to judge here: Hydra reports it if the preset is chosen
        package = _package(text, rel)
        if len(rel.parts) >= 3 and rel.parts[0] == "hydra" and rel.parts[1] in PROTECTED:
            raise ConfigError(f"{shown}: presets of hydra/{rel.parts[1]} are not taken from "
                              "--config-dir (ccsim's conf only)")
        if not isinstance(doc, dict):
            continue
        defaults = doc.get("defaults")
        for entry in defaults if isinstance(defaults, list) else []:
            text_entry = str(entry)
            if any(name in text_entry for name in PROTECTED):
                raise ConfigError(f"{shown}: its defaults list chooses {text_entry}; "
                                  "Hydra's logging and callbacks come from ccsim's conf only")
        body = {k: v for k, v in doc.items() if k != "defaults"}
        for dotted in _paths(body, package):
            part = _protected(dotted)
            if part:
                raise ConfigError(f"{shown}: sets {part}, which comes from ccsim's conf only "
                                  "(it can run code or write files)")
            if dotted == "hydra.launcher.setup" or dotted.startswith("hydra.launcher.setup."):
                raise ConfigError(f"{shown}: sets hydra.launcher.setup (shell lines); ccsim "
                                  "takes no shell lines from presets")
            if dotted.startswith("hydra.sweeper.params"):
                raise ConfigError(f"{shown}: sets hydra.sweeper.params; sweeps come from the "
                                  "command line only, where every value is checked first")
        for dotted, target in _targets(body, package):
            _refuse_target(f"{shown} ({dotted})", target)


@functools.cache
def _shipped() -> dict[str, Any]:
    """Ccsim's own settings of the protected parts of Hydra's node, as in ``conf/``."""
    from .configure import conf_dir

    conf = conf_dir()
    top = OmegaConf.to_container(OmegaConf.load(conf / "config.yaml"), resolve=False)
    return {
        "callbacks": top["hydra"]["callbacks"],
        "job_logging": OmegaConf.to_container(
            OmegaConf.load(conf / "hydra" / "job_logging" / "ccsim.yaml"), resolve=False),
        "hydra_logging": OmegaConf.to_container(
            OmegaConf.load(conf / "hydra" / "hydra_logging" / "ccsim.yaml"), resolve=False),
    }


def _relative_inside(value: str) -> bool:
    """A path that stays inside the folder it is joined to (relative, no ``..`` part)."""
    return bool(value) and not os.path.isabs(value) and ".." not in Path(value).parts


def check_node(cfg: DictConfig) -> None:
    """Check Hydra's composed node: allowed targets, ccsim's callbacks and logging, paths.

    Args:
        cfg: A configuration composed with Hydra's node (``return_hydra_config=True``).

    Raises:
        ConfigError: naming the key that is not allowed.
    """
    hydra = cfg.get("hydra")
    if not isinstance(hydra, DictConfig):
        return
    node = OmegaConf.to_container(hydra, resolve=False)
    shipped = _shipped()
    for part, wanted in shipped.items():
        if node.get(part) != wanted:
            raise ConfigError(f"hydra.{part}: differs from ccsim's conf (changed by an override "
                              "or a preset); it comes from ccsim's conf only, as it can run code "
                              "or write files")
    for path, target in _targets(node, "hydra"):
        if isinstance(target, str) and "${" in target:
            target = OmegaConf.select(cfg, path, throw_on_missing=False)
        _refuse_target(path, target)
    sweeper = node.get("sweeper")
    if isinstance(sweeper, dict) and sweeper.get("params"):
        raise ConfigError("hydra.sweeper.params: sweeps come from the command line only "
                          "(ccsim run -m KEY=A,B), where every value is checked first")
    launcher = node.get("launcher")
    if isinstance(launcher, dict) and launcher.get("setup"):
        raise ConfigError("hydra.launcher.setup: shell lines for the launcher to run are not "
                          "taken from the command line or presets")
    subdir = node.get("output_subdir")
    if subdir is not None and not _relative_inside(str(subdir)):
        raise ConfigError(f"hydra.output_subdir={subdir}: must be a folder inside the output "
                          "folder (relative, without '..'); the default is .hydra")
    sweep_subdir = (node.get("sweep") or {}).get("subdir")
    if sweep_subdir is not None and not _relative_inside(str(sweep_subdir)):
        raise ConfigError(f"hydra.sweep.subdir={sweep_subdir}: a job folder must be inside the "
                          "sweep folder (relative, without '..')")
