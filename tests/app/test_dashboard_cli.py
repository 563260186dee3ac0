"""``ccsim dashboard`` refuses bad input with one line and exit status 2, before serving."""

from __future__ import annotations

import socket

import pytest

pytest.importorskip("solara")


def _one_error_line(proc, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Solara server" not in proc.stdout + proc.stderr


def test_missing_run_folder(cli, tmp_path):
    proc = cli.run(["dashboard", "--run", "no/such/run"], tmp_path, timeout=120)
    _one_error_line(proc, "--run=no/such/run", "no such run folder")


def test_incomplete_run_folder(cli, tmp_path):
    half = tmp_path / "results" / "runs" / "half"
    half.mkdir(parents=True)
    (half / "timeseries.parquet").write_bytes(b"")
    proc = cli.run(["dashboard", "--run", str(half)], tmp_path, timeout=120)
    _one_error_line(proc, "not a complete run", "summary.json")


def test_port_in_use(cli, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = cli.run(["dashboard", "--port", str(port)], tmp_path, timeout=120)
    _one_error_line(proc, f"--port={port}", "in use")


@pytest.mark.parametrize("args, needle", [
    (["--port", "http"], "invalid int value"),
    (["--port", "70000"], "1 to 65535"),
    (["--lesson", "nope"], "allowed: explore"),
])
def test_bad_arguments(cli, tmp_path, args, needle):
    _one_error_line(cli.run(["dashboard", *args], tmp_path, timeout=120), needle)


def _copy(run, tmp_path, name):
    import shutil

    work = tmp_path / "results" / "runs" / name
    shutil.copytree(run, work)
    return work


DAMAGED = {
    "truncated_timeseries": (lambda d: (d / "timeseries.parquet").write_bytes(
        (d / "timeseries.parquet").read_bytes()[:300]), "timeseries.parquet is unreadable"),
    "timeseries_without_step": (lambda d: __import__("pandas").DataFrame({"x": [1]}).to_parquet(
        d / "timeseries.parquet"), "no column step"),
    "config_not_a_mapping": (lambda d: (d / "config.yaml").write_text("just a string\n"),
                             "config.yaml is not a configuration"),
    "network_sample_truncated": (lambda d: (d / "network_sample.parquet").write_bytes(b"PAR1"),
                                 "network_sample.parquet is unreadable"),
}


def _refused(monkeypatch, capsys, argv, *needles):
    """``ccsim dashboard ARGV`` in this process: exit 2, one error line, no server started."""
    import os

    from sim.app import cli as app_cli

    started = []
    monkeypatch.setattr(os, "execve", lambda *a: started.append(a))
    assert app_cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccsim: error: "), err
    for needle in needles:
        assert needle in err[0], err[0]
    assert not started


@pytest.mark.parametrize("case", DAMAGED)
def test_damaged_run_folder_refused_before_serving(tmp_path, saved_runs, case, monkeypatch,
                                                   capsys):
    """Every file the page would draw from is read first: one line, exit 2, no server."""
    damage, words = DAMAGED[case]
    work = _copy(saved_runs["a"], tmp_path, case)
    damage(work)
    _refused(monkeypatch, capsys, ["--run", str(work)], f"--run={work}", words)


def test_root_must_be_a_folder(tmp_path, monkeypatch, capsys):
    _refused(monkeypatch, capsys, ["--root", str(tmp_path / "nowhere")], "--root=",
             "no such folder")


def test_importing_the_pages_prints_no_warning():
    """Solara's hook check on Mesa's own ComponentsView is silenced where ccsim imports Mesa."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-W", "error", "-c", "import sim.app.pages"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr[-2000:]
