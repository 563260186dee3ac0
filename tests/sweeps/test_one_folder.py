"""One sweep command, one sweep folder: whatever it sweeps (scenarios, name, globs), counted right.

Each test runs the real ``ccsim run -m`` in a subprocess on a 200-customer, 6-month market, in a
fresh working folder, with the default sweep folder (``results/sweeps/<timestamp>``).
"""

from __future__ import annotations

import json

import pandas as pd

from sim.configure import conf_dir

from .conftest import TINY, count, events, job_folders

SCENARIOS = ["scenario=experience_economy,product_aware_economy", "seed=0,1"]


def _sweeps(cwd):
    root = cwd / "results" / "sweeps"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def test_scenario_sweep_is_one_folder_and_resume_launches_nothing(tmp_path, sweep_cli, cli):
    proc = sweep_cli([*SCENARIOS, *TINY], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sweep_dir,) = _sweeps(tmp_path)  # one folder, not one per scenario
    jobs = job_folders(sweep_dir)
    assert len(jobs) == 4
    assert {json.loads((j / "summary.json").read_text())["name"] for j in jobs} == {
        "experience_economy", "product_aware_economy"}
    assert "[sweep] 4/4 jobs done" in proc.stdout and "/?" not in proc.stdout
    assert "sweep finished: 4 ok of 4" in proc.stdout

    collected = cli.run(["collect", str(sweep_dir)], tmp_path)
    assert collected.returncode == 0, collected.stderr
    assert "collected 4 runs (4 ok)" in collected.stdout and "warning" not in collected.stderr
    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    assert sorted(zip(runs["scenario"], runs["seed"], strict=True)) == [
        (s, k) for s in ("experience_economy", "product_aware_economy") for k in (0, 1)]

    before = {j.name: len(events(j)) for j in jobs}
    resumed = sweep_cli([*SCENARIOS, *TINY, "--resume"], tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"resuming {sweep_dir}" in resumed.stderr
    assert "sweep finished: 4 ok of 4" in resumed.stdout and "nothing run" in resumed.stdout
    assert "[sweep]" not in resumed.stdout and "Joblib" not in resumed.stdout  # no launcher
    assert _sweeps(tmp_path) == [sweep_dir]
    for job in jobs:  # no worker touched a job: not even a "skipped" event
        assert len(events(job)) == before[job.name]
        assert count(job, "start") == 1 and count(job, "ok") == 1


def test_sweep_over_name_is_one_folder(tmp_path, sweep_cli):
    proc = sweep_cli(["name=first,second", *TINY], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sweep_dir,) = _sweeps(tmp_path)
    assert [j.name for j in job_folders(sweep_dir)] == [
        "market.n_customers=200,market.steps=6,name=first",
        "market.n_customers=200,market.steps=6,name=second"]
    assert "sweep finished: 2 ok of 2" in proc.stdout


def test_glob_sweeps_over_config_group_presets(tmp_path, sweep_cli):
    proc = sweep_cli(["scenario=glob(*economy)", *TINY], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sweep_dir,) = _sweeps(tmp_path)
    assert sorted(j.name.rsplit("scenario=", 1)[1] for j in job_folders(sweep_dir)) == [
        "experience_economy", "product_aware_economy"]
    assert "[sweep] 2/2 jobs done" in proc.stdout and "sweep finished: 2 ok of 2" in proc.stdout
    assert json.loads((sweep_dir / "sweep.json").read_text())["total"] == 2


def test_glob_matching_nothing_is_one_line(tmp_path, sweep_cli):
    proc = sweep_cli(["scenario=glob(nothing*)", *TINY], tmp_path)
    assert proc.returncode == 2
    presets = sorted(p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))
    assert proc.stderr.strip().splitlines() == [
        "ccsim: error: scenario=glob(nothing*): matches nothing; scenario presets: "
        + ", ".join(presets)]
    assert not (tmp_path / "results").exists()


def test_a_key_or_a_value_given_twice_is_refused(tmp_path, sweep_cli):
    for args, says in ((["seed=1,2", "seed=3"], "seed=3: seed is given twice (also seed=1,2)"),
                       (["seed=1,1"], "seed=1,1: 1 listed more than once"),
                       (["seed=0,1", "+seed=2"], "+seed=2: seed is given twice")):
        proc = sweep_cli([*args, *TINY], tmp_path)
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"ccsim: error: {says}"), lines
        assert not (tmp_path / "results").exists()


#: Seven long overrides: with the seed, the job folder's name would be over 255 bytes.
LONG = ["market.awareness.initial_awareness=0.0500000000001",
        "market.awareness.ad_response=0.0300000000001",
        "market.awareness.wom_strength=0.0500000000001",
        "market.awareness.search_rate=0.0200000000001",
        "market.economics.initial_penetration=0.300000000001",
        "market.economics.cross_sell_trigger=0.600000000001",
        "market.experience.promoter_threshold=8.50000000001"]


def test_too_long_job_folder_names_are_shortened(tmp_path, sweep_cli, cli):
    out = tmp_path / "sweep"
    proc = sweep_cli([*TINY, *LONG, "seed=0,1", f"hydra.sweep.dir={out}"], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = job_folders(out)
    assert len(jobs) == 2 and len({j.name for j in jobs}) == 2
    for job in jobs:
        assert len(job.name.encode()) <= 128
        assert job.name.startswith("market.awareness.ad_response=0.0300000000001,")
        assert (job / "summary.json").is_file()
    assert cli.run(["collect", str(out)], tmp_path).returncode == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["seed"]) == [0, 1] and (runs["status"] == "ok").all()
    for line in LONG:  # every override a column, typed as the schema types it
        key, value = line.split("=")
        assert runs[key].tolist() == [float(value)] * 2, key
    resumed = sweep_cli([*TINY, *LONG, "seed=0,1", f"hydra.sweep.dir={out}", "--resume"],
                        tmp_path)
    assert resumed.returncode == 0 and "nothing run" in resumed.stdout, resumed.stderr[-2000:]


def test_display_only_keys_resume_without_running_again(tmp_path, sweep_cli):
    out = tmp_path / "sweep"
    first = sweep_cli([*TINY, "seed=0,1", f"hydra.sweep.dir={out}"], tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    again = sweep_cli([*TINY, "seed=0,1", "output.print_table=false", "output.progress=false",
                       f"hydra.sweep.dir={out}", "--resume"], tmp_path)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    jobs = job_folders(out)
    assert len(jobs) == 2  # the display keys name no folder
    for job in jobs:
        assert count(job, "start") == 1 and count(job, "skipped") == 1

