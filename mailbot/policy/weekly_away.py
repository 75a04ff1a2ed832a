"""The weekly status's absences beyond the calendar: the person's own automatic reply, and when they return.

Pure. mailbot's own reply follows the calendar, which the plan reads already; a reply the person set themselves
is an absence of its own for the script: from its scheduled start to its end, or, simply switched on, from the
start of today with no end, so no return can be promised. Instants are compared in UTC (see business_time.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from mailbot.domain import Absence, OofSettings, OofState
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.callback import midnight, utc

OWN_REPLY = "own automatic reply"


@dataclass(frozen=True)
class OwnReply:
    """The person's own automatic reply as an absence: from `start` until `end` (None: no end was set)."""

    start: datetime
    end: datetime | None


def own_reply(current: OofSettings, ours: bool, now: datetime, tz: ZoneInfo) -> OwnReply | None:
    """The reply in the mailbox as the person's absence; None when it is mailbot's (`ours`), off, or a schedule
    already over. A reply simply switched on has no end (the times Exchange keeps with it then are leftovers of an
    old schedule, not a return) and no known start: it runs from the start of today in `tz`, the office's zone, so
    every run of the day reads today the same."""
    if ours or current.state is OofState.DISABLED:
        return None
    if current.state is OofState.ENABLED:
        return OwnReply(datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz), None)
    if current.start is None or current.end is None or utc(current.end) <= utc(now):
        return None
    return OwnReply(current.start, current.end)


def with_own_reply(
    absences: Sequence[Absence], own: OwnReply | None, person_id: str, calendar: BusinessCalendar, *, until: datetime
) -> list[Absence]:
    """The calendar's absences and the own reply (one with no end runs `until`) as one sorted list without
    overlaps, so a day's time away is counted once."""
    if own is None:
        return list(absences)
    spans = sorted([(utc(a.start), utc(a.end), a.reason) for a in absences] +
                   [(utc(own.start), utc(own.end) if own.end else utc(until), OWN_REPLY)])  # fmt: skip
    merged: list[tuple[datetime, datetime, str]] = []
    for start, end, reason in spans:
        if merged and start <= merged[-1][1]:
            first, last, reasons = merged[-1]
            merged[-1] = (first, max(last, end), "; ".join(dict.fromkeys(r for r in (reasons, reason) if r)))
        else:
            merged.append((start, end, reason))
    return [Absence(person_id, s.astimezone(calendar.tz), e.astimezone(calendar.tz), r) for s, e, r in merged]


def return_time(day: date, absences: Sequence[Absence], calendar: BusinessCalendar) -> time:
    """When the person is back on `day`, a day they are in: its opening, or the end of an absence running then."""
    at = utc(calendar.next_opening(midnight(day, calendar)))
    for absence in sorted(absences, key=lambda a: utc(a.start)):
        if utc(absence.start) <= at < utc(absence.end):
            at = utc(calendar.next_opening(absence.end))
    return at.astimezone(calendar.tz).time()
