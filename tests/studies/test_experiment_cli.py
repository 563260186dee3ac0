"""``ccsim experiment``'s command line: listing, planning, and bad input (one line, exit 2,
nothing written, before any run)."""

from __future__ import annotations

import dataclasses

import pytest

from sim.analysis.experiment_spec import SpecError, list_experiments, load
from sim.cli import main
from sim.studies.experiments import plan_rows, run_experiments


def _one_line_error(capsys, status):
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("ccsim: error: "), err
    return err[0]


@pytest.mark.parametrize("args, message", [
    (["nope", "--quick"], "NAME=nope: unknown experiment; allowed: "),
    (["two_to_one", "--seeds", "1"], "--seeds=1: out of range; allowed: 2 to 10,000"),
    (["two_to_one", "--jobs", "0"], "--jobs=0"),
    (["two_to_one", "market.n_customers=5"], "market.n_customers=5: only launcher settings"),
    (["two_to_one", "--frobnicate"], "--frobnicate: unknown option"),
    ([], "name an experiment"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, message):
    out, work = tmp_path / "out", tmp_path / "work"
    status = main(["experiment", *args, "--out", str(out), "--work", str(work)])
    assert message in _one_line_error(capsys, status)
    assert not out.exists() and not work.exists()


def test_a_bad_launcher_setting_is_refused_before_anything_runs(tmp_path, capsys):
    out, work = tmp_path / "out", tmp_path / "work"
    status = main(["experiment", "value_80_20", "--quick", "--out", str(out), "--work",
                   str(work), "hydra/launcher=nope"])
    assert "hydra/launcher=nope" in _one_line_error(capsys, status)
    assert not out.exists() and not work.exists()


def test_a_run_configuration_the_model_refuses_stops_everything(tmp_path):
    exp = load("value_80_20")
    arm = dataclasses.replace(exp.arms["low_tangible"],
                              overrides=("market.economics.tangible_assets=-3",))
    bad = dataclasses.replace(exp, arms={**exp.arms, "low_tangible": arm})
    with pytest.raises(SpecError, match="experiments/value_80_20: arm low_tangible: "
                                        "market.economics.tangible_assets=-3.0: out of range"):
        run_experiments([bad], quick=True, out=tmp_path / "out", work=tmp_path / "work")
    assert not (tmp_path / "out").exists() and not (tmp_path / "work").exists()


def test_list_names_every_experiment_and_its_claim(capsys):
    assert main(["experiment", "--list"]) == 0
    out = capsys.readouterr().out
    for name in list_experiments():
        assert f"{name}\n" in out
    assert "tested as: growth_ratio [contest] >= 2" in out


def test_plan_states_runs_and_compute_and_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", "--plan"]) == 0
    out = capsys.readouterr().out
    assert "CPU hours" in out and "two_to_one" in out
    assert not any(tmp_path.iterdir())
    rows = plan_rows([load("two_to_one")], quick=False).iloc[0]
    assert rows["runs"] == 9 * 20 + 200 * 5 and rows["runs_at_most"] == 9 * 60 + 200 * 5
    assert rows["cpu_hours"] > 0
