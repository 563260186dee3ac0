"""Compose and validate configurations with Hydra, turning every failure into one clear line.

``load_config(overrides)`` is the Python way to get exactly what ``ccsim run overrides`` would
run; ``check_overrides`` validates a command line (each value of a sweep too) and
``check_launch`` Hydra's own settings (launcher, output folder) before Hydra creates any output
folder.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict, read_write
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
            return f"{key}{shown}: {_plain_type_error(msg)}"
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    m = re.search(r"Could not override '([^']+)'", first)
    if m:
        return _unknown_key(m.group(1))
    m = re.search(r"In '([^']+)': Could not find '([^']+)'", first)
    if m or "Could not find" in first:
        return _missing_option(first, text)
    m = re.search(r"Cannot find primary config '([^']+)'", first)
    if m:
        return (f"--config-name={m.group(1)}: no such config; allowed: "
                f"{', '.join(primary_configs())}")
    return first


_TYPE_NAMES = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}


def _plain_type_error(msg: str) -> str:
    """OmegaConf's 'Value 'abc' of type 'str' could not be converted to Integer' → 'not an …'."""
    m = re.match(r"Value '.*' of type '\w+' could not be converted to (\w+)", msg)
    if m and m.group(1) in _TYPE_NAMES:
        return f"not {_TYPE_NAMES[m.group(1)]}; allowed: {_TYPE_NAMES[m.group(1)]}"
    return msg


def primary_configs() -> list[str]:
    """Names ``--config-name`` accepts: the YAML files at the top of ``conf/``."""
    return sorted(p.stem for p in conf_dir().glob("*.yaml"))


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
    m = re.search(r"Could not find '([^']+)/([^'/]+)'", first)
    if not m:
        return first
    group, option = m.group(1), m.group(2)
    # Hydra lists the options it found on the whole search path (plugins, --config-dir too)
    options, listing = [], False
    for line in text[1:]:
        if line.startswith("Available options in"):
            listing = True
        elif listing and line.startswith("\t"):
            options.append(line.strip())
        elif listing:
            break
    if not options:
        options = sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))
    what = "launcher" if group == "hydra/launcher" else f"{group} preset"
    return f"{group}={option}: no such {what}; allowed: {', '.join(options)}"


@contextlib.contextmanager
def _composer(config_dir: str | None, hydra: bool) -> Iterator[list[str]]:
    """Hydra initialised on ``conf/`` (outside any Hydra app); yields overrides to append."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    extra = []
    if config_dir:
        extra = [f"hydra.searchpath=[file://{Path(config_dir).resolve()}]"]
    if hydra:
        from hydra.core.utils import setup_globals

        setup_globals()  # registers Hydra's ${now:...} resolver
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        yield extra


def compose(overrides: list[str] | tuple[str, ...] = (), *, hydra: bool = False,
            config_name: str = "config", config_dir: str | None = None) -> DictConfig:
    """Compose ``conf/config.yaml`` with Hydra overrides, outside any Hydra app.

    Args:
        overrides: Hydra override lines, e.g. ``["seed=7", "scenario=subscription"]``.
        hydra: Also compose Hydra's own node (``cfg.hydra``: launcher, run and sweep folders);
            its ``${now:...}`` interpolations resolve to the current time.
        config_name: The primary config (``--config-name``).
        config_dir: A folder of extra configs searched too (``--config-dir``).
    """
    from hydra import compose as hydra_compose

    with _composer(config_dir, hydra) as extra:
        return hydra_compose(config_name=config_name, overrides=[*overrides, *extra],
                             return_hydra_config=hydra)


def group_options(overrides: list[str], groups: tuple[str, ...] | list[str], *,
                  config_name: str = "config", config_dir: str | None = None,
                  ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The preset chosen in each config group by a command line, and every preset there.

    Returns:
        ``(choices, options)``: group → chosen preset, group → all presets Hydra can find
        (``conf/``, Hydra's plugins and ``--config-dir``).
    """
    from hydra import compose as hydra_compose
    from hydra.core.global_hydra import GlobalHydra

    line, _ = _first_values(parse_overrides(list(overrides)))
    with _composer(config_dir, True) as extra:
        cfg = hydra_compose(config_name=config_name, overrides=[*line, *extra],
                            return_hydra_config=True)
        loader = GlobalHydra.instance().config_loader()
        options = {g: set(loader.get_group_options(g)) for g in groups}
    if config_dir:  # the loader's own listing does not search hydra.searchpath additions
        for g in groups:
            options[g] |= {p.stem for p in (Path(config_dir) / g).glob("*.yaml")}
    choices = {str(k): str(v) for k, v in cfg.hydra.runtime.choices.items()}
    return choices, {g: sorted(names) for g, names in options.items()}


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


def read_config(path: str | Path) -> Config:
    """The validated :class:`Config` of a saved run's ``config.yaml``; raises ConfigError."""
    try:
        saved = OmegaConf.load(Path(path))
        return to_config(OmegaConf.merge(OmegaConf.structured(Config), saved))
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - unreadable or not of the schema: one line
        raise ConfigError(f"{path}: not a ccsim configuration ({_hydra_message(exc)})") from None


def load_config(overrides: list[str] | tuple[str, ...] = (), *, config_name: str = "config",
                config_dir: str | None = None) -> Config:
    """The validated configuration ``ccsim run *overrides`` would run; raises ConfigError."""
    return to_config(_compose_checked(overrides, config_name=config_name, config_dir=config_dir))


def _compose_checked(overrides: list[str] | tuple[str, ...], **where: Any) -> DictConfig:
    """:func:`compose`, with Hydra's and OmegaConf's errors as one-line ConfigErrors."""
    try:
        return compose(overrides, **where)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra wraps OmegaConf errors in its own exceptions
        raise ConfigError(_hydra_message(exc)) from None


def parse_overrides(overrides: list[str]) -> list[Any]:
    """Parse each override on its own, so that a syntax error names the override it is in.

    Overrides of Hydra's node that could run code or write outside the output folder are
    refused here too (:func:`sim.hydra_policy.check_overrides`), so every path of ``ccsim run``
    checks them first.

    Returns:
        Hydra's parsed ``Override`` objects, in order.

    Raises:
        ConfigError: ``KEY=VALUE: what is wrong; how to write it``.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for line in overrides:
        try:
            (ov,) = parser.parse_overrides([line])
        except Exception as exc:  # Hydra's OverrideParseException, or ANTLR's own errors
            raise ConfigError(_syntax_message(line, exc)) from None
        if not ov.key_or_group:
            raise ConfigError(f"{line}: no key before '='; write KEY=VALUE (e.g. seed=5)")
        parsed.append(ov)
    from .hydra_policy import check_overrides as check_hydra_overrides

    check_hydra_overrides(parsed)
    return parsed


def _syntax_message(line: str, exc: BaseException) -> str:
    if "=" not in line:
        return f"{line}: not an override; write KEY=VALUE (e.g. seed=5) or a flag such as -m"
    reasons = [t for t in str(exc).splitlines() if t.strip()
               and not t.startswith(("See https", "Error parsing override"))]
    why = f" ({reasons[0].strip()})" if reasons else ""
    return (f"{line}: cannot read the value{why}; write KEY=VALUE, a list as 'key=[1,2]', "
            "a sweep (with -m) as key=1,2, and quote values with spaces or brackets")


def _first_values(parsed: list[Any]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Each sweep at its first value, and (position, values) of every sweep."""
    base, sweeps = [], []
    for i, ov in enumerate(parsed):
        if ov.is_sweep_override():
            try:
                values = list(ov.sweep_string_iterator())
            except Exception as exc:  # e.g. glob() over a group needs the config loader
                raise ConfigError(f"{ov.input_line}: {_hydra_message(exc)}") from None
            sweeps.append((i, values))
            base.append(f"{ov.get_key_element()}={values[0]}")
        else:
            base.append(ov.input_line)
    return base, sweeps


def check_overrides(overrides: list[str], multirun: bool = False, *,
                    config_name: str = "config", config_dir: str | None = None) -> list[Config]:
    """Validate a command line's overrides; with ``multirun`` every value of every sweep.

    Each swept value is checked with the other sweeps at their first value, so the cost is the
    sum, not the product, of the sweep sizes. A sweep (``sim.sweep_plan``) also refuses a key or
    a value given twice and expands ``glob()``; with the shipped primary config its configs are
    composed once per set of config-group choices and copied for plain values.

    Returns:
        The validated configurations that were checked (one per swept value).
    """
    from .sweep_plan import check_size

    where = {"config_name": config_name, "config_dir": config_dir}
    parsed = parse_overrides(overrides)
    plain = [ov for ov in parsed
             if not ov.input_line.startswith("hydra.") and not ov.input_line.startswith("hydra/")]
    lines = [ov.input_line for ov in plain]
    if not multirun:
        for ov in plain:
            if ov.is_sweep_override():
                raise ConfigError(f"{ov.input_line}: several values make a sweep; add -m "
                                  f"(ccsim run -m {ov.input_line} ...)")
        return [load_config(lines, **where)]
    check_size(parsed)  # before listing any value (MAX_JOBS)
    shipped = config_name == "config" and config_dir is None
    if not shipped:  # another primary config: compose each job's configuration
        base, sweeps = _first_values(plain)
        load = functools.partial(load_config, **where)
    else:
        from .sweep_plan import Composer, parse

        composer = Composer.shared()
        base, sweeps = _first_values(parse(lines, composer.loader))
        load = composer.config
    configs = [load(base)]
    with _progress(sum(len(values) - 1 for _, values in sweeps)) as bar:
        for i, values in sweeps:
            key = plain[i].get_key_element()
            for value in values[1:]:
                line = list(base)
                line[i] = f"{key}={value}"
                configs.append(load(line))
                bar.update(1)
    if shipped:
        composer.validated.add(tuple(lines))  # sim.sweep: Hydra need not compose every job again
    return configs


def _progress(total: int) -> Any:
    """A progress bar on stderr for validating a large sweep (shown after a second)."""
    import sys

    from tqdm.std import tqdm

    return tqdm(total=total, desc="ccsim: checking the sweep's values", unit="value",
                delay=PROGRESS_DELAY, leave=False, file=sys.stderr,
                disable=None if total >= PROGRESS_FROM else True)  # None: on a terminal


#: Sweeps with at least this many values to check show a progress bar while they are checked
#: (on a terminal, once checking has taken :data:`PROGRESS_DELAY` seconds).
PROGRESS_FROM = 1000
PROGRESS_DELAY = 1.0


@dataclass
class Launch:
    """What Hydra will do with a checked command line: where it writes, how many jobs at once."""

    output_dir: Path  #: the run folder, or the sweep folder with ``-m``
    parallel: int  #: jobs that may run at the same time on this machine (1 for a single run)
    mode: Any = None  #: ``hydra.mode`` as composed (None unless a config or override sets it)


def check_launch(overrides: list[str], multirun: bool = False, *, config_name: str = "config",
                 config_dir: str | None = None) -> Launch:
    """Check Hydra's own settings on a command line: launcher, its options, the output folder.

    Hydra's node is composed with each ``hydra.*`` sweep at its first value (the others are
    left at their defaults: they do not change where output goes or how it is launched).

    Raises:
        ConfigError: an unknown launcher, a wrong launcher option, an output folder that is
            empty, a file, or not writable.
    """
    parsed = parse_overrides(overrides)
    hydra_side = [ov for ov in parsed if ov.input_line.startswith(("hydra.", "hydra/"))]
    others = [ov.input_line for ov in parsed if ov not in hydra_side and not ov.is_sweep_override()]
    line = [*others, *_first_values(hydra_side)[0]]
    try:
        cfg = compose(line, hydra=True, config_name=config_name, config_dir=config_dir)
    except Exception as exc:  # noqa: BLE001 - Hydra's and OmegaConf's errors, reduced to a line
        raise ConfigError(_hydra_message(exc)) from None
    return _launch(cfg, parsed, hydra_side, multirun)


def _launch(cfg: DictConfig, parsed: list[Any], hydra_side: list[Any], multirun: bool,
            ) -> Launch:
    """:func:`check_launch`'s checks on a configuration composed with Hydra's node."""
    from .hydra_policy import check_node

    check_node(cfg)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [ov.input_line for ov in hydra_side if ov.get_key_element() == key]
    try:
        folder = OmegaConf.select(cfg, key)
    except OmegaConfBaseException as exc:
        msg = _hydra_message(exc).removeprefix(f"{key}: ")
        raise ConfigError(f"{given[-1] if given else key}: {msg}") from None
    shown = given[-1] if given else f"{key}={folder}"
    check_output_dir(str(folder or ""), shown, "sweep" if multirun else "run")
    parallel = 1
    if multirun:
        parallel = min(_parallel_jobs(cfg), _job_count(parsed) or 2**31)
    return Launch(Path(str(folder)), parallel, OmegaConf.select(cfg, "hydra.mode"))


def check_run(overrides: list[str], *, config_name: str = "config",
              config_dir: str | None = None) -> tuple[Config, Launch]:
    """:func:`check_overrides` and :func:`check_launch` of a single run, composing once.

    The two checks compose the configuration separately (without and with Hydra's node), each
    about 0.1 s; a single run needs one composition with Hydra's node, whose own part is the
    very configuration ``check_overrides`` composes (``hydra.*`` overrides change only Hydra's
    node). Whenever that composition fails, the two checks run as before, so every error
    message stays theirs; so does the order of the checks (the configuration first).

    Returns:
        The validated configuration and the launch (as the two checks return them).

    Raises:
        ConfigError: as :func:`check_overrides`, then :func:`check_launch`, would.
    """
    where = {"config_name": config_name, "config_dir": config_dir}
    parsed = parse_overrides(overrides)
    hydra_side = [ov for ov in parsed if ov.input_line.startswith(("hydra.", "hydra/"))]
    plain = [ov.input_line for ov in parsed if ov not in hydra_side]
    try:
        if any(ov.is_sweep_override() or ov.input_line.lstrip("+~").startswith("hydra")
               for ov in parsed if ov not in hydra_side):
            raise ValueError("a sweep, or Hydra's node changed in another way: the checks say")
        cfg = compose([*plain, *(ov.input_line for ov in hydra_side)], hydra=True, **where)
    except Exception:  # noqa: BLE001 - the separate checks give each failure its own message
        return check_overrides(overrides, **where)[0], check_launch(overrides, **where)
    # Hydra's settings are read before its node is dropped; a failure there is raised after
    # the configuration's own checks, as check_overrides runs before check_launch
    try:
        launch: Launch | ConfigError = _launch(cfg, parsed, hydra_side, multirun=False)
    except ConfigError as exc:
        launch = exc
    with read_write(cfg), open_dict(cfg):
        del cfg["hydra"]
    config = to_config(cfg)
    if isinstance(launch, ConfigError):
        raise launch
    return config, launch


def _job_count(parsed: list[Any]) -> int | None:
    """Jobs a sweep makes (the product of its sweeps' sizes); None if a size is not known here."""
    from .sweep_plan import sweep_size

    count = 1
    for ov in parsed:
        size = sweep_size(ov)  # counted, not listed; None for glob() (needs the config loader)
        if size is None:
            return None
        count *= size
    return count


def _parallel_jobs(cfg: DictConfig) -> int:
    """Jobs the launcher runs at once (joblib's ``n_jobs``; 1 for launchers on other machines)."""
    target = str(OmegaConf.select(cfg, "hydra.launcher._target_") or "")
    if "joblib" not in target.lower():
        return 1
    n_jobs = OmegaConf.select(cfg, "hydra.launcher.n_jobs")
    cores = os.cpu_count() or 1
    if n_jobs is None:
        return cores
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ConfigError("hydra.launcher.n_jobs=0: no worker would run a job; allowed: a "
                          "positive number of workers, or -1 for one per core")
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


def check_output_dir(folder: str, shown: str, kind: str = "run") -> None:
    """Refuse an output folder that is empty, a file, a link, unwritable, or someone else's.

    A folder that exists and is not empty must be ccsim's own (:mod:`sim.folders`): an earlier
    run that this one replaces (``kind="run"``) or a sweep that this one continues
    (``kind="sweep"``), recognised by the marker only ccsim writes (or, for folders written
    before markers, by their ``summary.json`` or ``sweep.json``). Nothing is left behind:
    writability is tried with a temporary folder that is removed at once.

    Args:
        folder: The resolved folder (relative to the current folder).
        shown: The ``KEY=VALUE`` to name in the message.
        kind: ``"run"`` or ``"sweep"``.
    """
    from .cli_parser import write_problem
    from .folders import RUN_MARKER, SWEEP_MARKER, is_run_folder, is_sweep_folder

    if not folder.strip():
        raise ConfigError(f"{shown}: empty; name a folder (the default is under results/)")
    path = Path(folder)
    if path.is_symlink():
        raise ConfigError(f"{shown}: {path} is a symbolic link; name a real folder (ccsim does "
                          "not write through links)")
    sweep = kind == "sweep"
    if path.is_dir() and any(path.iterdir()):
        ours = is_sweep_folder(path) if sweep else is_run_folder(path)
        if not ours:
            what = "sweep to continue" if sweep else "run to replace"
            marker = SWEEP_MARKER if sweep else RUN_MARKER
            raise ConfigError(f"{shown}: {path} already holds other files (no {marker}: not "
                              f"made by ccsim); name a new or empty folder, or one with an "
                              f"earlier {what}")
        if sweep:
            links = sorted(e.name for e in os.scandir(path) if e.is_symlink())
            if links:
                raise ConfigError(f"{shown}: {path} holds a symbolic link ({links[0]}); ccsim "
                                  "does not write through links: remove it")
    problem = write_problem(path)
    if problem:
        raise ConfigError(f"{shown}: {problem}")
