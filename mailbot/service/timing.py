"""When each job is due: every N minutes, or at a local time of day (and weekday) in the office's timezone.

Pure arithmetic on aware datetimes, so the service loop and the tests decide the same way at any `now`.
A missed run is caught up once: an interval job when a whole interval has passed since its last success (one that
never ran starts at once: it has no time of its own), a job at a time of day only on the same local day and within
CATCH_UP of its time. A digest missed yesterday is stale by morning, and sending it would claim today's digest; a
weekly status or digest sent late at night is noise, and the next morning's run makes up for it. A job at a time
of day missed nothing before mailbot went live (`live_since`, its first sync): the first start sends no digest or
weekly status at once, whatever the hour; each waits for its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from mailbot.config import Settings

CATCH_UP = timedelta(hours=4)  # how late a missed run at a time of day may still go out once mailbot is back


class Timing(Protocol):
    """A job's timetable."""

    @property
    def zone(self) -> ZoneInfo | None:
        """The timezone its times of day are in (None for a job that runs every few minutes)."""
        ...

    @property
    def retry_partial(self) -> bool:
        """Whether a run with problems is retried before the next regular time (a daily job would wait a day)."""
        ...

    def next_after(self, at: datetime) -> datetime:
        """The first regular time strictly after `at`."""
        ...

    def first_due(self, last_success: datetime | None, now: datetime, live_since: datetime | None = None) -> datetime:
        """When to run first after a start: `now` to catch up a missed run, else the next regular time.

        `live_since` is when mailbot went live (its first sync; None: not yet, so now): runs before it were not missed.
        """
        ...


@dataclass(frozen=True)
class Every:
    minutes: int
    retry_partial: bool = False
    zone: ZoneInfo | None = None

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def next_after(self, at: datetime) -> datetime:
        return at + self.interval

    def first_due(self, last_success: datetime | None, now: datetime, live_since: datetime | None = None) -> datetime:
        if last_success is None or now - last_success >= self.interval:
            return now
        # Keep the cadence across a restart; a last run "in the future" (clock set back) waits one interval.
        return min(last_success + self.interval, now + self.interval)


@dataclass(frozen=True)
class At:
    """A local time of day in `tz`, on every day or on one weekday (0 = Monday)."""

    at: time
    tz: ZoneInfo
    weekday: int | None = None
    retry_partial: bool = True

    @property
    def zone(self) -> ZoneInfo | None:
        return self.tz

    def on(self, day: date) -> datetime:
        """The occurrence on `day`; a time skipped by the spring-forward gap happens an hour later."""
        local = datetime.combine(day, self.at, tzinfo=self.tz)
        return local.astimezone(UTC).astimezone(self.tz)

    def _days(self, around: datetime, step: int) -> list[datetime]:
        start = around.astimezone(self.tz).date()
        days = (start + timedelta(days=step * n) for n in range(9))
        return [self.on(d) for d in days if self.weekday is None or d.weekday() == self.weekday]

    def next_after(self, at: datetime) -> datetime:
        return next(o for o in self._days(at, 1) if o > at)

    def latest_until(self, at: datetime) -> datetime:
        """The most recent occurrence at or before `at`."""
        return next(o for o in self._days(at, -1) if o <= at)

    def missed(self, last_success: datetime | None, now: datetime, live_since: datetime | None = None) -> bool:
        """True when today's occurrence passed less than CATCH_UP ago, after mailbot went live, without a
        successful run since."""
        latest = self.latest_until(now)
        today = latest.astimezone(self.tz).date() == now.astimezone(self.tz).date()
        recent = now - latest <= CATCH_UP
        if last_success is None:  # never ran: only an occurrence since mailbot went live was missed
            return today and recent and latest >= (now if live_since is None else live_since)
        return today and recent and last_success < latest

    def first_due(self, last_success: datetime | None, now: datetime, live_since: datetime | None = None) -> datetime:
        return now if self.missed(last_success, now, live_since) else self.next_after(now)


# Jobs at a time of day: in each office's timezone, for that office's people (its supervisors' digests at their
# end of day, its staff's weekly status in their morning), so an office far away gets neither in its night.
PER_OFFICE = ("digest", "weekly_status")


@dataclass(frozen=True)
class Slot:
    """One entry of the service's timetable: a job, for the people of one office or for everyone."""

    name: str  # the job, or "digest@sydney" when the offices keep different clocks
    job: str
    office: str | None  # whose people it serves; None: everyone
    timing: Timing


def slots(settings: Settings, jobs: list[str]) -> list[Slot]:
    """The timetable service.yaml gives each of `jobs` (in that order): interval jobs once, jobs at a time of day
    once per office, each at that time in the office's timezone (once for all, named plainly, when every office
    keeps the same zone)."""
    cfg = settings.service.jobs
    # The urgent weekly status (a change to today or the next business day, sent in office hours) looks as often as
    # mail is synced, so a day off booked late in the afternoon reaches the person before they leave.
    every = {"sync_mail": cfg.sync_mail.every_minutes, "apply_oof": cfg.apply_oof.every_minutes,
             "nudge": cfg.nudge.every_minutes, "weekly_status_urgent": cfg.sync_mail.every_minutes}  # fmt: skip
    # Daily: the weekly status job sends everyone's status on `day` and re-sends a changed week on the other mornings.
    at = {"digest": _hhmm(cfg.digest.at), "weekly_status": _hhmm(cfg.weekly_status.at)}
    zones = {name: ZoneInfo(office.timezone) for name, office in settings.policy.offices.items()}
    shared = len({zone.key for zone in zones.values()}) == 1
    found: list[Slot] = []
    for job in jobs:
        if job not in PER_OFFICE:
            found.append(Slot(job, job, None, Every(every[job])))
        elif shared:
            found.append(Slot(job, job, None, At(at[job], next(iter(zones.values())))))
        else:
            found += [Slot(f"{job}@{office}", job, office, At(at[job], zone)) for office, zone in zones.items()]
    return found


def timings(settings: Settings, jobs: list[str]) -> dict[str, Timing]:
    """Each slot's timing, by slot name (see `slots`)."""
    return {slot.name: slot.timing for slot in slots(settings, jobs)}


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
