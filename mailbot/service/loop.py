"""`mailbot run`: the service's life from start to SIGTERM.

Start: open the store and Exchange, serve /healthz and /metrics, check Exchange (READY=1 once healthy), catch
up missed runs, then tick until SIGTERM or SIGINT. A stop request lets the running job finish, runs no
further job, sends STOPPING=1 and returns 0. The running service speaks through its log; `run --once` runs what
is due and hands the results back to the CLI, which sums them up in a sentence.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import structlog

from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.errors import MailboxError
from mailbot.jobs import Deps, JobResult
from mailbot.jobs.sync_mail import JOB as SYNC_MAIL
from mailbot.policy.time_words import when
from mailbot.runtime import open_deps
from mailbot.service.counting import CountingBackend
from mailbot.service.health import HealthServer, HealthState
from mailbot.service.metrics import Metrics
from mailbot.service.notify import Liveness, Notifier, Watchdog, watchdog_seconds
from mailbot.service.runner import JobRunner
from mailbot.service.scheduler import Outcome, Scheduler, Ticker, service_plan
from mailbot.service.survey import SurveyApp, SurveyServer

TICK_SECONDS = 5  # how often the scheduler is asked what is due (job times are whole minutes)
PROBE_SECONDS = 60  # how often Exchange is checked for /healthz


def run_service(settings: Settings, clock: Clock, *, environ: Mapping[str, str]) -> int:
    """Run the service until stopped; returns the exit code."""
    with _service(settings, clock, environ) as (service, received):
        return service.serve(received)


def run_once(settings: Settings, clock: Clock, *, environ: Mapping[str, str]) -> list[JobResult]:
    """Run what is due now (missed runs included) and return what each job that ran did, in the order they ran."""
    with _service(settings, clock, environ) as (service, _):
        return service.once()


@contextmanager
def _service(settings: Settings, clock: Clock, environ: Mapping[str, str]) -> Iterator[tuple[_Service, list[str]]]:
    stop, received = threading.Event(), list[str]()
    restore = _stop_on_signals(stop, received)
    try:
        with open_deps(settings, clock) as opened:
            yield _Service(settings, clock, opened, stop, environ), received
    finally:
        restore()


class _Service:
    def __init__(
        self, settings: Settings, clock: Clock, opened: Deps, stop: threading.Event, environ: Mapping[str, str]
    ) -> None:
        self.settings, self.clock, self.stop, self.environ = settings, clock, stop, environ
        self.log: Any = structlog.get_logger("mailbot.service")
        self.metrics, self.liveness = Metrics(), Liveness()
        self.notifier = Notifier.from_env(environ)
        self.backend = CountingBackend(opened.backend, self.metrics, self.liveness.beat)
        self.deps = replace(opened, backend=self.backend, progress=self.notifier.progress)
        interval = timedelta(minutes=settings.service.jobs.sync_mail.every_minutes)
        self.health = HealthState(clock.now(), SYNC_MAIL, interval)
        self.jobs, times = service_plan(settings)
        self.runner = JobRunner(self.deps, self.backend, self.jobs, clock, self.health, self.metrics)
        self.scheduler = Scheduler(times, self.runner)
        self.ready = False

    def once(self) -> list[JobResult]:
        return [self.runner.results[name] for name in self.catch_up()]

    def serve(self, received: list[str]) -> int:
        cfg = self.settings.service.health
        server = HealthServer(cfg.host, cfg.port, self.health, self.metrics, self.clock).start()
        self.log.info("health server listening", url=f"http://{cfg.host}:{server.port}/healthz", port=server.port)
        survey = self.serve_survey()
        timeout = watchdog_seconds(self.environ)
        watchdog = Watchdog(self.notifier, timeout, self.liveness).start() if timeout else None
        try:
            self.runner.refresh_items(self.clock.now())
            self.probe()
            self.catch_up()
            ticker = Ticker()
            ticker.every(TICK_SECONDS, self.tick)
            ticker.every(PROBE_SECONDS, self.probe)
            ticker.run_until(self.stop)
        finally:
            self.log.info("stopping", signal=received[0] if received else None)
            self.notifier.stopping("stopping")
            if watchdog is not None:
                watchdog.stop()
            server.stop()
            if survey is not None:
                survey.stop()
        return 0

    def serve_survey(self) -> SurveyServer | None:
        """The member survey's endpoint, while the survey is on (policy.yaml `satisfaction`)."""
        cfg, keys = self.settings.service.survey, self.deps.survey
        if cfg is None or keys is None:
            return None
        policy = self.settings.policy
        app = SurveyApp(keys, self.deps.store, self.clock, policy.organisation.name, policy.satisfaction.comment_max)
        server = SurveyServer(app, cfg.host, cfg.port).start()
        self.log.info("survey endpoint listening", url=server.url, public_url=cfg.public_url)
        return server

    def catch_up(self) -> dict[str, Outcome]:
        """Plan every job from its last success in the store and run the missed ones once, now."""
        now, store, last = self.clock.now(), self.deps.store, {}
        for name in self.jobs:
            success = store.last_job_run(name)
            self.health.seed(name, success, store.last_job_run(name, ok_only=False))
            last[name] = success.finished_at if success else None
        live = store.tracking_start()
        missed = self.scheduler.start(now, last, live.first_run_at if live else None)
        self.log.info("catching up" if missed else "no run missed", jobs=missed)
        return self.scheduler.tick(now, self.stop.is_set)

    def tick(self) -> None:
        self.liveness.beat()
        self.scheduler.tick(self.clock.now(), self.stop.is_set)
        name, at = self.scheduler.next_due()
        # In the office's time, zone named: `systemctl status` is read on a server that may keep UTC.
        zone = self.scheduler.zone(name) or self.settings.first_office.tz
        self.notifier.status(f"next: {name} at {when(at.astimezone(zone))}")

    def probe(self) -> None:
        """Check that Exchange answers (a cheap read of mailbot's own automatic reply); READY=1 once healthy."""
        now = self.clock.now()
        try:
            self.backend.get_oof(self.settings.service.backend.service_account)
            reachable = True
        except MailboxError as exc:  # Exchange answered, about this mailbox
            self.log.warning("Exchange refused the health check", error=str(exc))
            reachable = True
        except Exception as exc:
            self.log.warning("Exchange is unreachable", error=str(exc))
            reachable = False
        self.health.record_probe(reachable, now)
        self.metrics.set("mailbot_backend_reachable", 1 if reachable else 0)
        status, _ = self.health.report(now)
        if not self.ready and status != "failing":
            self.ready = True
            self.notifier.ready(f"serving; {status}")
            self.log.info("ready", status=status)


def _stop_on_signals(stop: threading.Event, received: list[str]) -> Callable[[], None]:
    """SIGTERM and SIGINT ask the loop to stop; the handler only sets a flag (logging there could deadlock)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handle(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
