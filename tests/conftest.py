"""Shared fixtures: one small simulated market per session and a helper to run the CLI.

The session-scoped run pays Numba's compile (or cache load) once; every model-level test that
only reads a finished run uses it. CLI helpers run ``python -m sim`` (or the ``ccsim`` script)
in a subprocess the way CI does: ``CI=true`` and stdin closed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

#: The small market every shared model test reads (fast, but > 1 block of customers is not
#: needed here; thread-count tests build their own larger market).
SMALL_OVERRIDES = ("market=small", "market.steps=24", "market.n_customers=1500", "seed=3")


@dataclass
class SmallRun:
    """A finished small run: its config, the model (with final state) and its tables."""

    cfg: object
    model: object
    ts: pd.DataFrame
    spells: pd.DataFrame


def simulate_overrides(overrides) -> SmallRun:
    """Load a config from Hydra overrides (as ``ccsim run`` would) and simulate it."""
    from sim.configure import load_config
    from sim.runner import simulate

    cfg = load_config(list(overrides))
    model = simulate(cfg, progress=False)
    return SmallRun(cfg, model, model.timeseries(), model.spells_table())


@pytest.fixture(scope="session")
def small_run() -> SmallRun:
    """The default two-vs-two contest on a small market (1,500 customers, 24 months)."""
    return simulate_overrides(SMALL_OVERRIDES)


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for CLI subprocesses: CI mode, no colour, plus ``extra``."""
    env = dict(os.environ)
    env["CI"] = "true"
    env.pop("PYTHONHASHSEED", None)
    env.update(extra)
    return env


def ccsim_script() -> str:
    """Path of the ``ccsim`` console script of the active environment."""
    here = Path(sys.executable).parent / "ccsim"
    found = str(here) if here.exists() else shutil.which("ccsim")
    if not found:
        pytest.skip("ccsim console script is not installed")
    return found


def start_cli(args, cwd: Path, script: bool = False, **env: str) -> subprocess.Popen:
    """Start ``python -m sim ARGS`` (or ``ccsim ARGS``) in ``cwd`` without waiting for it."""
    cmd = [ccsim_script()] if script else [sys.executable, "-m", "sim"]
    return subprocess.Popen(
        [*cmd, *args], cwd=cwd, env=cli_env(**env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> subprocess.CompletedProcess:
    """Wait for a process from :func:`start_cli` and return its completed result."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{proc.args} timed out; stderr:\n{err}") from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run_cli(args, cwd: Path, script: bool = False, timeout: float = 300,
            **env: str) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS`` (or ``ccsim ARGS``) in ``cwd`` and wait for it."""
    return finish(start_cli(args, cwd, script, **env), timeout)


class CLI:
    """The CLI helpers as one fixture object (test modules cannot import conftest safely)."""

    env = staticmethod(cli_env)
    script = staticmethod(ccsim_script)
    start = staticmethod(start_cli)
    finish = staticmethod(finish)
    run = staticmethod(run_cli)


@pytest.fixture(scope="session")
def cli() -> type[CLI]:
    """Helpers to run ``python -m sim`` / ``ccsim`` in subprocesses (see :class:`CLI`)."""
    return CLI


@pytest.fixture(scope="session")
def simulate():
    """``simulate(overrides) -> SmallRun``: load a config from overrides and run it."""
    return simulate_overrides


@pytest.fixture(scope="session")
def quick_cli(tmp_path_factory):
    """``quick_cli(command) -> (CompletedProcess, out)``: ``ccsim COMMAND --quick --out OUT``.

    Besides a ``ccsim`` command name:

    * ``scenarios`` runs ``python experiments/scenarios/run.py --quick --out OUT``;
    * ``fit TARGET`` runs ``ccsim fit TARGET --quick --jobs 1 --out ROOT/TARGET``, in this
      process (one worker: no pool to start; eleven targets would pay a Python start each):
      every target's folder is in the same ROOT, as ``results/fits/`` holds them;
    * ``experiment`` runs ``ccsim experiment --all --quick --out OUT --work SWEEP`` (every
      experiment's quick form; their runs share the sweep folder ``OUT/../sweep``).

    Run once per session and shared: the commands' own tests read their output, the
    documentation's command test (tests/test_readme.py) stands a page's quick command for it,
    and the data dictionary's test (tests/docs/test_columns.py) checks every column written.
    """
    done: dict[str, tuple[subprocess.CompletedProcess, Path]] = {}
    roots: dict[str, Path] = {}

    def get(command: str) -> tuple[subprocess.CompletedProcess, Path]:
        if command in done:
            return done[command]
        words = command.split()
        if words[0] == "fit" and len(words) == 2:
            root = roots.setdefault("fit", tmp_path_factory.mktemp("quick_fit"))
            out = root / words[1]
            done[command] = (_in_process(["fit", words[1], "--quick", "--jobs", "1", "--out",
                                          str(out)]), out)
            return done[command]
        out = tmp_path_factory.mktemp(f"quick_{command}") / "out"
        if command == "scenarios":  # a script: python experiments/scenarios/run.py
            script = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"
            done[command] = (subprocess.run(
                [sys.executable, str(script / "run.py"), "--quick", "--out", str(out)],
                cwd=out.parent, env=cli_env(), stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=300), out)
        elif command == "experiment":
            done[command] = (run_cli(["experiment", "--all", "--quick", "--out", str(out),
                                      "--work", str(out.parent / "sweep")], out.parent,
                                     timeout=900), out)
        else:
            done[command] = (run_cli([command, "--quick", "--out", str(out)], out.parent,
                                     timeout=300), out)
        return done[command]

    return get


def _in_process(args: list[str]) -> subprocess.CompletedProcess:
    """``sim.cli.main(args)`` in this process, its output captured as a finished process's."""
    import contextlib
    import io

    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    return subprocess.CompletedProcess(["ccsim", *args], status, out.getvalue(),
                                       err.getvalue())
