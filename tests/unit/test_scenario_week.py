"""Sandbox scenario times relative to the week the sandbox starts in, so one scenario works in any week."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.clock import FixedClock
from mailbot.errors import ConfigError
from mailbot.sandbox import load_scenario
from mailbot.sandbox.relative import scenario_when, week_of

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 23)
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "sandbox.yaml"
LI, ANNA, MARIA, HELP = "li.chen@example.org", "anna.brandt@example.org", "maria.reyes@example.org", "help@example.org"
HEAD = "domains: [example.org]\nservice_account: {email: bot@example.org, password: x}\ntimezone: America/New_York\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday 09:30", datetime(2026, 11, 23, 9, 30, tzinfo=NY)),
        ("friday", date(2026, 11, 27)),
        ("+2 days", date(2026, 11, 25)),
        ("monday -1 week 10:00", datetime(2026, 11, 16, 10, 0, tzinfo=NY)),
        ("Tue +1 week", date(2026, 12, 1)),
        ("sunday -1 week 19:30:15", datetime(2026, 11, 22, 19, 30, 15, tzinfo=NY)),
        ("friday -1 week +2 days", date(2026, 11, 22)),
        ("2026-11-20T15:10", datetime(2026, 11, 20, 15, 10, tzinfo=NY)),
        ("2026-11-27", date(2026, 11, 27)),
    ],
)
def test_relative_times_count_from_the_weeks_monday(text: str, expected: date) -> None:
    """Weekdays, shifts and times of day name days of the start week; ISO 8601 times stay absolute."""
    assert expected == scenario_when(text, MONDAY, "America/New_York")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("fryday 10:00", "'fryday' is not a weekday (monday ... sunday), a shift (+2 days) or a time of day"),
        ("10:30", "no day is named (start with a weekday or a shift)"),
        ("monday +2", "'+2' needs a unit after it: days or weeks"),
        ("monday 24:00", "'24:00' is not a time of day (00:00 to 23:59)"),
        ("monday 10:00 +1 day", "'+1' is out of place (the order is weekday, shifts, time of day)"),
        ("2026-13-01", "(month must be in 1..12)"),
    ],
)
def test_a_bad_time_says_what_is_wrong_and_how_to_write_one(text: str, reason: str) -> None:
    """A time that is neither relative nor ISO 8601 is refused with the reason and the grammar."""
    with pytest.raises(ValueError) as raised:
        scenario_when(text, MONDAY, "UTC")
    assert reason in str(raised.value)
    assert "write [weekday] [+N/-N days or weeks] [HH:MM], e.g. 'friday -1 week 15:10'" in str(raised.value)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_day_of_a_week_has_that_weeks_monday(day: date) -> None:
    """Any day of a week starts the same week: its Monday, at most six days before it."""
    monday = week_of(day)
    assert (0, True) == (monday.weekday(), 0 <= (day - monday).days <= 6)


def test_the_example_scenario_follows_the_week_of_the_clock_it_is_given() -> None:
    """Given a clock on Wednesday 7 July 2027, the example's Monday mail and Friday vacation fall in that week."""
    org = load_scenario(EXAMPLE, FixedClock(datetime(2027, 7, 7, 12, tzinfo=NY)))
    claim = next(m for m in org.messages(ANNA, "inbox") if m.subject == "Benefits claim form")
    vacation = next(e for e in org.events(LI) if e.subject == "Vacation")
    assert datetime(2027, 7, 5, 7, 5, tzinfo=NY) == claim.received_at.astimezone(NY)
    assert (datetime(2027, 7, 9, tzinfo=NY), datetime(2027, 7, 13, tzinfo=NY)) == (vacation.start, vacation.end)


def test_a_week_without_a_clock_starts_at_the_scenarios_relative_clock() -> None:
    """Given only a week, the sandbox's clock starts at the scenario's `clock: monday 08:00` of that week."""
    org = load_scenario(EXAMPLE, week=date(2026, 11, 25))
    assert datetime(2026, 11, 23, 8, tzinfo=NY) == org.clock.now()


def test_relative_recurrences_and_excluded_dates_follow_the_week() -> None:
    """The weekly 1:1 that began seven weeks earlier skips the excluded Wednesday of whichever week it is."""
    org = load_scenario(EXAMPLE, week=date(2030, 3, 11))
    view = org.calendar_view(MARIA, datetime(2030, 3, 4, tzinfo=NY), datetime(2030, 3, 21, tzinfo=NY))
    assert [date(2030, 3, 6), date(2030, 3, 20)] == [o.start.date() for o in view if o.entry.subject == "1:1 James"]


def test_a_scheduled_reply_that_has_ended_is_seeded_as_history() -> None:
    """On Thursday, Anna's own reply from Monday to Wednesday has ended and stays scheduled, as Exchange keeps it."""
    org = load_scenario(EXAMPLE, FixedClock(datetime(2026, 11, 26, 10, tzinfo=NY)))
    oof = org.get_oof(ANNA)
    expected = ("scheduled", datetime(2026, 11, 25, 5, tzinfo=UTC))
    assert expected == (oof.state, oof.end)


def test_bad_relative_times_are_reported_with_file_line_and_key(tmp_path: Path) -> None:
    """Every bad time is reported at once, at its own key: a received time, an event end and an excluded date."""
    path = tmp_path / "scenario.yaml"
    path.write_text(
        HEAD + "clock: monday 08:00\nmailboxes:\n  - email: a@example.org\n    name: A\n    inbox:\n"
        "      - {from: x@mail.example, subject: Hi, received: fryday 10:00}\n    calendar:\n"
        "      - {subject: Team, start: monday 10:00, end: monday 25:00, exdates: [wednesday +1]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_scenario(path, week=MONDAY)
    expected = [
        f"{path}:11: mailboxes[0].calendar[0].end: 'monday 25:00' is not a time: '25:00' is not a time of day",
        f"{path}:11: mailboxes[0].calendar[0].exdates[0]: 'wednesday +1' is not a time: '+1' needs a unit after",
        f"{path}:9: mailboxes[0].inbox[0].received: 'fryday 10:00' is not a time: 'fryday' is not a weekday",
    ]
    problems = raised.value.problems
    assert expected == [found[: len(prefix)] for found, prefix in zip(problems, expected, strict=True)]


def test_a_relative_clock_needs_a_week_to_count_from(tmp_path: Path) -> None:
    """Without a clock or a week, `clock: monday 08:00` cannot be placed, and that is the problem reported."""
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD + "clock: monday 08:00\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_scenario(path)
    expected = [f"{path}:4: clock: 'monday 08:00' counts from the sandbox's week: the caller must give a clock"]
    assert expected == raised.value.problems


def test_a_time_yaml_reads_as_a_number_is_refused_not_taken_for_1970(tmp_path: Path) -> None:
    """`+1` and an unquoted `10:30` (numbers to YAML, the latter in base 60) are refused where they stand."""
    path = tmp_path / "scenario.yaml"
    path.write_text(
        HEAD + "clock: monday 08:00\nmailboxes:\n  - email: a@example.org\n    name: A\n    inbox:\n"
        "      - {from: x@mail.example, subject: Hi, received: 10:30}\n    calendar:\n"
        "      - {subject: Team, start: monday 10:00, end: monday 11:00, rrule: FREQ=DAILY, exdates: [+1]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_scenario(path, week=MONDAY)
    expected = [
        f"{path}:11: mailboxes[0].calendar[0].exdates[0]: 1 is not a time (quote it if YAML reads it as a number);",
        f"{path}:9: mailboxes[0].inbox[0].received: 630 is not a time (quote it if YAML reads it as a number); write",
    ]
    problems = raised.value.problems
    assert expected == [found[: len(prefix)] for found, prefix in zip(problems, expected, strict=True)]


def test_mail_dated_later_than_the_clock_arrives_when_the_clock_gets_there() -> None:
    """Started on Monday at 06:00, the sandbox holds none of Monday's mail; at 07:30 Anna's 07:05 mail is in her inbox
    and the 07:42 voicemail is still to come."""
    clock = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=NY))
    org = load_scenario(EXAMPLE, clock)
    early = [m.subject for box in (ANNA, HELP) for m in org.messages(box, "inbox") if m.received_at >= clock.now()]
    clock.set(datetime(2026, 11, 23, 7, 30, tzinfo=NY))
    later = [(m.subject, m.received_at) for box in (ANNA, HELP) for m in org.messages(box, "inbox")
             if m.received_at >= datetime(2026, 11, 23, tzinfo=NY)]  # fmt: skip
    assert ([], [("Benefits claim form", datetime(2026, 11, 23, 7, 5, tzinfo=NY))]) == (early, later)
