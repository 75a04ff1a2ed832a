"""The period a report covers, as instants: whole local days in the organisation's office timezone (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    """From `start` (included) to `end` (excluded), both local midnights; `first` and `last` are its days."""

    start: datetime
    end: datetime
    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def parse_period(text: str, now: datetime, tz: ZoneInfo) -> Period:
    """The week, month, quarter or year containing `now`, or the days FROM..TO (ISO dates, both included)."""
    today = now.astimezone(tz).date()
    if text == "week":
        first = today - timedelta(days=today.weekday())
        return _days(first, first + timedelta(days=6), tz)
    if text == "month":
        return _days(today.replace(day=1), _next_month(today.year, today.month) - timedelta(days=1), tz)
    if text == "quarter":
        month = 3 * ((today.month - 1) // 3) + 1
        return _days(date(today.year, month, 1), _next_month(today.year, month + 2) - timedelta(days=1), tz)
    if text == "year":
        return _days(date(today.year, 1, 1), date(today.year, 12, 31), tz)
    if ".." in text:
        return _days(*_range(text), tz)
    raise ValueError(
        f"The period {text!r} is not one of week, month, quarter, year or FROM..TO (e.g. 2026-11-01..2026-11-30)."
    )


def previous_period(text: str, period: Period, tz: ZoneInfo) -> Period:
    """The period just before `period` (parsed from `text`): the week, month, quarter or year before, or for
    FROM..TO the same number of days just before FROM."""
    first = period.first
    if text == "week":
        return _days(first - timedelta(days=7), first - timedelta(days=1), tz)
    months = {"month": 1, "quarter": 3, "year": 12}.get(text)
    if months is not None:
        back = first.year * 12 + first.month - 1 - months
        return _days(date(back // 12, back % 12 + 1, 1), first - timedelta(days=1), tz)
    days = (period.last - first).days + 1
    return _days(first - timedelta(days=days), first - timedelta(days=1), tz)


def week_starts(period: Period) -> list[date]:
    """The Mondays of the weeks the period touches, for the on-time rate per week."""
    monday = period.first - timedelta(days=period.first.weekday())
    weeks = []
    while monday <= period.last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def _days(first: date, last: date, tz: ZoneInfo) -> Period:
    return Period(local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz), first, last)


def _next_month(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _range(text: str) -> tuple[date, date]:
    start, _, end = text.partition("..")
    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"The period {text!r} needs two ISO dates, e.g. 2026-11-01..2026-11-30.") from None
    if last < first:
        raise ValueError(f"The period {text!r} ends before it begins; put the earlier date first.")
    return first, last
