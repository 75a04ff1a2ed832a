"""Touchpoints: a member whose request is marked in progress hears from us every N business days.

The clock runs from the last touch: the moment mailbot first saw the mark, or the latest staff reply to the
member in that conversation, whichever is later. The next update is due N business days after it (office
hours, weekends and holidays of the mailbox's office). mailbot never writes to members itself: it drafts the
update (draft_model) for the person who will send it, and nudges them (touchpoint_nudge.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from mailbot.domain import MailItem, Touchpoint
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.classify import SlaRules, has_category
from mailbot.policy.messages import Message, one_line
from mailbot.policy.sla import reply_times
from mailbot.policy.templates import TemplateRenderer, date_text

if TYPE_CHECKING:  # type only: policy stays importable without the config layer
    from mailbot.config.loader import Settings

__all__ = [
    "DraftModel",
    "TouchpointRules",
    "draft_context",
    "draft_model",
    "draft_subject",
    "latest_touch",
    "reminder_day",
    "render_draft",
    "touches",
    "update_due",
]

_REPLY_PREFIX = ("re:", "aw:", "sv:", "antw:")


@dataclass(frozen=True)
class TouchpointRules:
    """The touchpoint rule of one organisation: the category owners set and how often members hear from us."""

    category: str = "In progress"
    every_business_days: int = 1

    def __post_init__(self) -> None:
        if self.every_business_days < 1:
            raise ValueError(f"Updates are due every 1 or more business days, not {self.every_business_days}.")

    @classmethod
    def from_settings(cls, settings: Settings) -> TouchpointRules:
        rule = settings.policy.touchpoint
        return cls(rule.category, rule.every_business_days)

    def marked(self, categories: Iterable[str]) -> bool:
        """Whether an owner marked the message in progress (in any case, as Outlook users type it)."""
        return has_category(categories, self.category)


def update_due(last_touch: datetime, calendar: BusinessCalendar, rules: TouchpointRules) -> datetime:
    """When the member is due their next update: N business days after the last touch, at the same wall time."""
    return calendar.add_business_days(last_touch, rules.every_business_days)


def reminder_day(due: datetime, now: datetime, calendar: BusinessCalendar) -> date | None:
    """The business day of the latest repeated reminder of an update due at `due`, by `now`; None while the
    first reminder (from `due` on) is the latest. An update that stays overdue is reminded again once per business
    day, each from the same time of day as it fell due (so after a break only the latest reminder is owed)."""
    if now < due:
        return None
    days = calendar.business_days_between(due.astimezone(calendar.tz).date(), now.astimezone(calendar.tz).date())
    while days and calendar.add_business_days(due, days) > now:
        days -= 1
    return calendar.add_business_days(due, days).astimezone(calendar.tz).date() if days else None


def latest_touch(touchpoint: Touchpoint, replies: Sequence[MailItem], sla: SlaRules) -> datetime | None:
    """The latest staff reply to the member in the touchpoint's conversation, if later than its last touch.

    A reply counts as for the SLA: from staff, addressed to the member, written by a person, in the thread.
    """
    later = touches(touchpoint, replies, sla)
    return later[-1] if later else None


def touches(touchpoint: Touchpoint, replies: Sequence[MailItem], sla: SlaRules) -> list[datetime]:
    """The staff replies to the member in the touchpoint's conversation later than its last touch, earliest first:
    the first is the update that was due, the last restarts the clock."""
    return sorted((at for at in reply_times(touchpoint, replies, sla) if _utc(at) > _utc(touchpoint.last_touch_at)),
                  key=_utc)  # fmt: skip


def draft_subject(subject: str) -> str:
    """'Re: <subject>' for the member's thread; a subject that already says Re: (or Aw:, Sv:) keeps it."""
    line = one_line(subject)
    if line.lower().startswith(_REPLY_PREFIX):
        return line
    return f"Re: {line}" if line else "Re: your request"


@dataclass(frozen=True)
class DraftModel:
    """The status update draft as finished text; asdict(model) is the touchpoint_draft templates' context."""

    subject: str
    member: dict[str, str]  # name ("" when the member gave none), email
    request: dict[str, str]  # subject, received_text: Monday, November 23
    last_update_text: str  # Tuesday, November 24
    next_update_text: str  # Thursday, November 26: by when the member hears again if this goes today
    signature: dict[str, Any]  # name, phone (may be empty)
    organisation: dict[str, Any]  # name, main_number (may be empty)
    survey: dict[str, Any] | None = None  # "How did we do?" and its five links (satisfaction.SurveyLine), if asked


def draft_model(
    touchpoint: Touchpoint,
    signature: tuple[str, str | None],
    now: datetime,
    calendar: BusinessCalendar,
    rules: TouchpointRules,
    organisation: tuple[str, str | None],
    reply_subject: str = "",
) -> DraftModel:
    """The update `signature` (name, phone) would send today, in reply to a message titled `reply_subject`
    (default: the request's own subject); dates in the mailbox office's zone."""
    zone = calendar.tz
    name, phone = signature
    return DraftModel(
        subject=draft_subject(reply_subject or touchpoint.subject),
        member={"name": one_line(touchpoint.sender_name), "email": one_line(touchpoint.sender)},
        request={
            "subject": one_line(touchpoint.subject) or "your request",
            "received_text": date_text(touchpoint.received_at.astimezone(zone)),
        },
        last_update_text=date_text(touchpoint.last_touch_at.astimezone(zone)),
        next_update_text=date_text(update_due(now, calendar, rules).astimezone(zone)),
        signature={"name": one_line(name), "phone": phone},
        organisation={"name": organisation[0], "main_number": organisation[1]},
    )


def draft_context(model: DraftModel) -> dict[str, Any]:
    """The touchpoint_draft templates' context: the model as plain dicts."""
    return asdict(model)


def render_draft(model: DraftModel, renderer: TemplateRenderer) -> Message:
    """The draft update from touchpoint_draft.html.j2 and touchpoint_draft.txt.j2."""
    rendered = renderer.render("touchpoint_draft", draft_context(model))
    return Message(model.subject, rendered.html, rendered.text)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
