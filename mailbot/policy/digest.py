"""The supervisor's end-of-day digest: who has what open, who is out and with which reply, what went wrong.

build_digest turns the jobs' findings into a DigestModel of finished text; render_digest fills the templates
with it. The model's fields are the digest templates' placeholders (message_templates/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mailbot.domain import InlineImage, Person, TrackState
from mailbot.policy.away import NO_RETURN
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.complaint import ComplaintView
from mailbot.policy.digest_chart import ChartView, week_chart
from mailbot.policy.horizon import LeftOutView
from mailbot.policy.messages import (
    ItemView,
    Message,
    OpenItem,
    item_view,
    moment_text,
    one_line,
    person_view,
    plural,
    sort_key,
)
from mailbot.policy.progress import ProgressView
from mailbot.policy.templates import TemplateRenderer, date_text
from mailbot.policy.triage import ScoreLine, WeekAnswers, item_link, rate_text, score_order

__all__ = [
    "DigestModel",
    "Message",
    "OpenItem",
    "Presence",
    "ScoreLine",
    "SectionView",
    "StaffSection",
    "Totals",
    "WeekAnswers",
    "build_digest",
    "digest_context",
    "render_digest",
    "with_chart",
]

Reply = Literal["mailbot", "own", "missing", "none"]
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_REPLY_LABELS: dict[str, str] = {
    "mailbot": "mailbot's automatic reply is on",
    "own": "their own automatic reply is on",
    "missing": "no automatic reply is on",
    "none": "",
}


@dataclass(frozen=True)
class Presence:
    """Whether a person is out and whose automatic reply answers for them meanwhile."""

    away: bool
    reply: Reply
    return_at: datetime | None
    backup: Person | None
    closed: str | None = None  # their office is closed today, and why (closure_reason); None: it is open


@dataclass(frozen=True)
class StaffSection:
    """What the jobs found for one person the supervisor looks after."""

    person: Person
    emails: tuple[OpenItem, ...]
    voicemails: tuple[OpenItem, ...]
    presence: Presence
    problems: tuple[str, ...] = ()
    week: WeekAnswers = field(default_factory=WeekAnswers)  # this week's answered messages, for the on-time rate


@dataclass(frozen=True)
class SectionView:
    """One person's part of the digest, as the templates show it."""

    name: str
    first_name: str
    email: str
    team: str
    departed: bool
    away: bool
    reply: str  # mailbot, own, missing, none
    status: str  # Away until 8:00 am tomorrow; mailbot's automatic reply is on; Li Chen covers.
    open_count: int
    overdue_count: int
    due_soon_count: int
    on_time: str  # 80% (4 of 5), or —
    nothing_open: bool
    emails: tuple[ItemView, ...]
    voicemails: tuple[ItemView, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Totals:
    """Counts over the whole digest; `open` and `overdue` cover e-mails and voicemails alike."""

    open: int
    overdue: int
    emails: int
    voicemails: int
    away: int
    attention: int


@dataclass(frozen=True)
class DigestModel:
    """The whole digest as finished text; asdict(model) is the template context."""

    subject: str
    title: str  # Service level digest for Monday, November 23
    day_text: str
    supervisor: dict[str, Any]  # name, first_name, email, phone
    organisation: dict[str, str]
    summary: str
    totals: Totals
    attention: tuple[str, ...]  # Anna Brandt: away with no automatic reply.
    sections: tuple[SectionView, ...]
    weekly_status: tuple[str, ...] = ()  # Li Chen: sent Monday, November 23 at 7:30 am
    complaints: tuple[ComplaintView, ...] = ()  # unanswered complaints, oldest first
    left_out: tuple[LeftOutView, ...] = ()  # older mail left out when tracking started, shown once per mailbox
    in_progress: tuple[ProgressView, ...] = ()  # the team's requests in progress, overdue updates first
    covering: str = ""  # You are covering for Maria Reyes today, as Maria's deputy. (cover.py)
    covering_for: str = ""  # whose digest a covering colleague reads: Maria Reyes
    scoreboard: tuple[ScoreLine, ...] = ()  # one line per section, in the sections' order: most overdue first
    problems_today: tuple[str, ...] = ()  # every IT problem line today, shown or not (the job remembers them)
    satisfaction: tuple[str, ...] = ()  # members' new survey scores and comments since the last digest, newest first
    chart: ChartView | None = None  # this week's on-time rate per person as an inline image (with_chart)


def build_digest(
    supervisor: Person, sections: Sequence[StaffSection], day: date, tz: ZoneInfo, organisation_name: str,
    weekly_status: Sequence[str] = (), complaints: Sequence[ComplaintView] = (),
    left_out: Sequence[LeftOutView] = (), *, shown_before: frozenset[str] = frozenset(),
) -> DigestModel:  # fmt: skip
    """The digest for `day` in the office zone `tz`: the scoreboard, then everyone's items, most overdue first (ties:
    active staff by name, then the departed); what needs attention last.

    `weekly_status` lines say whose weekly status went out this week (jobs/weekly_status.digest_lines);
    `complaints` are the unanswered ones of the supervisor's people (jobs/complaints.complaints_for);
    `left_out` counts, per mailbox, the older mail left out when tracking started (until a digest showed it);
    `shown_before` are the IT problem lines the reader's last digest showed: an unchanged one is left out, a new or
    changed one shown.
    """
    ordered = sorted(sections, key=lambda s: (not s.person.active, s.person.name.casefold(), s.person.id))
    ranked = sorted(((_section_view(s, day, tz), s.week) for s in ordered), key=lambda pair: _score_key(pair[0]))
    views = tuple(view for view, _ in ranked)
    problems = tuple(line for s in ordered for line in _problems(s))
    attention = tuple(line for s in ordered for line in _missing_reply(s))
    attention += tuple(line for line in problems if line not in shown_before)
    totals = Totals(
        open=sum(v.open_count for v in views),
        overdue=sum(v.overdue_count for v in views),
        emails=sum(len(v.emails) for v in views),
        voicemails=sum(len(v.voicemails) for v in views),
        away=sum(v.away and not v.departed for v in views),
        attention=len(attention),
    )
    day_text = date_text(datetime.combine(day, time(), tzinfo=tz))
    title = f"Service level digest for {day_text}"
    counts = f"{totals.overdue} overdue, {totals.open} open" if totals.open else "nothing open"
    return DigestModel(
        subject=f"{title}: {counts}" + (f", {plural(len(complaints), 'complaint')}" if complaints else ""),
        title=title,
        day_text=day_text,
        supervisor=person_view(supervisor),
        organisation={"name": organisation_name},
        summary=_summary(totals) + (f" {_complaints_sentence(len(complaints))}" if complaints else ""),
        totals=totals,
        attention=attention,
        sections=views,
        weekly_status=tuple(weekly_status),
        complaints=tuple(complaints),
        left_out=tuple(left_out),
        scoreboard=tuple(_score_line(view, week) for view, week in ranked),
        problems_today=problems,
    )


def digest_context(model: DigestModel) -> dict[str, Any]:
    """The digest templates' context: the model as plain dicts, so a misspelt placeholder lists the known."""
    return asdict(model)


def with_chart(model: DigestModel, day: date) -> tuple[DigestModel, tuple[InlineImage, ...]]:
    """The digest with its chart of this week's on-time rate per person, and the image its HTML shows by cid: (none
    before anyone answered anything this week)."""
    chart = week_chart(model.scoreboard, day)
    if chart is None:
        return model, ()
    view, image = chart
    return replace(model, chart=view), (image,)


def render_digest(model: DigestModel, renderer: TemplateRenderer, inline: tuple[InlineImage, ...] = ()) -> Message:
    """The digest message from the digest.html.j2 and digest.txt.j2 templates, with the images its HTML shows."""
    rendered = renderer.render("digest", digest_context(model))
    return Message(model.subject, rendered.html, rendered.text, inline)


def _score_line(view: SectionView, week: WeekAnswers) -> ScoreLine:
    return ScoreLine(view.name, view.departed, view.open_count, view.overdue_count, view.due_soon_count, view.on_time,
                     week.answered, week.on_time)  # fmt: skip


def _score_key(view: SectionView) -> tuple[int, int, int, bool, str]:
    return score_order(view.overdue_count, view.due_soon_count, view.open_count, view.departed, view.name)


def _linked(item: OpenItem, day: date, tz: ZoneInfo, own: str) -> ItemView:
    return replace(item_view(item, day, tz, own), link=item_link(item.tracked))


def _section_view(section: StaffSection, day: date, tz: ZoneInfo) -> SectionView:
    person, presence = section.person, section.presence
    emails = sorted((e for e in section.emails if e.state is not TrackState.ANSWERED), key=sort_key)
    voicemails = sorted((v for v in section.voicemails if _not_returned(v, day, tz)), key=sort_key)
    listed = [*emails, *voicemails]
    own = f"{person.name.split()[0]}'s mailbox"
    return SectionView(
        name=person.name,
        first_name=person.name.split()[0],
        email=person.email,
        team=person.team,
        departed=not person.active,
        away=presence.away,
        reply=presence.reply,
        status=_closed_first(_status(person, presence, day, tz), presence.closed if person.active else None),
        open_count=len(listed),
        overdue_count=sum(item.state is TrackState.OVERDUE for item in listed),
        due_soon_count=sum(item.state is TrackState.DUE_SOON for item in listed),
        on_time=rate_text(section.week),
        nothing_open=not listed,
        emails=tuple(_linked(item, day, tz, own) for item in emails),
        voicemails=tuple(_linked(item, day, tz, own) for item in voicemails),
        problems=tuple(one_line(problem) for problem in section.problems),
    )


def _not_returned(item: OpenItem, day: date, tz: ZoneInfo) -> bool:
    """A phone message the day failed to return: overdue, or one whose clock ran on `day`.

    Due on `day` catches a message left after closing the evening before, whose workday was `day`.
    """
    if item.state is TrackState.OVERDUE:
        return True
    tracked = item.tracked
    days = {tracked.received_at.astimezone(tz).date(), tracked.due_at.astimezone(tz).date()}
    return item.state is not TrackState.ANSWERED and day in days


def _status(person: Person, presence: Presence, day: date, tz: ZoneInfo) -> str:
    """One sentence: in or out (and until when), whose automatic reply is on, who covers."""
    reply = _REPLY_LABELS[presence.reply]
    if not person.active:
        parts = ["Has left"]
    elif presence.away and presence.return_at is not None:
        parts = [f"Away until {moment_text(presence.return_at, day, tz)}"]
    elif presence.away and presence.reply == "own":
        parts, reply = [f"Away ({NO_RETURN})"], ""  # their own reply, on with no end, is all that says they are out
    elif presence.away:
        parts = ["Away"]
    else:
        parts = ["In the office"]
    parts.append(reply)
    if presence.backup is not None and (presence.away or not person.active):
        parts.append(f"{presence.backup.name} covers")
    return "; ".join(part for part in parts if part) + "."


def closure_reason(calendar: BusinessCalendar, day: date) -> str | None:
    """Why the office is closed on `day`: the holiday ('Thanksgiving Day'), the weekday it never opens ('Saturday'),
    or '' for a closing day without a name; None when it is open that day."""
    if calendar.is_business_day(day):
        return None
    named = calendar.holiday_name(day)
    return named or ("" if calendar.hours.get(day.weekday()) else _WEEKDAYS[day.weekday()])


def closed_today(reason: str) -> str:
    """'closed today (Thanksgiving Day)', or 'closed today' for a closing day without a name."""
    return f"closed today ({reason})" if reason else "closed today"


def _closed_first(status: str, closed: str | None) -> str:
    """On a day their office is closed, a person's status says so first: 'Office closed today (Thanksgiving Day).',
    or '...; away until ...' for someone away as well."""
    if closed is None:
        return status
    office = f"Office {closed_today(closed)}"
    if status.startswith("In the office"):
        return office + status.removeprefix("In the office")
    return f"{office}; {status[:1].lower()}{status[1:]}"


def _missing_reply(section: StaffSection) -> list[str]:
    """Someone out with no automatic reply: the supervisor should act, every day it lasts."""
    if section.presence.reply != "missing":
        return []
    where = "has left" if not section.person.active else "is away"
    return [f"{section.person.name} {where} with no automatic reply on."]


def _problems(section: StaffSection) -> list[str]:
    """What mailbot could not do for this person (an IT problem): shown when new or changed."""
    return [f"{section.person.name}: {_sentence(problem)}" for problem in section.problems]


def _sentence(text: str) -> str:
    line = one_line(text)
    return line if not line or line[-1] in ".!?" else line + "."


def _complaints_sentence(count: int) -> str:
    return f"{plural(count, 'complaint')} wait{'s' if count == 1 else ''} for an answer."


def _summary(totals: Totals) -> str:
    """'7 member messages open (5 e-mails, 2 voicemails), 2 overdue. 1 person away. 1 thing needs attention.'"""
    if totals.open:
        kinds = f"{plural(totals.emails, 'e-mail')}, {plural(totals.voicemails, 'voicemail')}"
        sentences = [f"{plural(totals.open, 'member message')} open ({kinds}), {totals.overdue} overdue."]
    else:
        sentences = ["No member messages open."]
    if totals.away:
        sentences.append(f"{plural(totals.away, 'person', 'people')} away.")
    if totals.attention:
        sentences.append(f"{plural(totals.attention, 'thing')} need{'s' if totals.attention == 1 else ''} attention.")
    return " ".join(sentences)
