"""Progress lines count the markers on disk at most every few seconds per process."""

from __future__ import annotations

import json
import os
import re
import time

from sim import sweep


def _plan(root, jobs, started):
    info = {"total": len(jobs), "started": started,
            "jobs": [{"run_id": j, "overrides": [j]} for j in jobs]}
    (root / sweep.SWEEP_INFO).write_text(json.dumps(info))


def _finish(root, job, name=sweep.MARKER):
    (root / job).mkdir(exist_ok=True)
    (root / job / name).write_text("{}")


def _done(line):
    return tuple(int(x) for x in re.match(r"\[sweep\] (\d+)/(\d+) jobs done", line).groups())


def test_counts_between_recounts_add_this_process_jobs_only(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "_counts", {})
    monkeypatch.setattr(sweep, "RECOUNT_LAST", 0)
    _plan(tmp_path, ["a", "b", "c", "d"], time.time() - 5)
    _finish(tmp_path, "a")
    assert _done(sweep.progress_line(tmp_path, "a", "ok", 0.1)) == (1, 4)  # counted on disk
    _finish(tmp_path, "b")  # this process's next job
    _finish(tmp_path, "c")  # another worker's, within the recount interval: not seen yet
    assert _done(sweep.progress_line(tmp_path, "b", "ok", 0.1)) == (2, 4)
    assert _done(sweep.progress_line(tmp_path, "c", "skipped", 0.1)) == (2, 4)  # no new marker
    _finish(tmp_path, "d", sweep.ERROR)
    line = sweep.progress_line(tmp_path, "d", "failed", 0.1)
    assert _done(line) == (3, 4) and "(1 failed)" in line

    # after the interval the disk is counted again: every marker, the other worker's too
    monkeypatch.setattr(sweep, "RECOUNT_SECONDS", 0.0)
    line = sweep.progress_line(tmp_path, "d", "failed", 0.1)
    assert _done(line) == (4, 4) and "(1 failed)" in line


def test_a_new_launch_is_counted_again_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "_counts", {})
    monkeypatch.setattr(sweep, "RECOUNT_LAST", 0)
    _plan(tmp_path, ["a", "b"], time.time() - 5)
    _finish(tmp_path, "a")
    assert _done(sweep.progress_line(tmp_path, "a", "ok", 0.1)) == (1, 2)
    _finish(tmp_path, "b")
    _plan(tmp_path, ["a", "b", "c"], time.time())  # the next launch rewrites sweep.json
    info = tmp_path / sweep.SWEEP_INFO
    os.utime(info, ns=(info.stat().st_atime_ns, info.stat().st_mtime_ns + 10**9))
    assert _done(sweep.progress_line(tmp_path, "b", "skipped", 0.1)) == (2, 3)


def test_the_last_jobs_are_counted_on_disk_so_the_last_line_reads_n_of_n(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "_counts", {})
    monkeypatch.setattr(sweep, "RECOUNT_LAST", 3)
    _plan(tmp_path, list("abcde"), time.time() - 5)
    _finish(tmp_path, "a")
    assert _done(sweep.progress_line(tmp_path, "a", "ok", 0.1)) == (1, 5)
    _finish(tmp_path, "b")
    _finish(tmp_path, "c")  # another worker's
    assert _done(sweep.progress_line(tmp_path, "b", "ok", 0.1)) == (2, 5)  # from the last count
    _finish(tmp_path, "d")  # another worker's
    _finish(tmp_path, "e")
    # 3 or fewer left by the last count: counted again
    assert _done(sweep.progress_line(tmp_path, "e", "ok", 0.1)) == (5, 5)
