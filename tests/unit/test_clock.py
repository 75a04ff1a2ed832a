"""The clock: --now values and the fixed clock used for reproducible runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailbot.clock import FixedClock, OffsetClock, parse_now, parse_time
from mailbot.errors import ClockError


def test_parse_now_keeps_the_offset() -> None:
    """An ISO-8601 time with an offset keeps that offset."""
    expected = datetime(2026, 12, 4, 16, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert expected == parse_now("2026-12-04T16:00-05:00")


def test_parse_now_accepts_z() -> None:
    """A trailing Z means UTC."""
    assert datetime(2026, 12, 4, 21, 0, tzinfo=UTC) == parse_now("2026-12-04T21:00:00Z")


@pytest.mark.parametrize("text", ["2026-12-04T16:00", "yesterday", "2026-13-01T00:00Z"])
def test_parse_now_refuses_what_it_cannot_place(text: str) -> None:
    """A time without an offset, or not a time at all, is refused with a sentence."""
    with pytest.raises(ClockError, match="--now"):
        parse_now(text)


def test_fixed_clock_stands_still_until_advanced() -> None:
    """A fixed clock returns the same time until it is moved on."""
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now()
    assert datetime(2026, 11, 23, 10, 30, tzinfo=UTC) == clock.advance(minutes=90)


def test_fixed_clock_refuses_naive_time() -> None:
    """A naive datetime is refused rather than guessed."""
    with pytest.raises(ClockError):
        FixedClock(datetime(2026, 11, 23, 9, 0))


def test_offset_clock_starts_at_the_given_time_and_keeps_the_wall_clocks_pace() -> None:
    """An offset clock reads its start time first, then moves on exactly as far as the wall clock does."""
    wall = FixedClock(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    clock = OffsetClock(datetime(2026, 11, 23, 14, 0, tzinfo=UTC), wall)
    assert datetime(2026, 11, 23, 14, 0, tzinfo=UTC) == clock.now()
    wall.advance(seconds=90)
    assert datetime(2026, 11, 23, 14, 1, 30, tzinfo=UTC) == clock.now()


def test_a_time_without_offset_is_read_in_the_zone_given() -> None:
    """2027-01-15T16:00 for a Sydney office is 16:00 Sydney summer time (UTC+11)."""
    sydney = ZoneInfo("Australia/Sydney")
    assert datetime(2027, 1, 15, 5, tzinfo=UTC) == parse_time("2027-01-15T16:00", "--received", sydney)


def test_a_time_the_clocks_repeat_names_both_offsets() -> None:
    """2:30 on the night Berlin's clocks go back happens twice, and the sentence gives both offsets."""
    with pytest.raises(ClockError) as caught:
        parse_time("2027-10-31T02:30", "--received", ZoneInfo("Europe/Berlin"), "Europe/Berlin")
    expected = ("--received '2027-10-31T02:30' happens twice in Europe/Berlin (the clocks go back); add an offset: "
                "2027-10-31T02:30+02:00 for the first, 2027-10-31T02:30+01:00 for the second.")  # fmt: skip
    assert expected == str(caught.value)
