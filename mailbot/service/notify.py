"""systemd notifications (sd_notify) without a dependency, and the watchdog keep-alive.

Under `Type=notify` systemd passes NOTIFY_SOCKET (a path, or "@name" in the abstract namespace); with
`WatchdogSec=` it also passes WATCHDOG_USEC and expects WATCHDOG=1 within that time, or it restarts us.
Outside systemd there is no socket and every call does nothing.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import structlog


class Notifier:
    def __init__(self, address: str | None) -> None:
        self._address = address
        self._log: Any = structlog.get_logger("mailbot.service")
        self._status: str | None = None  # the STATUS= systemd shows now

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Notifier:
        return cls(environ.get("NOTIFY_SOCKET") or None)

    def send(self, *fields: str) -> bool:
        """Send KEY=VALUE fields in one datagram; False when there is no socket or it refused."""
        if not self._address:
            return False
        target = "\0" + self._address[1:] if self._address.startswith("@") else self._address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(fields).encode(), target)
        except OSError as exc:
            self._log.warning("systemd notification failed", fields=fields, error=str(exc))
            return False
        return True

    def ready(self, status: str) -> None:
        self._status = status
        self.send("READY=1", f"STATUS={status}")

    def status(self, text: str) -> None:
        """Show `text` as the service's status (`systemctl status`); the same text again is not re-sent."""
        if text != self._status:
            self._status = text
            self.send(f"STATUS={text}")

    def progress(self, task: str, done: int, total: int) -> None:
        """A jobs.deps.Progress: "first sync (inboxes): 37 of 120 mailboxes" while a job works through them."""
        self.status(f"{task}: {done} of {total} mailboxes")

    def stopping(self, status: str) -> None:
        self._status = status
        self.send("STOPPING=1", f"STATUS={status}")


def watchdog_seconds(environ: Mapping[str, str]) -> float | None:
    """The watchdog timeout systemd set for this process, if any."""
    usec, pid = environ.get("WATCHDOG_USEC"), environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1_000_000 or None
    except ValueError:
        return None


class Liveness:
    """When the service last showed progress: a loop tick or a backend call (long jobs keep calling)."""

    def __init__(self) -> None:
        self._at = time.monotonic()

    def beat(self) -> None:
        self._at = time.monotonic()

    def quiet_for(self) -> float:
        return time.monotonic() - self._at


class Watchdog:
    """Sends WATCHDOG=1 every half timeout from a thread, but only while the service shows progress.

    A job stuck without calling the backend stops the pings, and systemd restarts the service.
    """

    def __init__(self, notifier: Notifier, timeout: float, liveness: Liveness) -> None:
        self._notifier, self._timeout, self._liveness = notifier, timeout, liveness
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailbot-watchdog", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            if self._liveness.quiet_for() < self._timeout:
                self._notifier.send("WATCHDOG=1")
            if self._stop.wait(self._timeout / 2):
                return
