"""Complaints: which member messages a supervisor must hear about at once, and the words they get.

A message is a complaint when it carries the complaint category or its subject (or, where the backend gives
one, its opening text) has a configured keyword at the start of a word, in any case. The escalation and the
digest's complaint section show it through the same ItemView as every other open item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mailbot.domain import Person
from mailbot.policy.classify import has_category
from mailbot.policy.messages import ItemView, Message, OpenItem, item_view, one_line, person_view
from mailbot.policy.templates import TemplateRenderer, date_text, time_text

if TYPE_CHECKING:  # type only: policy stays importable without the config layer
    from mailbot.config.loader import Settings

__all__ = [
    "ESCALATED",
    "ComplaintRules",
    "ComplaintView",
    "EscalationModel",
    "build_escalation",
    "complaint_reason",
    "complaint_view",
    "escalation_context",
    "render_escalation",
]

_SUBJECT_LIMIT = 120
# How a settled complaint's outcome begins when its supervisors were e-mailed (the report counts those).
ESCALATED = "sent to "


@dataclass(frozen=True)
class ComplaintRules:
    """The complaint category and keywords of one organisation, as plain values."""

    category: str = "Complaint"
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if any(not keyword.strip() for keyword in self.keywords):
            raise ValueError("A complaint keyword must not be blank; it would match every message.")

    @classmethod
    def from_settings(cls, settings: Settings) -> ComplaintRules:
        policy = settings.policy
        return cls(policy.categories.complaint, tuple(policy.complaint.keywords))

    def keyword_in(self, text: str) -> str | None:
        """The first keyword found at the start of a word of `text`, as configured, or None."""
        for keyword in self.keywords:
            # Spaces in a phrase match any run of white space: subjects get folded and double-spaced.
            words = r"\s+".join(re.escape(word) for word in keyword.split())
            if re.search(rf"(?<!\w){words}", text, re.IGNORECASE):
                return keyword.strip()
        return None


def complaint_reason(subject: str, categories: Iterable[str], rules: ComplaintRules, preview: str = "") -> str | None:
    """Why a member message is a complaint, as a phrase ('it is marked Complaint'), or None when it is not."""
    if has_category(categories, rules.category):
        return f"it is marked {rules.category}"
    keyword = rules.keyword_in(subject)
    if keyword is not None:
        return f'the subject mentions "{keyword}"'
    keyword = rules.keyword_in(preview)
    return None if keyword is None else f'the message mentions "{keyword}"'


@dataclass(frozen=True)
class ComplaintView:
    """One complaint as the digest and the escalation show it: whose it is, why it counts, and the message."""

    owner: str  # James Okafor; for a shared mailbox its owners: James Okafor and Li Chen
    why: str  # it is marked Complaint / the subject mentions "unacceptable"
    message: ItemView


def complaint_view(item: OpenItem, owners: Iterable[Person], why: str, now: datetime, tz: ZoneInfo) -> ComplaintView:
    """The complaint `item`, received by `owners`, worded as seen at `now` in the office zone `tz`."""
    names = [one_line(person.name) for person in owners]
    owner = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    own = f"{names[0].split()[0]}'s mailbox" if len(names) == 1 else "their mailbox"
    return ComplaintView(owner, one_line(why), item_view(item, now.astimezone(tz).date(), tz, own))


@dataclass(frozen=True)
class EscalationModel:
    """The escalation to one supervisor as finished text; asdict(model) is the template context."""

    subject: str
    supervisor: dict[str, Any]
    organisation: dict[str, str]
    now_text: str  # Monday, November 23 at 9:05 am
    complaint: ComplaintView


def build_escalation(
    supervisor: Person, complaint: ComplaintView, now: datetime, tz: ZoneInfo, organisation_name: str
) -> EscalationModel:
    """The message telling `supervisor` about `complaint` at `now`."""
    local = now.astimezone(tz)
    message = complaint.message
    return EscalationModel(
        subject=f"Complaint from {message.sender_name or message.sender_email}: "
        f"{one_line(message.subject, _SUBJECT_LIMIT)}",
        supervisor=person_view(supervisor),
        organisation={"name": organisation_name},
        now_text=f"{date_text(local)} at {time_text(local)}",
        complaint=complaint,
    )


def escalation_context(model: EscalationModel) -> dict[str, Any]:
    """The complaint_escalation templates' context: the model as plain dicts."""
    return asdict(model)


def render_escalation(model: EscalationModel, renderer: TemplateRenderer) -> Message:
    """The escalation from complaint_escalation.html.j2 and complaint_escalation.txt.j2."""
    rendered = renderer.render("complaint_escalation", escalation_context(model))
    return Message(model.subject, rendered.html, rendered.text)
