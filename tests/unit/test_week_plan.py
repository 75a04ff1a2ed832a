"""The weekly status policy: days in and away, callback windows from free time, and what counts as a change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mailbot.config import Settings, load_settings
from mailbot.config.organisation import CallbackPolicy
from mailbot.domain import CalendarEvent, ShowAs
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.callback import callback_window, open_spans
from mailbot.policy.weekly_status import (
    STATUS_MESSAGE_LIMIT,
    DayPlan,
    StatusMessageRequest,
    WeekPlan,
    decide_send,
    load_days,
    plan_week,
    status_message_request,
    week_start,
)

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
THANKSGIVING_WEEK, NEXT_WEEK = date(2026, 11, 23), date(2026, 11, 30)


@cache
def org() -> Settings:
    return load_settings(ROOT / "service.yaml")


def office() -> BusinessCalendar:
    return org().calendars["main"]


def callback(**changes: Any) -> CallbackPolicy:
    return org().policy.weekly_status.callback.model_copy(update=changes)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def vacation(first: date, days: int) -> CalendarEvent:
    return CalendarEvent(f"vacation-{first}", "Vacation", at(first), at(first + timedelta(days=days)), True, ShowAs.OOF)


def meeting(day: date, start: tuple[int, int], end: tuple[int, int], show_as: ShowAs = ShowAs.BUSY) -> CalendarEvent:
    return CalendarEvent(f"meeting-{day}-{start}", "Meeting", at(day, *start), at(day, *end), False, show_as)


def week(*events: CalendarEvent, start: date = THANKSGIVING_WEEK, **changes: Any) -> WeekPlan:
    return plan_week("lchen", events, start, office(), absence=org().policy.absence, callback=callback(**changes))


def kinds(plan: WeekPlan) -> list[tuple[str, str, date | None]]:
    return [(d.day.strftime("%a"), d.kind, d.back) for d in plan.days]


def window(day: date, *events: CalendarEvent, **changes: Any) -> tuple[time, time] | None:
    return callback_window(day, events, [], office(), callback(**changes))


# --- The week ------------------------------------------------------------------------------------------


def test_the_week_starts_on_the_configured_weekday() -> None:
    """A Monday week seen on Wednesday starts that Monday; seen on Monday, the same day."""
    assert (date(2026, 11, 23), date(2026, 11, 23)) == (
        week_start(date(2026, 11, 25), 0),
        week_start(THANKSGIVING_WEEK, 0),
    )


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 6))
def test_week_start_is_the_latest_configured_weekday_on_or_before_today(today: date, weekday: int) -> None:
    """week_start falls on the weekday asked for, at most six days before today."""
    start = week_start(today, weekday)
    assert (weekday, True) == (start.weekday(), 0 <= (today - start).days <= 6)


def test_a_thursday_friday_absence_reads_in_monday_to_wednesday_and_away_until_monday() -> None:
    """Li away Thursday and Friday of an ordinary week is in Monday to Wednesday and back the next Monday."""
    plan = week(vacation(date(2026, 12, 3), 2), start=NEXT_WEEK)
    back = date(2026, 12, 7)
    expected = [("Mon", "in", None), ("Tue", "in", None), ("Wed", "in", None), ("Thu", "away", back),
                ("Fri", "away", back)]  # fmt: skip
    assert expected == kinds(plan)


def test_thanksgiving_is_closed_and_a_vacation_on_the_closed_friday_is_away() -> None:
    """Thanksgiving is closed; Li's Friday-to-Monday vacation makes the closed Friday away, back Tuesday."""
    plan = week(vacation(date(2026, 11, 27), 4))
    back = date(2026, 12, 1)
    expected = [("Mon", "in", None), ("Tue", "in", None), ("Wed", "in", None), ("Thu", "closed", back),
                ("Fri", "away", back)]  # fmt: skip
    assert expected == kinds(plan)


def test_closed_days_say_nothing_of_a_return_when_the_office_reopens_with_the_person() -> None:
    """Without a vacation, Thanksgiving and the closed Friday are closed with no return date."""
    assert [("Thu", "closed", None), ("Fri", "closed", None)] == kinds(week())[3:]


def test_holidays_inside_an_absence_count_as_away() -> None:
    """Wednesday and Monday off, bridged by the holidays, make Wednesday to Friday away, back Tuesday."""
    plan = week(vacation(date(2026, 11, 25), 1), vacation(NEXT_WEEK, 1))
    assert [("away", date(2026, 12, 1))] * 3 == [(d.kind, d.back) for d in plan.days[2:]]


def test_a_day_is_away_from_half_its_open_hours() -> None:
    """Away 8:00 to 13:00 (five of nine hours) is away; 8:00 to 12:00 is still in, callbacks unchanged."""
    day = date(2026, 12, 1)
    five, four = (CalendarEvent("t", "Training", at(day, 8), at(day, h), False, ShowAs.OOF) for h in (13, 12))
    assert ("away", "in") == (week(five, start=NEXT_WEEK).days[1].kind, week(four, start=NEXT_WEEK).days[1].kind)


def test_weekends_are_left_out() -> None:
    """Only the five office days of the week are planned."""
    assert ["Mon", "Tue", "Wed", "Thu", "Fri"] == [d.day.strftime("%a") for d in week().days]


# --- Callback windows ----------------------------------------------------------------------------------

DAY = date(2026, 12, 1)


def test_a_free_afternoon_gives_the_last_ninety_minutes_before_closing() -> None:
    """With nothing booked, calls are returned 3:30 to 5:00 pm."""
    assert (time(15, 30), time(17)) == window(DAY)


def test_a_late_meeting_moves_the_window_before_it() -> None:
    """A 4:00 pm meeting moves the window to 2:30 to 4:00 pm."""
    assert (time(14, 30), time(16)) == window(DAY, meeting(DAY, (16, 0), (17, 0)))


def test_a_short_free_stretch_is_offered_when_long_enough() -> None:
    """Busy until 4:15 pm leaves 45 free minutes, more than min_minutes, so 4:15 to 5:00 pm."""
    assert (time(16, 15), time(17)) == window(DAY, meeting(DAY, (13, 0), (16, 15)))


def test_a_booked_afternoon_falls_back_to_the_text() -> None:
    """With the last three hours booked the window is None, which the script says as the fallback text."""
    assert None is window(DAY, meeting(DAY, (13, 0), (17, 0)))


def test_the_fallback_window_is_promised_when_the_policy_says_so() -> None:
    """With fallback: window, a booked afternoon still promises the fixed window."""
    assert (time(16), time(17)) == window(DAY, meeting(DAY, (13, 0), (17, 0)), fallback="window")


def test_the_latest_end_caps_the_window() -> None:
    """latest_end 16:30 ends the window half an hour before the office closes."""
    assert (time(15), time(16, 30)) == window(DAY, latest_end="16:30")


def test_free_tentative_elsewhere_and_cancelled_events() -> None:
    """Free and working-elsewhere time can take calls and a cancelled meeting is gone; a tentative one blocks."""
    free = [meeting(DAY, (15, 0), (17, 0), show) for show in (ShowAs.FREE, ShowAs.WORKING_ELSEWHERE)]
    cancelled = replace(meeting(DAY, (15, 0), (17, 0)), cancelled=True)
    tentative = meeting(DAY, (16, 0), (17, 0), ShowAs.TENTATIVE)
    assert [(time(15, 30), time(17))] * 3 + [(time(14, 30), time(16))] == [
        window(DAY, e) for e in (*free, cancelled, tentative)
    ]


slots = st.tuples(st.integers(8 * 4, 17 * 4 - 1), st.integers(1, 16)).map(
    lambda s: meeting(DAY, divmod(s[0] * 15, 60), divmod(min(s[0] + s[1], 17 * 4) * 15, 60))
)


@given(st.lists(slots, max_size=6), st.integers(15, 180), st.integers(5, 60))
def test_a_window_is_free_open_time_of_the_promised_length_at_most(
    events: list[CalendarEvent], minutes: int, minimum: int
) -> None:
    """Whatever is booked, a window lies in office hours, is between min_minutes and minutes long, and is free."""
    policy = callback(minutes=minutes, min_minutes=min(minimum, minutes))
    found = callback_window(DAY, events, [], office(), policy)
    if found is None:
        return
    start, end = (at(DAY, t.hour, t.minute) for t in found)
    [(opening, close)] = open_spans(DAY, office())
    clashes = [e for e in events if e.start < end and e.end > start]
    assert opening <= start < end <= close
    assert policy.min_minutes <= (end - start) / timedelta(minutes=1) <= minutes
    assert [] == clashes


# --- Changes -------------------------------------------------------------------------------------------


def test_the_first_status_of_the_week_is_sent() -> None:
    """With nothing sent this week, the decision is a first send."""
    assert "first" == decide_send(None, week(), THANKSGIVING_WEEK).action


def test_an_unchanged_week_is_not_sent_again() -> None:
    """The same plan as sent needs no update."""
    plan = week(vacation(date(2026, 11, 27), 4))
    assert "none" == decide_send(load_days(plan.dump()), plan, date(2026, 11, 24)).action


def test_a_cancelled_absence_is_an_update_naming_the_day() -> None:
    """Once the vacation is gone, Friday reads closed where it read away; that is the one change."""
    sent = week(vacation(date(2026, 11, 27), 4))
    decision = decide_send(sent.days, week(), date(2026, 11, 24))
    assert ("update", [(date(2026, 11, 27), "away", "closed")]) == (
        decision.action, [(c.after.day, c.before.kind if c.before else "", c.after.kind) for c in decision.changes]
    )  # fmt: skip


def test_a_change_to_a_day_already_past_is_no_news() -> None:
    """An absence recorded afterwards for Monday does not re-send the status on Tuesday."""
    sent = week(start=NEXT_WEEK)
    later = week(vacation(NEXT_WEEK, 1), start=NEXT_WEEK)
    assert "none" == decide_send(sent.days, later, date(2026, 12, 1)).action


def test_callback_hours_alone_re_send_only_when_the_policy_asks() -> None:
    """A new late meeting changes Tuesday's window: no update by default, an update with the option."""
    sent, later = week(start=NEXT_WEEK), week(meeting(date(2026, 12, 1), (16, 0), (17, 0)), start=NEXT_WEEK)
    actions = [decide_send(sent.days, later, NEXT_WEEK, callbacks=flag).action for flag in (False, True)]
    assert ["none", "update"] == actions


def test_an_ended_week_is_not_sent_for_the_first_time() -> None:
    """A first status on the Saturday after the week would help no caller."""
    assert "none" == decide_send(None, week(), date(2026, 11, 28)).action


@given(st.lists(st.sampled_from(["in", "away", "closed"]), min_size=1, max_size=5), st.booleans())
def test_a_plan_survives_the_store_unchanged(day_kinds: list[Any], windowed: bool) -> None:
    """dump and load_days give back the same days, windows and return dates."""
    days = tuple(
        DayPlan(NEXT_WEEK + timedelta(days=n), kind, (time(15, 30), time(17)) if kind == "in" and windowed else None,
                date(2026, 12, 7) if kind == "away" else None)
        for n, kind in enumerate(day_kinds)
    )  # fmt: skip
    assert days == load_days(WeekPlan("lchen", NEXT_WEEK, days).dump())


# --- The status message ----------------------------------------------------------------------------------


def test_the_status_message_lapses_when_the_week_ends() -> None:
    """With the policy on, the status text is set until midnight after the week's Sunday, office time."""
    request = status_message_request(week(), "Mon–Wed: in the office.", office(), org().policy.weekly_status)
    assert StatusMessageRequest("Mon–Wed: in the office.", at(date(2026, 11, 30))) == request


def test_the_policy_can_keep_mailbot_out_of_status_messages() -> None:
    """set_status_message: false means no request at all, whatever the backend could do."""
    policy = org().policy.weekly_status.model_copy(update={"set_status_message": False})
    assert None is status_message_request(week(), "Mon–Wed: in the office.", office(), policy)


def test_a_long_status_text_is_cut_to_one_line_within_the_limit() -> None:
    """A template that writes too much still gives Graph one line of at most 280 characters, marked as cut."""
    request = status_message_request(week(), "In.\n" * 200, office(), org().policy.weekly_status)
    assert request is not None
    assert (STATUS_MESSAGE_LIMIT, False, "…") == (len(request.text), "\n" in request.text, request.text[-1])
