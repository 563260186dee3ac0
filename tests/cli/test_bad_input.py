"""Every flag of every ``ccsim`` command refuses bad input: exit 2, one line, nothing written.

The commands and their flags are read from the parsers themselves (``sim.cli.COMMANDS`` and
``sim.cli.command_parser``), never from a list kept here, so a new command or flag without a
row in :data:`ROWS` fails :func:`test_every_flag_has_a_bad_input_row`, which names the flag.
Flags whose argparse action takes no value (``store_true``, ``--help``, ``--version``, ...)
are exempt by their action type.

Each row runs ``sim.cli.main([COMMAND, *ARGS], check_only=True)`` in this process: every
command validates its whole command line (values, the files it reads, the folder it would
write) before any work, and ``check_only`` stops after that, so a row takes a fraction of a
second, and a row whose input is (wrongly) accepted returns 0 without running a study. The row
asserts exit status 2, exactly one ``ccsim: error:`` line on stderr naming the flag, nothing
on stdout, and a file tree (the working folder with a run, a sweep and a file in it) unchanged
to the byte. ``tests/cli/test_refusals.py`` runs issue 22's findings the real way (no
``check_only``).

To add a command: give its module ``build_parser()`` and
``main(argv, check_only=False)`` (see ``sim/cli_parser.py``), then one row per flag here.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

#: Actions that take no value: exempt from needing a row.
NO_VALUE = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._StoreConstAction,
            argparse._AppendConstAction, argparse._CountAction, argparse._HelpAction,
            argparse._VersionAction, argparse.BooleanOptionalAction)

#: (command, flag) → (arguments after the command, text the error line must contain).
#: A positional argument is keyed by its dest. Placeholders: {run} a complete run folder,
#: {sweep} an uncollected sweep (two swept keys), {file} a file, {missing} a path that does
#: not exist.
ROWS: dict[tuple[str, str], tuple[list[str], str]] = {
    # ccsim run: Hydra's parser plus --resume
    ("run", "overrides"): (["market.n_customers=-5"], "market.n_customers=-5"),
    ("run", "--cfg"): (["--cfg", "nope"], "--cfg=nope"),
    ("run", "--package"): (["--cfg", "job", "--package", "nope"], "--package=nope"),
    ("run", "--config-path"): (["--config-path", "/tmp"], "--config-path"),
    ("run", "--config-name"): (["--config-name", "nope"], "--config-name=nope"),
    ("run", "--config-dir"): (["--config-dir", "{missing}"], "--config-dir"),
    ("run", "--experimental-rerun"): (["--experimental-rerun", "{file}"],
                                      "--experimental-rerun"),
    ("run", "--info"): (["--info", "nope"], "--info=nope"),
    # ccsim collect
    ("collect", "sweep_dir"): (["{missing}"], "{missing}"),
    ("collect", "--out"): (["{sweep}", "--out", "{file}"], "--out"),
    # ccsim retention
    ("retention", "run_dir"): (["{missing}"], "{missing}"),
    ("retention", "--category"): (["{run}", "--category", "luxury"], "--category=luxury"),
    ("retention", "--cohort-length"): (["{run}", "--cohort-length", "0"], "--cohort-length=0"),
    ("retention", "--out"): (["{run}", "--out", "{file}"], "--out"),
    ("retention", "--min-spells"): (["{run}", "--min-spells", "-3"], "--min-spells=-3"),
    ("retention", "--min-periods"): (["{run}", "--min-periods", "x"], "--min-periods=x"),
    ("retention", "--discount-rate"): (["{run}", "--discount-rate", "nan"],
                                       "--discount-rate=nan"),
    # ccsim plot
    ("plot", "path"): (["{missing}"], "{missing}"),
    ("plot", "--kind"): (["{run}", "--kind", "nope"], "--kind nope"),
    ("plot", "--out"): (["{run}", "--out", "{file}"], "--out"),
    ("plot", "--format"): (["{run}", "--format", "gif"], "--format gif"),
    ("plot", "--x"): (["{sweep}", "--x", "nope"], "--x nope"),
    ("plot", "--y"): (["{sweep}", "--kind", "heatmap", "--y", "nope"], "--y nope"),
    ("plot", "--kpi"): (["{sweep}", "--kpi", "nope"], "--kpi nope"),
    ("plot", "--by"): (["{run}", "--by", "nope"], "--by=nope"),
    ("plot", "--where"): (["{sweep}", "--where", "nope"], "--where nope"),
    # ccsim sensitivity
    ("sensitivity", "overrides"): (["--quick", "market.n_customers=-5"],
                                   "market.n_customers=-5"),
    ("sensitivity", "--method"): (["--method", "nope"], "--method=nope"),
    ("sensitivity", "--n"): (["--n", "0"], "--n=0"),
    ("sensitivity", "--seeds"): (["--seeds", "99999999999999999999"],
                                 "--seeds=99999999999999999999"),
    ("sensitivity", "--out"): (["--quick", "--out", "{file}"], "--out"),
    ("sensitivity", "--params"): (["--params", "nope"], "--params=nope"),
    ("sensitivity", "--salib-seed"): (["--salib-seed", "-1"], "--salib-seed=-1"),
    ("sensitivity", "--jobs"): (["--jobs", "0"], "--jobs=0"),
    # ccsim dashboard
    ("dashboard", "--port"): (["--port", "0"], "--port=0"),
    ("dashboard", "--host"): (["--host", "203.0.113.1"], "--host=203.0.113.1"),
    ("dashboard", "--run"): (["--run", "{missing}"], "--run="),
    ("dashboard", "--lesson"): (["--lesson", "nope"], "--lesson=nope"),
    ("dashboard", "--root"): (["--root", "{file}"], "--root="),
    # ccsim elasticities
    ("elasticities", "overrides"): (["--quick", "seed=3"], "seed=3"),
    ("elasticities", "--seeds"): (["--seeds", "99999999999999999999"],
                                  "--seeds=99999999999999999999"),
    ("elasticities", "--levers"): (["--levers", "nope"], "--levers=nope"),
    ("elasticities", "--out"): (["--quick", "--out", "{file}"], "--out"),
    ("elasticities", "--jobs"): (["--jobs", "-1"], "--jobs=-1"),
    ("elasticities", "--budget"): (["--budget", "nope"], "--budget=nope"),
    # ccsim decompose
    ("decompose", "overrides"): (["--quick", "seed=1"], "seed=1"),
    ("decompose", "--seeds"): (["--seeds", "1"], "--seeds=1"),
    ("decompose", "--out"): (["--quick", "--out", "{file}/sub"], "--out"),
    ("decompose", "--jobs"): (["--jobs", "many"], "--jobs=many"),
    # ccsim bench
    ("bench", "--max-wait"): (["--max-wait", "nan"], "--max-wait=nan"),
    ("bench", "--generator"): (["--generator", "nope"], "--generator=nope"),
    ("bench", "--out"): (["--quick", "--out", "{file}"], "--out"),
    # ccsim columns
    ("columns", "table"): (["nope"], "table=nope"),
    # ccsim fit
    ("fit", "target"): (["nope"], "TARGET=nope"),
    ("fit", "--seeds"): (["sbg_regular", "--seeds", "4"], "--seeds=4"),
    ("fit", "--trials"): (["sbg_regular", "--trials", "0"], "--trials=0"),
    ("fit", "--n-customers"): (["sbg_regular", "--n-customers", "-5"], "--n-customers=-5"),
    ("fit", "--band-seeds"): (["sbg_regular", "--band-seeds", "x"], "--band-seeds=x"),
    ("fit", "--sampler"): (["sbg_regular", "--sampler", "anneal"], "--sampler=anneal"),
    ("fit", "--search"): (["sbg_regular", "--search", "market.nope=0:1"],
                          "--search=market.nope=0:1"),
    ("fit", "--range"): (["retention_b2b", "--range", "1=70:60"], "--range=1=70:60"),
    ("fit", "--out"): (["sbg_regular", "--quick", "--out", "{file}"], "--out"),
    ("fit", "--jobs"): (["sbg_regular", "--jobs", "0"], "--jobs=0"),
    ("fit", "overrides"): (["sbg_regular", "market.n_customers=-5"], "market.n_customers=-5"),
    # ccsim experiment
    ("experiment", "names"): (["nope"], "NAME=nope"),
    ("experiment", "--seeds"): (["value_80_20", "--seeds", "1"], "--seeds=1"),
    ("experiment", "--out"): (["value_80_20", "--quick", "--out", "{file}"], "--out"),
    ("experiment", "--work"): (["value_80_20", "--quick", "--work", "{file}/sub"], "--work"),
    ("experiment", "--jobs"): (["value_80_20", "--jobs", "300"], "--jobs=300"),
}


def flag_name(action: argparse.Action) -> str:
    """A flag's long name (``--package`` for ``-p/--package``), or a positional's dest."""
    if action.option_strings:
        return max(action.option_strings, key=len)
    return action.dest


def command_flags() -> list[tuple[str, str]]:
    """Every (command, flag) that takes a value, read from the commands' own parsers."""
    from sim.cli import COMMANDS, command_parser

    found = []
    for command in ["run", *COMMANDS]:
        parser = command_parser(command)
        for action in parser._actions:
            if not isinstance(action, NO_VALUE):
                found.append((command, flag_name(action)))
    return found


def missing_rows(rows: dict) -> list[str]:
    """One message per value-taking flag without a row (and per row of no flag)."""
    flags = command_flags()
    missing = [f"ccsim {c} {f}: no bad-input row; add ROWS[({c!r}, {f!r})] = ([ARGS], "
               f"'TEXT THE ERROR NAMES') in tests/cli/test_bad_input.py" for c, f in flags
               if (c, f) not in rows]
    stale = [f"ROWS[{key!r}]: ccsim has no such flag (any more)" for key in rows
             if key not in flags]
    return missing + stale


def test_every_flag_has_a_bad_input_row():
    problems = missing_rows(ROWS)
    assert not problems, "\n".join(problems)


def test_a_new_command_without_rows_is_named(monkeypatch):
    """The check itself: a command added without rows fails, naming each of its flags."""
    import sys
    import types

    from sim import cli

    module = types.ModuleType("ccsim_fake_command")

    def build_parser():
        p = argparse.ArgumentParser(prog="ccsim frobnicate")
        p.add_argument("data")
        p.add_argument("--iterations", type=int)
        p.add_argument("--verbose", action="store_true")  # takes no value: exempt
        return p

    module.build_parser = build_parser
    module.main = lambda argv, check_only=False: 0
    monkeypatch.setitem(sys.modules, "ccsim_fake_command", module)
    monkeypatch.setitem(cli.COMMANDS, "frobnicate", ("ccsim_fake_command:main", "fits"))
    problems = missing_rows(ROWS)
    assert len(problems) == 2, problems
    assert problems[0].startswith("ccsim frobnicate data: no bad-input row")
    assert problems[1].startswith("ccsim frobnicate --iterations: no bad-input row")


def test_every_command_can_check_without_running():
    from sim.cli import COMMANDS, _load, accepts_check_only

    lacking = [name for name, (target, _) in COMMANDS.items()
               if not accepts_check_only(_load(target))]
    assert not lacking, f"main() without check_only: {lacking} (see sim/cli_parser.py)"


# ----------------------------------------------------------------------------------------------
# The rows


TINY = ["market.n_customers=200", "market.steps=24", "output.progress=false"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working folder with a complete run, an uncollected 2×2 sweep and a file."""
    from sim import runner
    from sim.configure import load_config

    root = tmp_path_factory.mktemp("badinput")
    run = root / "run"
    runner.run(load_config([*TINY, "seed=1"]), run, progress=False)
    sweep = root / "sweep"  # two swept keys, as `ccsim run -m` leaves it (not collected)
    for markup in (0.5, 0.9):
        for cost in (0.0, 2.0):
            job = sweep / f"firms.cc_a.markup={markup},market.choice.switching_cost={cost}"
            shutil.copytree(run, job)
            (job / ".hydra").mkdir()
            (job / ".hydra" / "overrides.yaml").write_text(
                f"- firms.cc_a.markup={markup}\n- market.choice.switching_cost={cost}\n")
    (root / "afile").write_text("not a folder\n")
    return root


def fill(args: list[str], root: Path) -> list[str]:
    places = {"run": root / "run", "sweep": root / "sweep", "file": root / "afile",
              "missing": root / "no" / "such" / "folder"}
    return [a.format(**{k: str(v) for k, v in places.items()}) for a in args]


@pytest.mark.parametrize("key", list(ROWS), ids=[f"{c} {f}" for c, f in ROWS])
def test_bad_input_row(key, workdir, monkeypatch, capsys, snapshot):
    from sim.cli import main

    command, flag = key
    args, needle = ROWS[key]
    args = fill(args, workdir)
    needle = fill([needle], workdir)[0]
    monkeypatch.chdir(workdir)
    before = snapshot(workdir)
    status = main([command, *args], check_only=True)
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, (status, err)
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), err
    assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in out + err and "ccsim: error" not in out
    assert snapshot(workdir) == before
