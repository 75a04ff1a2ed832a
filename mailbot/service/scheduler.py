"""Which jobs run when: the registry, the due-time decisions (`Scheduler`), and the real loop (`Ticker`).

`Scheduler` decides from a `now` it is given, so tests drive it tick by tick. `Ticker` is the only user of the
`schedule` library: it wakes the service for its chores (a scheduler tick every few seconds, the Exchange
check every minute) and sleeps in between. Job times are not left to `schedule` because it reads the naive
local wall clock (no `--now`, and the host's DST changes leak in) and its `.at(time, tz)` needs pytz.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import schedule
import structlog

from mailbot.config import Settings
from mailbot.jobs import Deps, JobResult
from mailbot.jobs.apply_oof import JOB as APPLY_OOF
from mailbot.jobs.apply_oof import apply_oof
from mailbot.jobs.digest import JOB as DIGEST
from mailbot.jobs.digest import digest
from mailbot.jobs.nudge import JOB as NUDGE
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import JOB as SYNC_MAIL
from mailbot.jobs.sync_mail import sync_mail
from mailbot.jobs.weekly_status import JOB as WEEKLY_STATUS
from mailbot.jobs.weekly_status import URGENT as WEEKLY_STATUS_URGENT
from mailbot.jobs.weekly_status import weekly_status
from mailbot.service.timing import Timing, slots, timings

JobStep = Callable[[Deps, datetime], JobResult]

# The jobs the service runs, in the order they run when due together (sync first: the others read its result).
# Scheduled at the times service.yaml's `jobs:` gives them.
JOBS: dict[str, JobStep] = {
    SYNC_MAIL: sync_mail,
    APPLY_OOF: apply_oof,
    NUDGE: nudge,
    DIGEST: digest,
    WEEKLY_STATUS: weekly_status,
    WEEKLY_STATUS_URGENT: lambda deps, now: weekly_status(deps, now, urgent_only=True),
}

# The jobs at a time of day for the people of one office (service/timing.py PER_OFFICE).
OFFICE_JOBS: dict[str, Callable[[Deps, datetime, str], JobResult]] = {
    DIGEST: lambda deps, now, office: digest(deps, now, office=office),
    WEEKLY_STATUS: lambda deps, now, office: weekly_status(deps, now, office=office),
}


def service_plan(settings: Settings) -> tuple[dict[str, JobStep], dict[str, Timing]]:
    """What the service runs, by slot name ("digest", or "digest@sydney" for one office's people), and when."""
    steps: dict[str, JobStep] = {}
    for slot in slots(settings, list(JOBS)):
        steps[slot.name] = JOBS[slot.job] if slot.office is None else _for_office(OFFICE_JOBS[slot.job], slot.office)
    return steps, timings(settings, list(JOBS))


def _for_office(step: Callable[[Deps, datetime, str], JobResult], office: str) -> JobStep:
    return lambda deps, now: step(deps, now, office)


MAX_RETRIES = 5  # early retries after failed runs (1, 2, 4, 8, 16 minutes), then only the regular times


class Outcome(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # finished, but some mailboxes or messages failed
    ERROR = "error"  # the job raised


@dataclass
class _Slot:
    timing: Timing
    due: datetime
    failures: int = 0


class Scheduler:
    """Runs each job when it is due; `run(name, now)` runs one job and never raises."""

    def __init__(self, timings: Mapping[str, Timing], run: Callable[[str, datetime], Outcome]) -> None:
        self._timings, self._run = dict(timings), run
        self._slots: dict[str, _Slot] = {}

    def start(
        self, now: datetime, last_success: Mapping[str, datetime | None], live_since: datetime | None = None
    ) -> list[str]:
        """Plan each job's first run from its last success and when mailbot went live (its first sync, None if it
        has not yet); returns the jobs to catch up now (run once each)."""
        self._slots = {
            name: _Slot(t, t.first_due(last_success.get(name), now, live_since)) for name, t in self._timings.items()
        }
        return self.due(now)

    def due(self, now: datetime) -> list[str]:
        return [name for name, slot in self._slots.items() if slot.due <= now]

    def due_at(self, name: str) -> datetime:
        return self._slots[name].due

    def zone(self, name: str) -> ZoneInfo | None:
        """The timezone of the job's times of day (None for one that runs every few minutes)."""
        return self._timings[name].zone

    def next_due(self) -> tuple[str, datetime]:
        return min(((name, slot.due) for name, slot in self._slots.items()), key=lambda pair: pair[1])

    def tick(self, now: datetime, stopping: Callable[[], bool] = lambda: False) -> dict[str, Outcome]:
        """Run every job due at `now`, one after the other, unless asked to stop in between."""
        ran: dict[str, Outcome] = {}
        for name in self.due(now):
            if stopping():
                break
            ran[name] = self._run(name, now)
            self._reschedule(self._slots[name], now, ran[name])
        return ran

    @staticmethod
    def _reschedule(slot: _Slot, now: datetime, outcome: Outcome) -> None:
        # Keep the cadence from the planned time, not from the (seconds later) tick that ran it.
        regular = slot.timing.next_after(slot.due)
        if regular <= now:
            regular = slot.timing.next_after(now)
        failed = outcome is Outcome.ERROR or (outcome is Outcome.PARTIAL and slot.timing.retry_partial)
        slot.failures = slot.failures + 1 if failed else 0
        if failed and slot.failures <= MAX_RETRIES:
            slot.due = min(regular, now + timedelta(minutes=2 ** (slot.failures - 1)))
        else:
            slot.due = regular


class Ticker:
    """The service's loop on the `schedule` library: run the chores that are due, sleep until the next one."""

    def __init__(self, max_sleep: float = 60.0) -> None:
        self._schedule = schedule.Scheduler()
        self._max_sleep, self._longest = max_sleep, 0
        self._log: Any = structlog.get_logger("mailbot.service")

    def every(self, seconds: int, chore: Callable[[], object]) -> None:
        """Run `chore` every `seconds`; a chore that raises is logged and runs again next time."""

        def guarded() -> None:
            try:
                chore()
            except Exception:
                self._log.exception("service chore failed", chore=getattr(chore, "__name__", repr(chore)))

        self._schedule.every(seconds).seconds.do(guarded)
        self._longest = max(self._longest, seconds)

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._schedule.run_pending()
            idle = self._schedule.idle_seconds
            if idle is not None and idle > self._longest:
                # The wall clock went back (or the host's DST ended): `schedule` would wait that long. Re-anchor.
                self._log.warning("wall clock went back; restarting the service chores", idle_seconds=idle)
                self._schedule.run_all()
                continue
            stop.wait(self._max_sleep if idle is None else min(max(idle, 0.0), self._max_sleep))
