"""Absences from calendars and the automatic replies planned for them, in the example organisation's office."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.config import Settings, load_settings
from mailbot.config.organisation import AbsencePolicy
from mailbot.domain import Absence, CalendarEvent, ExternalAudience, OofSettings, OofState, Person, ShowAs
from mailbot.policy.absence import OofPlan, calendar_span, covers, decide, find_absences, fingerprint, plan_oof
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.templates import TemplateRenderer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
RETURN_SENTENCE = "I will return on Tuesday, December 1 at 8:00 am."


@cache
def org() -> Settings:
    return load_settings(ROOT / "service.yaml")


def office() -> BusinessCalendar:
    return org().calendars["main"]


def policy(**changes: Any) -> AbsencePolicy:
    return org().policy.absence.model_copy(update=changes)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def all_day(day: date, subject: str = "Vacation", days: int = 1, **fields: Any) -> CalendarEvent:
    fields.setdefault("show_as", ShowAs.FREE)  # Outlook's default for all-day events
    start = at(day)
    return CalendarEvent(f"{subject}-{day}", subject, start, start + timedelta(days=days), True, **fields)


def timed(day: date, hours: tuple[int, int], subject: str = "Doctor", **fields: Any) -> CalendarEvent:
    fields.setdefault("show_as", ShowAs.OOF)
    return CalendarEvent(f"{subject}-{day}-{hours}", subject, at(day, hours[0]), at(day, hours[1]), False, **fields)


def absences(*events: CalendarEvent, **changes: Any) -> list[Absence]:
    return find_absences(events, "jokafor", office(), policy(**changes))


def plan(person_id: str, found: list[Absence], now: datetime) -> OofPlan:
    person = org().person(person_id)
    return plan_oof(
        person, found, now, office(), policy=policy(), org=org().policy.organisation,
        backup=org().person(person.backup) if person.backup else None,
        successor=org().person(person.successor) if person.successor else None,
        renderer=TemplateRenderer(ROOT / "message_templates"),
    )  # fmt: skip


# --- Detection and merging -----------------------------------------------------------------------------


def test_friday_and_monday_off_are_one_absence_across_the_weekend() -> None:
    """Vacation on Friday and on Monday is one absence from Friday 00:00 to Tuesday 00:00, back Tuesday 08:00."""
    found = absences(all_day(date(2026, 12, 4)), all_day(date(2026, 12, 7)))
    assert [Absence("jokafor", at(date(2026, 12, 4)), at(date(2026, 12, 8)), "Vacation")] == found
    assert at(date(2026, 12, 8), 8) == plan("jokafor", found, at(date(2026, 12, 1))).return_at


def test_closed_days_bridge_a_vacation_around_thanksgiving() -> None:
    """Wednesday and Monday off, with Thanksgiving and the closed Friday between, is one absence."""
    found = absences(all_day(date(2026, 11, 25)), all_day(date(2026, 11, 30)))
    assert [(at(date(2026, 11, 25)), at(date(2026, 12, 1)))] == [(a.start, a.end) for a in found]
    the_plan = plan("jokafor", found, at(date(2026, 11, 20)))
    assert at(date(2026, 12, 1), 8) == the_plan.return_at
    assert "Vacation Wed 25 Nov – Mon 30 Nov; back Tue 1 Dec 08:00" == the_plan.why


def test_a_two_hour_dentist_appointment_gets_no_reply() -> None:
    """An absence shorter than min_hours (4 business hours) is ignored."""
    assert [] == absences(timed(date(2026, 12, 1), (9, 11), "Dentist"))


def test_half_days_around_a_weekend_pass_the_threshold_together() -> None:
    """Three hours on Friday and one on Monday merge first, and the four hours together count."""
    found = absences(timed(date(2026, 12, 4), (14, 17)), timed(date(2026, 12, 7), (8, 9)))
    assert [(at(date(2026, 12, 4), 14), at(date(2026, 12, 7), 9))] == [(a.start, a.end) for a in found]


def test_a_morning_away_returns_at_noon_the_same_day() -> None:
    """An absence ending at 12:00 inside office hours returns at 12:00, and the reply says 12:00 pm."""
    the_plan = plan("jokafor", absences(timed(date(2026, 12, 1), (8, 12))), at(date(2026, 11, 30)))
    assert at(date(2026, 12, 1), 12) == the_plan.return_at
    assert the_plan.external is not None
    assert "I will return on Tuesday, December 1 at 12:00 pm." in the_plan.external.text


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("Summer vacation", True), ("OUT OF  OFFICE", True), ("Vacations in Spain", True), ("Training: Excel", True),
     ("Checkout of office keys", False), ("Pretraining sync", False), ("Team lunch", False)],
)  # fmt: skip
def test_subject_keywords_match_whole_words_in_any_case(subject: str, expected: bool) -> None:
    """A busy event counts as absence when its subject holds a keyword as a word, in any case."""
    assert expected == bool(absences(all_day(date(2026, 12, 2), subject, show_as=ShowAs.BUSY)))


def test_a_category_marks_absence_in_any_case() -> None:
    """An event categorised "vacation" counts even with a plain subject and shown as busy."""
    event = all_day(date(2026, 12, 2), "Away", show_as=ShowAs.BUSY, categories=("vacation",))
    assert [(at(date(2026, 12, 2)), at(date(2026, 12, 3)))] == [(a.start, a.end) for a in absences(event)]


def test_shown_as_out_of_office_counts_whatever_the_subject() -> None:
    """An event shown as out of office is an absence even with no keyword."""
    assert 1 == len(absences(all_day(date(2026, 12, 2), "Family matters", show_as=ShowAs.OOF)))


def test_cancelled_events_never_count() -> None:
    """A cancelled vacation is no absence."""
    assert [] == absences(all_day(date(2026, 12, 2), cancelled=True, show_as=ShowAs.OOF))


def test_recurring_training_days_are_separate_absences_and_the_next_one_is_planned() -> None:
    """Weekly Monday training gives one absence per occurrence; after the first, the plan is for the second."""
    mondays = [date(2026, 12, 7) + timedelta(weeks=n) for n in range(3)]
    found = absences(*(all_day(day, "Training", recurring=True) for day in mondays))
    assert [at(day) for day in mondays] == [a.start for a in found]
    assert at(date(2026, 12, 15), 8) == plan("jokafor", found, at(date(2026, 12, 9))).return_at


def test_the_return_after_a_clock_change_is_0800_local_time() -> None:
    """Away on the Friday before DST ends, back Monday 08:00 EST, which is 13:00 UTC."""
    the_plan = plan("jokafor", absences(all_day(date(2026, 10, 30))), at(date(2026, 10, 28)))
    assert datetime(2026, 11, 2, 13, tzinfo=UTC) == the_plan.return_at
    assert the_plan.internal is not None
    assert "I will return on Monday, November 2 at 8:00 am." in the_plan.internal.text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 90), st.integers(1, 6)), max_size=12))
def test_merged_absences_are_sorted_and_never_overlap(spans: list[tuple[int, int]]) -> None:
    """For any all-day events, absences are sorted, apart by business time, and cover every working event."""
    events = [all_day(date(2026, 10, 1) + timedelta(days=offset), days=length) for offset, length in spans]
    found = absences(*events, min_hours=0)
    assert all(a.start <= a.end for a in found)
    assert all(office().elapsed(a.end, b.start) > timedelta(0) for a, b in pairwise(found))
    working = [e for e in events if office().elapsed(e.start, e.end) > timedelta(0)]
    assert all(any(a.start <= e.start and e.end <= a.end for a in found) for e in working)


# --- Plans ---------------------------------------------------------------------------------------------


def test_the_plan_schedules_both_replies_until_the_return() -> None:
    """Internal and external replies say when James returns and name Li Chen as backup; the reply runs until then."""
    the_plan = plan("jokafor", absences(all_day(date(2026, 11, 30))), at(date(2026, 11, 20)))
    assert the_plan.settings is not None and the_plan.internal and the_plan.external
    assert ("schedule", OofState.SCHEDULED, ExternalAudience.ALL) == (
        the_plan.action, the_plan.settings.state, the_plan.settings.external_audience)  # fmt: skip
    assert (at(date(2026, 11, 30)), at(date(2026, 12, 1), 8)) == (the_plan.settings.start, the_plan.settings.end)
    for text in (the_plan.internal.text, the_plan.external.text):
        assert RETURN_SENTENCE in text and "Li Chen" in text and "li.chen@example.org" in text


def test_the_external_reply_keeps_the_reason_private() -> None:
    """The reason may appear inside the organisation, never outside."""
    surgery = all_day(date(2026, 12, 2), "Surgery", show_as=ShowAs.OOF)
    the_plan = plan("jokafor", absences(surgery), at(date(2026, 12, 1)))
    assert the_plan.internal and the_plan.external
    assert (True, False) == ("Surgery" in the_plan.internal.text, "Surgery" in the_plan.external.text)


def test_a_plan_started_absence_keeps_its_start_so_reruns_agree() -> None:
    """Planned during the absence, the reply still starts at the absence start, so hourly plans are identical."""
    found = absences(all_day(date(2026, 12, 1), days=3))
    first, later = plan("jokafor", found, at(date(2026, 12, 1), 9)), plan("jokafor", found, at(date(2026, 12, 2), 15))
    assert first.settings == later.settings


def test_no_absence_ahead_means_clear() -> None:
    """When every absence has ended, the plan is to have no reply of mailbot's on."""
    the_plan = plan("jokafor", absences(all_day(date(2026, 12, 1))), at(date(2026, 12, 2), 9))
    assert ("clear", None) == (the_plan.action, the_plan.settings)


def test_a_departed_colleague_gets_a_permanent_reply_naming_the_successor() -> None:
    """Petr Novak has left: his mailbox answers everyone, always, pointing to Anna Brandt."""
    the_plan = plan("pnovak", [], at(date(2026, 12, 1)))
    assert the_plan.settings is not None and the_plan.internal is not None
    assert ("redirect", OofState.ENABLED, ExternalAudience.ALL) == (
        the_plan.action, the_plan.settings.state, the_plan.settings.external_audience)  # fmt: skip
    assert "Please write to Anna Brandt at anna.brandt@example.org or call +1 555 0100 x230" in the_plan.internal.text


# A Sydney office unlike the example's: other hours (a short Friday) and Australia Day, Tuesday 26 January 2027.
SYDNEY = ZoneInfo("Australia/Sydney")
SYDNEY_OFFICE = BusinessCalendar.from_spec(SYDNEY.key, {"mon-thu": "07:30-16:00", "fri": "07:30-13:00"},
                                           frozenset({date(2027, 1, 26)}))  # fmt: skip
KIM = Person("kwong", "Kim Wong", "kim.wong@example.org", "Members", "sydney", SYDNEY.key, backup="lchen")


def sydney_plan(found: list[Absence], now: datetime) -> OofPlan:
    return plan_oof(
        KIM, found, now, SYDNEY_OFFICE, policy=policy(), org=org().policy.organisation, backup=org().person("lchen"),
        successor=None, renderer=TemplateRenderer(ROOT / "message_templates"),
    )  # fmt: skip


def sydney(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SYDNEY)


def test_a_day_off_before_a_holiday_keeps_its_reply_until_the_office_opens_again() -> None:
    """Kim's Monday off before Australia Day: one reply from Monday 00:00 to Wednesday 7:30 am, which it names."""
    day_off = CalendarEvent("v", "Day off", sydney(date(2027, 1, 25)), sydney(date(2027, 1, 26)), True, ShowAs.OOF)
    monday = find_absences([day_off], "kwong", SYDNEY_OFFICE, policy())
    the_plan = sydney_plan(monday, sydney(date(2027, 1, 22), 10))
    assert the_plan.settings is not None and the_plan.external is not None
    settings = the_plan.settings
    assert (sydney(date(2027, 1, 25)), sydney(date(2027, 1, 27), 7, 30)) == (settings.start, settings.end)
    assert "I will return on Wednesday, January 27 at 7:30 am." in the_plan.external.text


@pytest.mark.parametrize("moment", [(date(2027, 1, 25), 20), (date(2027, 1, 26), 0), (date(2027, 1, 26), 12),
                                    (date(2027, 1, 27), 7)])  # fmt: skip
def test_on_the_closed_days_after_the_day_off_the_reply_stays_as_set(moment: tuple[date, int]) -> None:
    """On Monday night, all through Australia Day and early Wednesday, the plan is the reply already in place:
    nothing to set again, nothing to clear."""
    found = [Absence("kwong", sydney(date(2027, 1, 25)), sydney(date(2027, 1, 26)), "Vacation")]
    in_place = planned(sydney_plan(found, sydney(date(2027, 1, 22), 10)))
    now = sydney(moment[0], moment[1])
    the_plan = sydney_plan(found, now)
    decision = decide(the_plan, in_place, fingerprint(in_place), now=now)
    assert ("schedule", "unchanged") == (the_plan.action, decision.action)


def test_the_reply_is_cleared_once_the_office_opens_again() -> None:
    """At 7:30 am on Wednesday Kim is back: mailbot's reply is turned off."""
    found = [Absence("kwong", sydney(date(2027, 1, 25)), sydney(date(2027, 1, 26)), "Vacation")]
    in_place = planned(sydney_plan(found, sydney(date(2027, 1, 22), 10)))
    back = sydney(date(2027, 1, 27), 7, 30)
    assert "clear" == decide(sydney_plan(found, back), in_place, fingerprint(in_place), now=back).action


def test_after_a_day_off_covered_by_their_own_reply_mailbot_starts_none_before_the_office_opens() -> None:
    """Kim's own reply ran over her Monday off and ended at midnight: on Australia Day mailbot leaves it at that."""
    found = [Absence("kwong", sydney(date(2027, 1, 25)), sydney(date(2027, 1, 26)), "Vacation")]
    own = OofSettings(
        OofState.SCHEDULED, "Away", "Away", start=sydney(date(2027, 1, 25)), end=sydney(date(2027, 1, 26))
    )
    holiday = sydney(date(2027, 1, 26), 9)
    assert "unchanged" == decide(sydney_plan(found, holiday), own, None, now=holiday).action


def test_a_day_off_with_no_reply_at_all_still_gets_one_for_the_closed_days() -> None:
    """Had mailbot been down all Monday, on Australia Day it still sets Kim's reply, to run until Wednesday."""
    found = [Absence("kwong", sydney(date(2027, 1, 25)), sydney(date(2027, 1, 26)), "Vacation")]
    holiday = sydney(date(2027, 1, 26), 9)
    assert "set" == decide(sydney_plan(found, holiday), OofSettings(OofState.DISABLED), None, now=holiday).action


def test_the_calendar_is_read_from_a_week_before_the_office_last_opened() -> None:
    """Late in a two-week closure the calendar is still read from a week before it began, so the day off before it
    (whose reply runs through it) is seen; an ordinary Wednesday reads a week back from now."""
    closure = frozenset(date(2026, 12, 21) + timedelta(days=n) for n in range(14))
    closed = BusinessCalendar(SYDNEY, SYDNEY_OFFICE.hours, closure)
    late = sydney(date(2027, 1, 1), 10)
    assert (sydney(date(2026, 12, 11), 13), late + timedelta(days=21)) == calendar_span(late, closed, policy())
    wednesday = sydney(date(2027, 1, 27), 10)
    assert wednesday - timedelta(days=7) == calendar_span(wednesday, SYDNEY_OFFICE, policy())[0]


# --- Deciding against the mailbox ----------------------------------------------------------------------

NOW = at(date(2026, 11, 20), 10)


def vacation_plan(day: date = date(2026, 11, 30)) -> OofPlan:
    return plan("jokafor", absences(all_day(day)), NOW)


def planned(the_plan: OofPlan) -> OofSettings:
    assert the_plan.settings is not None
    return the_plan.settings


def exchange_rewrite(settings: OofSettings) -> OofSettings:
    """What a server hands back: its own HTML wrapper, different spacing, UTC times with stray seconds."""
    assert settings.start and settings.end
    head = '<html><head><meta charset="utf-8"><style>P {margin-top:0;}</style></head><body>'
    return replace(
        settings,
        internal_reply=head + "\r\n  ".join(settings.internal_reply.split()) + "</body></html>",
        external_reply=head + settings.external_reply.replace("\n", "&nbsp;\n") + "</body></html>",
        start=settings.start.astimezone(UTC) + timedelta(seconds=30), end=settings.end.astimezone(UTC),
    )  # fmt: skip


def test_a_person_own_reply_is_left_alone() -> None:
    """A reply the person switched on themselves is never overwritten, even with an absence to plan."""
    own = OofSettings(OofState.ENABLED, "Back soon", "Back soon")
    assert "leave_manual" == decide(vacation_plan(), own, None, now=NOW).action


def test_mailbot_updates_its_own_reply_when_the_absence_moves() -> None:
    """mailbot's reply for the old dates is replaced with the new plan."""
    old, new = planned(vacation_plan(date(2026, 11, 30))), vacation_plan(date(2026, 12, 2))
    decision = decide(new, old, fingerprint(old), now=NOW)
    assert ("set", new.settings) == (decision.action, decision.settings)


def test_a_rerun_changes_nothing() -> None:
    """With the planned reply in place, the decision is unchanged."""
    the_plan = vacation_plan()
    assert "unchanged" == decide(the_plan, planned(the_plan), fingerprint(planned(the_plan)), now=NOW).action


def test_server_normalisation_still_counts_as_unchanged_and_ours() -> None:
    """Re-wrapped HTML, re-spaced text and times in UTC with seconds are the same reply."""
    the_plan = vacation_plan()
    rewritten = exchange_rewrite(planned(the_plan))
    assert fingerprint(planned(the_plan)) == fingerprint(rewritten)
    assert "unchanged" == decide(the_plan, rewritten, fingerprint(planned(the_plan)), now=NOW).action


def test_mailbot_reply_is_cleared_after_the_return() -> None:
    """Once the person is back, mailbot's scheduled reply is switched off, keeping its text."""
    ours = planned(vacation_plan())
    after = at(date(2026, 12, 1), 9)
    decision = decide(plan("jokafor", [], after), ours, fingerprint(ours), now=after)
    assert ("clear", replace(ours, state=OofState.DISABLED)) == (decision.action, decision.settings)


def test_mailbot_reply_is_cleared_when_the_absence_is_cancelled() -> None:
    """A reply of mailbot's still running is switched off when the calendar no longer shows the absence."""
    ours = planned(vacation_plan())
    assert "clear" == decide(plan("jokafor", [], NOW), ours, fingerprint(ours), now=NOW).action


@pytest.mark.parametrize(
    ("current", "expected"),
    [(OofSettings(OofState.DISABLED, "Old text"), "set"),
     (OofSettings(OofState.SCHEDULED, "Mine", start=at(date(2026, 11, 1)), end=at(date(2026, 11, 5))), "set"),
     (OofSettings(OofState.SCHEDULED, "Mine", start=at(date(2026, 11, 1)), end=at(date(2026, 12, 5))),
      "leave_manual")],
)  # fmt: skip
def test_a_reply_that_is_off_belongs_to_nobody(current: OofSettings, expected: str) -> None:
    """A disabled or ended reply of the person's may be replaced; a running one may not."""
    assert expected == decide(vacation_plan(), current, None, now=NOW).action


@pytest.mark.parametrize(
    ("current", "expected"),
    [(OofSettings(OofState.DISABLED), "unchanged"), (OofSettings(OofState.ENABLED, "Mine"), "leave_manual")],
)
def test_nothing_to_clear_unless_it_is_mailbots(current: OofSettings, expected: str) -> None:
    """With no absence, a disabled reply stays as is and the person's own running reply is left alone."""
    assert expected == decide(plan("jokafor", [], NOW), current, "some-other-fingerprint", now=NOW).action


def test_the_fingerprint_is_stable_across_versions() -> None:
    """The stored fingerprint of a reply must not change between releases, or mailbot would disown its replies."""
    start, end = at(date(2026, 12, 1)), at(date(2026, 12, 2))
    reply = OofSettings(OofState.SCHEDULED, "<p>In</p>", "Out", start=start, end=end)
    assert "90dfa7b640329fd4232581b2cbc2bbe0a0e22acf41e78c4c6702885d8e45df5c" == fingerprint(reply)


def test_the_fingerprint_sees_a_minute_moved() -> None:
    """Moving the end by one minute is a different reply."""
    reply = planned(vacation_plan())
    assert reply.end is not None
    assert fingerprint(reply) != fingerprint(replace(reply, end=reply.end + timedelta(minutes=1)))


def test_a_reply_covers_an_absence_from_its_start() -> None:
    """For the report: a reply on, or scheduled from the absence's start (to the minute) or earlier to a later
    end, covers it; one starting later, ending by its start, or off does not."""
    day = date(2026, 11, 25)
    absence = Absence("mreyes", at(day), at(day, 23))
    scheduled = OofSettings(OofState.SCHEDULED, start=at(day, 0, 0) + timedelta(seconds=30), end=at(day, 23))
    assert [True, True, True, False, False, False] == [
        covers(reply, absence)
        for reply in (
            scheduled,
            replace(scheduled, start=at(day) - timedelta(days=1)),
            OofSettings(OofState.ENABLED),
            replace(scheduled, start=at(day, 9)),
            replace(scheduled, start=at(day) - timedelta(days=1), end=at(day)),
            OofSettings(OofState.DISABLED),
        )
    ]
