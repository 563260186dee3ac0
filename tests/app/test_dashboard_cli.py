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
