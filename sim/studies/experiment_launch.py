"""Launch a list of jobs through Hydra's configured launcher, as one resumable sweep.

``ccsim run -m`` makes a sweep of a Cartesian product of values (Hydra's basic sweeper); an
experiment is a list of jobs that is no product (arms × seeds, then Latin-hypercube points,
each a different set of overrides). :func:`launch` does what Hydra's ``multirun`` does, with
that list in place of the sweeper's product: it composes the primary configuration with the
``hydra.*`` overrides given (``hydra/launcher=ray``, ``hydra.launcher.n_jobs=2``, ...), builds
Hydra's launcher from it (joblib by default: its loky worker processes are reused from job to
job, so each worker imports the model and loads the compiled kernels once) and hands it the
jobs, a chunk of seeds of one setting per Hydra job (:mod:`sim.studies.experiment_task`), so
Hydra composes one configuration per chunk rather than per run. Each run is still a sweep job
of its own (:func:`sim.sweep._run_locked`): a folder named by its overrides as ``ccsim run -m``
names it, ``summary.json`` last, skipped when complete, ``error.json`` when it fails, a progress
line counted from the markers on disk. So the sweep folder is an ordinary ccsim sweep (``ccsim
collect`` reads it; ``sweep.json`` records the planned runs), and running the same list again
runs only what is missing: :func:`pending` leaves out, before anything is launched, every run
whose complete result was made from the same configuration.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import io
from ..sweep import MARKER, SWEEP_INFO, SweepReport, report
from ..sweep_plan import job_dirname

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from ..config import Config

__all__ = ["CHUNK", "chunks", "compose_master", "job_names", "launch", "pending", "with_seed"]

#: What ``ccsim run -m`` sets: the jobs run as sweep jobs (idempotent, ``sim.sweep.run_job``).
MULTIRUN = "hydra.mode=MULTIRUN"
#: Seeds of one setting per Hydra job.
CHUNK = 10


def _hydra(config_dir: str) -> object:
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.global_hydra import GlobalHydra

    from ..config import register_configs

    register_configs()
    GlobalHydra.instance().clear()
    return Hydra.create_main_hydra2(task_name="ccsim",
                                    config_search_path=create_config_search_path(config_dir))


def compose_master(sweep_dir: str | os.PathLike, hydra_overrides: Sequence[str] = (),
                   log: bool = False) -> DictConfig:
    """The sweep's primary configuration (with Hydra's node), as ``ccsim run -m`` composes it.

    Args:
        sweep_dir: The sweep folder (``hydra.sweep.dir``).
        hydra_overrides: ``hydra.*`` and ``hydra/...`` overrides (the launcher and its options).
        log: Configure logging from the configuration (as Hydra does before a sweep).
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.utils import setup_globals
    from hydra.types import RunMode

    from .. import sweep_plan  # noqa: F401 - registers the ccsim.job_dir resolver
    from ..configure import conf_dir

    setup_globals()
    hydra = _hydra(str(conf_dir()))
    try:
        return hydra.compose_config(  # type: ignore[attr-defined]
            "config", [f"hydra.sweep.dir={Path(sweep_dir).resolve()}", MULTIRUN,
                       *hydra_overrides],
            run_mode=RunMode.MULTIRUN, with_log_configuration=log)
    finally:
        GlobalHydra.instance().clear()


def job_names(lines: Sequence[Sequence[str]], master: DictConfig) -> list[str]:
    """Each job's folder name in the sweep (what ``hydra.sweep.subdir`` makes of it)."""
    named = master.hydra.job.config.override_dirname
    exclude, item, kv = list(named.exclude_keys), named.item_sep, named.kv_sep
    return [job_dirname(line, exclude, item, kv) for line in lines]


def pending(sweep_dir: str | os.PathLike, names: Sequence[str],
            configs: Sequence[Config]) -> list[int]:
    """Indices of the jobs without a complete result made from the same configuration."""
    from ..fingerprint import config_hash

    root = Path(sweep_dir)
    out = []
    for i, (name, cfg) in enumerate(zip(names, configs, strict=True)):
        try:
            summary = json.loads((root / name / MARKER).read_text())
            done = summary.get("config_hash") == config_hash(cfg)
        except (OSError, ValueError):
            done = False
        if not done:
            out.append(i)
    return out


def chunks(lines: Sequence[Sequence[str]], size: int = CHUNK) -> list[list[str]]:
    """The Hydra jobs that run ``lines``: each a setting's overrides with up to ``size`` seeds.

    A line's setting is its overrides other than ``seed=``; lines of one setting are chunked
    in their order.
    """
    from .experiment_task import chunk_line

    by_setting: dict[tuple[str, ...], list[int]] = {}
    for line in lines:
        seeds = [o for o in line if o.startswith("seed=")]
        if len(seeds) != 1:
            raise ValueError(f"{' '.join(line)}: a run names exactly one seed=")
        setting = tuple(o for o in line if not o.startswith("seed="))
        by_setting.setdefault(setting, []).append(int(seeds[0].split("=", 1)[1]))
    out = []
    for setting, seeds in by_setting.items():
        for k in range(0, len(seeds), size):
            out.append(chunk_line(list(setting), seeds[k:k + size]))
    return out


def launch(lines: Sequence[Sequence[str]], sweep_dir: str | os.PathLike,
           hydra_overrides: Sequence[str] = (), planned: Sequence[Sequence[str]] | None = None,
           chunk: int = CHUNK) -> SweepReport:
    """Run jobs (each a full list of overrides) through Hydra's launcher, in one sweep folder.

    The runs of one setting (the same overrides but the seed) go to Hydra in chunks of up to
    ``chunk`` seeds, each chunk one Hydra job (:mod:`sim.studies.experiment_task`): Hydra then
    composes a configuration per chunk, not per run, and every run still gets its own job
    folder, named as ``ccsim run -m`` names it.

    Args:
        lines: The jobs to run.
        sweep_dir: The sweep folder (created).
        hydra_overrides: ``hydra.*`` overrides: the launcher (``hydra/launcher=ray``) and its
            settings (``hydra.launcher.n_jobs=2``).
        planned: Every job of the sweep, the ones already complete included (``sweep.json``'s
            plan, which the progress lines count); ``lines`` by default.
        chunk: Seeds per Hydra job.

    Returns:
        The sweep's report (complete, failed and unfinished jobs) after the launch.
    """
    from hydra._internal.callbacks import Callbacks
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.plugins import Plugins
    from hydra.core.utils import setup_globals
    from hydra.types import HydraContext, RunMode
    from omegaconf import OmegaConf

    from ..configure import conf_dir
    from .experiment_task import CHUNK_SUBDIR, task

    root = Path(sweep_dir).resolve()
    planned = lines if planned is None else planned
    setup_globals()
    hydra = _hydra(str(conf_dir()))
    try:
        master = hydra.compose_config(  # type: ignore[attr-defined]
            "config", [f"hydra.sweep.dir={root}", MULTIRUN, *hydra_overrides,
                       f"hydra.sweep.subdir={CHUNK_SUBDIR}"],
            run_mode=RunMode.MULTIRUN, with_log_configuration=True)
        root.mkdir(parents=True, exist_ok=True)
        names = job_names(planned, master)
        io.write_json({"total": len(planned), "started": time.time(),
                       "overrides": list(hydra_overrides),
                       "launcher": OmegaConf.select(master, "hydra.launcher._target_"),
                       "jobs": [{"run_id": n, "overrides": list(j)}
                                for n, j in zip(names, planned, strict=True)]},
                      root / SWEEP_INFO)
        OmegaConf.save(master, root / "multirun.yaml")
        if lines:
            from ..parent_watch import watch_workers

            watch_workers()  # joblib's workers end with this process, even after kill -9
            callbacks = Callbacks(master)
            launcher = Plugins.instance().instantiate_launcher(
                hydra_context=HydraContext(config_loader=hydra.config_loader,  # type: ignore
                                           callbacks=callbacks),
                task_function=task, config=master)
            launcher.launch(chunks(lines, chunk), initial_job_idx=0)
    finally:
        GlobalHydra.instance().clear()
    return report(root)


def with_seed(config: Config, seed: int) -> Config:
    """A job's configuration: its setting's validated one with the job's seed."""
    return dataclasses.replace(config, seed=seed)
