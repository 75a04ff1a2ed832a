"""Sample touchpoint drafts, touchpoint nudges and complaint escalations for `TemplateRenderer.check_all`.

Built by the real builders from the example organisation, so the check sees the placeholders real messages
have: a member with and without a name, a signer with and without a phone, own and covered requests, a
draft that could not be saved, a shared mailbox, and member-written markup.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.domain import Touchpoint, TrackState
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.complaint import build_escalation, complaint_view, escalation_context
from mailbot.policy.message_samples import HOSTILE_NAME, HOSTILE_SUBJECT, JAMES, LI, MARIA, item
from mailbot.policy.satisfaction import SurveyKeys, SurveyLine, survey_line, survey_message
from mailbot.policy.touchpoint import TouchpointRules, draft_context, draft_model
from mailbot.policy.touchpoint_nudge import UpdateLine, build_touchpoint_nudge, touchpoint_nudge_context

_NY = ZoneInfo("America/New_York")
_ORG = "Riverside Members' Association"
_CALENDAR = BusinessCalendar.from_spec(_NY.key, {"mon-fri": "08:00-17:00"})
_RULES = TouchpointRules()
_NUMBER = "+1 555 0100"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=_NY)


def touchpoint(subject: str, sender_name: str = "Pat Member", *, mailbox: str = LI.email) -> Touchpoint:
    """A request marked in progress on Friday, last answered on Monday at 10:00."""
    message_id = f"<{zlib.crc32(subject.encode())}@gmail.example>"
    return Touchpoint(
        mailbox, message_id, message_id, LI.id, "pat.member@gmail.example", subject, _at(20, 9, 30),
        started_at=_at(20, 11), last_touch_at=_at(23, 10), sender_name=sender_name,
    )  # fmt: skip


def draft_samples() -> list[dict[str, Any]]:
    """Li's update to Pat; one to a member without a name, signed by a shared mailbox without a phone."""
    pat = touchpoint("Question about my membership renewal")
    anonymous = touchpoint(HOSTILE_SUBJECT, "")
    asked = replace(
        draft_model(pat, (LI.name, LI.phone), _at(24, 10), _CALENDAR, _RULES, (_ORG, _NUMBER)),
        survey=asdict(sample_survey_line()),
    )
    return [
        draft_context(asked),
        draft_context(draft_model(anonymous, ("Member Help Desk", None), _at(24, 10), _CALENDAR, _RULES, (_ORG, None))),
        draft_context(draft_model(pat, (JAMES.name, None), _at(24, 10), _CALENDAR, _RULES, (_ORG, _NUMBER))),
    ]


def sample_survey_line() -> SurveyLine:
    """The survey's five links as a member gets them (a made-up key and address)."""
    keys = SurveyKeys("sample key", "https://members.example.org/survey")
    return survey_line(keys, "Zk3t9Qw2", _at(30, 10), _NY, "How did we do?")


def survey_samples() -> list[dict[str, Any]]:
    """The survey to Pat about a request to Li, and to a member without a name who wrote to a shared mailbox."""
    asked = item(LI, "Question about my membership renewal", _at(23, 9), _at(24, 9), TrackState.ON_TRACK, 0.1)
    pat = replace(asked.tracked, sender_name="Pat Member")
    anonymous = replace(pat, subject=HOSTILE_SUBJECT, sender_name="")
    line = sample_survey_line()
    return [
        asdict(survey_message(pat, LI.name, line, (_ORG, _NUMBER))),
        asdict(survey_message(anonymous, "Member Help Desk", line, (_ORG, None))),
    ]


def touchpoint_nudge_samples() -> list[dict[str, Any]]:
    """Li's own update with its draft, a shared mailbox's, and James's while he is away without a draft."""
    due, shared = _at(24, 10), touchpoint("Card replacement", mailbox="help@example.org")
    help_desk = "Member Help Desk"
    lines = [
        UpdateLine(touchpoint("Pension transfer"), due, LI, False, drafts="your Drafts folder"),
        UpdateLine(shared, due, LI, False, mailbox_name=help_desk, drafts=f"the Drafts folder of {help_desk}"),
        UpdateLine(touchpoint(HOSTILE_SUBJECT, HOSTILE_NAME), due, JAMES, True, "James Okafor is away"),
    ]
    now = _at(24, 10, 5)
    return [
        touchpoint_nudge_context(build_touchpoint_nudge(LI, lines, now, _NY, _ORG)),
        touchpoint_nudge_context(build_touchpoint_nudge(LI, lines[:1], now, _NY, _ORG)),
        touchpoint_nudge_context(build_touchpoint_nudge(LI, lines[2:], now, _NY, _ORG)),
    ]


def escalation_samples() -> list[dict[str, Any]]:
    """A complaint by category to James, an overdue one by keyword to the help desk, one from a hostile sender."""
    now = _at(23, 9, 5)
    marked = item(JAMES, "My card still has not arrived", _at(23, 9), _at(24, 9), TrackState.ON_TRACK, 0.1)
    late = item(LI, "Unacceptable service", _at(20, 9), _at(23, 9), TrackState.OVERDUE, 8, shared=True)
    hostile = item(LI, HOSTILE_SUBJECT, _at(23, 8), _at(24, 8), TrackState.ON_TRACK, 1, sender_name=HOSTILE_NAME)
    views = [
        complaint_view(marked, [JAMES], "it is marked Complaint", now, _NY),
        complaint_view(late, [JAMES, LI], 'the subject mentions "unacceptable"', now, _NY),
        complaint_view(hostile, [LI], 'the subject mentions "complain"', now - timedelta(hours=1), _NY),
    ]
    return [escalation_context(build_escalation(MARIA, view, now, _NY, _ORG)) for view in views]
