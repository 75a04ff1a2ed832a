"""/healthz and /metrics on health.host:health.port, served from a thread while the jobs run.

Status: "failing" (HTTP 503) when Exchange is unreachable or no sync has completed for three sync intervals;
"degraded" (200) while Exchange was not checked yet or a job's last run raised an error; "ok" (200) otherwise.
Mailboxes that fail on their own (a "partial" run) do not degrade the service: the digest reports them.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from mailbot.clock import Clock
from mailbot.errors import ConfigError
from mailbot.service.metrics import CONTENT_TYPE, Metrics
from mailbot.store import JobRun


@dataclass
class JobHealth:
    last_run: datetime | None = None
    outcome: str | None = None  # ok, partial or error
    last_success: datetime | None = None
    last_failure: datetime | None = None
    last_error: str | None = None


class HealthState:
    """What the service knows about itself, updated by the main loop and read by the HTTP thread."""

    def __init__(self, started_at: datetime, sync_job: str, sync_interval: timedelta) -> None:
        self._lock = threading.Lock()
        self._started_at, self._sync_job, self._sync_interval = started_at, sync_job, sync_interval
        self._jobs: dict[str, JobHealth] = {}
        self._synced_at: datetime | None = None  # last sync that completed (ok or partial)
        self._reachable: bool | None = None
        self._checked_at: datetime | None = None

    def seed(self, job: str, success: JobRun | None, latest: JobRun | None) -> None:
        """Start from what the store remembers of earlier runs."""
        failed = latest if latest is not None and not latest.ok else None
        with self._lock:
            self._jobs[job] = JobHealth(
                last_run=latest.finished_at if latest else None,
                outcome=None,
                last_success=success.finished_at if success else None,
                last_failure=failed.finished_at if failed else None,
                last_error=failed.error if failed else None,
            )

    def record_run(self, job: str, at: datetime, outcome: str, error: str | None) -> None:
        with self._lock:
            health = self._jobs.setdefault(job, JobHealth())
            health.last_run, health.outcome = at, outcome
            if outcome == "ok":
                health.last_success = at
            else:
                health.last_failure, health.last_error = at, error
            if job == self._sync_job and outcome != "error":
                self._synced_at = at

    def record_probe(self, reachable: bool, at: datetime) -> None:
        with self._lock:
            self._reachable, self._checked_at = reachable, at

    def report(self, now: datetime) -> tuple[str, dict[str, Any]]:
        """The status and the /healthz document."""
        with self._lock:
            failing, degraded = [], []
            if self._reachable is False:
                failing.append("Exchange is unreachable")
            elif self._reachable is None:
                degraded.append("Exchange not checked yet")
            since = self._synced_at or self._started_at
            if now - since > 3 * self._sync_interval:
                failing.append(f"no completed {self._sync_job} since {since.isoformat()}")
            degraded += [f"last {name} run failed" for name, h in self._jobs.items() if h.outcome == "error"]
            status = "failing" if failing else "degraded" if degraded else "ok"
            document = {
                "status": status,
                "reasons": failing + degraded,
                "jobs": {name: _jsonable(asdict(h)) for name, h in self._jobs.items()},
                "backend": _jsonable({"reachable": self._reachable, "checked_at": self._checked_at}),
            }
        return status, document


class HealthServer:
    """A small HTTP server on its own thread; port 0 picks a free port (see `port`)."""

    def __init__(self, host: str, port: int, state: HealthState, metrics: Metrics, clock: Clock) -> None:
        server_class = _V6Server if ":" in host else _Server
        try:
            self._server = server_class((host, port), _handler(state, metrics, clock))
        except OSError as exc:
            raise ConfigError(
                f"Cannot serve health checks on {host}:{port}: {exc.strerror or exc}; change `health` in service.yaml."
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, name="mailbot-health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print the traceback to stderr; keep it in the service's log instead.
        structlog.get_logger("mailbot.service").exception("health request failed", client=client_address[0])


class _V6Server(_Server):
    address_family = socket.AF_INET6


def _handler(state: HealthState, metrics: Metrics, clock: Clock) -> type[BaseHTTPRequestHandler]:
    log: Any = structlog.get_logger("mailbot.service")

    class Handler(BaseHTTPRequestHandler):
        server_version = "mailbot"

        def do_GET(self) -> None:
            path = self.path.partition("?")[0]
            if path == "/healthz":
                status, document = state.report(clock.now())
                body = json.dumps(document, indent=2).encode()
                self._reply(503 if status == "failing" else 200, "application/json", body)
            elif path == "/metrics":
                self._reply(200, CONTENT_TYPE, metrics.render().encode())
            else:
                self._reply(404, "text/plain; charset=utf-8", b"mailbot serves /healthz and /metrics\n")

        def _reply(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health request", client=self.client_address[0], request=format % args)

    return Handler


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
