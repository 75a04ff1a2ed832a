"""Sample nudges and digests for `TemplateRenderer.check_all`, from the example organisation in config/.

They are built by the real build_nudge and build_digest, so the check sees exactly the placeholders real
messages have. Between them they reach every branch: away with each kind of reply, departed, problems,
nothing open, a single item, and a member who writes markup into the subject and their name.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.domain import MessageKind, Person, PersonStatus, Touchpoint, Tracked, TrackState
from mailbot.policy.complaint import ComplaintView, complaint_view
from mailbot.policy.cover import Standby, choose_cover, covered
from mailbot.policy.digest import (
    OpenItem,
    Presence,
    StaffSection,
    WeekAnswers,
    build_digest,
    digest_context,
    with_chart,
)
from mailbot.policy.horizon import left_out_view
from mailbot.policy.nudge import NudgeLine, build_nudge, nudge_context
from mailbot.policy.progress import InProgress, progress_views, with_progress
from mailbot.policy.satisfaction import NewScore, score_lines

_NY = ZoneInfo("America/New_York")
_ORG = "Riverside Members' Association"
_DAY = date(2026, 11, 23)  # a Monday
_HELP = "help@example.org"


def _person(pid: str, name: str, team: str = "Member Services", **more: Any) -> Person:
    email = name.lower().replace(" ", ".") + "@example.org"
    return Person(pid, name, email, team, "main", _NY.key, **more)


MARIA = _person("mreyes", "Maria Reyes")
JAMES = _person("jokafor", "James Okafor", supervisor="mreyes", backup="lchen")
LI = _person("lchen", "Li Chen", supervisor="mreyes", backup="jokafor")
ANNA = _person("abrandt", "Anna Brandt", "Benefits", supervisor="mreyes", backup="lchen")
PETR = _person("pnovak", "Petr Novak", "Benefits", supervisor="mreyes", status=PersonStatus.DEPARTED)
HOSTILE_SUBJECT = "</td><script>alert(1)</script>\r\nBcc: everyone"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=_NY)


def item(
    owner: Person,
    subject: str,
    received: datetime,
    due: datetime,
    state: TrackState,
    hours: float,
    *,
    shared: bool = False,
    kind: MessageKind = MessageKind.EMAIL,
    sender_name: str = "Jane Doe",
) -> OpenItem:
    """One open item in the owner's own mailbox, or the shared help desk's."""
    mailbox = _HELP if shared else owner.email
    message_id = f"<{owner.id}.{received:%d%H%M}@members.example>"
    tracked = Tracked(mailbox, message_id, message_id, owner.id, "jane.doe@example.com", subject, kind, received, due)
    return OpenItem(tracked, state, timedelta(hours=hours), "Member Help Desk" if shared else "", sender_name)


def _sections() -> list[StaffSection]:
    overdue = item(JAMES, "Membership renewal", _at(20, 9, 12), _at(23, 9, 12), TrackState.OVERDUE, 9, shared=True)
    soon = item(JAMES, "Change of address", _at(23, 10), _at(24, 10), TrackState.DUE_SOON, 7)
    fresh = item(JAMES, "", _at(23, 15), _at(24, 15), TrackState.ON_TRACK, 2)
    hostile = item(LI, HOSTILE_SUBJECT, _at(23, 11), _at(24, 11), TrackState.DUE_SOON, 6, sender_name=HOSTILE_NAME)
    call = item(
        LI,
        "Voice Mail from +1 555 0199 (42 seconds)",
        _at(23, 14, 5),
        _at(23, 17),
        TrackState.OVERDUE,
        2.9,
        kind=MessageKind.VOICEMAIL,
        sender_name="",
    )
    left = item(PETR, "Benefit claim", _at(19, 16), _at(20, 16), TrackState.OVERDUE, 18)
    back = _at(24, 8)
    problem = "mailbot could not manage the automatic reply: the service account may not impersonate this mailbox"
    return [
        StaffSection(JAMES, (fresh, overdue, soon), (), Presence(True, "mailbot", back, LI), week=WeekAnswers(3, 1)),
        StaffSection(LI, (hostile,), (call,), Presence(False, "none", None, None), week=WeekAnswers(5, 4)),
        StaffSection(ANNA, (), (), Presence(True, "missing", back, LI), (problem,)),
        StaffSection(PETR, (left,), (), Presence(True, "none", None, ANNA)),
    ]


_WEEKLY = (
    "James Okafor: sent Monday, November 23 at 7:30 am; status message set",
    "Li Chen: sent Monday, November 23 at 7:30 am; updated Tuesday, November 24 at 7:30 am (Friday, November 27: "
    "office closed (was: away, back Tuesday, December 1))",
    "Anna Brandt: not sent yet this week",
)


def digest_samples() -> list[dict[str, Any]]:
    """A busy day with requests in progress (also as Anna Brandt reads it covering for Maria), a day with everyone
    present and nothing open (also with nobody to cover), and a supervisor with nobody listed."""
    quiet = [StaffSection(p, (), (), Presence(False, "none", None, None)) for p in (JAMES, LI)]
    own_reply = [StaffSection(ANNA, (), (), Presence(True, "own", None, None))]
    went_live = datetime.combine(_DAY, datetime.min.time(), tzinfo=_NY).replace(hour=9)
    left_out = [
        left_out_view("Li Chen", 12, went_live, _NY, _NY),
        left_out_view("Help desk (shared mailbox)", 1, went_live, _NY, _NY),
    ]
    models = [
        build_digest(MARIA, sections, _DAY, _NY, _ORG, weekly, complaints, left)
        for sections, weekly, complaints, left in ((_sections(), _WEEKLY, _complaints(), left_out), (quiet, (), (), ()),
                                                   (own_reply, (), (), ()), ([], (), (), ()))
    ]  # fmt: skip
    busy = with_progress(with_chart(models[0], _DAY)[0], progress_views(_in_progress(), _at(23, 17, 15), _NY))
    busy = replace(busy, satisfaction=score_lines([NewScore(LI.name, HOSTILE_SUBJECT, 5, "Quick & <clear>.",
                                                            _at(23, 10, 5))], _at(23, 17, 15), _NY))  # fmt: skip
    covering = covered(busy, choose_cover(MARIA, True, [Standby("deputy", ANNA, False)]), MARIA)
    alone = covered(models[1], choose_cover(MARIA, True, [Standby("deputy", ANNA, True)]), MARIA)
    return [digest_context(model) for model in (busy, covering, alone, *models[1:])]


def _in_progress() -> list[InProgress]:
    """Li's request with its update overdue, and one at the help desk from a member who gave no name."""

    def request(subject: str, mailbox: str, sender_name: str, touched: datetime) -> Touchpoint:
        message_id = f"<{len(subject)}.{touched:%d%H%M}@members.example>"
        return Touchpoint(mailbox, message_id, message_id, LI.id, "jane.doe@example.com", subject, _at(19, 9),
                          touched, touched, sender_name=sender_name)  # fmt: skip

    late = request("Pension transfer", LI.email, "Jane Doe", _at(20, 10, 5))
    shared = request(HOSTILE_SUBJECT, _HELP, "", _at(23, 11))
    return [InProgress(late, _at(23, 10, 5), (LI,)), InProgress(shared, _at(24, 11), (JAMES, LI), "Member Help Desk")]


def _complaints() -> list[ComplaintView]:
    """An overdue complaint by keyword at the help desk, and one by category with member markup."""
    now = datetime.combine(_DAY, datetime.min.time(), tzinfo=_NY).replace(hour=17, minute=15)
    late = item(JAMES, "Unacceptable wait", _at(20, 9), _at(23, 9), TrackState.OVERDUE, 8, shared=True)
    marked = item(LI, HOSTILE_SUBJECT, _at(23, 11), _at(24, 11), TrackState.ON_TRACK, 6, sender_name="")
    return [
        complaint_view(late, [JAMES, LI], 'the subject mentions "unacceptable"', now, _NY),
        complaint_view(marked, [LI], "it is marked Complaint", now, _NY),
    ]


def nudge_samples() -> list[dict[str, Any]]:
    """Li's own items plus James's while he is away; then a single item with nobody covered."""
    busy = _sections()
    reason = "James Okafor is away until 8:00 am tomorrow"
    lines = [NudgeLine(i, LI, False) for i in (*busy[1].emails, *busy[1].voicemails)]
    lines += [NudgeLine(i, JAMES, True, reason) for i in busy[0].emails]
    lines += [NudgeLine(i, PETR, True) for i in busy[3].emails]
    single = [NudgeLine(busy[0].emails[2], JAMES, False)]
    return [nudge_context(build_nudge(p, ls, _at(23, 17, 5), _NY, _ORG)) for p, ls in ((LI, lines), (JAMES, single))]
