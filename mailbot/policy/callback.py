"""When a person returns calls: the latest free stretch near the end of an office day (policy.yaml callback:).

Pure: calendar events and absences in, a local window out. Instants are compared in UTC (see business_time.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from mailbot.config.organisation import CallbackPolicy
from mailbot.domain import Absence, CalendarEvent, ShowAs
from mailbot.policy.business_time import BusinessCalendar, parse_weekly_hours

Span = tuple[datetime, datetime]
# Time the person cannot take calls; "free" and "working elsewhere" still can.
BUSY = frozenset({ShowAs.BUSY, ShowAs.OOF, ShowAs.TENTATIVE})


def callback_window(
    day: date, events: Sequence[CalendarEvent], absences: Sequence[Absence], calendar: BusinessCalendar,
    policy: CallbackPolicy,
) -> tuple[time, time] | None:  # fmt: skip
    """The latest free stretch of at least min_minutes in the search hours before the latest end, cut to `minutes`.

    None means the fallback text; with fallback "window" the fixed window is promised instead.
    """
    spans = open_spans(day, calendar)
    latest = spans[-1][1]
    if policy.latest_end is not None:
        hours, minutes = map(int, policy.latest_end.split(":"))
        latest = min(latest, utc(datetime.combine(day, time(hours, minutes), tzinfo=calendar.tz)))
    earliest = latest - timedelta(hours=policy.search_hours)
    busy = [(utc(e.start), utc(e.end)) for e in events if not e.cancelled and e.show_as in BUSY]
    busy += [(utc(a.start), utc(a.end)) for a in absences]
    room = [(max(s, earliest), min(e, latest)) for s, e in spans if min(e, latest) > max(s, earliest)]
    free = [f for f in _subtract(room, busy) if f[1] - f[0] >= timedelta(minutes=policy.min_minutes)]
    if free:
        start, end = free[-1]
        start = max(start, end - timedelta(minutes=policy.minutes))
        return _wall(start, calendar), _wall(end, calendar)
    if policy.fallback == "window":
        return parse_weekly_hours({"mon": policy.fallback_window})[0][0]
    return None


def open_spans(day: date, calendar: BusinessCalendar) -> list[Span]:
    """The day's open intervals as UTC instants, from the calendar's public opening and closing times."""
    spans: list[Span] = []
    at = midnight(day, calendar)
    while True:
        opening = calendar.next_opening(at)
        if opening.astimezone(calendar.tz).date() != day:
            return spans
        at = calendar.next_closing(opening)
        spans.append((utc(opening), utc(at)))


def _subtract(spans: Sequence[Span], busy: Sequence[Span]) -> list[Span]:
    """`spans` minus every busy interval, in order."""
    free = list(spans)
    for b_start, b_end in busy:
        pieces: list[Span] = []
        for start, end in free:
            if b_end <= start or b_start >= end:
                pieces.append((start, end))
                continue
            if b_start > start:
                pieces.append((start, b_start))
            if b_end < end:
                pieces.append((b_end, end))
        free = pieces
    return free


def _wall(instant: datetime, calendar: BusinessCalendar) -> time:
    return instant.astimezone(calendar.tz).time().replace(second=0, microsecond=0)


def midnight(day: date, calendar: BusinessCalendar) -> datetime:
    """The start of `day` on the office's wall clock, as a UTC instant."""
    return datetime.combine(day, time(), tzinfo=calendar.tz).astimezone(UTC)


def utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"The time {at.isoformat()} has no timezone; callback hours need aware datetimes.")
    return at.astimezone(UTC)
