"""The nouns of mailbot: small frozen values, every datetime timezone-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEPARTED = "departed"


class MessageKind(StrEnum):
    """Which response rule applies: e-mail (business days) or a phone message (same workday)."""

    EMAIL = "email"
    VOICEMAIL = "voicemail"


class ItemKind(StrEnum):
    """What sort of item a mail folder holds, as the server types it: mail, or something else entirely."""

    MESSAGE = "message"  # e-mail, delivery reports (NDRs, receipts) included
    MEETING = "meeting"  # a meeting request, response, cancellation or forward notification
    SHARING = "sharing"  # an invitation to share a calendar or folder
    POST = "post"  # a post (IPM.Post): written into the folder, not mailed
    OTHER = "other"  # not mail: a generic item, or a contact, task or appointment someone moved in

    @property
    def is_mail(self) -> bool:
        """Something with a sender and recipients the response rules can judge."""
        return self is not ItemKind.OTHER


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
    deputy: str | None = None  # a supervisor's: who gets their digest while they are away

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
    folder: str = "inbox"
    sender_name: str = ""
    sent_at: datetime | None = None
    kind: ItemKind = ItemKind.MESSAGE
    preview: str = ""  # the opening of the body as text, as the server keeps it (Graph: 255 characters, EWS: 256)
    auto_response_suppress: int | None = None  # PidTagAutoResponseSuppress, Exchange's copy of X-Auto-Response-Suppress
    web_link: str = ""  # the message in Outlook on the web: Graph's webLink, EWS's WebClientReadFormQueryString


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
    item_id: str = ""
    sender_name: str = ""
    resolution: str = ""  # how it stopped being open: reply, done, no_reply_needed, removed
    web_link: str = ""  # the message in Outlook on the web, as synced (MailItem.web_link); "" in rows synced before


@dataclass(frozen=True)
class Touchpoint:
    """A member request the owner marked in progress: the member hears from us every few business days.

    It outlives the first answer: each reply to the member is a touch that restarts the clock, until the
    request is marked Done, unmarked, or leaves the inbox.
    """

    mailbox: str
    message_id: str  # the member message marked in progress
    conversation_id: str
    owner_id: str
    sender: str  # the member
    subject: str
    received_at: datetime
    started_at: datetime  # when mailbot first saw the mark
    last_touch_at: datetime  # the mark, or the latest reply to the member since, whichever is later
    item_id: str = ""
    sender_name: str = ""
    ended_at: datetime | None = None
    end_reason: str = ""  # done, unmarked, removed


@dataclass(frozen=True)
class TrackingStart:
    """Where tracking begins: mail received earlier is never tracked (the go-live horizon).

    `first_run_at` is the moment of the first sync (for a database from before horizons existed: the start of
    its own history); `since` is the `tracking.since` date in force, None for "first run".
    """

    first_run_at: datetime
    since: date | None = None


class ShowAs(StrEnum):
    """How a calendar event shows the person's time (Exchange's LegacyFreeBusyStatus)."""

    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"
    WORKING_ELSEWHERE = "working_elsewhere"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class CalendarEvent:
    """One event or one occurrence of a recurring series, as seen in a calendar window."""

    item_id: str
    subject: str
    start: datetime
    end: datetime
    all_day: bool
    show_as: ShowAs
    categories: tuple[str, ...] = ()
    recurring: bool = False
    cancelled: bool = False


class OofState(StrEnum):
    DISABLED = "disabled"
    ENABLED = "enabled"
    SCHEDULED = "scheduled"


class ExternalAudience(StrEnum):
    NONE = "none"
    KNOWN = "known"
    ALL = "all"


@dataclass(frozen=True)
class OofSettings:
    """A mailbox's automatic replies. start/end matter only when scheduled."""

    state: OofState
    internal_reply: str = ""
    external_reply: str = ""
    external_audience: ExternalAudience = ExternalAudience.ALL
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML body shows in place (<img src="cid:{content_id}">), sent as an inline attachment, which
    Outlook shows where remote images are blocked."""

    content_id: str  # without angle brackets, as the cid: URL names it
    name: str  # the file name a client offers when saving it: on-time.png
    content_type: str  # image/png
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message mailbot sends or drafts; always both HTML and plain text, and the images the HTML shows inline."""

    to: tuple[str, ...]
    subject: str
    html: str
    text: str
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    inline: tuple[InlineImage, ...] = ()


@dataclass(frozen=True)
class SyncBatch:
    """One round of incremental folder sync: what changed, and the state to resume from."""

    items: tuple[MailItem, ...]
    deleted: tuple[str, ...]
    state: str
    more: bool
