"""The dashboard's server process: ``solara run``, with a Host-header check on loopback.

``ccsim dashboard`` replaces itself with ``python -m sim.app.serve APP [solara run options]``.
This module adds to Solara's web application, before it starts:

* a Host-header check when the server listens on this machine only (``--host`` loopback, the
  default): a request whose ``Host`` names anything but a loopback address is refused, so a web
  page elsewhere cannot reach the dashboard by pointing a domain name at 127.0.0.1 (DNS
  rebinding);
* a filter for Solara's samesite-cookie warning, printed for a plain-http page load and about
  embedding in iframes, which a teacher serving a class cannot act on (the cookie falls back to
  ``samesite=lax``, which is what a page that is not embedded needs).

Then it hands over to ``solara run`` (the same process).
"""

from __future__ import annotations

import ipaddress
import os
import sys
import warnings
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

#: Set (to ``1``) by ``ccsim dashboard`` when it serves on a loopback address.
HOST_CHECK_ENV = "CCSIM_DASHBOARD_HOST_CHECK"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def host_name(header: str) -> str:
    """The host of a ``Host`` header without its port (``[::1]:8765`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback_name(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackHostOnly:
    """ASGI middleware: answer only requests whose ``Host`` header is a loopback name.

    Plain requests with another Host get 400; WebSocket handshakes are closed (HTTP 403).
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = host_name(headers.get(b"host", b"").decode("latin-1"))
            if not is_loopback_name(host):
                if scope["type"] == "websocket":
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = (b"ccsim dashboard: this server answers only requests addressed to this "
                        b"machine (localhost, 127.0.0.1 or [::1])\n")
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def main(argv: list[str]) -> None:
    """Prepare Solara's application, then run ``solara run ARGV`` (does not return)."""
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    from solara.server import starlette as solara_server

    if os.environ.get(HOST_CHECK_ENV) == "1":
        solara_server.app.add_middleware(LoopbackHostOnly)
    from solara.__main__ import cli as solara_cli

    solara_cli(["run", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
