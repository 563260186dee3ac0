"""A sweep's folders are ccsim's (markers), its lines read as the README shows them, and
``--resume`` finds it whatever the order of its values, re-running a job whose result is junk.

One real sweep of two jobs (default sweep folder, so ``--resume`` must find it by its
overrides), then a resume with the values and overrides in another order after the sweep's
marker was removed (a sweep from before markers: recognised by ``sweep.json``) and one job's
``summary.json`` was replaced by a JSON list.
"""

from __future__ import annotations

import json
import re

from sim import results
from sim.folders import RUN_MARKER, SWEEP_MARKER

from .conftest import TINY, count, job_folders

SCENARIOS = "scenario=experience_economy,subscription"


def test_markers_progress_lines_and_resume_in_another_order(tmp_path, sweep_cli):
    first = sweep_cli([SCENARIOS, *TINY], tmp_path)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    (sweep_dir,) = (tmp_path / "results" / "sweeps").iterdir()

    # the sweep's own lines as the README shows them: no Hydra log prefix
    lines = first.stdout.splitlines()
    progress = [line for line in lines if "jobs done" in line]
    assert len(progress) == 2, first.stdout
    for line in progress:
        assert re.match(r"^\[sweep\] [12]/2 jobs done · elapsed \d+:\d\d:\d\d · ", line), line
    assert any(line.startswith("sweep of 2 jobs → ") for line in lines), first.stdout
    assert f"sweep finished: 2 ok of 2 → {sweep_dir}" in lines, first.stdout

    # ccsim's markers: the sweep folder and each job folder
    assert json.loads((sweep_dir / SWEEP_MARKER).read_text())["kind"] == "sweep"
    jobs = job_folders(sweep_dir)
    assert len(jobs) == 2 and all((job / RUN_MARKER).is_file() for job in jobs)

    # a sweep from before markers, one job's summary.json junk (JSON, but not an object)
    (sweep_dir / SWEEP_MARKER).unlink()
    damaged, kept = jobs
    (damaged / "summary.json").write_text("[1, 2, 3]\n")
    kept_stamp = (kept / "summary.json").stat().st_mtime_ns
    reordered = ["scenario=subscription,experience_economy", *reversed(TINY)]
    resumed = sweep_cli([*reordered, "--resume"], tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert f"resuming {sweep_dir}" in resumed.stderr
    assert list((tmp_path / "results" / "sweeps").iterdir()) == [sweep_dir]  # no new sweep
    assert (sweep_dir / SWEEP_MARKER).is_file()  # marked when written again

    # the junk result was not taken for a result: that job ran again, the other did not
    assert count(damaged, "start") == 2 and count(damaged, "ok") == 2
    assert isinstance(json.loads((damaged / "summary.json").read_text()), dict)
    assert count(kept, "start") == 1 and count(kept, "skipped") == 1
    assert (kept / "summary.json").stat().st_mtime_ns == kept_stamp
    runs = results.load_sweep(sweep_dir)
    assert sorted(runs["status"]) == ["ok", "ok"]


def test_collect_reads_a_summary_of_the_wrong_shape_as_unreadable(tmp_path, capsys):
    """``summary.json`` that is JSON but not a run's summary: the job is 'unreadable', no crash."""
    from sim import runner
    from sim.configure import load_config
    from sim.sweep import _is_complete

    run = tmp_path / "run"
    runner.run(load_config([*TINY, "output.progress=false"]), run, progress=False)
    sweep = tmp_path / "sweep"
    shapes = {"seed=1": None, "seed=2": "[1, 2, 3]", "seed=3": '{"comparison": "text"}',
              "seed=4": '{"firms": {"cc_a": 5}}'}
    for name, text in shapes.items():
        job = sweep / name
        job.mkdir(parents=True)
        for f in run.iterdir():
            (job / f.name).write_bytes(f.read_bytes())
        (job / ".hydra").mkdir()
        (job / ".hydra" / "overrides.yaml").write_text(f"- {name}\n")
        if text is not None:
            (job / "summary.json").write_text(text)
            assert not _is_complete(job, "any hash")  # a sweep would run it again
    assert results.collect_main([str(sweep)]) == 0
    runs = results.load_sweep(sweep, refresh=False)
    status = dict(zip(runs["seed"], runs["status"], strict=True))
    assert status == {1: "ok", 2: "unreadable", 3: "unreadable", 4: "unreadable"}
    errors = runs.set_index("seed")["error"]
    assert "JSON list" in errors[2] and "comparison" in errors[3] and "cc_a" in errors[4]
    assert "Traceback" not in capsys.readouterr().err
