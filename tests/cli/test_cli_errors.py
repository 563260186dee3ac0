"""End to end: bad command lines end cleanly — exit 2, one short message, nothing written.

Each case runs ``python -m sim run ...`` in its own empty working directory with ``CI=true`` and
stdin closed. All cases start at once (they are independent and each mostly waits on Python
start-up), then each test checks its own: exit status 2, at most two lines on stderr naming
the key and the value, no traceback, and no ``results/`` folder with anything in it.
"""

from __future__ import annotations

import pytest

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
        started[name] = (cli.start(["run", *args], cwd=cwd), cwd)
    return {name: (cli.finish(proc, timeout=300), cwd) for name, (proc, cwd) in started.items()}


def assert_clean_failure(done, cwd, needles, status=2):
    err_lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == status, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert 1 <= len(err_lines) <= 2, err_lines
    for needle in needles:
        assert needle in done.stderr, (needle, done.stderr)
    results = cwd / "results"
    assert not results.exists() or not any(results.rglob("*")), list(results.rglob("*"))
    assert not (cwd / "outputs").exists() and not (cwd / "multirun").exists()


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
