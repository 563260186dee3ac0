"""ccsim's YAML configs, shipped as the package ``sim.conf`` (see ``sim.configure.conf_dir``).

One launcher preset cannot be set in YAML: the submitit launcher plugin stores its presets in
Hydra's ConfigStore, and a YAML file of the same name would shadow it with a deprecation
warning. Its ``submitit_local`` preset keeps job files in ``<sweep>/.submitit/%j``; submitit's
local controller then also creates a folder literally named ``%j``. This module is imported
before Hydra composes anything (``conf_dir()`` locates it), so it re-stores that preset with
the job files directly in ``<sweep>/.submitit/``, after Hydra's plugin scan (which runs once
per process and would store the plugin's preset again; Hydra runs it before composing anyway).
"""

from __future__ import annotations


def _submitit_local_without_literal_folder() -> None:
    try:
        from hydra.core.config_store import ConfigStore
        from hydra.core.plugins import Plugins
        from hydra_plugins.hydra_submitit_launcher.config import LocalQueueConf
    except ImportError:  # the slurm extra is not installed: nothing to adjust
        return
    Plugins.instance()
    ConfigStore.instance().store(
        group="hydra/launcher", name="submitit_local", provider="submitit_launcher",
        node=LocalQueueConf(submitit_folder="${hydra.sweep.dir}/.submitit"))


_submitit_local_without_literal_folder()
