"""Compose and validate configurations with Hydra, turning every failure into one clear line.

``load_config(overrides)`` is the Python way to get exactly what ``ccsim run overrides`` would
run; ``check_overrides`` validates a command line (each value of a sweep too) before Hydra
creates any output folder.
"""

from __future__ import annotations

import difflib
import functools
import re
from importlib.resources import files
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .config import Config, ConfigError, FirmConfig, register_configs, validate


def conf_dir() -> Path:
    """Folder of the YAML configs shipped with the package (``conf/`` in the source tree)."""
    return Path(str(files("sim.conf")))


def _hydra_message(exc: BaseException) -> str:
    """Reduce a Hydra/OmegaConf exception chain to 'key=value: what is wrong'."""
    chain = []
    e: BaseException | None = exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for err in chain:
        if "is not a subclass of FirmConfig" in str(err):
            key = getattr(err, "full_key", "") or "?"
            return (f"firms.{key}: firms cannot be added from the command line; "
                    "choose or write a firms preset in conf/firms/ (firms=two_vs_two)")
        if isinstance(err, OmegaConfBaseException) and getattr(err, "full_key", None):
            key = err.full_key
            msg = str(getattr(err, "msg", err)).splitlines()[0]
            value = getattr(err, "value", None)
            m = re.match(r"Key '(.+)' not in '(\w+)'", msg)
            if m or "not in" in msg:
                return _unknown_key(key)
            shown = f"={value}" if value is not None else ""
            return f"{key}{shown}: {msg}"
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    m = re.search(r"Could not override '([^']+)'", first)
    if m:
        return _unknown_key(m.group(1))
    m = re.search(r"In '([^']+)': Could not find '([^']+)'", first)
    if m or "Could not find" in first:
        return _missing_option(first, text)
    return first


@functools.cache  # pure function of the schema; to_config calls it per node
def _schema_keys(path: str) -> list[str]:
    """Keys the schema allows under a dotted path (dict entries take their value type)."""
    import dataclasses
    import typing

    tp: object = Config
    for part in [p for p in path.split(".") if p]:
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            if part not in hints:
                return []
            tp = hints[part]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return []
    if typing.get_origin(tp) is dict:
        return []
    if path.startswith("firms.") and path.count(".") == 1:
        tp = FirmConfig
    return [f.name for f in dataclasses.fields(tp)] if dataclasses.is_dataclass(tp) else []


def _is_mapping(path: str) -> bool:
    """True if the schema declares ``path`` as a dict of plain values (e.g. firm shares)."""
    import dataclasses
    import typing

    tp: object = Config
    for part in [p for p in path.split(".") if p]:
        if dataclasses.is_dataclass(tp):
            tp = typing.get_type_hints(tp).get(part)
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        if tp is None:
            return False
    return typing.get_origin(tp) is dict and not dataclasses.is_dataclass(typing.get_args(tp)[1])


def _unknown_key(key: str) -> str:
    parent, _, leaf = key.rpartition(".")
    if _is_mapping(parent):  # a free-form dict such as firms.x.shares takes new entries with +
        return f"{key}: no such entry yet; add it with +{key}=VALUE"
    known = _schema_keys(parent)
    close = difflib.get_close_matches(leaf, known, n=1)
    hint = f" (did you mean {parent + '.' if parent else ''}{close[0]}?)" if close else ""
    allowed = f"; allowed keys there: {', '.join(known)}" if known and not close else ""
    return f"{key}: unknown key{hint}{allowed}"


def _missing_option(first: str, text: list[str]) -> str:
    m = re.search(r"Could not find '([^/']+)/([^']+)'", first)
    if not m:
        return first
    group, option = m.group(1), m.group(2)
    options = sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))
    return f"{group}={option}: no such {group} preset; allowed: {', '.join(options)}"


def compose(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose ``conf/config.yaml`` with Hydra overrides, outside any Hydra app."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=list(overrides))


def _check_keys(node: DictConfig, path: str) -> None:
    """Reject keys the schema does not know (Hydra's ``+key=value`` adds them silently)."""
    known = _schema_keys(path)
    for key in node.keys():
        key = str(key)
        sub = f"{path}.{key}" if path else key
        if known and key not in known:
            raise ConfigError(_unknown_key(sub))
        child = node._get_node(key)
        if isinstance(child, DictConfig) and path != "hydra":
            _check_keys(child, sub)


def _firm(name: str, entry: object) -> FirmConfig:
    """One ``firms`` entry as a validated-type FirmConfig (typos and wrong types rejected)."""
    if isinstance(entry, FirmConfig):
        return entry
    if not isinstance(entry, dict):
        raise ConfigError(f"firms.{name}={entry!r}: a firm is a mapping such as "
                          "{strategy: customer_centric}")
    try:
        node = OmegaConf.merge(OmegaConf.structured(FirmConfig), OmegaConf.create(entry))
        return OmegaConf.to_object(node)
    except OmegaConfBaseException as exc:
        msg = _hydra_message(exc)
        raise ConfigError(f"firms.{name}.{msg}") from None


def to_config(cfg: DictConfig) -> Config:
    """Build the validated :class:`Config` object from a composed ``DictConfig``."""
    try:
        _check_keys(cfg, "")
        obj = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as exc:
        raise ConfigError(_hydra_message(exc)) from None
    if not isinstance(obj, Config):  # composed without the schema (should not happen)
        raise ConfigError("configuration does not follow the sim.config.Config schema")
    obj.firms = {str(name): _firm(str(name), entry) for name, entry in obj.firms.items()}
    return validate(obj)


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """The validated configuration ``ccsim run *overrides`` would run; raises ConfigError."""
    try:
        cfg = compose(overrides)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra wraps OmegaConf errors in its own exceptions
        raise ConfigError(_hydra_message(exc)) from None
    return to_config(cfg)


def check_overrides(overrides: list[str], multirun: bool = False) -> None:
    """Validate a command line's overrides; with ``multirun`` every value of every sweep.

    Each swept value is checked with the other sweeps at their first value, so the cost is the
    sum, not the product, of the sweep sizes. A sweep (``sim.sweep_plan``) also refuses a key or
    a value given twice and expands ``glob()``; its configs are composed once per set of config
    group choices and copied for plain values (as fast as Hydra's own override code allows).
    """
    plain = [o for o in overrides if not o.startswith("hydra.") and not o.startswith("hydra/")]
    if not multirun:
        load_config(plain)
        return
    from .sweep_plan import Composer, parse

    composer = Composer.shared()
    parsed = parse(plain, composer.loader)
    base, sweeps = [], []
    for ov in parsed:
        if ov.is_sweep_override():
            values = list(ov.sweep_string_iterator())
            sweeps.append((ov, values))
            base.append(f"{ov.get_key_element()}={values[0]}")
        else:
            base.append(ov.input_line)
    composer.config(base)
    for ov, values in sweeps:
        for value in values[1:]:
            line = list(base)
            line[parsed.index(ov)] = f"{ov.get_key_element()}={value}"
            composer.config(line)
    composer.validated.add(tuple(plain))  # sim.sweep: Hydra need not compose every job again
