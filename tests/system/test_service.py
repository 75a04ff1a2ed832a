"""`mailbot run` as systemd runs it: a real process on the embedded sandbox, /healthz, /metrics, notify, SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mailbot.clock import FixedClock, parse_now
from mailbot.jobs import Deps, JobResult
from mailbot.jobs.nudge import nudge
from mailbot.sandbox import SandboxServer
from mailbot.service.counting import CountingBackend
from mailbot.service.health import HealthState
from mailbot.service.metrics import Metrics
from mailbot.service.runner import JobRunner
from mailbot.service.scheduler import Outcome, Scheduler
from mailbot.service.timing import Every

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T09:00-05:00"


class Service:
    """A `mailbot run` child process; its stdout is read as it comes, every line a JSON log record."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "mailbot", "run", "--config", str(config), "--now", NOW]
        self.stderr = (config.parent / "stderr.txt").open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.stderr,
                                        text=True)  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        """The first log record with this event, reading the log as it grows."""
        deadline = time.monotonic() + timeout
        while (found := next((e for e in self.events if e["event"] == event), None)) is None:
            self.events.append(json.loads(self.lines.get(timeout=max(0.0, deadline - time.monotonic()))))
        return found

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit code; the rest of the log is read."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        time.sleep(0.1)
        while not self.lines.empty():
            self.events.append(json.loads(self.lines.get()))
        return code


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_synced(port: int, timeout: float = 30) -> dict[str, Any]:
    """Poll /healthz until the service is ok and its first sync has finished."""
    deadline = time.monotonic() + timeout
    while True:
        code, body = get(port, "/healthz")
        document = json.loads(body)
        if (200, "ok") == (code, document["status"]) and document["jobs"].get("sync_mail", {}).get("last_run"):
            return document
        assert time.monotonic() < deadline, f"not healthy in {timeout} s: {body}"
        time.sleep(0.2)


def metric(text: str, sample: str) -> float:
    return next(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.rsplit(" ", 1)[0] == sample)


@pytest.fixture
def start(example_config: Path) -> Iterator[Callable[..., Service]]:
    """Start `mailbot run` on a copy of the example, with the health server and the member survey's endpoint on free
    ports; killed if left running."""
    example_config.write_text(
        example_config.read_text().replace("port: 9464", "port: 0").replace("port: 9465", "port: 0")
    )
    started: list[Service] = []

    def make(env: dict[str, str] | None = None) -> Service:
        started.append(Service(example_config, env))
        return started[-1]

    yield make
    for service in started:
        if service.process.poll() is None:
            service.process.kill()
            service.process.wait()
        service.stderr.close()


def test_the_service_serves_health_and_metrics_and_stops_cleanly_on_sigterm(start: Callable[..., Service]) -> None:
    """After its first sync the service is healthy and counts open mail; SIGTERM ends it with exit code 0."""
    service = start()
    port = service.wait_for("health server listening")["port"]
    health = wait_until_synced(port)
    assert True is health["backend"]["reachable"]
    _, metrics = get(port, "/metrics")
    assert metric(metrics, "mailbot_items_open") > 0
    assert 1 == metric(metrics, 'mailbot_job_runs_total{job="sync_mail",outcome="partial"}')  # Petr is off limits
    assert 1 == metric(metrics, "mailbot_backend_reachable")
    survey = service.wait_for("survey endpoint listening")["url"]
    with pytest.raises(urllib.error.HTTPError) as refused:  # the member survey is served too: a made-up link is refused
        urllib.request.urlopen(f"{survey}/survey/not-signed/5", timeout=5)
    assert 400 == refused.value.code
    assert 0 == service.stop()
    assert "SIGTERM" == service.wait_for("stopping")["signal"]


def test_systemd_hears_ready_watchdog_and_stopping(start: Callable[..., Service], tmp_path: Path) -> None:
    """Under Type=notify the service says READY=1 once healthy, pings the watchdog, and says STOPPING=1."""
    heard: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(tmp_path / "notify"))
        listener.settimeout(30)
        env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"}
        service = start(env)
        while not {"READY=1", "WATCHDOG=1"} <= set(heard):
            heard += listener.recv(4096).decode().splitlines()
        assert 0 == service.stop()
        while "STOPPING=1" not in heard:
            heard += listener.recv(4096).decode().splitlines()
    assert heard.index("READY=1") < heard.index("STOPPING=1")


def test_systemd_status_counts_the_mailboxes_of_the_first_sync(start: Callable[..., Service], tmp_path: Path) -> None:
    """While the first sync runs, `systemctl status` shows how many mailboxes it has done, phase by phase."""
    heard: list[str] = []
    done = "STATUS=first sync (inboxes): 5 of 5 mailboxes"  # six mailboxes; Petr's is off limits
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(tmp_path / "notify"))
        listener.settimeout(30)
        service = start({**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")})
        while done not in heard:
            heard += listener.recv(4096).decode().splitlines()
        assert 0 == service.stop()
    sent = [line for line in heard if line.startswith("STATUS=first sync (sent items)")]
    inboxes = [line for line in heard if line.startswith("STATUS=first sync (inboxes)")]
    assert [f"STATUS=first sync (sent items): {n} of 6 mailboxes" for n in range(7)] == sent
    assert [f"STATUS=first sync (inboxes): {n} of 5 mailboxes" for n in range(6)] == inboxes


def test_systemd_status_names_the_next_job_in_office_time(start: Callable[..., Service], tmp_path: Path) -> None:
    """Between jobs `systemctl status` shows the next one at a time in the office's timezone, the zone named."""
    heard: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(tmp_path / "notify"))
        listener.settimeout(30)
        service = start({**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")})
        while not any(line.startswith("STATUS=next: ") for line in heard):
            heard += listener.recv(4096).decode().splitlines()
        assert 0 == service.stop()
    status = next(line for line in heard if line.startswith("STATUS=next: "))
    assert "STATUS=next: sync_mail at Mon 23 Nov 2026 09:05 EST" == status


def test_once_runs_what_is_due_and_exits(example_config: Path) -> None:
    """`run --once` runs every job due now and exits; Petr's refused mailbox makes it exit 1."""
    result = subprocess.run(
        [sys.executable, "-m", "mailbot", "run", "--once", "--config", str(example_config), "--now", NOW],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert 1 == result.returncode, result.stderr
    # The weekly status, due at 07:30, never ran: it missed nothing; its urgent changes are looked for every time.
    caught_up = ["sync_mail", "apply_oof", "nudge", "weekly_status_urgent"]
    assert caught_up == next(e["jobs"] for e in events if e["event"] == "catching up")
    assert "health server listening" not in {e["event"] for e in events}


def test_the_unit_file_is_hardened_and_starts_this_mailbot_by_absolute_path() -> None:
    """`mailbot service unit` prints a notify unit with the watchdog, the sandboxing lines and an absolute ExecStart."""
    result = subprocess.run([sys.executable, "-m", "mailbot", "service", "unit", "--user", "mailbot"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    expected = {
        "Type=notify", "NotifyAccess=main", "WatchdogSec=120", "Restart=on-failure", "User=mailbot", "Group=mailbot",
        "StateDirectory=mailbot", "ReadWritePaths=/var/lib/mailbot", "NoNewPrivileges=yes", "ProtectSystem=strict",
        "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes", "SystemCallArchitectures=native", "CapabilityBoundingSet=",
        "EnvironmentFile=-/etc/mailbot/env",
        f"ExecStart={sys.executable} -m mailbot run --config /etc/mailbot/service.yaml",
    }  # fmt: skip
    assert 0 == result.returncode, result.stderr
    assert set() == expected - set(result.stdout.splitlines())
    assert Path(sys.executable).is_absolute()


def test_a_crashing_job_is_recorded_and_retried_while_the_others_run(sandbox: SandboxServer, deps_for: Any) -> None:
    """A job raising an unexpected error is a failed run in the store; nudges still go out; it runs again next tick."""
    now = parse_now(NOW)
    plain: Deps = deps_for(sandbox)
    metrics = Metrics()
    backend = CountingBackend(plain.backend, metrics, lambda: None)
    deps = replace(plain, backend=backend)

    def crash(_deps: Deps, _now: object) -> JobResult:
        raise RuntimeError("disk on fire")

    runner = JobRunner(deps, backend, {"sync_mail": crash, "nudge": nudge}, FixedClock(now),
                       HealthState(now, "sync_mail", timedelta(minutes=5)), metrics)  # fmt: skip
    plan = Scheduler({"sync_mail": Every(5), "nudge": Every(60)}, runner)
    plan.start(now, {})
    assert {"sync_mail": Outcome.ERROR, "nudge": Outcome.OK} == plan.tick(now)
    assert {"sync_mail": Outcome.ERROR} == plan.tick(now + timedelta(minutes=1))
    run = deps.store.last_job_run("sync_mail", ok_only=False)
    assert run is not None
    assert (False, "RuntimeError: disk on fire") == (run.ok, run.error)
    assert 2 == metrics.value("mailbot_job_runs_total", job="sync_mail", outcome="error")
