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
from mailbot.policy.weekly_away import OwnReply
from mailbot.policy.weekly_status import (
    STATUS_MESSAGE_LIMIT,
    DayPlan,
    StatusMessageRequest,
    WeekPlan,
    decide_send,
    load_days,
    plan_week,
    status_message_request,
    urgent,
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


def week(
    *events: CalendarEvent, start: date = THANKSGIVING_WEEK, own: OwnReply | None = None, **changes: Any
) -> WeekPlan:
    return plan_week("lchen", events, start, office(), absence=org().policy.absence, callback=callback(**changes),
                     own=own)  # fmt: skip


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
    """Li away Thursday and Friday of an ordinary week is in Monday to Wednesday and back the next Monday at 8:00."""
    plan = week(vacation(date(2026, 12, 3), 2), start=NEXT_WEEK)
    back = date(2026, 12, 7)
    expected = [("Mon", "in", None), ("Tue", "in", None), ("Wed", "in", None), ("Thu", "away", back),
                ("Fri", "away", back)]  # fmt: skip
    assert expected == kinds(plan)
    assert time(8) == plan.days[-1].back_at


def test_thanksgiving_and_the_closed_friday_stay_closed_inside_a_vacation() -> None:
    """Li's Friday-to-Monday vacation leaves the closed Friday closed, named, with her return on Tuesday."""
    plan = week(vacation(date(2026, 11, 27), 4))
    back = date(2026, 12, 1)
    expected = [("Mon", "in", None), ("Tue", "in", None), ("Wed", "in", None), ("Thu", "closed", back),
                ("Fri", "closed", back)]  # fmt: skip
    assert expected == kinds(plan)
    assert ["Thanksgiving Day", "day after Thanksgiving"] == [d.closure for d in plan.days[3:]]


def test_closed_days_say_nothing_of_a_return_when_the_office_reopens_with_the_person() -> None:
    """Without a vacation, Thanksgiving and the closed Friday are closed with no return date."""
    assert [("Thu", "closed", None), ("Fri", "closed", None)] == kinds(week())[3:]


def test_holidays_inside_an_absence_read_closed() -> None:
    """Wednesday and Monday off around the holidays: Wednesday away, Thursday and Friday closed, back Tuesday."""
    plan = week(vacation(date(2026, 11, 25), 1), vacation(NEXT_WEEK, 1))
    back = date(2026, 12, 1)
    assert [("away", back), ("closed", back), ("closed", back)] == [(d.kind, d.back) for d in plan.days[2:]]


def test_the_return_is_when_an_absence_ends_on_a_day_in() -> None:
    """Away Thursday and Friday and until 10:30 on Monday, Li returns on Monday at 10:30 am."""
    trip = CalendarEvent("trip", "Vacation", at(date(2026, 12, 3), 8), at(date(2026, 12, 7), 10, 30), False, ShowAs.OOF)
    plan = week(trip, start=NEXT_WEEK)
    assert (date(2026, 12, 7), time(10, 30)) == (plan.days[-1].back, plan.days[-1].back_at)


def test_an_own_automatic_reply_counts_as_an_absence() -> None:
    """Li's own reply scheduled for Tuesday 8:00 to Thursday 8:00, nothing in her calendar: away Tuesday and
    Wednesday, back Thursday at 8:00 am."""
    own = OwnReply(at(date(2026, 12, 1), 8), at(date(2026, 12, 3), 8))
    plan = week(start=NEXT_WEEK, own=own)
    back = date(2026, 12, 3)
    assert [("Mon", "in", None), ("Tue", "away", back), ("Wed", "away", back), ("Thu", "in", None),
            ("Fri", "in", None)] == kinds(plan)  # fmt: skip
    assert time(8) == plan.days[1].back_at


def test_an_own_automatic_reply_with_no_end_has_no_return() -> None:
    """Li switched her own reply on on Tuesday at 1:00 pm, with no end: from Wednesday she is away with no return
    date, and Tuesday, under half gone, still reads in."""
    plan = week(start=NEXT_WEEK, own=OwnReply(at(date(2026, 12, 1), 13), None))
    assert [("in", False), ("in", False), ("away", True), ("away", True), ("away", True)] == [
        (d.kind, d.no_return) for d in plan.days
    ]


def test_an_own_reply_overlapping_the_calendar_is_counted_once() -> None:
    """A reply from 8:00 to 12:00 and a calendar absence from 8:00 to 12:00 on Tuesday are four hours away, not
    eight: Tuesday stays in."""
    day = date(2026, 12, 1)
    morning = CalendarEvent("m", "Training", at(day, 8), at(day, 12), False, ShowAs.OOF)
    plan = week(morning, start=NEXT_WEEK, own=OwnReply(at(day, 8), at(day, 12)))
    assert "in" == plan.days[1].kind


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
    """Once the vacation is gone, the closed Friday ending the week no longer promises a return on Tuesday; that is
    the one change (Thursday's return follows from Friday)."""
    sent = week(vacation(date(2026, 11, 27), 4))
    decision = decide_send(sent.days, week(), date(2026, 11, 24))
    assert ("update", [(date(2026, 11, 27), date(2026, 12, 1), None)]) == (
        decision.action, [(c.after.day, c.before.back if c.before else "", c.after.back) for c in decision.changes]
    )  # fmt: skip


def test_a_later_return_on_the_same_day_is_news() -> None:
    """Back on Monday at 10:30 instead of 8:00 changes the Friday before."""
    friday = date(2026, 12, 4)
    sent = week(vacation(friday, 1), start=NEXT_WEEK)
    later = week(CalendarEvent("t", "Vacation", at(friday, 8), at(date(2026, 12, 7), 10, 30), False, ShowAs.OOF),
                 start=NEXT_WEEK)  # fmt: skip
    assert "update" == decide_send(sent.days, later, NEXT_WEEK).action


def test_a_plan_stored_without_return_times_is_compared_by_day() -> None:
    """A plan kept before return times were stored (no back_at) is no update for its return time alone."""
    plan = week(vacation(date(2026, 12, 3), 2), start=NEXT_WEEK)
    old = [replace(d, back_at=None) for d in plan.days]
    assert "none" == decide_send(old, plan, NEXT_WEEK).action


def test_a_change_to_tomorrow_cannot_wait_for_the_next_morning() -> None:
    """On Monday, Tuesday booked off is urgent; Thursday booked off is not; on Wednesday before Thanksgiving the
    next business day is Monday, so a change to Monday is urgent then."""
    sent = week(start=NEXT_WEEK)
    tuesday, thursday = (week(vacation(day, 1), start=NEXT_WEEK) for day in (date(2026, 12, 1), date(2026, 12, 3)))
    monday = NEXT_WEEK
    assert (True, False) == tuple(
        urgent(decide_send(sent.days, p, monday), monday, office()) for p in (tuesday, thursday)
    )
    wednesday = date(2026, 11, 25)
    before = week(vacation(date(2026, 11, 25), 1))
    after = week(vacation(date(2026, 11, 25), 1), vacation(NEXT_WEEK, 1))
    assert True is urgent(decide_send(before.days, after, wednesday), wednesday, office())


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
    """dump and load_days give back the same days, windows, return dates and times, closures and open ends."""
    days = tuple(
        DayPlan(NEXT_WEEK + timedelta(days=n), kind, (time(15, 30), time(17)) if kind == "in" and windowed else None,
                date(2026, 12, 7) if kind == "away" and windowed else None,
                time(10, 30) if kind == "away" and windowed else None,
                "Christmas Day" if kind == "closed" else "", kind == "away" and not windowed)
        for n, kind in enumerate(day_kinds)
    )  # fmt: skip
    assert days == load_days(WeekPlan("lchen", NEXT_WEEK, days).dump())


def test_a_plan_stored_before_closures_and_return_times_still_loads() -> None:
    """A day kept by an earlier mailbot (no back_at, closure or no_return) loads with none of them."""
    stored = '[{"back": "2026-12-07", "callback": "", "day": "2026-12-03", "kind": "away"}]'
    assert (DayPlan(date(2026, 12, 3), "away", None, date(2026, 12, 7)),) == load_days(stored)


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
