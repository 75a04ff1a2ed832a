"""Scenario times relative to the week the sandbox starts in, so one scenario works in any week.

A scenario time is ISO 8601 ("2026-11-27", "2026-11-20T15:10") or relative, in this order:

    [WEEKDAY] [SHIFT ...] [HH:MM]

- WEEKDAY: monday ... sunday (or mon ... sun), that day of the start week; weeks begin on Monday.
- SHIFT: +N or -N days or weeks ("+2 days", "-1 week"); without a weekday they count from the week's Monday.
- HH:MM (or HH:MM:SS): a time of day in the mailbox's (or the event's) timezone. Without it the value is a
  date, like "2026-11-27": an all-day event's boundary, or midnight where a moment is needed.

A weekday or a shift is required: "10:30" alone does not say which day. Examples: "monday 09:30", "friday",
"+2 days", "monday -1 week 10:00", "tuesday +1 week". The start week is the week of the sandbox's clock in the
scenario's timezone (the CLI's clock: today, or --now).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from mailbot.sandbox.events import When, parse_when

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_SHIFT = re.compile(r"[+-]\d+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
HOW = "write [weekday] [+N/-N days or weeks] [HH:MM], e.g. 'friday -1 week 15:10', or an ISO 8601 time"


def week_of(day: date, timezone: str = "UTC") -> date:
    """The Monday of the week `day` is in (a datetime's day in `timezone`)."""
    local = day.astimezone(ZoneInfo(timezone)).date() if isinstance(day, datetime) else day
    return local - timedelta(days=local.weekday())


def is_relative(value: object) -> bool:
    """Whether a scenario value is written relative to the week (ISO 8601 times start with a digit)."""
    if not isinstance(value, str):
        return False
    first = value.strip()[:1]
    return first.isalpha() or first in ("+", "-")


def scenario_when(value: object, monday: date, timezone: str) -> When:
    """A scenario time, relative to the week starting `monday` or ISO 8601; a ValueError says what is wrong."""
    if is_relative(value) or (isinstance(value, str) and _CLOCK.fullmatch(value.strip())):
        return resolve(str(value), monday, timezone)
    try:
        return parse_when(value, timezone)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a time ({exc}); {HOW}.") from None


def resolve(text: str, monday: date, timezone: str) -> When:
    """The date (or, with a time of day, the datetime in `timezone`) that a relative time names."""
    tokens, day, shifts, at = text.lower().split(), None, [], None
    if tokens and (found := _weekday(tokens[0])) is not None:
        day, tokens = found, tokens[1:]
    while tokens and _SHIFT.fullmatch(tokens[0]):
        if len(tokens) < 2 or tokens[1] not in _UNITS:
            _refuse(text, f"{tokens[0]!r} needs a unit after it: days or weeks")
        shifts.append(int(tokens[0]) * _UNITS[tokens[1]])
        tokens = tokens[2:]
    if tokens and _CLOCK.fullmatch(tokens[0]):
        at, tokens = _time_of_day(text, tokens[0]), tokens[1:]
    if tokens:
        _refuse(text, _misplaced(tokens[0]))
    if day is None and not shifts:
        _refuse(text, "no day is named (start with a weekday or a shift)")
    result = monday + timedelta(days=(day or 0) + sum(shifts))
    return result if at is None else datetime.combine(result, at, tzinfo=ZoneInfo(timezone))


def _misplaced(token: str) -> str:
    if _weekday(token) is not None or _SHIFT.fullmatch(token) or _CLOCK.fullmatch(token):
        return f"{token!r} is out of place (the order is weekday, shifts, time of day)"
    return f"{token!r} is not a weekday (monday ... sunday), a shift (+2 days) or a time of day (09:30)"


def _weekday(token: str) -> int | None:
    return next((i for i, name in enumerate(WEEKDAYS) if token in (name, name[:3])), None)


def _time_of_day(text: str, token: str) -> time:
    match = _CLOCK.fullmatch(token)
    assert match is not None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        _refuse(text, f"{token!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute, second)


def _refuse(text: str, reason: str) -> NoReturn:
    raise ValueError(f"{text!r} is not a time: {reason}; {HOW}.")
