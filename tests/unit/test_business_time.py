"""Business time: deadlines in office hours, across weekends, holidays and clock changes."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.policy.business_time import BusinessCalendar, parse_weekly_hours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE_HOURS = {"mon-fri": "08:00-17:00"}
LUNCH_BREAK = {"mon-fri": ["08:00-12:00", "13:00-17:00"]}
MADE_UP_HOLIDAY = frozenset({date(2026, 12, 7)})  # Monday 2026-12-07


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def office(
    tz: ZoneInfo = BERLIN,
    hours: Mapping[str, str | Sequence[str]] = OFFICE_HOURS,
    closed: Container[date] = frozenset(),
) -> BusinessCalendar:
    return BusinessCalendar.from_spec(tz.key, hours, closed)


def utc(at: datetime) -> datetime:
    """Compare instants in UTC: same-zone datetimes compare by wall clock, which lies in a repeated hour."""
    return at.astimezone(UTC)


# --- Required examples ------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK])
def test_friday_mail_is_due_after_the_weekend_and_a_monday_holiday(tz: ZoneInfo) -> None:
    """Mail at 16:00 on Friday with Monday a holiday is due one business day later, Tuesday 16:00."""
    calendar = office(tz, closed=MADE_UP_HOLIDAY)
    assert local(tz, 2026, 12, 8, 16) == calendar.add_business_days(local(tz, 2026, 12, 4, 16), 1)


def test_voicemail_after_close_is_due_at_the_end_of_the_next_workday() -> None:
    """A voicemail at 17:30 on Tuesday must be returned by Wednesday's close at 17:00."""
    assert local(BERLIN, 2026, 12, 2, 17) == office().end_of_workday(local(BERLIN, 2026, 12, 1, 17, 30))


def test_voicemail_during_the_day_is_due_at_that_day_close() -> None:
    """A voicemail at 10:00 on a working day must be returned by 17:00 the same day."""
    assert local(BERLIN, 2026, 12, 1, 17) == office().end_of_workday(local(BERLIN, 2026, 12, 1, 10))


def test_voicemail_on_saturday_is_due_at_the_next_business_day_close() -> None:
    """A voicemail on Saturday is due at the close of Tuesday when Monday is a holiday."""
    calendar = office(closed=MADE_UP_HOLIDAY)
    assert local(BERLIN, 2026, 12, 8, 17) == calendar.end_of_workday(local(BERLIN, 2026, 12, 5, 11))


def test_saturday_mail_starts_the_clock_on_monday_morning() -> None:
    """Mail received on Saturday starts the clock at Monday's opening, 08:00."""
    assert local(BERLIN, 2026, 12, 7, 8) == office().next_opening(local(BERLIN, 2026, 12, 5, 11))


def test_thursday_evening_mail_is_due_monday_morning() -> None:
    """Mail at 20:00 on Thursday starts at Friday 08:00, so one business day later is Monday 08:00."""
    assert local(BERLIN, 2026, 12, 7, 8) == office().add_business_days(local(BERLIN, 2026, 12, 3, 20), 1)


def test_business_hours_across_the_new_york_fall_back_weekend_keep_wall_time() -> None:
    """Four business hours from Friday 15:00 end Monday 10:00 on the wall, after clocks fell back Sunday."""
    calendar = office(NEW_YORK)
    assert local(NEW_YORK, 2026, 11, 2, 10) == calendar.add_business_hours(
        local(NEW_YORK, 2026, 10, 30, 15), timedelta(hours=4)
    )


def test_business_hours_across_the_berlin_spring_forward_weekend_keep_wall_time() -> None:
    """Two business hours from Friday 16:00 end Monday 09:00 on the wall, after clocks sprang forward."""
    calendar = office(BERLIN)
    assert local(BERLIN, 2026, 3, 30, 9) == calendar.add_business_hours(
        local(BERLIN, 2026, 3, 27, 16), timedelta(hours=2)
    )


@pytest.mark.parametrize(("tz", "change_day"), [(NEW_YORK, date(2026, 11, 1)), (BERLIN, date(2026, 3, 29))])
def test_an_eight_to_five_day_is_nine_hours_even_when_the_clocks_change(tz: ZoneInfo, change_day: date) -> None:
    """An office open 08:00-17:00 every day is open nine hours on the day the clocks change."""
    calendar = office(tz, {"mon-sun": "08:00-17:00"})
    midnight = datetime.combine(change_day, time(), tzinfo=tz)
    assert timedelta(hours=9) == calendar.elapsed(midnight, midnight + timedelta(days=1))


@pytest.mark.parametrize(("tz", "change_day"), [(NEW_YORK, date(2026, 11, 1)), (BERLIN, date(2026, 3, 29))])
def test_opening_on_the_clock_change_day_is_eight_on_the_wall(tz: ZoneInfo, change_day: date) -> None:
    """On the day the clocks change the office still opens when the wall clock shows 08:00."""
    calendar = office(tz, {"mon-sun": "08:00-17:00"})
    opening = calendar.next_opening(datetime.combine(change_day, time(3), tzinfo=tz))
    assert (change_day, time(8)) == (opening.date(), opening.time())


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK])
def test_elapsed_over_a_clock_change_weekend_counts_open_hours_only(tz: ZoneInfo) -> None:
    """From Friday 08:00 to Monday 17:00 around a clock change, an 08:00-17:00 office was open 18 hours."""
    friday = date(2026, 3, 27) if tz is BERLIN else date(2026, 10, 30)
    start = datetime.combine(friday, time(8), tzinfo=tz)
    end = datetime.combine(friday + timedelta(days=3), time(17), tzinfo=tz)
    assert timedelta(hours=18) == office(tz).elapsed(start, end)


def test_lunch_break_is_not_counted_as_elapsed() -> None:
    """From 11:00 to 14:00 with a lunch break 12:00-13:00, two business hours pass."""
    calendar = office(hours=LUNCH_BREAK)
    assert timedelta(hours=2) == calendar.elapsed(local(BERLIN, 2026, 12, 1, 11), local(BERLIN, 2026, 12, 1, 14))


def test_two_hours_from_eleven_skip_the_lunch_break() -> None:
    """Two business hours from 11:00 with a lunch break 12:00-13:00 end at 14:00."""
    calendar = office(hours=LUNCH_BREAK)
    assert local(BERLIN, 2026, 12, 1, 14) == calendar.add_business_hours(
        local(BERLIN, 2026, 12, 1, 11), timedelta(hours=2)
    )


def test_thanksgiving_from_the_holidays_package_is_skipped() -> None:
    """Mail on Wednesday before Thanksgiving at 10:00 is due one business day later, Friday 10:00."""
    calendar = office(NEW_YORK, closed=holidays.country_holidays("US", years=2026))
    assert local(NEW_YORK, 2026, 11, 27, 10) == calendar.add_business_days(local(NEW_YORK, 2026, 11, 25, 10), 1)


# --- More semantics ---------------------------------------------------------------------------------


def test_hours_that_run_out_at_a_close_end_at_the_close() -> None:
    """Nine business hours from Monday 08:00 end Monday 17:00, not Tuesday 08:00."""
    assert local(BERLIN, 2026, 12, 7, 17) == office().add_business_hours(
        local(BERLIN, 2026, 12, 7, 8), timedelta(hours=9)
    )


def test_zero_business_hours_is_the_next_opening() -> None:
    """Adding no business hours to Saturday mail gives Monday's opening."""
    assert local(BERLIN, 2026, 12, 7, 8) == office().add_business_hours(local(BERLIN, 2026, 12, 5, 9), timedelta())


def test_zero_business_days_is_the_next_opening() -> None:
    """Adding no business days to mail received in the evening gives the next morning's opening."""
    assert local(BERLIN, 2026, 12, 2, 8) == office().add_business_days(local(BERLIN, 2026, 12, 1, 19), 0)


def test_a_deadline_before_a_short_day_opening_moves_to_that_opening() -> None:
    """Mail on Friday at 09:00 is due Saturday at its 10:00 opening when Saturday opens later."""
    calendar = office(hours={"mon-fri": "08:00-17:00", "sat": "10:00-14:00"})
    assert local(BERLIN, 2026, 12, 5, 10) == calendar.add_business_days(local(BERLIN, 2026, 12, 4, 9), 1)


def test_a_deadline_after_a_short_day_close_moves_back_to_that_close() -> None:
    """Mail on Thursday at 15:00 is due Friday at its 12:00 close when Friday closes early."""
    calendar = office(hours={"mon-thu": "08:00-17:00", "fri": "08:00-12:00"})
    assert local(BERLIN, 2026, 12, 4, 12) == calendar.add_business_days(local(BERLIN, 2026, 12, 3, 15), 1)


def test_a_deadline_in_a_break_moves_to_the_end_of_the_break() -> None:
    """Mail on Thursday at 12:30 is due Friday at 13:00 when Friday has a lunch break 12:00-13:00."""
    calendar = office(hours={"mon-thu": "08:00-17:00", "fri": ["08:00-12:00", "13:00-17:00"]})
    assert local(BERLIN, 2026, 12, 4, 13) == calendar.add_business_days(local(BERLIN, 2026, 12, 3, 12, 30), 1)


def test_next_closing_is_the_end_of_the_current_interval() -> None:
    """At 10:00 with a lunch break the office next closes at 12:00."""
    calendar = office(hours=LUNCH_BREAK)
    assert local(BERLIN, 2026, 12, 1, 12) == calendar.next_closing(local(BERLIN, 2026, 12, 1, 10))


def test_next_closing_during_a_break_is_the_end_of_the_afternoon() -> None:
    """During the lunch break the office next closes at 17:00."""
    calendar = office(hours=LUNCH_BREAK)
    assert local(BERLIN, 2026, 12, 1, 17) == calendar.next_closing(local(BERLIN, 2026, 12, 1, 12, 30))


def test_the_office_is_closed_at_its_closing_time() -> None:
    """Opening hours are half-open: at 17:00 sharp an 08:00-17:00 office is closed."""
    assert (True, False) == (
        office().is_open(local(BERLIN, 2026, 12, 1, 8)),
        office().is_open(local(BERLIN, 2026, 12, 1, 17)),
    )


def test_results_are_in_the_office_timezone() -> None:
    """A deadline asked for in UTC comes back on the office's wall clock."""
    deadline = office(NEW_YORK).next_opening(datetime(2026, 12, 5, 12, tzinfo=UTC))
    assert (NEW_YORK, time(8)) == (deadline.tzinfo, deadline.time())


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(BERLIN, 2026, 12, 2, 11), local(BERLIN, 2026, 12, 2, 11)),  # open: that moment itself
        (local(BERLIN, 2026, 12, 2, 19), local(BERLIN, 2026, 12, 2, 17)),  # the evening: that day's close
        (local(BERLIN, 2026, 12, 8, 7), local(BERLIN, 2026, 12, 4, 17)),  # Tuesday early, Monday a holiday: Friday
    ],
)
def test_last_open_is_the_moment_itself_or_the_last_close(at: datetime, expected: datetime) -> None:
    """The latest moment the office was open, looking back across nights, weekends and holidays."""
    assert expected == office(closed=MADE_UP_HOLIDAY).last_open(at)


def test_business_days_between_skips_weekends_and_holidays() -> None:
    """From Friday to the Tuesday after, with Monday a holiday, only Tuesday counts."""
    assert 1 == office(closed=MADE_UP_HOLIDAY).business_days_between(date(2026, 12, 4), date(2026, 12, 8))


def test_a_night_shift_across_fall_back_includes_the_repeated_hour() -> None:
    """A 01:00-04:00 shift in New York on the night clocks fall back lasts four real hours."""
    calendar = office(NEW_YORK, {"sun": "01:00-04:00"})
    day = local(NEW_YORK, 2026, 11, 1)
    assert timedelta(hours=4) == calendar.elapsed(day, day + timedelta(days=1))


def test_a_night_shift_across_spring_forward_loses_the_skipped_hour() -> None:
    """A 01:00-04:00 shift in Berlin on the night clocks spring forward lasts two real hours."""
    calendar = office(BERLIN, {"sun": "01:00-04:00"})
    day = local(BERLIN, 2026, 3, 29)
    assert timedelta(hours=2) == calendar.elapsed(day, day + timedelta(days=1))


def test_an_opening_time_the_clocks_skip_opens_when_they_jump() -> None:
    """Hours 02:30-03:15 in Berlin on the spring-forward night open at 03:00, when 02:00 became 03:00."""
    calendar = office(BERLIN, {"sun": "02:30-03:15"})
    assert local(BERLIN, 2026, 3, 29, 3) == calendar.next_opening(local(BERLIN, 2026, 3, 28, 12))


def test_a_round_the_clock_office_loses_an_hour_on_the_spring_forward_day() -> None:
    """An office open 00:00-24:00 every day is open 23 hours on Berlin's spring-forward Sunday."""
    calendar = office(BERLIN, {"mon-sun": "00:00-24:00"})
    day = local(BERLIN, 2026, 3, 29)
    assert timedelta(hours=23) == calendar.elapsed(day, local(BERLIN, 2026, 3, 30))


def test_a_later_mail_in_the_repeated_hour_is_not_due_earlier() -> None:
    """Mail at 01:10 in the repeated hour, after mail at 01:50 the first time round, is not due earlier."""
    calendar = office(NEW_YORK, {"mon-sun": "00:00-24:00"})
    first_time_round = datetime(2026, 11, 1, 1, 50, tzinfo=NEW_YORK)
    second_time_round = datetime(2026, 11, 1, 1, 10, fold=1, tzinfo=NEW_YORK)
    earlier_due = calendar.add_business_days(first_time_round, 1)
    later_due = calendar.add_business_days(second_time_round, 1)
    assert (time(1, 50), time(2)) == (earlier_due.time(), later_due.time())


def test_a_deadline_at_a_skipped_wall_time_falls_on_the_jump() -> None:
    """Mail on Saturday 02:30 in Berlin is due Sunday at 03:00, the moment the clocks skip 02:00-03:00."""
    calendar = office(BERLIN, {"mon-sun": "00:00-24:00"})
    assert local(BERLIN, 2026, 3, 29, 3) == calendar.add_business_days(local(BERLIN, 2026, 3, 28, 2, 30), 1)


def test_parse_weekly_hours_expands_ranges_and_splits() -> None:
    """A mon-thu range, a split Friday and a closed Saturday become weekday-indexed intervals."""
    morning, afternoon = (time(8), time(12)), (time(13), time(15))
    expected = {0: (morning,), 1: (morning,), 2: (morning,), 3: (morning,), 4: (morning, afternoon), 5: ()}
    actual = parse_weekly_hours({"Mon-Thu": "08:00-12:00", "fri": ["13:00-15:00", "08:00-12:00"], "sat": "closed"})
    assert expected == actual


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"mon": "8-17"}, "not like '08:00-17:00'"),
        ({"mon": "17:00-08:00"}, "must start before they end"),
        ({"mon": "08:00-25:00"}, "not like '08:00-17:00'"),
        ({"funday": "08:00-17:00"}, "Unknown weekday"),
        ({"fri-mon": "08:00-17:00"}, "runs backwards"),
        ({"mon-fri": "08:00-17:00", "fri": "09:00-12:00"}, "Friday appears twice"),
        ({"mon": ["08:00-12:00", "11:00-17:00"]}, "overlapping"),
        ({"mon": [8]}, "must be text"),
    ],
)
def test_parse_weekly_hours_explains_bad_input(spec: dict[str, object], problem: str) -> None:
    """Bad opening hours are refused with a sentence naming the problem."""
    with pytest.raises(ValueError, match=problem):
        parse_weekly_hours(spec)  # type: ignore[arg-type]


def test_a_calendar_with_no_open_weekday_is_refused() -> None:
    """Hours that close every weekday are a configuration error."""
    with pytest.raises(ValueError, match="close every weekday"):
        office(hours={"mon-sun": "closed"})


def test_a_calendar_closed_by_holidays_forever_gives_up_with_a_sentence() -> None:
    """When holidays cover every day the search stops after three years instead of looping forever."""

    class EveryDay:
        def __contains__(self, day: object) -> bool:
            return True

    with pytest.raises(ValueError, match="No business day for three years"):
        office(closed=EveryDay()).next_opening(local(BERLIN, 2026, 12, 1))


def test_naive_datetimes_are_refused() -> None:
    """A datetime without a timezone is refused because it could mean any office's wall clock."""
    with pytest.raises(ValueError, match="has no timezone"):
        office().is_open(datetime(2026, 12, 1, 10))


def test_negative_amounts_are_refused() -> None:
    """Business time only moves forward."""
    with pytest.raises(ValueError, match="must not be negative"):
        office().add_business_days(local(BERLIN, 2026, 12, 1, 10), -1)


def test_an_unknown_timezone_is_refused() -> None:
    """A timezone that is not an IANA name is refused with an example of one."""
    with pytest.raises(ValueError, match="Unknown timezone"):
        BusinessCalendar.from_spec("Mars/Olympus", OFFICE_HOURS)


# --- Properties -------------------------------------------------------------------------------------

PROPERTY = settings(deadline=None, max_examples=200)
ZONES = [ZoneInfo(name) for name in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")]
TICK = timedelta(microseconds=1)
MINUTES_PER_DAY = 24 * 60


def week_from_marks(marks: list[int]) -> dict[int, tuple[tuple[time, time], ...]]:
    """Minute marks across a week, paired per day into intervals; a day with under two marks is closed."""
    week: dict[int, tuple[tuple[time, time], ...]] = {}
    for weekday in range(7):
        times = [time(m // 60 % 24, m % 60) for m in sorted(marks) if m // MINUTES_PER_DAY == weekday]
        week[weekday] = tuple(zip(times[::2], times[1::2], strict=False))  # an odd last mark is dropped
    if not any(week.values()):  # a calendar needs an open weekday; filtering instead would be slow
        week[0] = ((time(9), time(17)),)
    return week


def clock_changes(tz: ZoneInfo, year: int = 2026) -> list[int]:
    """UTC timestamps of the year's clock changes, found hour by hour (all these zones change on the hour)."""
    hours = [datetime(year, 1, 1, tzinfo=UTC) + timedelta(hours=n) for n in range(366 * 24)]
    return [
        int(b.timestamp()) for a, b in pairwise(hours) if a.astimezone(tz).utcoffset() != b.astimezone(tz).utcoffset()
    ]


CLOCK_CHANGES = {tz: clock_changes(tz) for tz in ZONES}
weeks = st.lists(st.integers(0, 7 * MINUTES_PER_DAY - 1), max_size=24, unique=True).map(week_from_marks)
holiday_sets = st.lists(st.integers(0, 8 * 366), max_size=12).map(
    lambda offsets: frozenset(date(2023, 12, 1) + timedelta(days=n) for n in offsets)
)
calendars = st.builds(BusinessCalendar, st.sampled_from(ZONES), weeks, holiday_sets)
day_counts = st.integers(0, 15)
gaps = st.timedeltas(timedelta(), timedelta(days=60))


def moments(tz: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Whole seconds in 2024-2030, half of them within hours or days of a 2026 clock change in the zone."""
    anywhere = st.integers(
        int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()), int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
    )
    if CLOCK_CHANGES[tz]:
        offsets = st.one_of(st.integers(-7200, 7200), st.integers(-3 * 86400, 3 * 86400))
        near = st.tuples(st.sampled_from(CLOCK_CHANGES[tz]), offsets).map(sum)
        anywhere = st.one_of(anywhere, near)
    return anywhere.map(lambda seconds: datetime.fromtimestamp(seconds, tz))


MOMENTS = {tz: moments(tz) for tz in ZONES}  # built once: a fresh strategy per example is slow
minute_counts = st.integers(0, 300 * 60)


def business_hours(calendar: BusinessCalendar, minutes: int) -> timedelta:
    """Whole minutes up to 300 hours, wrapped to 26 weeks of opening so a sparse calendar stays fast."""
    weekly_minutes = sum(
        (end.hour - start.hour) * 60 + end.minute - start.minute
        for intervals in calendar.hours.values()
        for start, end in intervals
    )
    return timedelta(minutes=minutes % (26 * weekly_minutes + 1))


@PROPERTY
@given(calendars, st.data(), minute_counts, minute_counts)
def test_adding_business_hours_is_monotonic(calendar: BusinessCalendar, data: st.DataObject, m: int, n: int) -> None:
    """A later start or a larger amount never gives an earlier result."""
    a, b = sorted([data.draw(MOMENTS[calendar.tz]), data.draw(MOMENTS[calendar.tz])], key=utc)
    small, large = sorted([business_hours(calendar, m), business_hours(calendar, n)])
    results = [utc(calendar.add_business_hours(start, h)) for start, h in [(a, small), (b, small), (b, large)]]
    assert sorted(results) == results


@PROPERTY
@given(calendars, st.data(), day_counts, day_counts)
def test_adding_business_days_is_monotonic(calendar: BusinessCalendar, data: st.DataObject, m: int, n: int) -> None:
    """A later start or more days never gives an earlier result."""
    a, b = sorted([data.draw(MOMENTS[calendar.tz]), data.draw(MOMENTS[calendar.tz])], key=utc)
    fewer, more = sorted([m, n])
    results = [utc(calendar.add_business_days(start, days)) for start, days in [(a, fewer), (b, fewer), (b, more)]]
    assert sorted(results) == results


@PROPERTY
@given(calendars, st.data(), minute_counts)
def test_business_hours_end_inside_hours_or_at_a_close(
    calendar: BusinessCalendar, data: st.DataObject, minutes: int
) -> None:
    """With a positive amount the moment just before the result is open, so it is in hours or at a close."""
    start, amount = data.draw(MOMENTS[calendar.tz]), max(TICK, business_hours(calendar, minutes))
    assert calendar.is_open(utc(calendar.add_business_hours(start, amount)) - TICK)


@PROPERTY
@given(calendars, st.data(), day_counts)
def test_business_days_end_on_a_business_day_within_its_hours(
    calendar: BusinessCalendar, data: st.DataObject, days: int
) -> None:
    """The result is on a business day, either open or exactly at that day's last close."""
    result = calendar.add_business_days(data.draw(MOMENTS[calendar.tz]), days)
    in_hours = calendar.is_open(result) or utc(result) == utc(calendar.end_of_workday(utc(result) - TICK))
    assert (True, True) == (calendar.is_business_day(result.date()), in_hours)


@PROPERTY
@given(calendars, st.data(), minute_counts)
def test_elapsed_undoes_adding_business_hours(calendar: BusinessCalendar, data: st.DataObject, minutes: int) -> None:
    """The open time from the clock start to start + h business hours is exactly h."""
    start, amount = calendar.next_opening(data.draw(MOMENTS[calendar.tz])), business_hours(calendar, minutes)
    assert amount == calendar.elapsed(start, calendar.add_business_hours(start, amount))


@PROPERTY
@given(calendars, st.data(), gaps, gaps)
def test_elapsed_is_additive(calendar: BusinessCalendar, data: st.DataObject, ab: timedelta, bc: timedelta) -> None:
    """Open time from a to c is open time from a to b plus from b to c."""
    a = data.draw(MOMENTS[calendar.tz])
    b, c = a + ab, a + ab + bc  # wall-clock arithmetic is fine here: only the order a <= b <= c matters
    assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)


@PROPERTY
@given(calendars, st.data())
def test_next_opening_is_open_and_not_earlier(calendar: BusinessCalendar, data: st.DataObject) -> None:
    """The next opening is never before the given time and the office is open then."""
    at = data.draw(MOMENTS[calendar.tz])
    opening = calendar.next_opening(at)
    assert (True, True) == (utc(at) <= utc(opening), calendar.is_open(opening))


@PROPERTY
@given(calendars, st.data())
def test_is_open_agrees_with_elapsed(calendar: BusinessCalendar, data: st.DataObject) -> None:
    """The office is open at an instant exactly when the microsecond after it counts as open time."""
    at = data.draw(MOMENTS[calendar.tz])
    assert (TICK if calendar.is_open(at) else timedelta()) == calendar.elapsed(at, utc(at) + TICK)


@PROPERTY
@given(calendars, st.data())
def test_last_open_is_not_later_and_no_open_time_follows_it(calendar: BusinessCalendar, data: st.DataObject) -> None:
    """The last open moment is never after the given time, no open time lies between, and the office is open at it
    or just before it (at a close)."""
    at = data.draw(MOMENTS[calendar.tz])
    last = calendar.last_open(at)
    at_or_before_close = calendar.is_open(last) or calendar.is_open(utc(last) - TICK)
    assert (True, timedelta(), True) == (utc(last) <= utc(at), calendar.elapsed(last, at), at_or_before_close)


def _elapsed_day_by_day(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants, added up interval by interval (what elapsed did before its running sums)."""
    total, day = timedelta(0), start.astimezone(calendar.tz).date() - timedelta(days=1)
    while day <= end.astimezone(calendar.tz).date():
        for opening, close in calendar._day_spans(day):
            total += max(timedelta(0), min(close, end) - max(opening, start))
        day += timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]),
    hours=st.sampled_from([{"mon-fri": "08:00-17:00"}, {"mon-sat": ["00:00-02:30", "13:00-24:00"]},
                           {"sun": "01:30-03:00", "wed": "00:00-24:00"}]),
    first=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    second=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    asked_before=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                              timezones=st.just(UTC)),
)  # fmt: skip
def test_elapsed_is_the_open_time_added_up_interval_by_interval(
    zone: str, hours: dict[str, str | list[str]], first: datetime, second: datetime, asked_before: datetime
) -> None:
    """Whatever was asked before (the running sums start there) and across clock changes and midnight closes."""
    calendar = BusinessCalendar.from_spec(zone, hours, {date(2026, 12, 25)})
    calendar.elapsed(asked_before, asked_before + timedelta(hours=1))
    start, end = sorted((first, second))
    assert _elapsed_day_by_day(calendar, start, end) == calendar.elapsed(start, end)
    assert timedelta(0) == calendar.elapsed(end, start)
