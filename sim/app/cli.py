"""``ccsim dashboard [--port N] [--run PATH] [--root DIR] [--host H] [--lesson KEY]``.

Checks everything it can before starting the server (the run folder and every file of it the
page draws from, the roots, the port, the lesson, whether the dashboard's packages are
installed), so bad input ends with one line and exit status 2; then hands over to
:mod:`sim.app.serve` (``solara run`` with a Host-header check on loopback), which replaces this
process.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

from .serve import HOST_CHECK_ENV
from .serve import is_loopback_name as is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: The Solara app ``solara run`` serves.
APP_MODULE = "sim.app.app"
#: The server process (``solara run`` behind a Host-header check).
SERVER_MODULE = "sim.app.serve"


def _error(message: str) -> int:
    print(f"ccsim: error: {message}", file=sys.stderr)
    return 2


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served (in use, not allowed), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"--port={port}: port {port} on {host} is in use; choose another with --port"
            return f"--host={host} --port={port}: cannot listen there ({exc.strerror})"
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``ccsim: error:`` line with exit status 2."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse's hook
        self.exit(2, f"ccsim: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = _Parser(
        prog="ccsim dashboard",
        description="Serve the teaching dashboard (Mesa and Solara) in the browser: live mode "
                    "with lessons, replay of saved runs, and a comparison of two runs.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only); "
                        "anything else makes the dashboard reachable from the network")
    p.add_argument("--run", metavar="PATH",
                   help="a saved run folder (ccsim run's output) to open in replay mode")
    p.add_argument("--root", action="append", default=[], metavar="DIR",
                   help="a folder whose runs Replay and Compare may open (repeatable); by "
                        "default only ./results and the --run folder, so a visitor cannot "
                        "browse the rest of the machine")
    p.add_argument("--lesson", metavar="KEY", help="the lesson live mode opens with")
    return p


build_parser = parser  #: the name every ccsim command module gives its parser (sim.cli)


def main(argv: list[str], check_only: bool = False) -> int:
    """Check the arguments, then replace this process with the server (:mod:`.serve`).

    With ``check_only`` it stops after the checks (nothing started, nothing written).
    """
    args = parser().parse_args(argv)
    if not 1 <= args.port <= 65535:
        return _error(f"--port={args.port}: a port is a number from 1 to 65535")
    missing = [m for m in ("solara", "altair") if not _importable(m)]
    if missing:
        return _error("the dashboard needs its extra packages: pip install -e '.[dashboard]' "
                      "(make setup installs them)")
    env = dict(os.environ)
    from .runs import DEFAULT_ROOT, ROOTS_ENV, RunError, open_run

    roots = [DEFAULT_ROOT.resolve()]
    for root in args.root:
        if not os.path.isdir(root):
            return _error(f"--root={root}: no such folder")
        roots.append(os.path.realpath(root))
    if args.run is not None:
        try:
            run = open_run(args.run).path.resolve()
        except RunError as exc:
            return _error(f"--run={args.run}: {exc.reason}")
        inside = run.is_relative_to(Path.cwd().resolve())
        # as the picker lists it (results/runs/NAME) when it lies below this folder
        env["CCSIM_DASHBOARD_RUN"] = os.path.relpath(run) if inside else str(run)
        roots.append(run)
    env[ROOTS_ENV] = os.pathsep.join(str(r) for r in roots)
    if args.lesson is not None:
        from .lessons import LESSONS

        keys = [x.key for x in LESSONS]
        if args.lesson not in keys:
            return _error(f"--lesson={args.lesson}: no such lesson; allowed: {', '.join(keys)}")
        env["CCSIM_DASHBOARD_LESSON"] = args.lesson
    problem = port_problem(args.host, args.port)
    if problem:
        return _error(problem)
    if not is_loopback(args.host):
        print(f"ccsim: warning: --host={args.host}: the dashboard is reachable from other "
              "machines, with no password; anyone who can reach it can run models on this one",
              file=sys.stderr)
    if check_only:
        return 0
    env[HOST_CHECK_ENV] = "1" if is_loopback(args.host) else "0"
    env["SOLARA_APP"] = APP_MODULE
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # Solara's rules-of-hooks check warns about Mesa's own ComponentsView at every start
    env.setdefault("SOLARA_CHECK_HOOKS", "off")
    env.setdefault("MPLBACKEND", "Agg")
    shown = f"[{args.host}]" if ":" in args.host else args.host
    page = "replay" if args.run is not None else ""
    print(f"ccsim dashboard: open http://{shown}:{args.port}/{page} in a browser "
          "(Ctrl-C stops the server)", flush=True)
    cmd = [sys.executable, "-m", SERVER_MODULE, APP_MODULE, "--host", args.host,
           "--port", str(args.port), "--no-open", "--production", "--no-check-version"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)
    return 0  # not reached


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # the parent package is missing
        return False
