"""The touchpoint nudge: the members one person should send a status update to now, and where the drafts wait.

One message per person per run, their own requests first, then those of colleagues they cover, each by due
time. build_touchpoint_nudge makes a model of finished text whose fields are the templates' placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.domain import Person, Touchpoint
from mailbot.policy.messages import Message, moment_text, one_line, person_view, plural
from mailbot.policy.templates import TemplateRenderer, date_text, time_text

__all__ = [
    "TouchpointNudgeModel",
    "UpdateLine",
    "UpdateView",
    "build_touchpoint_nudge",
    "drafts_text",
    "render_touchpoint_nudge",
    "touchpoint_nudge_context",
]

_SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class UpdateLine:
    """One due update for the recipient: their own request, or a colleague's they cover (`reason` says why)."""

    touchpoint: Touchpoint
    due_at: datetime
    owner: Person
    covering: bool
    reason: str = ""
    mailbox_name: str = ""  # a shared mailbox's name; "" for a person's own
    drafts: str = ""  # where the draft waits, e.g. "your Drafts folder"; "" when none could be saved


@dataclass(frozen=True)
class UpdateView:
    """One due update as the templates show it; every field is finished text."""

    subject: str
    member: str  # Pat Member <pat.member@gmail.example>
    member_name: str  # may be empty
    member_email: str
    mailbox: str  # your mailbox, James's mailbox, Member Help Desk
    last_update: str  # 10:00 am yesterday
    due: str  # due since 10:00 am today
    overdue: bool  # due since before today: a reminder that it is still owed
    covering: bool
    owner_name: str  # whose request it is when covering, else ""
    reason: str  # James Okafor is away until Tuesday, December 1 (may be empty)
    drafts: str  # your Drafts folder (may be empty)


@dataclass(frozen=True)
class TouchpointNudgeModel:
    """The whole touchpoint nudge as finished text; asdict(model) is the template context."""

    subject: str
    recipient: dict[str, Any]
    organisation: dict[str, str]
    now_text: str
    count: int
    drafted: int  # how many of the updates have a draft waiting
    updates: tuple[UpdateView, ...]


def drafts_text(draft_mailbox: str, recipient: Person, mailbox_name: str) -> str:
    """Where a draft waits, as the recipient reads it: 'your Drafts folder' or 'the Drafts folder of ...'."""
    if not draft_mailbox:
        return ""
    if draft_mailbox.lower() == recipient.email.lower():
        return "your Drafts folder"
    return f"the Drafts folder of {one_line(mailbox_name) or draft_mailbox}"


def build_touchpoint_nudge(
    recipient: Person, lines: Sequence[UpdateLine], now: datetime, tz: ZoneInfo, organisation_name: str
) -> TouchpointNudgeModel:
    """The touchpoint nudge for `recipient` at `now`, times in `tz`; a request listed twice is shown once."""
    today = now.astimezone(tz).date()
    ordered = _unique(sorted(lines, key=_order))
    views = tuple(_view(line, today, tz) for line in ordered)
    local = now.astimezone(tz)
    return TouchpointNudgeModel(
        subject=_subject(views),
        recipient=person_view(recipient),
        organisation={"name": organisation_name},
        now_text=f"{date_text(local)} at {time_text(local)}",
        count=len(views),
        drafted=sum(bool(view.drafts) for view in views),
        updates=views,
    )


def touchpoint_nudge_context(model: TouchpointNudgeModel) -> dict[str, Any]:
    """The touchpoint_nudge templates' context: the model as plain dicts."""
    return asdict(model)


def render_touchpoint_nudge(model: TouchpointNudgeModel, renderer: TemplateRenderer) -> Message:
    """The nudge from touchpoint_nudge.html.j2 and touchpoint_nudge.txt.j2."""
    rendered = renderer.render("touchpoint_nudge", touchpoint_nudge_context(model))
    return Message(model.subject, rendered.html, rendered.text)


def _order(line: UpdateLine) -> tuple[bool, str, datetime, str]:
    owner = line.owner.name.casefold() if line.covering else ""
    return line.covering, owner, line.due_at.astimezone(UTC), line.touchpoint.message_id


def _unique(lines: Sequence[UpdateLine]) -> list[UpdateLine]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for line in lines:
        key = (line.touchpoint.mailbox.casefold(), line.touchpoint.message_id)
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def _view(line: UpdateLine, today: date, tz: ZoneInfo) -> UpdateView:
    tp = line.touchpoint
    name, email = one_line(tp.sender_name, _SUBJECT_LIMIT), one_line(tp.sender, _SUBJECT_LIMIT)
    own = f"{line.owner.name.split()[0]}'s mailbox" if line.covering else "your mailbox"
    return UpdateView(
        subject=one_line(tp.subject, _SUBJECT_LIMIT) or "(no subject)",
        member=f"{name} <{email}>" if name else email,
        member_name=name,
        member_email=email,
        mailbox=one_line(line.mailbox_name) or own,
        last_update=moment_text(tp.last_touch_at, today, tz),
        due=f"due since {moment_text(line.due_at, today, tz)}",
        overdue=line.due_at.astimezone(tz).date() < today,
        covering=line.covering,
        owner_name=line.owner.name if line.covering else "",
        reason=one_line(line.reason),
        drafts=line.drafts,
    )


def _subject(views: Sequence[UpdateView]) -> str:
    """'Status update due: Pat Member, Question about dues' ('overdue' from the day after it fell due); for several,
    '3 members are due a status update'."""
    if len(views) == 1:
        view = views[0]
        state = "overdue" if view.overdue else "due"
        return f"Status update {state}: {view.member_name or view.member_email}, {view.subject}"
    return f"{plural(len(views), 'member')} are due a status update"
