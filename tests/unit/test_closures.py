"""Closing days by name, and a person's own automatic reply, as the weekly status and the digest tell them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import load_settings
from mailbot.config.holidays import IcsHolidays, OfficeHolidays, closure_name, country_holidays
from mailbot.config.organisation import AbsencePolicy, CallbackPolicy
from mailbot.domain import OofSettings, OofState
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.digest import Presence, StaffSection, build_digest, closure_reason
from mailbot.policy.message_samples import LI, MARIA
from mailbot.policy.weekly_away import OwnReply, own_reply
from mailbot.policy.weekly_message import runs
from mailbot.policy.weekly_status import decide_send, plan_week, urgent

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("summary", "name"),
    [
        ("Office closed (day after Thanksgiving)", "day after Thanksgiving"),
        ("Closed for Christmas", "Christmas"),
        ("Clinic closed: staff day", "staff day"),
        ("Christmas Eve (office closed)", "Christmas Eve"),
        ("Christmas Eve - office closed", "Christmas Eve"),
        ("Office closed", ""),
        ("Reformation Day", "Reformation Day"),
    ],
)
def test_a_closing_day_is_named_without_the_words_that_say_it_is_closed(summary: str, name: str) -> None:
    """The calendar entry's summary names the closure once 'Office closed' and its brackets are taken away."""
    assert name == closure_name(summary)


def test_the_example_closing_days_have_names(example_config: Path) -> None:
    """The shipped offices name Thanksgiving from the US holidays and the Friday after from holidays.ics."""
    calendar = load_settings(example_config).calendars["main"]
    assert ["Thanksgiving Day", "day after Thanksgiving", ""] == [
        calendar.holiday_name(date(2026, 11, day)) for day in (26, 27, 25)
    ]


def test_public_holidays_are_named_in_english_where_the_country_has_english_names() -> None:
    """Berlin's 3 October reads 'German Unity Day', not 'Tag der Deutschen Einheit'."""
    assert "German Unity Day" == OfficeHolidays(country_holidays("DE", "BE")).name(date(2027, 10, 3))


def test_the_organisations_own_name_for_a_day_comes_first(tmp_path: Path) -> None:
    """A closing day the .ics names and the country also keeps reads as the organisation calls it."""
    ics = tmp_path / "closed.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
                   "DTSTAMP:20260101T000000Z\r\nSUMMARY:Office closed (Unity Day)\r\nDTSTART;VALUE=DATE:20271003\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n")  # fmt: skip
    holidays = OfficeHolidays(IcsHolidays.from_file(ics), country_holidays("DE", "BE"))
    assert ("Unity Day", "Christmas Day") == (holidays.name(date(2027, 10, 3)), holidays.name(date(2027, 12, 25)))


def test_a_calendar_of_plain_dates_has_no_names() -> None:
    """Holidays given as a set of dates close the office but name nothing."""
    calendar = BusinessCalendar.from_spec("Europe/Berlin", {"mon-fri": "09:00-17:00"}, {date(2026, 12, 24)})
    assert ("", False) == (calendar.holiday_name(date(2026, 12, 24)), calendar.is_business_day(date(2026, 12, 24)))


# --- Another organisation: Berlin, open 9:00-18:00 Monday to Thursday and 9:00-13:00 on Friday -----------------


def berlin() -> BusinessCalendar:
    hours = {"mon-thu": "09:00-18:00", "fri": "09:00-13:00"}
    return BusinessCalendar.from_spec("Europe/Berlin", hours, OfficeHolidays(country_holidays("DE", "BE")))


def test_a_berlin_week_names_christmas_and_returns_after_the_weekend() -> None:
    """In Christmas week 2026 (Thursday the 24th is a working day in Berlin), with an own reply from Wednesday 13:00
    to Monday 9:00, the script's runs are in Mon–Tue, away Wed–Thu, closed on Friday for Christmas Day, and the
    return is on Monday at 9:00 am."""
    own = OwnReply(datetime(2026, 12, 23, 13, 0, tzinfo=BERLIN), datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN))
    plan = plan_week("ab", [], date(2026, 12, 21), berlin(), absence=AbsencePolicy(), callback=CallbackPolicy(),
                     own=own)  # fmt: skip
    views = runs(plan.days, CallbackPolicy())
    assert [("in", ""), ("away", ""), ("closed", "Monday, December 28 at 9:00 am")] == [
        (v.kind, v.back_text) for v in views
    ]
    assert "on Friday for Christmas Day" == views[-1].closed_phrase


def test_in_berlin_a_change_on_thursday_to_friday_is_urgent_and_one_to_monday_is_not() -> None:
    """Thursday's next business day in Berlin is Friday (Christmas Day excepted: then Monday)."""
    start, thursday = date(2027, 1, 4), date(2027, 1, 7)
    sent = plan_week("ab", [], start, berlin(), absence=AbsencePolicy(), callback=CallbackPolicy())
    friday_off = OwnReply(datetime(2027, 1, 8, 9, tzinfo=BERLIN), datetime(2027, 1, 8, 13, tzinfo=BERLIN))
    later = plan_week("ab", [], start, berlin(), absence=AbsencePolicy(), callback=CallbackPolicy(), own=friday_off)
    assert True is urgent(decide_send(sent.days, later, thursday), thursday, berlin())
    assert False is urgent(decide_send(sent.days, later, date(2027, 1, 5)), date(2027, 1, 5), berlin())


# --- The person's own automatic reply --------------------------------------------------------------------------


def test_a_scheduled_own_reply_is_an_absence_from_its_start_to_its_end() -> None:
    """Scheduled Wednesday to Friday by the person, the reply is their absence for those times."""
    start, end = NOW + timedelta(days=1), NOW + timedelta(days=3)
    reply = OofSettings(OofState.SCHEDULED, "away", "away", start=start, end=end)
    assert OwnReply(start, end) == own_reply(reply, False, NOW, BERLIN)


def test_an_own_reply_simply_on_runs_from_the_start_of_today_with_no_end() -> None:
    """Switched on without a schedule, the reply has no end, whatever leftover times Exchange keeps with it, and
    runs from midnight in the office, so runs later in the day read today alike."""
    reply = OofSettings(OofState.ENABLED, "away", "away", start=NOW - timedelta(days=9), end=NOW - timedelta(days=8))
    midnight = OwnReply(datetime(2026, 12, 1, tzinfo=BERLIN), None)
    assert [midnight, midnight] == [own_reply(reply, False, at, BERLIN) for at in (NOW, NOW + timedelta(hours=6))]


def test_mailbots_reply_an_ended_schedule_and_no_reply_are_no_own_absence() -> None:
    """mailbot's own reply follows the calendar already; a past schedule and a disabled reply say nothing."""
    scheduled = OofSettings(OofState.SCHEDULED, "a", "a", start=NOW - timedelta(days=3), end=NOW + timedelta(days=1))
    ended = OofSettings(OofState.SCHEDULED, "a", "a", start=NOW - timedelta(days=3), end=NOW - timedelta(hours=1))
    assert [None, None, None] == [own_reply(scheduled, True, NOW, BERLIN), own_reply(ended, False, NOW, BERLIN),
                                  own_reply(OofSettings(OofState.DISABLED), False, NOW, BERLIN)]  # fmt: skip


# --- The digest on a closed day -------------------------------------------------------------------------------


def test_the_digest_says_the_office_is_closed_rather_than_in_or_only_away() -> None:
    """On Thanksgiving the digest reads 'Office closed today (Thanksgiving Day).' for Maria, and for Li, on
    vacation, the closure first and then that she is away until Tuesday."""
    ny = ZoneInfo("America/New_York")
    back = datetime(2026, 12, 1, 8, tzinfo=ny)
    sections = [StaffSection(MARIA, (), (), Presence(False, "none", None, None, "Thanksgiving Day")),
                StaffSection(LI, (), (), Presence(True, "mailbot", back, None, "Thanksgiving Day"))]  # fmt: skip
    model = build_digest(MARIA, sections, date(2026, 11, 26), ny, "Riverside Members' Association")
    statuses = {v.name: v.status for v in model.sections}
    assert "Office closed today (Thanksgiving Day)." == statuses["Maria Reyes"]
    assert statuses["Li Chen"].startswith("Office closed today (Thanksgiving Day); away until Tuesday, December 1")


def test_a_closed_day_is_named_by_its_holiday_or_its_weekday() -> None:
    """In Berlin, Christmas Day by name, a Saturday as Saturday, a business day not at all."""
    days = (date(2026, 12, 25), date(2026, 12, 5), date(2026, 12, 1))
    assert ["Christmas Day", "Saturday", None] == [closure_reason(berlin(), day) for day in days]


def test_a_return_time_is_in_the_offices_own_hours() -> None:
    """Back in Berlin on Tuesday, a return reads 9:00 am, the office's opening there."""
    own = OwnReply(datetime(2026, 12, 21, 9, tzinfo=BERLIN), datetime(2026, 12, 22, 9, tzinfo=BERLIN))
    plan = plan_week("ab", [], date(2026, 12, 21), berlin(), absence=AbsencePolicy(), callback=CallbackPolicy(),
                     own=own)  # fmt: skip
    assert (date(2026, 12, 22), time(9)) == (plan.days[0].back, plan.days[0].back_at)
