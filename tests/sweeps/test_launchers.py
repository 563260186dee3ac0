"""The same sweep on Hydra's other launcher plugins: submitit (local) and Ray.

submitit_local runs each job as its own process through submitit, the path SLURM jobs take
(``hydra/launcher=submitit_slurm``). Ray runs in-process (``ray.init`` inside ccsim) and against
a Ray cluster started with ``ray start --head`` on 127.0.0.1. Ray is kept on the loopback
address with ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (Ray otherwise swaps 127.0.0.1 for the
machine's network address). Skipped when the extra (``.[slurm]``, ``.[ray]``) is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from sim import results

from .conftest import TINY, count, events, job_folders

SEEDS = "seed=range(0,4)"
RAY_LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_DEDUP_LOGS": "0",
                "RAY_USAGE_STATS_ENABLED": "0"}


def _check_complete(out: Path) -> None:
    jobs = job_folders(out)
    assert len(jobs) == 4
    for job in jobs:
        assert (job / "summary.json").is_file()
        assert count(job, "ok") == 1
        assert next(e for e in events(job) if e["event"] == "start")["numba_threads"] == 1
    runs = results.load_sweep(out)
    assert sorted(runs["seed"]) == [0, 1, 2, 3] and (runs["status"] == "ok").all()


def test_submitit_local_sweep(tmp_path, sweep_cli):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    out = tmp_path / "sweep"
    proc = sweep_cli(["hydra/launcher=submitit_local", *TINY, SEEDS, f"hydra.sweep.dir={out}"],
                     tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    _check_complete(out)
    assert len({e["pid"] for j in job_folders(out) for e in events(j)}) == 4  # a process per job


@pytest.mark.slow
def test_ray_in_process_sweep(tmp_path, sweep_cli):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    out = tmp_path / "sweep"
    temp_dir = tempfile.mkdtemp(prefix="ccsim-ray-", dir="/tmp")  # short: Ray's socket paths
    try:
        proc = sweep_cli(["hydra/launcher=ray", "hydra.launcher.ray.init.address=local",
                          "+hydra.launcher.ray.init.num_cpus=2",
                          "+hydra.launcher.ray.init.include_dashboard=false",
                          f"+hydra.launcher.ray.init._temp_dir={temp_dir}",
                          *TINY, SEEDS, f"hydra.sweep.dir={out}"], tmp_path, **RAY_LOOPBACK)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Started a local Ray instance" in proc.stderr
    _check_complete(out)


def _plain(text: str) -> str:
    """Text without terminal colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ray_cluster_sweep(tmp_path, sweep_cli, cli):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    ray = Path(sys.executable).parent / "ray"
    port = _free_port()
    env = cli.env(**RAY_LOOPBACK, RAY_AUTH_MODE="token")
    head_dir = tmp_path / "head"  # the cluster's workers start here, not in the ccsim folder
    head_dir.mkdir()
    log = tmp_path / "head.log"
    # a short temp dir of its own (Ray's socket paths are length-limited): the cluster's address
    # file goes there, not into /tmp/ray where a plain ray.init() would find it later
    temp_dir = tempfile.mkdtemp(prefix="ccsim-ray-", dir="/tmp")
    with open(log, "w") as fh:
        head = subprocess.Popen(
            [str(ray), "start", "--head", f"--port={port}", "--num-cpus=2",
             f"--temp-dir={temp_dir}", "--include-dashboard=false", "--disable-usage-stats",
             "--block"],
            cwd=head_dir, env=env, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: stopped as a whole below
    try:
        deadline = time.monotonic() + 180
        while "Ray runtime started" not in log.read_text():
            assert head.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "ray start --head did not start in 180 s"
            time.sleep(0.5)
        assert "Local node IP: 127.0.0.1" in _plain(log.read_text())
        out = tmp_path / "sweep"
        proc = sweep_cli(["hydra/launcher=ray_cluster", *TINY, SEEDS, "hydra.sweep.dir=sweep"],
                         tmp_path, **RAY_LOOPBACK, RAY_AUTH_MODE="token",
                         RAY_ADDRESS=f"127.0.0.1:{port}")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert f"Connecting to existing Ray cluster at address: 127.0.0.1:{port}" in proc.stderr
        _check_complete(out)
        assert not (head_dir / "sweep").exists()  # relative sweep dir made absolute for workers
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_slurm_launcher_config_composes(tmp_path, cli):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    proc = cli.run(["run", "hydra/launcher=submitit_slurm", "hydra.launcher.partition=cpu",
                    "hydra.launcher.cpus_per_task=1", "hydra.launcher.array_parallelism=100",
                    "--cfg", "hydra", "-p", "hydra.launcher"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "SlurmLauncher" in proc.stdout and "partition: cpu" in proc.stdout


def test_ray_cluster_launcher_config_composes(tmp_path, cli):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    proc = cli.run(["run", "hydra/launcher=ray_cluster", "--cfg", "hydra", "-p", "hydra.launcher"],
                   tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "RayLauncher" in proc.stdout and "object_store_memory: null" in proc.stdout
