"""Every shell command in the README's ```bash blocks parses, and the ones that can run here do.

Each command (a line, or lines joined by a trailing backslash) is checked with ``bash -n``.
Then, in README order and in one temporary working folder, each command runs through bash
with ``.venv/bin`` first on ``PATH``, after the README's variable assignments that precede it
(``run=$(ls -d results/runs/*/ | tail -n 1)``), and must exit 0 without a traceback. To keep
it quick and meaningful:

* ``ccsim run`` gets a small market: ``market.n_customers`` and ``market.steps`` are set to
  :data:`SMALL` (replacing the README's values, or appended);
* a sweep (``-m``) keeps at most its first two values per swept key (``range(0,40)`` becomes
  ``range(0,2)``) and is marked ``slow`` (``make test-all`` runs it; so do commands on the sweep
  it leaves behind);
* commands matching a pattern of :data:`SKIPPED` are not run; pytest lists them, with the
  reason, in its summary.

The patterns are general (a command's first word, a launcher), so commands other sections add
later are run unless they need a cluster, the network or minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL = {"market.n_customers": "1000", "market.steps": "24"}

#: Commands not run here, by pattern (searched in the command), with the reason.
SKIPPED: dict[str, str] = {
    r"^make\b": "make sets up .venv and runs the suite (CI runs `make test`, which runs this "
                "test)",
    r"^(pip|python -m pip) install": "installs optional extras from the package index",
    r"^export\b": "environment for the Ray examples, which are not run here",
    r"^ray\b|hydra/launcher=ray": "needs Ray (`make setup-ray`; tests/sweeps/test_launchers.py, "
                                  "marked slow)",
    r"submitit_slurm": "needs a SLURM cluster (submitit_local runs the same path)",
    r"^ccsim sensitivity": "a SALib study over many runs, minutes "
                           "(tests/analysis/test_sensitivity.py)",
    r"results/sweeps/\d{4}-\d\d-\d\d_": "an example of a timestamped sweep folder name",
    r"--kind heatmap": "needs a collected sweep over two keys (tests/analysis/test_plots.py)",
    r"^ccsim bench\b": "measures this machine for about 25 s (its --quick form: "
                       "tests/benchmark/test_bench.py)",
    r"sim\.analysis\.bench_table results/tmp/benchmark_quick": "reads the quick bench's "
        "folder (tests/benchmark/test_bench.py runs this command on one)",
    r"^ccsim dashboard": "serves the dashboard until stopped (tests/app/test_browser.py starts it "
                         "and checks the page)",
    r"^ccsim (elasticities|decompose)\b(?!.*--quick)": "a study over many runs, minutes (its "
                                                       "--quick form: tests/studies/)",
}
#: Commands run only with the slow tests: sweeps, and commands on the sweep they leave.
SLOW = (r"^(ccsim|python -m sim) run\b.*\s(-m|--multirun)\b", r"\$sweep\b|\$\{sweep\}")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def readme_commands(text: str) -> list[str]:
    """The commands of every ```bash block, continuation lines joined, blank lines dropped."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        pending = ""
        for line in block.splitlines():
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1].rstrip() + " "
                continue
            command = (pending + line.strip()).strip()
            pending = ""
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def skip_reason(command: str) -> str | None:
    """Why a command is not run here, or None."""
    return next((why for pattern, why in SKIPPED.items() if re.search(pattern, command)), None)


def is_slow(command: str) -> bool:
    """Sweeps and commands on their folders."""
    return any(re.search(pattern, command) for pattern in SLOW)


def _split_comment(command: str) -> tuple[str, str]:
    """(command, trailing comment) — a `#` after whitespace, outside quotes."""
    quote = None
    for i, ch in enumerate(command):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and i > 0 and command[i - 1].isspace():
            return command[:i].rstrip(), command[i:]
    return command, ""


def small(command: str) -> str:
    """The command on a small market, and a sweep over at most two values per key."""
    if not re.match(r"^(ccsim|python -m sim) run\b", command) or "--help" in command:
        return command
    body, _ = _split_comment(command)
    for key, value in SMALL.items():
        pattern = rf"(?<=\s){re.escape(key)}=\S+"
        if re.search(pattern, body):
            body = re.sub(pattern, f"{key}={value}", body)
        else:
            body += f" {key}={value}"
    if re.search(r"\s(-m|--multirun)\b", body):
        body = re.sub(r"range\((\d+),\s*(\d+)\)",
                      lambda m: f"range({m[1]},{min(int(m[2]), int(m[1]) + 2)})", body)
        body = re.sub(r"(?<=\s)([\w./]+)=([^\s'\"(),]+(?:,[^\s'\"(),]+){2,})",
                      lambda m: f"{m[1]}={','.join(m[2].split(',')[:2])}", body)
    return body


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def _cases() -> list:
    cases = []
    for i, command in enumerate(COMMANDS):
        if _ASSIGNMENT.match(command):
            continue  # run before every later command instead
        marks = [pytest.mark.slow] if is_slow(command) and not skip_reason(command) else []
        cases.append(pytest.param(i, command, marks=marks, id=f"{i:02d} {command[:60]}"))
    return cases


def test_readme_has_commands() -> None:
    assert len(COMMANDS) >= 5
    assert any(c.startswith("make run") for c in COMMANDS)
    assert any(c.startswith("make test") for c in COMMANDS)


def test_every_command_parses_in_bash() -> None:
    """``bash -n`` on every command (an unquoted ``seed=range(0,5)`` is a syntax error)."""
    bad = []
    for command in COMMANDS:
        proc = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
        if proc.returncode != 0:
            bad.append(f"{command}\n    {proc.stderr.strip()}")
    assert not bad, "README commands bash cannot parse:\n" + "\n".join(bad)


def test_the_checks_catch_what_they_should() -> None:
    """The parser, bash -n, the skip rules and the small-market rewrite on known lines."""
    text = "```bash\nccsim run -m seed=range(0,5)  # unquoted\nmake test\nccsim run \\\n" \
           "  seed=3\n```\n```python\nprint()\n```\n"
    assert readme_commands(text) == ["ccsim run -m seed=range(0,5)  # unquoted", "make test",
                                     "ccsim run seed=3"]
    assert subprocess.run(["bash", "-n", "-c", readme_commands(text)[0]],
                          capture_output=True).returncode != 0
    assert skip_reason("make test") and skip_reason("pip install -e '.[ray]'")
    assert skip_reason("ccsim run -m hydra/launcher=submitit_slurm 'seed=range(0,9)'")
    assert skip_reason("ccsim run seed=1") is None
    assert small("ccsim run market.n_customers=50000 seed=1  # big") == \
        "ccsim run market.n_customers=1000 seed=1 market.steps=24"
    assert small("ccsim run -m a=1,2,3 b=x,y 'seed=range(0,40)'") == \
        "ccsim run -m a=1,2 b=x,y 'seed=range(0,2)' market.n_customers=1000 market.steps=24"
    assert is_slow("ccsim run -m 'seed=range(0,4)'") and is_slow('ccsim collect "$sweep"')
    assert not is_slow("ccsim run seed=1") and small("python -m sim run --help").endswith("help")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder the commands run in (results/ appears there)."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize(("index", "command"), _cases())
def test_command_runs(index: int, command: str, workdir: Path) -> None:
    """The command exits 0 without a traceback (on a small market; see the module doc)."""
    reason = skip_reason(command)
    if reason:
        pytest.skip(f"README `{command[:70]}`: {reason}")
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    assignments = [c for c in COMMANDS[:index] if _ASSIGNMENT.match(c)]
    script = "\n".join([*assignments, small(command)])
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{small(command)}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
