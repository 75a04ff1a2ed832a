"""The nouns of mailbot: small frozen values, every datetime timezone-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEPARTED = "departed"


class MessageKind(StrEnum):
    """Which response rule applies: e-mail (business days) or a phone message (same workday)."""

    EMAIL = "email"
    VOICEMAIL = "voicemail"


class TrackState(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ANSWERED = "answered"


@dataclass(frozen=True)
class Person:
    """A staff member from the roster."""

    id: str
    name: str
    email: str
    team: str
    office: str
    timezone: str
    supervisor: str | None = None
    backup: str | None = None
    status: PersonStatus = PersonStatus.ACTIVE
    successor: str | None = None
    phone: str | None = None

    @property
    def active(self) -> bool:
        return self.status is PersonStatus.ACTIVE


@dataclass(frozen=True)
class Absence:
    """A stretch of time a person is away, from their calendar."""

    person_id: str
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class MailItem:
    """One message as the backend reports it, reduced to what the policy needs."""

    mailbox: str
    item_id: str
    message_id: str
    conversation_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    received_at: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()
    message_class: str = "IPM.Note"


@dataclass(frozen=True)
class Deadline:
    """When a tracked message is due, and when it starts to count as due soon."""

    due_at: datetime
    due_soon_at: datetime


@dataclass(frozen=True)
class Tracked:
    """A member message mailbot watches until it is answered."""

    mailbox: str
    message_id: str
    conversation_id: str
    owner_id: str
    sender: str
    subject: str
    kind: MessageKind
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None = None
    categories: tuple[str, ...] = field(default=())
