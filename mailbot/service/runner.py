"""One scheduled job run: through `run_job` (recorded in the store), never raising, measured and reported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog

from mailbot.clock import Clock
from mailbot.domain import TrackState
from mailbot.jobs import Deps, JobResult, run_job
from mailbot.jobs.nudge import JOB as NUDGE
from mailbot.jobs.open_items import open_items
from mailbot.service.counting import CountingBackend
from mailbot.service.health import HealthState
from mailbot.service.metrics import Metrics
from mailbot.service.scheduler import JobStep, Outcome


class JobRunner:
    """Runs a registered job for the scheduler; any exception becomes a failed run, logged and recorded."""

    def __init__(
        self, deps: Deps, backend: CountingBackend, jobs: Mapping[str, JobStep], clock: Clock,
        health: HealthState, metrics: Metrics,
    ) -> None:  # fmt: skip
        self._deps, self._backend, self._jobs, self._clock = deps, backend, jobs, clock
        self._health, self._metrics = health, metrics
        self._log: Any = structlog.get_logger("mailbot.service")
        self.results: dict[str, JobResult] = {}  # each job's latest run, for `run --once` to report

    def __call__(self, name: str, now: datetime) -> Outcome:
        started, sent = self._clock.now(), self._backend.sent
        self._log.info("job starting", job=name, now=now.isoformat())
        try:
            result = run_job(name, self._jobs[name], self._deps, now)
        except Exception as exc:  # not a MailbotError, so run_job let it through unrecorded
            self._log.exception("job crashed", job=name)
            result = JobResult(name, problems=[f"{type(exc).__name__}: {exc}"], aborted=True)
            self._record_crash(name, now, result.problems[0])
        self.results[name] = result
        outcome = Outcome.ERROR if result.aborted else Outcome.PARTIAL if result.problems else Outcome.OK
        if outcome is not Outcome.OK:
            self._log.warning("job had problems", job=name, outcome=str(outcome), problems=result.problems)
        self._report(name, now, outcome, result, (self._clock.now() - started).total_seconds())
        if name == NUDGE:
            self._metrics.inc("mailbot_nudges_sent_total", self._backend.sent - sent)
        return outcome

    def refresh_items(self, now: datetime) -> None:
        """Set the open and overdue gauges from the store."""
        items = open_items(self._deps.settings, self._deps.store, now)
        self._metrics.set("mailbot_items_open", len(items))
        self._metrics.set("mailbot_items_overdue", sum(1 for i in items if i.state is TrackState.OVERDUE))

    def _report(self, name: str, now: datetime, outcome: Outcome, result: JobResult, seconds: float) -> None:
        self._health.record_run(name, now, str(outcome), "; ".join(result.problems)[:500] or None)
        self._metrics.inc("mailbot_job_runs_total", job=name, outcome=str(outcome))
        self._metrics.observe("mailbot_job_duration_seconds", seconds, job=name)
        try:
            self.refresh_items(now)
        except Exception:
            self._log.exception("could not count open items")

    def _record_crash(self, name: str, now: datetime, error: str) -> None:
        if self._deps.dry_run:
            return
        try:
            self._deps.store.record_job_run(name, now, self._clock.now(), False, error[:2000])
        except Exception:
            self._log.exception("could not record the failed run", job=name)
