"""The sandbox on a real HTTP socket, in a background thread: EWS under /EWS/, Microsoft Graph under /v1.0/, the
admin API under /admin.

With `tls` it serves HTTPS instead, and then also suits msal and exchangelib's OAuth, which insist on https: the
token endpoint (identity.py) answers under /{tenant}/..., so the server's URL is the OAuth authority too. Graph
takes only bearer tokens, so in practice it wants `tls` as well.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from mailbot.clock import Clock, SystemClock
from mailbot.sandbox.admin import AdminApp
from mailbot.sandbox.ews_app import EwsApp, Observer
from mailbot.sandbox.faults import Faults
from mailbot.sandbox.graph_app import GraphApp
from mailbot.sandbox.identity import IdentityApp, bearer_challenge
from mailbot.sandbox.ntlm import CONNECTION
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.tls import SandboxCA

log = structlog.get_logger(__name__)


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler, but with HTTP keep-alive.

    Werkzeug's own run_wsgi sends `Connection: close` on every response and then drains the socket, which
    would swallow the next request on a kept-alive connection. Real Exchange keeps connections open, and
    exchangelib treats `Connection: close` on an error response as "server busy", which would hide a 401.
    Our apps always read the whole request body and answer with a Content-Length, so keep-alive is safe.
    """

    timeout = 60  # seconds an idle kept-alive connection may wait for its next request
    # Headers and body go out in two writes; with Nagle's algorithm and delayed ACKs that costs ~40 ms per
    # request on a kept-alive connection, which made every sync crawl.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.connection_state: dict[str, Any] = {}  # NTLM logs a connection on, not a request
        _connections(self.server).add(self.connection)

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        environ[CONNECTION] = self.connection_state
        return environ

    def finish(self) -> None:
        _connections(self.server).discard(self.connection)
        super().finish()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            started.update(status=status, headers=headers)
            return lambda data: None

        try:
            chunks = self.server.app(environ, start_response)
            body = b"".join(chunks)
            getattr(chunks, "close", lambda: None)()
        except (ConnectionError, TimeoutError) as exc:
            self.connection_dropped(exc, environ)
            self.close_connection = True
            return
        code, _, reason = started["status"].partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in started["headers"]:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The apps log each request themselves, with more context."""

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("http_server", level=type, message=message % args if args else message)


def _connections(server: Any) -> set[socket.socket]:
    found: set[socket.socket] = server.__dict__.setdefault("sandbox_connections", set())
    return found


class SandboxServer:
    """An Organisation served over HTTP on localhost; `port=0` picks a free port.

    `tls` (a SandboxCA, or an ssl.SSLContext for the server side) makes it HTTPS. `assertion_clock` judges the
    times in OAuth client assertions, which msal stamps with the machine's clock (default: the system clock).
    `strict` checks every EWS message against Microsoft's schema (see EwsApp); tests always turn it on.
    """

    def __init__(
        self,
        org: Organisation,
        host: str = "127.0.0.1",
        port: int = 0,
        observers: Sequence[Observer] = (),
        faults: Faults | None = None,
        tls: SandboxCA | ssl.SSLContext | None = None,
        assertion_clock: Clock | None = None,
        strict: bool = False,
    ) -> None:
        self.org = org
        self.tls = tls
        self.faults = faults or Faults()
        self.observers: list[Observer] = list(observers)  # shared with the EWS app: tests may add more later
        self.host, self._port = host, port
        binding = tls.channel_binding if isinstance(tls, SandboxCA) else None
        self.ews = EwsApp(org, self.faults, self.observers, strict=strict, channel_binding=binding)
        self.graph = GraphApp(org, self.faults)
        self.admin = AdminApp(org, self.faults)
        self.identity = IdentityApp(org, assertion_clock or SystemClock())
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        context = self.tls.server_context() if isinstance(self.tls, SandboxCA) else self.tls
        server = make_server(self.host, self._port, self.wsgi, threaded=True, request_handler=_Handler,
                             ssl_context=context)  # fmt: skip
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{server.port}", daemon=True)  # fmt: skip
        self._thread.start()
        log.info("sandbox_started", url=self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for connection in list(_connections(server)):  # wake handler threads parked on kept-alive sockets
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        log.info("sandbox_stopped")

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The sandbox server is not running; call start() first.")
        scheme = "http" if self.tls is None else "https"
        return f"{scheme}://{self.host}:{self._server.port}"

    @property
    def schema_violations(self) -> list[str]:
        """Every EWS message seen in strict mode that broke Microsoft's schema (requests and answers)."""
        return list(self.ews.schema_violations)

    @property
    def ca_bundle_path(self) -> Path | None:
        """The PEM file of the CA that signed the server's certificate (None without a SandboxCA)."""
        return self.tls.ca_bundle_path if isinstance(self.tls, SandboxCA) else None

    @property
    def authority(self) -> str:
        """The OAuth authority for msal (tenant id appended): the server itself, so https only with `tls`."""
        return self.url

    @property
    def ews_url(self) -> str:
        return self.url + "/EWS/Exchange.asmx"

    @property
    def graph_url(self) -> str:
        """Microsoft Graph's base URL here, standing in for https://graph.microsoft.com/v1.0."""
        return self.url + "/v1.0"

    @property
    def admin_url(self) -> str:
        return self.url + "/admin"

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.lower().startswith("/ews/"):
            if str(environ.get("HTTP_AUTHORIZATION", "")).lower().startswith("bearer "):
                start_response = bearer_challenge(environ, start_response)
            return self.ews(environ, start_response)
        if path == "/v1.0" or path.startswith("/v1.0/"):
            return self.graph(environ, start_response)
        if path == "/admin" or path.startswith("/admin/"):
            return self.admin(environ, start_response)
        if self.identity.serves(path):
            return self.identity(environ, start_response)
        return Response("Not found: the sandbox serves /EWS/Exchange.asmx, Microsoft Graph under /v1.0/, /admin and "
                        "the token endpoint /{tenant}/oauth2/v2.0/token.\n", 404,
                        content_type="text/plain")(environ, start_response)  # fmt: skip
