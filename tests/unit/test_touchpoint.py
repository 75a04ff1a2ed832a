"""Touchpoints: when the next status update is due, which replies restart the clock, the draft and the nudge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.domain import MailItem, Touchpoint
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.classify import SlaRules
from mailbot.policy.message_samples import HOSTILE_NAME, HOSTILE_SUBJECT, JAMES, LI, PETR
from mailbot.policy.templates import TemplateRenderer
from mailbot.policy.touchpoint import (
    TouchpointRules,
    draft_model,
    draft_subject,
    latest_touch,
    reminder_day,
    render_draft,
    touches,
    update_due,
)
from mailbot.policy.touchpoint_nudge import UpdateLine, build_touchpoint_nudge, drafts_text, render_touchpoint_nudge

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
ORG = "Riverside Members' Association"
MEMBER = "pat.member@gmail.example"
# Thanksgiving (Thursday 26 November 2026) and the Friday after are closed.
CALENDAR = BusinessCalendar.from_spec("America/New_York", {"mon-fri": "08:00-17:00"},
                                      {datetime(2026, 11, 26).date(), datetime(2026, 11, 27).date()})  # fmt: skip
DAILY, EVERY_THREE = TouchpointRules(), TouchpointRules(every_business_days=3)
SLA = SlaRules(org_domains=frozenset({"example.org"}), staff_addresses=frozenset({LI.email, JAMES.email}))
PROPERTY = settings(deadline=None, max_examples=200)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def touchpoint(**changes: object) -> Touchpoint:
    """Pat's request in Li's inbox, received Monday 9:00, marked Monday 10:00 and last touched then."""
    tp = Touchpoint(
        LI.email, "<dues-1@gmail.example>", "conv-dues", LI.id, MEMBER, "Dues question", at(23, 9),
        started_at=at(23, 10), last_touch_at=at(23, 10), sender_name="Pat Member",
    )  # fmt: skip
    return replace(tp, **changes)  # type: ignore[arg-type]


def reply(sent: datetime, **changes: object) -> MailItem:
    """Li's reply to Pat in the same conversation, from her Sent Items."""
    item = MailItem(
        LI.email, f"r-{sent:%d%H%M}", f"<r{sent:%d%H%M}@example.org>", "conv-dues", LI.email, (MEMBER,),
        "RE: Dues question", sent, in_reply_to="<dues-1@gmail.example>", folder="sentitems", sent_at=sent,
    )  # fmt: skip
    return replace(item, **changes)  # type: ignore[arg-type]


def test_an_update_is_due_one_business_day_after_the_last_touch() -> None:
    """Marked Monday at 10:00, the member is due an update on Tuesday at 10:00."""
    assert at(24, 10) == update_due(at(23, 10), CALENDAR, DAILY)


def test_the_due_time_skips_the_holiday_weekend() -> None:
    """Touched Wednesday before Thanksgiving, the next update is due the following Monday."""
    assert at(30, 15) == update_due(at(25, 15), CALENDAR, DAILY)


def test_a_touch_after_hours_counts_from_the_next_opening() -> None:
    """A reply sent Monday evening makes the next update due at Wednesday's opening, one full day later."""
    assert at(25, 8) == update_due(at(23, 19), CALENDAR, DAILY)


def test_the_interval_is_the_policys() -> None:
    """Every three business days: from Monday 10:00 to Monday 10:00 a week on, over the holiday."""
    assert at(30, 10) == update_due(at(23, 10), CALENDAR, EVERY_THREE)


touch_times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(NY)).map(
    lambda moment: moment.astimezone(UTC)
)


@PROPERTY
@given(touch_times, st.integers(min_value=1, max_value=10))
def test_the_due_time_is_exactly_n_business_days_on(touch: datetime, every: int) -> None:
    """The update is due on a business day, N business days after the day the clock starts on."""
    due = update_due(touch, CALENDAR, TouchpointRules(every_business_days=every))
    start = CALENDAR.next_opening(touch).astimezone(NY).date()
    local = due.astimezone(NY)
    assert (True, every) == (
        CALENDAR.is_business_day(local.date()),
        CALENDAR.business_days_between(start, local.date()),
    )


@PROPERTY
@given(touch_times, st.integers(min_value=1, max_value=600))
def test_a_later_touch_never_brings_the_update_forward(touch: datetime, minutes: int) -> None:
    """Replying restarts the clock: the next update is never due earlier than before the reply."""
    earlier = update_due(touch, CALENDAR, DAILY)
    later = update_due(touch + timedelta(minutes=minutes), CALENDAR, DAILY)
    assert True is (later >= earlier)


def test_the_latest_reply_to_the_member_is_the_touch() -> None:
    """Of two replies after the mark, the later one restarts the clock."""
    assert at(24, 11) == latest_touch(touchpoint(), [reply(at(23, 15)), reply(at(24, 11))], SLA)


def test_the_first_new_reply_is_the_update_that_was_due() -> None:
    """For the report: of the replies since the last touch, the earliest is the update given, the latest the new
    touch; none before the last touch counts."""
    replies = [reply(at(24, 11)), reply(at(23, 9, 30)), reply(at(23, 15))]
    assert [at(23, 15), at(24, 11)] == touches(touchpoint(), replies, SLA)


def test_replies_from_before_the_last_touch_are_not_new_touches() -> None:
    """A reply already counted (or sent before the mark) does not move the clock."""
    assert None is latest_touch(touchpoint(), [reply(at(23, 9, 30))], SLA)


def test_an_internal_forward_in_the_thread_is_no_touch() -> None:
    """Forwarding the request to a colleague tells the member nothing."""
    forward = reply(at(23, 15), recipients=(JAMES.email,), subject="FW: Dues question")
    assert None is latest_touch(touchpoint(), [forward], SLA)


def test_a_colleagues_reply_to_the_member_is_a_touch() -> None:
    """James answering Pat in the same conversation keeps Pat informed as well as Li would."""
    assert at(24, 9) == latest_touch(touchpoint(), [reply(at(24, 9), mailbox=JAMES.email, sender=JAMES.email)], SLA)


def test_the_draft_subject_replies_in_the_thread() -> None:
    """'Dues question' becomes 'Re: Dues question'; 'RE: Dues question' stays as it is."""
    assert ("Re: Dues question", "RE: Dues question") == (
        draft_subject("Dues question"),
        draft_subject("RE: Dues question"),
    )


@given(st.text(max_size=60))
def test_the_draft_subject_is_one_reply_line_however_often_made(subject: str) -> None:
    """Any member subject gives one line that says Re:, and making it again changes nothing."""
    once = draft_subject(subject)
    assert (True, "\n" in once, once) == (
        once.lower().startswith(("re:", "aw:", "sv:", "antw:")),
        False,
        draft_subject(once),
    )


def test_the_draft_tells_the_member_when_they_hear_next() -> None:
    """Li's draft on Wednesday before Thanksgiving promises the next update by Monday and leaves room to write."""
    model = draft_model(touchpoint(), (LI.name, "+1 555 0100 x215"), at(25, 10), CALENDAR, DAILY, (ORG, None))
    text = render_draft(model, TemplateRenderer(SHIPPED)).text
    assert ("Re: Dues question", "Monday, November 30") == (model.subject, model.next_update_text)
    assert "Dear Pat Member," in text and "[Write the current status here" in text and "x215" in text


def test_the_draft_keeps_member_markup_harmless() -> None:
    """A hostile subject and name stay text in the HTML draft."""
    hostile = touchpoint(subject=HOSTILE_SUBJECT, sender_name=HOSTILE_NAME)
    model = draft_model(hostile, (LI.name, None), at(25, 10), CALENDAR, DAILY, (ORG, None))
    html = render_draft(model, TemplateRenderer(SHIPPED)).html
    assert (False, False) == ("<script>" in html, "<img" in html)


def test_the_nudge_names_one_member_in_its_subject_and_points_to_the_draft() -> None:
    """One update due: the subject names Pat and the request; the body says where the draft waits."""
    line = UpdateLine(touchpoint(), at(24, 10), LI, False, drafts=drafts_text(LI.email, LI, ""))
    model = build_touchpoint_nudge(LI, [line], at(24, 10, 5), NY, ORG)
    text = render_touchpoint_nudge(model, TemplateRenderer(SHIPPED)).text
    assert "Status update due: Pat Member, Dues question" == model.subject
    assert "A draft update is waiting in your Drafts folder." in text


def test_an_update_still_owed_the_next_day_is_overdue_in_the_subject() -> None:
    """Due on Tuesday and still not sent on Wednesday, the reminder's subject says it is overdue."""
    line = UpdateLine(touchpoint(), at(24, 10), LI, False)
    model = build_touchpoint_nudge(LI, [line], at(25, 10, 5), NY, ORG)
    assert ("Status update overdue: Pat Member, Dues question", "due since 10:00 am yesterday") == (
        model.subject, model.updates[0].due)  # fmt: skip


@pytest.mark.parametrize(
    ("now", "expected"),
    [(at(24, 9), None),  # not due yet
     (at(24, 16), None),  # due since 10:00 today: the first reminder
     (at(25, 9, 59), None),  # the next business day, before the time it fell due
     (at(25, 10), date(2026, 11, 25)),  # a business day later: reminded again
     (at(28, 12), date(2026, 11, 25)),  # Thanksgiving, the closed Friday and the weekend add none
     (at(30, 10), date(2026, 11, 30)),  # Monday, at the time of day it fell due
     (at(2, 16, month=12), date(2026, 12, 2))],  # after days without a run: only the latest is owed
)  # fmt: skip
def test_an_overdue_update_is_reminded_again_once_per_business_day(now: datetime, expected: date | None) -> None:
    """Due Tuesday 10:00, the update is reminded again from 10:00 on each later business day, each day once."""
    assert expected == reminder_day(at(24, 10), now, CALENDAR)


@given(st.integers(min_value=0, max_value=60 * 24 * 20))
@PROPERTY
def test_a_reminder_day_is_a_business_day_after_the_due_day_and_never_ahead(minutes: int) -> None:
    """Whatever the moment, a repeated reminder falls on a business day after the due day, not after now."""
    due, now = at(24, 10), at(24, 10) + timedelta(minutes=minutes)
    day = reminder_day(due, now, CALENDAR)
    assert day is None or (CALENDAR.is_business_day(day) and due.date() < day <= now.date())


def test_own_requests_come_before_covered_ones_each_once() -> None:
    """Li's own request heads the list; James's follows with why she has it; a repeat is dropped."""
    own = UpdateLine(touchpoint(), at(24, 12), LI, False)
    james = touchpoint(mailbox=JAMES.email, message_id="<other@x>", owner_id=JAMES.id)
    covered = UpdateLine(james, at(24, 9), JAMES, True, "James Okafor is away")
    model = build_touchpoint_nudge(LI, [covered, own, own], at(24, 12, 5), NY, ORG)
    assert [(False, ""), (True, "James Okafor")] == [(u.covering, u.owner_name) for u in model.updates]
    assert ("2 members are due a status update", 0) == (model.subject, model.drafted)


def test_a_covered_request_says_whose_it_is_and_why_in_one_sentence() -> None:
    """Petr's request, covered by Li while Anna (who answers his mail now) is away: one sentence after the name."""
    petr = touchpoint(mailbox=PETR.email, message_id="<petr@x>", owner_id=PETR.id)
    why = "Petr Novak has left; Anna Brandt answers Petr's mail now and is away (own automatic reply, no return date)"
    model = build_touchpoint_nudge(LI, [UpdateLine(petr, at(24, 9), PETR, True, why)], at(24, 12, 5), NY, ORG)
    text = render_touchpoint_nudge(model, TemplateRenderer(SHIPPED)).text
    assert f"    Covering for Petr Novak: {why}." in text.splitlines()


def test_a_draft_in_a_shared_mailbox_is_named_by_the_mailbox() -> None:
    """A help desk draft waits in 'the Drafts folder of Member Help Desk'; none saved says nothing."""
    assert ("the Drafts folder of Member Help Desk", "") == (
        drafts_text("help@example.org", LI, "Member Help Desk"),
        drafts_text("", LI, "Member Help Desk"),
    )
