"""Business time for one office: opening hours and holidays, with deadline arithmetic that survives DST.

Instants are handled in UTC inside this module, because aware datetimes sharing one ZoneInfo compare and
subtract by wall clock, which is wrong across a clock change. Opening hours become instants one local day
at a time, so "08:00" is 08:00 on the office wall whatever the UTC offset is that day.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[time, time]
Span = tuple[datetime, datetime]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# No real office closes for three years; a longer search means the hours or holidays are misconfigured.
_SEARCH_LIMIT_DAYS = 3 * 366
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)


@runtime_checkable
class NamedHolidays(Protocol):
    """Holidays that know their names (config/holidays.py OfficeHolidays); plain sets of dates do not."""

    def __contains__(self, day: object) -> bool: ...

    def name(self, day: date) -> str: ...


@dataclass(frozen=True)
class BusinessCalendar:
    """An office's weekly opening hours in its own timezone, minus its holidays.

    `hours` maps a weekday (0 = Monday) to sorted, non-overlapping local intervals; `time.max` as an
    end stands for 24:00. Open intervals are half-open: open at the opening, closed at the close.
    """

    tz: ZoneInfo
    hours: Mapping[int, tuple[Interval, ...]]
    holidays: Container[date] = frozenset()
    # Each day's open instants, worked out once: a year's report measures a quarter of a million answers.
    _spans: dict[date, tuple[Span, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Open time of every day before a date, counted from the first date asked about (negative before it): elapsed
    # time is then a difference of two look-ups, whatever the distance.
    _before: dict[date, timedelta] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for weekday, intervals in self.hours.items():
            _check_day(weekday, intervals)
        if not any(self.hours.values()):
            raise ValueError("The hours close every weekday; open at least one, e.g. mon: 08:00-17:00.")
        # A private copy, so a caller changing its dict later cannot change a calendar in use.
        object.__setattr__(self, "hours", {day: tuple(spans) for day, spans in self.hours.items()})

    @classmethod
    def from_spec(
        cls, tz: str, hours: Mapping[str, str | Sequence[str]], holidays: Container[date] = frozenset()
    ) -> BusinessCalendar:
        """A calendar from config values, e.g. from_spec("Europe/Berlin", {"mon-fri": "08:00-17:00"})."""
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Unknown timezone {tz!r}; use an IANA name such as Europe/Berlin.") from None
        return cls(zone, parse_weekly_hours(hours), holidays)

    def is_business_day(self, day: date) -> bool:
        """A day that is not a holiday and has open time on its weekday."""
        return bool(self._day_spans(day))

    def holiday_name(self, day: date) -> str:
        """The name of the holiday closing the office on `day` ('Thanksgiving Day') where the holidays have names;
        '' on any other day and for a closing day without one."""
        holidays = self.holidays
        return holidays.name(day) if isinstance(holidays, NamedHolidays) and day in holidays else ""

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside an open interval (its opening included, its close not)."""
        instant = _utc(at)
        return self._next_open_instant(instant) == instant

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if the office is open then, else the start of the next open interval."""
        return self._local(self._next_open_instant(_utc(at)))

    def last_open(self, at: datetime) -> datetime:
        """The latest moment up to `at` when the office was open: `at` itself while open, else the last close."""
        instant = _utc(at)
        # Intervals of later local dates start after `instant`; one of the day before may close at 24:00 exactly.
        day, closed_run = self._local_date(instant), 0
        while True:
            spans = self._day_spans(day)
            closed_run = 0 if spans else closed_run + 1
            if closed_run > _SEARCH_LIMIT_DAYS:
                raise ValueError(_no_business_day(day))
            for opening, close in reversed(spans):
                if opening <= instant:
                    return self._local(min(close, instant))
            day -= _ONE_DAY

    def next_closing(self, at: datetime) -> datetime:
        """The end of the open interval containing `at`, or of the next one if closed at `at`."""
        _, _, close = next(self._spans_ending_after(_utc(at)))
        return self._local(close)

    def end_of_workday(self, at: datetime) -> datetime:
        """The "same workday" deadline: the last close of the business day on which the clock starts."""
        day, _, _ = next(self._spans_ending_after(_utc(at)))
        return self._local(self._day_spans(day)[-1][1])

    def close_of_day(self, at: datetime) -> datetime:
        """The office's last close on the local day of `at` (a close at 24:00 belongs to the day it ends); on a
        day the office is closed, its last close before `at`."""
        instant = _utc(at)
        spans = self._day_spans(self._local_date(instant - _TICK))  # `at` on a close at midnight: the day it ends
        return self._local(spans[-1][1]) if spans and spans[-1][1] >= instant else self.last_open(at)

    def add_business_hours(self, start: datetime, amount: timedelta) -> datetime:
        """The instant `amount` of open time after `start`; it stops at a close, not the next opening."""
        if amount < _ZERO:
            raise ValueError(f"Business hours to add must not be negative, got {amount}.")
        instant, remaining = _utc(start), amount
        for _, opening, close in self._spans_ending_after(instant):
            opening = max(opening, instant)
            if remaining <= close - opening:
                return self._local(opening + remaining)
            remaining -= close - opening
        raise AssertionError("the open intervals never run out")  # the search raises first

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The same wall time `days` business days after the clock starts, moved into that day's hours."""
        if days < 0:
            raise ValueError(f"Business days to add must not be negative, got {days}.")
        instant = _utc(start)
        day, opening, _ = next(self._spans_ending_after(instant))
        started = max(opening, instant)
        if days == 0:
            return self._local(started)
        wall = self._wall_time(started)
        for _ in range(days):
            day = self._next_business_day(day)
        return self._local(self._place(day, wall))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between `start` and `end`; zero if `end` is not after `start`."""
        begin, finish = _utc(start), _utc(end)
        if finish <= begin:
            return _ZERO
        return max(_ZERO, self._open_until(finish) - self._open_until(begin))

    def _open_until(self, instant: datetime) -> timedelta:
        """Open time before `instant`, counted from the first date asked about. Every interval of an earlier local
        date has closed by `instant` (a close at 24:00 is the next date's first instant), so only the intervals of
        its own date are partly counted."""
        day = self._local_date(instant)
        total = self._open_before(day)
        for opening, close in self._day_spans(day):
            if opening >= instant:
                break
            total += min(close, instant) - opening
        return total

    def _open_before(self, day: date) -> timedelta:
        """Open time of the days from the first date asked about up to `day` (negative before that date)."""
        known = self._before
        found = known.get(day)
        if found is not None:
            return found
        if not known:
            known[day] = _ZERO
            return _ZERO
        first, last = min(known), max(known)
        while last < day:
            known[last + _ONE_DAY] = known[last] + self._open_on(last)
            last += _ONE_DAY
        while first > day:
            known[first - _ONE_DAY] = known[first] - self._open_on(first - _ONE_DAY)
            first -= _ONE_DAY
        return known[day]

    def _open_on(self, day: date) -> timedelta:
        return sum((close - opening for opening, close in self._day_spans(day)), _ZERO)

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days d satisfy start < d <= end."""
        return sum(self.is_business_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))

    def _next_open_instant(self, instant: datetime) -> datetime:
        _, opening, _ = next(self._spans_ending_after(instant))
        return max(opening, instant)

    def _spans_ending_after(self, instant: datetime) -> Iterator[tuple[date, datetime, datetime]]:
        """Every open interval, with its local day, that ends after `instant`, in order."""
        # Start a day early: a close at 24:00 is an instant on the next local date.
        day, closed_run = self._local_date(instant) - _ONE_DAY, 0
        while True:
            spans = self._day_spans(day)
            closed_run = 0 if spans else closed_run + 1
            if closed_run > _SEARCH_LIMIT_DAYS:
                raise ValueError(_no_business_day(day))
            for opening, close in spans:
                if close > instant:
                    yield day, opening, close
            day += _ONE_DAY

    def _next_business_day(self, day: date) -> date:
        for n in range(1, _SEARCH_LIMIT_DAYS + 1):
            if self.is_business_day(day + timedelta(days=n)):
                return day + timedelta(days=n)
        raise ValueError(_no_business_day(day + timedelta(days=_SEARCH_LIMIT_DAYS)))

    def _place(self, day: date, wall: time) -> datetime:
        """`wall` on `day`, moved to the first opening, out of a break, or back to the last close."""
        target, spans = self._to_instant(day, wall), self._day_spans(day)
        for opening, close in spans:
            if target < close:
                return max(opening, target)
        return spans[-1][1]

    def _day_spans(self, day: date) -> tuple[Span, ...]:
        """The day's open intervals as UTC instants; holidays and closed weekdays have none."""
        found = self._spans.get(day)
        if found is None:
            found = self._spans[day] = self._work_out_spans(day)
        return found

    def _work_out_spans(self, day: date) -> tuple[Span, ...]:
        if day in self.holidays:
            return ()
        spans: list[Span] = []
        for start, end in self.hours.get(day.weekday(), ()):
            opening, close = self._to_instant(day, start), self._to_instant(day, end)
            if close <= opening:  # the whole interval fell into an hour the clocks skipped
                continue
            if spans and spans[-1][1] == opening:  # touching intervals are one stretch for next_closing
                opening = spans.pop()[0]
            spans.append((opening, close))
        return tuple(spans)

    def _to_instant(self, day: date, wall: time) -> datetime:
        """The instant a wall clock shows `wall` on `day`: the first time if repeated, the jump if skipped."""
        if wall == time.max:
            return self._to_instant(day + _ONE_DAY, time.min)
        local = datetime.combine(day, wall, tzinfo=self.tz)  # fold=0 picks the earlier of two readings
        instant = local.astimezone(UTC)
        back = instant.astimezone(self.tz)
        if (back.date(), back.time()) == (day, wall):
            return instant
        # The clocks skipped this wall time. Mapping it to the jump itself (not zoneinfo's shifted reading)
        # keeps later wall times at later instants, so intervals never turn negative or overlap.
        return self._transition(local.replace(fold=1).astimezone(UTC), instant)

    def _wall_time(self, instant: datetime) -> time:
        """The local wall time, except that the hour repeated after clocks go back reads as its end.

        Without that, a later instant in the repeated hour would carry an earlier wall time to the
        deadline day, and add_business_days would stop being monotonic.
        """
        local = instant.astimezone(self.tz)
        if not local.fold:
            return local.time()
        first_offset, second_offset = _offset(local.replace(fold=0)), _offset(local)
        change = self._transition(instant - (first_offset - second_offset), instant)
        went_back_at = change.replace(tzinfo=None) + first_offset
        return went_back_at.time() if went_back_at.date() == local.date() else time.max

    def _transition(self, before: datetime, after: datetime) -> datetime:
        """The first instant in (before, after] already on after's UTC offset: when the clocks changed."""
        target = _offset(after.astimezone(self.tz))
        while after - before > _TICK:
            middle = before + (after - before) // 2
            if _offset(middle.astimezone(self.tz)) == target:
                after = middle
            else:
                before = middle
        return after

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()


def parse_weekly_hours(spec: Mapping[str, str | Sequence[str]]) -> dict[int, tuple[Interval, ...]]:
    """Weekly hours from config, e.g. {"mon-thu": "08:00-17:00", "fri": ["08:00-12:00", "13:00-15:00"]}.

    Keys are mon..sun or ranges such as mon-fri; a value of "closed" or [] closes the day; 24:00 may end
    an interval.
    """
    hours: dict[int, tuple[Interval, ...]] = {}
    for key, value in spec.items():
        texts = [value] if isinstance(value, str) else list(value)
        intervals = tuple(sorted(_parse_interval(key, text) for text in texts if _is_open_text(key, text)))
        for weekday in _parse_days(key):
            if weekday in hours:
                raise ValueError(f"{_DAY_NAMES[weekday]} appears twice in the opening hours; give it once.")
            _check_day(weekday, intervals)
            hours[weekday] = intervals
    return hours


def _is_open_text(key: str, text: object) -> bool:
    if not isinstance(text, str):
        raise ValueError(f"The opening hours for {key!r} must be text like '08:00-17:00', got {text!r}.")
    return text.strip().lower() != "closed"


def _parse_days(key: str) -> range:
    names = [name.strip().lower() for name in key.split("-")]
    if len(names) > 2 or any(name not in _DAYS for name in names):
        raise ValueError(f"Unknown weekday {key!r} in the hours; use mon..sun or ranges like mon-fri.")
    first, last = _DAYS.index(names[0]), _DAYS.index(names[-1])
    if last < first:
        raise ValueError(f"The weekday range {key!r} runs backwards; write it from Monday on, e.g. mon-fri.")
    return range(first, last + 1)


def _parse_interval(key: str, text: str) -> Interval:
    match = _INTERVAL.match(text)
    numbers = [int(part) for part in match.groups()] if match else [-1, -1, -1, -1]
    closes_at_midnight = numbers[2:] == [24, 0]
    if not _valid_clock(*numbers[:2]) or not (_valid_clock(*numbers[2:]) or closes_at_midnight):
        raise ValueError(f"The opening hours {text!r} for {key!r} are not like '08:00-17:00'.")
    start = time(numbers[0], numbers[1])
    end = time.max if numbers[2] == 24 else time(numbers[2], numbers[3])
    if end <= start:
        raise ValueError(f"The opening hours {text!r} for {key!r} must start before they end.")
    return start, end


def _valid_clock(hour: int, minute: int) -> bool:
    return 0 <= hour <= 23 and 0 <= minute <= 59


def _check_day(weekday: int, intervals: Sequence[Interval]) -> None:
    if weekday not in range(7):
        raise ValueError(f"Weekday {weekday!r} is not 0 (Monday) to 6 (Sunday).")
    name, previous_end = _DAY_NAMES[weekday], time.min
    for start, end in intervals:
        if start.tzinfo is not None or end.tzinfo is not None or not start < end:
            raise ValueError(f"{name} has the interval {start}-{end}; use naive local times, start first.")
        if start < previous_end:
            raise ValueError(f"{name} has overlapping or unsorted intervals; sort them and merge overlaps.")
        previous_end = end


def _offset(local: datetime) -> timedelta:
    offset = local.utcoffset()
    assert offset is not None, "zone-aware by construction"
    return offset


def _utc(at: datetime) -> datetime:
    """Naive datetimes are refused: a deadline depends on which office's wall clock they meant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"The time {at.isoformat()} has no timezone; business time needs an aware datetime.")
    return at.astimezone(UTC)


def _no_business_day(day: date) -> str:
    return f"No business day for three years up to {day}; the opening hours or holidays close every day."
