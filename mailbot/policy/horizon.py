"""The go-live horizon as pure decisions: where tracking begins in a mailbox, and what a policy change moves.

Member mail received before the horizon is never tracked, nudged or listed. policy.yaml's `tracking.since` is a
date (the start of that day in the mailbox's office timezone) or "first run" (the moment of the first sync,
which the store remembers, so the horizon stays put on every later run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from mailbot.domain import TrackingStart
from mailbot.policy.messages import plural
from mailbot.policy.templates import date_text, time_text
from mailbot.policy.time_words import same_clock, zone_text

FIRST_RUN = "first run"


def since_date(since: date | str) -> date | None:
    """policy.yaml's `tracking.since` as the store keeps it: the date, or None for "first run"."""
    return since if isinstance(since, date) else None


def tracking_start(recorded: TrackingStart | None, since: date | None, now: datetime) -> TrackingStart:
    """The start in force at `now`: the recorded first run (this run, if none is recorded) with the policy's date.

    A date in policy.yaml wins over the first run whenever it is set, so changing `tracking.since` later
    moves the horizon; "first run" always means the first sync there ever was, not the latest.
    """
    return TrackingStart(recorded.first_run_at if recorded is not None else now, since)


def horizon(start: TrackingStart, tz: ZoneInfo) -> datetime:
    """The first instant tracked in a mailbox whose office keeps the zone `tz`."""
    if start.since is None:
        return start.first_run_at.astimezone(UTC)
    # The first instant of the day: where midnight does not exist (a DST change at 00:00), the first one that does.
    return datetime.combine(start.since, time(), tzinfo=tz).astimezone(UTC)


def before(received_at: datetime, horizon_at: datetime) -> bool:
    """Whether mail received at `received_at` is older than the horizon (compared as instants)."""
    return received_at.astimezone(UTC) < horizon_at.astimezone(UTC)


@dataclass(frozen=True)
class HorizonMove:
    """A mailbox whose horizon a change of `tracking.since` moves from `old` to `new`."""

    mailbox: str
    old: datetime
    new: datetime

    @property
    def later(self) -> bool:
        """Moved forward: open mail now older than the horizon stops being tracked."""
        return self.new > self.old


def horizon_moves(old: TrackingStart, new: TrackingStart, zones: Mapping[str, ZoneInfo]) -> list[HorizonMove]:
    """The mailboxes (keys of `zones`, each with its office zone) whose horizon moves from `old` to `new`."""
    moves = [HorizonMove(mailbox, horizon(old, tz), horizon(new, tz)) for mailbox, tz in zones.items()]
    return [move for move in moves if move.old != move.new]


def horizon_text(start: TrackingStart, tz: ZoneInfo, *, name_zone: bool = False) -> str:
    """'Sunday, November 1, 2026' for a date (the start of that day in each office); 'Monday, November 23, 2026 at
    9:00 am' for the first run, in `tz`, with the zone named ('at 9:00 am CET') when `name_zone` (readers elsewhere)."""
    named = name_zone and start.since is None
    return moment_text(horizon(start, tz), tz, None if named else tz)


def moment_text(at: datetime, tz: ZoneInfo, reader: ZoneInfo | None = None) -> str:
    """A horizon in words, in `tz`: the day alone when it is the start of a day, else the day and the time. For a
    `reader` whose clock shows another time then (None: anyone, anywhere), with the time and its zone named."""
    local = at.astimezone(tz)
    day = f"{date_text(local)}, {local.year}"
    if reader is not None and same_clock(at, tz, reader):
        return day if local.time() == time() else f"{day} at {time_text(local)}"
    return f"{day} at {time_text(local)} {zone_text(local)}"


def left_out_line(
    start: TrackingStart, tz: ZoneInfo, counts: Mapping[str, int], *, dry_run: bool = False, name_zone: bool = False
) -> str:
    """The one line a sync that read mailboxes for the first time says about the older mail it left out (the first
    run's time in `tz`, its zone named with `name_zone`)."""
    total, boxes = sum(counts.values()), sum(1 for n in counts.values() if n)
    where = f" (in {plural(boxes, 'mailbox', 'mailboxes')})" if total else ""
    return (
        f"{'would leave' if dry_run else 'left'} out {plural(total, 'unanswered member message')} received before "
        f"{horizon_text(start, tz, name_zone=name_zone)}, when tracking starts{where}; nobody is nudged about them"
    )


@dataclass(frozen=True)
class LeftOutView:
    """One mailbox's older unanswered member mail, left out when tracking started there, for the digest."""

    mailbox: str  # Li Chen, Help desk (shared mailbox)
    count: int
    text: str  # 12 unanswered member messages received before Monday, November 23, 2026 at 9:00 am


def left_out_view(mailbox: str, count: int, horizon_at: datetime, tz: ZoneInfo, reader: ZoneInfo) -> LeftOutView:
    """The mailbox's count for a digest read in `reader`'s zone: the horizon in the mailbox's office zone `tz`,
    named ('at 12:00 am AEDT') when the reader's clock shows another time then."""
    messages = plural(count, "unanswered member message")
    return LeftOutView(mailbox, count, f"{messages} received before {moment_text(horizon_at, tz, reader)}")
