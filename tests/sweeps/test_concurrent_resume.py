"""Two processes resuming one sweep at once: each job runs once, and both end with exit 0.

A job whose lock another process holds waits for it and then finds the job finished (it is
``skipped``, "finished by another process"), so neither process ends claiming that jobs are
incomplete.
"""

from __future__ import annotations

from .conftest import count, events, job_folders

#: Jobs of about a second, one worker per process: both processes walk the jobs in the same
#: order, so they meet on the same job again and again.
ARGS = ["market.n_customers=1500", "market.steps=24", "seed=range(0,4)",
        "hydra.launcher.n_jobs=1"]


def test_two_resumes_at_once_run_each_job_once_and_both_succeed(tmp_path, sweep_cli, cli):
    out = tmp_path / "sweep"
    failing = ";".join(f"seed={s}" for s in range(4))
    first = sweep_cli([*ARGS, f"hydra.sweep.dir={out}"], tmp_path, CCSIM_FAIL_JOBS=failing)
    assert first.returncode == 1  # every job failed: nothing complete to resume from

    args = ["run", "-m", *ARGS, f"hydra.sweep.dir={out}", "--resume"]
    procs = [cli.start(args, tmp_path) for _ in range(2)]
    done = [cli.finish(p, timeout=600) for p in procs]
    for proc in done:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "incomplete" not in proc.stdout + proc.stderr
        assert "sweep finished: 4 ok of 4" in proc.stdout + proc.stderr
    jobs = job_folders(out)
    assert len(jobs) == 4
    for job in jobs:
        assert (job / "summary.json").is_file()
        assert count(job, "ok") == 1, job.name  # ran once, by one of the two
        assert count(job, "start") == 2  # the failed first attempt, then that one run
    waited = sum(e.get("by_other_process", False) for j in jobs for e in events(j))
    assert waited == sum(p.stdout.count("finished by another process") for p in done)
