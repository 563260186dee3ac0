"""Every shell command of the README and the documentation site parses; those that can, run.

The pages are ``README.md`` and every ``docs/**/*.md`` (:data:`PAGES`; the site's
"Reproduce" page included). Each command of their ```bash blocks (a line, or lines joined by a
trailing backslash) is checked with ``bash -n``. Then, page by page in :data:`PAGES` order and
in one temporary working folder, each command runs through bash with ``.venv/bin`` first on
``PATH``, after the same page's variable assignments that precede it
(``run=$(ls -d results/runs/*/ | tail -n 1)``), and must exit 0 without a traceback. To keep
it quick and meaningful:

* ``ccsim run`` gets a small market: ``market.n_customers`` and ``market.steps`` are set to
  :data:`SMALL` (replacing the page's values, or appended);
* a study (``ccsim elasticities``, ``decompose``, ``sensitivity``, ``fit``, ``experiment``, the
  scripts of :data:`QUICK_SCRIPTS`) runs in its quick form (``--quick``, without the page's
  seeds, trials and market size, scripts writing into the working folder): :func:`quick`; when
  that form is the plain ``ccsim STUDY --quick`` (``ccsim fit TARGET --quick``, ``ccsim
  experiment --all --quick``, ``experiments/scenarios/run.py --quick``) but for its output
  folder, the session's shared run of it (the fixture ``quick_cli``, which the studies' own
  tests read too) stands for it instead of a second identical run; a study's later quick runs
  (not shared, not only ``--list``/``--plan``) are marked ``slow``, as they take the same path;
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
#: The pages whose commands run: the README, then the site's pages in path order.
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
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
    r"^source\b": "activates .venv (the commands here run with .venv/bin first on PATH)",
    r"^python docs/params\.py": "regenerates or checks the ODD's tables in the repository "
                                "(tests/test_docs.py checks them)",
    r"experiments/calibration/stylised_facts\.py": "rewrites the calibration tables of the "
        "docs from the committed CSVs (tests/studies/test_stylised_facts.py checks they agree)",
    r"experiments/calibration/customer_value\.py": "18 runs of 3,000 customers, minutes, into "
        "the committed CSV (tests/analysis/test_customer_value.py checks its arithmetic)",
    r"bench_table --readme": "rewrites docs/results.md from the committed bench "
        "(tests/benchmark/test_bench.py checks they agree)",
    r"results/sweeps/\d{4}-\d\d-\d\d_": "an example of a timestamped sweep folder name",
    r"--kind heatmap": "needs a collected sweep over two keys (tests/analysis/test_plots.py)",
    r"^ccsim bench\b": "measures this machine for about 25 s (its --quick form: "
                       "tests/benchmark/test_bench.py)",
    r"sim\.analysis\.bench_table results/tmp/benchmark_quick": "reads the quick bench's "
        "folder (tests/benchmark/test_bench.py runs this command on one)",
    r"sim\.studies\.recalibrate(?!.*--quick)": "the committed re-calibration search, about an "
        "hour on 2 cores (its --quick form runs here; tests/studies/test_recalibrate.py)",
    r"^ccsim dashboard": "serves the dashboard until stopped (tests/app/test_browser.py starts it "
                         "and checks the page)",
}
#: Commands run only with the slow tests: sweeps, commands on the sweep they leave, and the
#: Bass docking study (about a minute in its quick form).
SLOW = (r"^(ccsim|python -m sim) run\b.*\s(-m|--multirun)\b", r"\$sweep\b|\$\{sweep\}",
        r"experiments/bass_docking/run\.py")
#: Studies run in their quick form (:func:`quick`).
STUDIES = re.compile(r"^ccsim (elasticities|decompose|sensitivity|fit|experiment|optimise"
                     r"|replicate)\b")
#: A study's flags that only list or plan (its first real run is the one the default suite runs).
LISTS_ONLY = re.compile(r"\s--(list|plan|help)\b")
#: Scripts under experiments/ that take ``--quick`` and ``--out``.
QUICK_SCRIPTS = ("experiments/scenarios/run.py", "experiments/bass_docking/run.py")
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


def quick(command: str) -> str:
    """A study's quick form: ``--quick``, no seeds, sample size or market size of the page's.

    ``python experiments/X.py`` runs the repository's script and writes into the working
    folder (``--out results/tmp/X``) instead of the committed results.
    """
    body, _ = _split_comment(command)
    m = STUDIES.match(body)
    if m:
        body = re.sub(r"\s--(seeds|n|trials|n-customers|band-seeds)(\s+|=)\S+", "", body)
        body = re.sub(r"\s(market\.n_customers|market\.steps)=\S+", "", body)
        return body if "--quick" in body else f"{m.group(0)} --quick{body[m.end():]}"
    script = next((s for s in QUICK_SCRIPTS if re.match(rf"^python {re.escape(s)}\b", body)),
                  None)
    if script:
        out = f"results/tmp/{Path(script).parent.name}"
        return body.replace(f"python {script}",
                            f"python {ROOT / script} --quick --out \"$PWD/{out}\"", 1)
    return command


def shared(command: str) -> str | None:
    """The ``quick_cli`` name of a command whose quick form is that fixture's run, else None."""
    body = re.sub(r"\s--out(\s+|=)(\"[^\"]*\"|\S+)", "", quick(command))
    body = body.replace(" --method morris", "")  # the default
    scenarios = f"python {ROOT / QUICK_SCRIPTS[0]} --quick"
    if body == scenarios:
        return "scenarios"
    if " --quick" not in body:
        return None
    body = body.replace(" --quick", "")  # wherever quick() put it
    m = re.fullmatch(r"ccsim (elasticities|decompose|sensitivity|optimise|replicate)", body)
    if m:
        return m.group(1)
    m = re.fullmatch(r"ccsim fit (\w+)", body)
    if m:
        return f"fit {m.group(1)}"
    return "experiment" if body == "ccsim experiment --all" else None


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


#: Each page's commands, in page order.
PAGE_COMMANDS = {page: readme_commands(page.read_text(encoding="utf-8")) for page in PAGES}
COMMANDS = [c for commands in PAGE_COMMANDS.values() for c in commands]


def _cases() -> list:
    """One case per command; a study's second and later quick runs are ``slow`` (same path).

    A run the session shares (``quick_cli``) costs nothing and is never slow; a command that
    only lists or plans (``--list``, ``--plan``) is not a run.
    """
    cases, studies = [], set()
    for page, commands in PAGE_COMMANDS.items():
        name = page.relative_to(ROOT).as_posix()
        for i, command in enumerate(commands):
            if _ASSIGNMENT.match(command):
                continue  # run before every later command of the page instead
            study = STUDIES.match(command)
            runs = bool(study) and not LISTS_ONLY.search(command)
            again = runs and study.group(1) in studies and shared(command) is None
            studies.update([study.group(1)] if runs else [])
            slow = (is_slow(command) or again) and not skip_reason(command)
            marks = [pytest.mark.slow] if slow else []
            cases.append(pytest.param(page, i, command, marks=marks,
                                      id=f"{name}:{i:02d} {command[:50]}"))
    return cases


def test_readme_has_commands() -> None:
    readme = PAGE_COMMANDS[README]
    assert readme[:2] == ["make run     # creates .venv, installs ccsim, runs the default "
                          "scenario and prints the KPI table",
                          "make test    # creates .venv, installs ccsim with its dev extras, "
                          "runs the test suite"], readme[:2]
    reproduce = PAGE_COMMANDS[ROOT / "docs" / "researcher" / "reproduce.md"]
    assert sum(bool(STUDIES.match(c)) for c in reproduce) >= 4
    assert len(COMMANDS) >= 40


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
    assert quick("ccsim elasticities --seeds 10 --out x market.n_customers=5000 scenario=b2b") \
        == "ccsim elasticities --quick --out x scenario=b2b"
    assert quick("ccsim sensitivity --method sobol --n 64 --params a,b  # note") == \
        "ccsim sensitivity --quick --method sobol --params a,b"
    assert quick("python experiments/scenarios/run.py") == \
        f"python {ROOT}/experiments/scenarios/run.py --quick --out \"$PWD/results/tmp/scenarios\""
    assert quick("ccsim run seed=1") == "ccsim run seed=1"
    assert is_slow("python experiments/bass_docking/run.py")
    assert shared("ccsim elasticities --seeds 10 --out results/x market.n_customers=5000") == \
        "elasticities"
    assert shared("ccsim elasticities --seeds 10 --out results/x scenario=b2b") is None
    assert shared("ccsim sensitivity --method morris   # SALib") == "sensitivity"
    assert shared("ccsim sensitivity --method sobol --n 64 --params a,b") is None
    assert shared("python experiments/scenarios/run.py") == "scenarios"
    assert quick("ccsim fit sbg_regular --trials 150 --seeds 8  # more") == \
        "ccsim fit --quick sbg_regular"
    assert shared("ccsim fit bass_room_ac --quick   # a check") == "fit bass_room_ac"
    assert shared("ccsim fit cdnow") == "fit cdnow"
    assert shared("ccsim fit retention_b2b --range 1=75:85 --out x") is None
    assert shared("ccsim experiment --all") == "experiment"
    assert shared("ccsim experiment two_to_one") is None


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder the commands run in (results/ appears there)."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize(("page", "index", "command"), _cases())
def test_command_runs(page: Path, index: int, command: str, workdir: Path,
                      quick_cli) -> None:
    """The command exits 0 without a traceback (on a small market; see the module doc)."""
    reason = skip_reason(command)
    if reason:
        pytest.skip(f"{page.name} `{command[:70]}`: {reason}")
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    name = shared(command)
    if name is not None:  # the same command as the session's shared quick run
        proc, _ = quick_cli(name)
        assert proc.returncode == 0, f"{name} --quick\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
        return
    assignments = [c for c in PAGE_COMMANDS[page][:index] if _ASSIGNMENT.match(c)]
    script = "\n".join([*assignments, small(quick(command))])
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600)
    shown = small(quick(command))
    assert proc.returncode == 0, f"{shown}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
