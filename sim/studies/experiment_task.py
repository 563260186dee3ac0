"""The Hydra task of an experiment's sweep: one job runs a chunk of seeds of one setting.

Hydra's launchers compose every job's configuration from scratch (about a third of a second
here) and write its ``.hydra/`` folder; for thousands of short runs that costs more than the
runs. So an experiment's Hydra job is a *chunk*: the overrides of one setting (an arm at a
point) plus ``+ccsim_seeds=[s1,s2,...]``. The task validates the setting once and runs each
seed as an ordinary sweep job of its own — the folder ``ccsim run -m`` would give it (named by
the setting's overrides and ``seed=s``), its flock, ``summary.json`` last, ``error.json`` when
it fails, its progress line (:func:`sim.sweep._run_locked`), and ``.hydra/overrides.yaml`` so
that ``ccsim collect`` reads its overrides — so the sweep folder is a ccsim sweep like any
other and a run never runs twice. The chunk's own Hydra folder is hidden
(``.chunks/...``: ``ccsim collect`` and the progress lines skip it).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)

__all__ = ["CHUNK_SUBDIR", "SEEDS_KEY", "chunk_line", "task"]

#: The key that carries a chunk's seeds (added with ``+``; never part of a run's config).
SEEDS_KEY = "ccsim_seeds"
#: ``hydra.sweep.subdir`` of the chunks: hidden, named by the chunk's overrides.
CHUNK_SUBDIR = "'.chunks/${ccsim.job_dir:${hydra.job.override_dirname}}'"


def chunk_line(setting: list[str], seeds: list[int]) -> list[str]:
    """A chunk's Hydra overrides: its setting and its seeds."""
    return [*setting, f"+{SEEDS_KEY}=[{','.join(str(s) for s in seeds)}]"]


def task(cfg: DictConfig) -> None:
    """Run every seed of the chunk as its own sweep job (Hydra's task function)."""
    import yaml
    from hydra.core.hydra_config import HydraConfig

    from .. import io
    from ..configure import to_config
    from ..folders import RUN_MARKER, claim
    from ..sweep import _job_lock, _run_locked, limit_numba_threads, progress_line
    from ..sweep_plan import job_dirname

    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.raiseExceptions = False
    hc = HydraConfig.get()
    sweep_dir = Path(str(hc.sweep.dir)).resolve()
    named = hc.job.config.override_dirname
    setting = [str(o) for o in hc.overrides.task
               if not str(o).lstrip("+").startswith(f"{SEEDS_KEY}=")]
    seeds = [int(s) for s in cfg[SEEDS_KEY]]
    with open_dict(cfg):
        cfg.pop(SEEDS_KEY)
    threads = limit_numba_threads()
    try:
        base = to_config(cfg)
    except Exception:  # noqa: BLE001 - each run records the configuration's error
        base = None
    for seed in seeds:
        line = [*setting, f"seed={seed}"]
        run_id = job_dirname(line, list(named.exclude_keys), named.item_sep, named.kv_sep)
        job_dir = sweep_dir / run_id
        t0 = time.perf_counter()
        if job_dir.is_symlink():  # as sim.sweep.run_job: a link put there is not followed
            log.error("ccsim: error: %s: the job folder is a symbolic link; not run", job_dir)
            continue
        claim(job_dir, RUN_MARKER)  # a job folder of this sweep, as run_job marks Hydra's
        with _job_lock(job_dir, run_id) as waited:
            overrides = job_dir / ".hydra" / "overrides.yaml"
            if not overrides.is_file():
                io.write_text(yaml.safe_dump(line), overrides)
            config = None if base is None else dataclasses.replace(base, seed=seed)
            status, detail = _run_locked(None if config is not None else cfg, job_dir, run_id,
                                         line, threads, waited, config=config)
        progress_line(sweep_dir, run_id, status, time.perf_counter() - t0, detail)
