"""End to end: bad command lines end cleanly — exit 2, one short message, nothing written.

Each case runs ``ccsim run ...`` (the console script) in its own working directory with
``CI=true`` and stdin closed; a few cases first put a file or a read-only folder there. All
cases start at once (they are independent and each mostly waits on Python start-up), then each
test checks its own: exit status 2, one line on stderr naming the key and the value, no
traceback, no ``results/`` folder with anything in it, and nothing else new in the folder.
"""

from __future__ import annotations

import os

import pytest

#: A folder nobody may create anything in: /sys refuses even root; a 0555 folder the others.
UNWRITABLE = "/sys/ccsim-test-run" if os.geteuid() == 0 else "readonly/run"

CASES = {
    # id: (arguments after `run`, strings stderr must contain)
    "negative_customers": (["market.n_customers=-5"], ["market.n_customers", "-5"]),
    "probability_above_one": (["market.awareness.ad_response=1.5"],
                              ["market.awareness.ad_response", "1.5"]),
    "unknown_strategy": (["firms.pc_a.strategy=nope"], ["firms.pc_a.strategy", "nope"]),
    "unknown_network": (["market.network.kind=ring"], ["market.network.kind", "ring"]),
    "custom_shares_not_summing_to_one": (
        ["firms=two_vs_two", "firms.pc_a.strategy=custom", "+firms.pc_a.shares={rd:0.5}"],
        ["firms.pc_a.shares", "0.5"]),
    # an unknown key has no meaningful value; the message must name it and suggest the fix
    "typo_in_key": (["market.n_custmers=5"], ["market.n_custmers", "market.n_customers"]),
    "unknown_scenario": (["scenario=nope"], ["scenario", "nope"]),
    "bad_value_in_sweep": (["-m", "seed=1,2", "market.n_customers=500,-3"],
                           ["market.n_customers", "-3"]),
    # the brief's example: 10 customers is itself invalid with the default 12 contacts each
    "small_value_in_sweep": (["-m", "seed=1,2", "market.n_customers=10,-3"],
                             ["market.n_customers", "10"]),
    # output folders (issue 11): a file where the folder should be, unwritable, empty
    "run_dir_is_a_file": (["hydra.run.dir=afile"], ["hydra.run.dir=afile", "not a folder"]),
    "run_dir_under_a_file": (["hydra.run.dir=afile/run"], ["hydra.run.dir=afile/run", "file"]),
    "sweep_dir_is_a_file": (["-m", "seed=1,2", "hydra.sweep.dir=afile"],
                            ["hydra.sweep.dir=", "afile", "not a folder"]),
    "run_dir_not_writable": ([f"hydra.run.dir={UNWRITABLE}"],
                             [f"hydra.run.dir={UNWRITABLE}", "cannot write"]),
    "run_dir_empty": (["hydra.run.dir="], ["hydra.run.dir=", "empty"]),
    "run_dir_is_the_current_folder": (["hydra.run.dir=."], ["hydra.run.dir=.", "other files"]),
    "sweep_dir_holds_other_files": (["-m", "seed=1,2", "hydra.sweep.dir=."],
                                    ["hydra.sweep.dir=", "other files"]),
    "config_dir_missing": (["--config-dir", "nowhere", "scenario=x"], ["--config-dir=nowhere"]),
    # every dash flag goes through the same up-front check
    "config_name_flag": (["--config-name=config", "market.n_customers=-5"],
                         ["market.n_customers=-5", "out of range"]),
    "run_flag": (["--run", "market.n_customers=-5"], ["market.n_customers=-5"]),
    "multirun_long_flag": (["--multirun", "seed=1", "market.n_customers=300,-5"],
                           ["market.n_customers=-5"]),
    "flag_after_overrides": (["market.n_customers=300,-5", "--multirun"],
                             ["market.n_customers=-5"]),
    "unknown_config_name": (["--config-name=nope"], ["--config-name=nope", "allowed: config"]),
    "config_path_flag": (["--config-path", "/tmp"], ["--config-path", "--config-dir"]),
    "bad_cfg_choice": (["--cfg", "nope"], ["--cfg", "nope", "job"]),
    "run_and_multirun": (["--run", "-m", "seed=1,2"], ["--run", "--multirun"]),
    # Hydra's own settings
    "unknown_launcher": (["hydra/launcher=nope"], ["hydra/launcher=nope", "joblib"]),
    "launcher_jobs_not_a_number": (["-m", "seed=1,2", "hydra.launcher.n_jobs=abc"],
                                   ["hydra.launcher.n_jobs=abc", "integer"]),
    "launcher_jobs_not_a_number_single_run": (["hydra.launcher.n_jobs=abc"],
                                              ["hydra.launcher.n_jobs=abc", "integer"]),
    "launcher_jobs_zero": (["-m", "seed=1,2", "hydra.launcher.n_jobs=0"],
                           ["hydra.launcher.n_jobs=0", "positive"]),
    # syntax: the line names the override
    "unclosed_list": (["market.steps=[1,2"], ["market.steps=[1,2", "KEY=VALUE"]),
    "no_key": (["=5"], ["=5", "no key"]),
    "no_value": (["seed"], ["seed", "KEY=VALUE"]),
    "sweep_without_m": (["seed=1,2"], ["seed=1,2", "-m"]),
    # a market too big for memory is refused before it is built
    "too_many_customers": (["market.n_customers=1000000000"],
                           ["market.n_customers=1000000000", "memory", "available",
                            "bytes per customer"]),
    "name_is_a_path": (["name=../../x"], ["name=../../x", "label"]),
    "experimental_rerun": (["--experimental-rerun", "afile"], ["--experimental-rerun"]),
}

#: Cases that need something in their folder first (it must be unchanged afterwards).
SETUP = {
    "run_dir_is_a_file": "afile", "run_dir_under_a_file": "afile", "sweep_dir_is_a_file": "afile",
    "experimental_rerun": "afile", "run_dir_not_writable": "readonly",
    "run_dir_is_the_current_folder": "afile", "sweep_dir_holds_other_files": "afile",
}
EXTRA_CASES = {
    "multirun_without_sweep": (["-m", "seed=1", "market=small", "market.n_customers=300",
                                "market.steps=3"], []),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, cli):
    """Start every case in its own directory, then collect (result, cwd) per case."""
    started = {}
    for name, (args, _) in {**CASES, **EXTRA_CASES}.items():
        cwd = tmp_path_factory.mktemp(name)
        if SETUP.get(name) == "afile":
            (cwd / "afile").write_text("not a folder\n")
        elif SETUP.get(name) == "readonly":
            (cwd / "readonly").mkdir(mode=0o555)
        started[name] = (cli.start(["run", *args], cwd=cwd, script=True), cwd)
    return {name: (cli.finish(proc, timeout=300), cwd) for name, (proc, cwd) in started.items()}


def assert_clean_failure(done, cwd, needles, status=2):
    err_lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == status, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert len(err_lines) == 1, err_lines
    assert err_lines[0].startswith("ccsim: error: "), err_lines
    for needle in needles:
        assert needle in done.stderr, (needle, done.stderr)
    results = cwd / "results"
    assert not results.exists() or not any(results.rglob("*")), list(results.rglob("*"))
    assert not (cwd / "outputs").exists() and not (cwd / "multirun").exists()
    # nothing else either: only what the case put there (a file, a read-only folder)
    assert {p.name for p in cwd.iterdir()} <= {"results", "afile", "readonly"}, list(cwd.iterdir())
    if (cwd / "afile").exists():
        assert (cwd / "afile").read_text() == "not a folder\n"
    if (cwd / "readonly").exists():
        assert not any((cwd / "readonly").iterdir())


@pytest.mark.parametrize("case", list(CASES))
def test_bad_command_line_fails_cleanly(outcomes, case):
    done, cwd = outcomes[case]
    assert_clean_failure(done, cwd, CASES[case][1])


def test_multirun_without_a_sweep_does_not_crash(outcomes):
    # regression: `del k` in check_overrides raised UnboundLocalError (traceback, exit 1)
    done, cwd = outcomes["multirun_without_sweep"]
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr[-2000:]


def test_help_lists_the_commands(tmp_path, cli):
    from sim.cli import COMMANDS

    done = cli.run(["--help"], cwd=tmp_path, script=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage: ccsim" in done.stdout
    assert "run [OVERRIDES]" in done.stdout
    for name in COMMANDS:
        assert f"  {name} " in done.stdout, name


def test_unknown_command_exits_2(tmp_path, cli):
    done = cli.run(["frobnicate"], cwd=tmp_path, script=True, timeout=120)
    assert_clean_failure(done, tmp_path, ["frobnicate", "run"])
