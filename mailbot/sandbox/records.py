"""The sandbox organisation's values: frozen snapshots, so a front end can read them without holding the lock.

Nothing here knows a wire protocol; the EWS and Graph front ends translate these into their own shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Literal

from mailbot.sandbox.item_types import ItemType, item_type_for

MailFolder = Literal["inbox", "sentitems", "drafts", "deleteditems"]
FolderName = Literal["inbox", "sentitems", "drafts", "deleteditems", "calendar"]
MAIL_FOLDERS: tuple[MailFolder, ...] = ("inbox", "sentitems", "drafts", "deleteditems")
FOLDERS: tuple[FolderName, ...] = (*MAIL_FOLDERS, "calendar")
ShowAs = Literal["free", "tentative", "busy", "oof", "working_elsewhere"]
SHOW_AS: tuple[ShowAs, ...] = ("free", "tentative", "busy", "oof", "working_elsewhere")
OofState = Literal["disabled", "enabled", "scheduled"]
Audience = Literal["none", "known", "all"]
ChangeKind = Literal["create", "update", "read_flag", "delete"]
# The resources an app-only token can be issued for (its audience), as the token endpoint canonicalises them.
EXCHANGE_RESOURCE = "https://outlook.office365.com"
GRAPH_RESOURCE = "https://graph.microsoft.com"


class SandboxError(Exception):
    """Something a real Exchange would refuse; front ends map each subclass to their protocol's error code."""


class UnknownMailbox(SandboxError, KeyError):
    """No mailbox has this address (a KeyError, so `org.mailbox(x)` behaves like a mapping)."""

    def __str__(self) -> str:
        return f"No mailbox {self.args[0]!r} in the sandbox organisation."


class ItemNotFound(SandboxError, KeyError):
    """The item id is not (or no longer) in the mailbox."""

    def __str__(self) -> str:
        return f"No item {self.args[0]!r} in the mailbox."


class InvalidSyncState(SandboxError, ValueError):
    """A sync state that this folder of this organisation instance did not issue."""


class InvalidOofDuration(SandboxError, ValueError):
    """A scheduled automatic reply whose times Exchange refuses (start not before end, or end already past)."""


@dataclass(frozen=True)
class Address:
    """A person or system as mail names them: address plus display name."""

    email: str
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> Address:
        """'Pat Member <pat@gmail.example>' or a bare address."""
        name, email = parseaddr(text)
        return cls(email=email or text.strip(), name=name)

    def __str__(self) -> str:
        return formataddr((self.name, self.email)) if self.name else self.email


@dataclass(frozen=True)
class Mailbox:
    """Who a mailbox belongs to; its contents live inside the Organisation."""

    email: str
    name: str
    kind: Literal["user", "shared"] = "user"
    timezone: str = "UTC"
    upn: str = ""  # its user's principal name in the directory, where that is not the address

    @property
    def address(self) -> Address:
        return Address(self.email, self.name)

    @property
    def principal_name(self) -> str:
        """The user principal name (UPN) its user logs on with: in most tenants the address, but not in all."""
        return self.upn or self.email


@dataclass(frozen=True)
class StoredAttachment:
    """A file attached to a message, kept as sent; inline ones are images its HTML shows by cid:<content_id>."""

    name: str
    content_type: str
    content: bytes = field(repr=False)
    content_id: str | None = None
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class StoredMessage:
    """One message in one folder of one mailbox (each recipient's copy is its own item, as in Exchange)."""

    item_id: str
    change_key: str
    mailbox: str
    folder: MailFolder
    message_id: str
    conversation_id: str
    subject: str
    sender: Address
    author: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    received_at: datetime
    sent_at: datetime
    created_at: datetime
    modified_at: datetime
    body_text: str
    body_html: str | None = None
    categories: tuple[str, ...] = ()
    is_read: bool = False
    item_class: str = "IPM.Note"
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    is_draft: bool = False
    importance: Literal["Low", "Normal", "High"] = "Normal"
    auto_response_suppress: int | None = None  # PidTagAutoResponseSuppress (mailgen.suppress_property)
    attachments: tuple[StoredAttachment, ...] = ()

    @property
    def size(self) -> int:
        body = len(self.body_text.encode()) + len((self.body_html or "").encode()) + 512
        return body + sum(a.size for a in self.attachments)

    @property
    def has_attachments(self) -> bool:
        """What Exchange reports as HasAttachments (Graph: hasAttachments): attachments a reader sees as files;
        inline images the body shows do not count."""
        return any(not a.is_inline for a in self.attachments)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def item_type(self) -> ItemType:
        """The type of item Exchange makes of it by its class: Message, MeetingRequest, PostItem, Item ..."""
        return item_type_for(self.item_class)

    @property
    def meeting_span(self) -> tuple[datetime, datetime]:
        """When the meeting a meeting message is about takes place: the hour a day after it arrived, an hour long."""
        start = (self.received_at + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEntry:
    """A single event or a recurring series; all-day events start and end at midnight in `timezone`."""

    item_id: str
    change_key: str
    mailbox: str
    uid: str
    subject: str
    start: datetime
    end: datetime
    timezone: str
    created_at: datetime
    modified_at: datetime
    all_day: bool = False
    show_as: ShowAs = "busy"
    categories: tuple[str, ...] = ()
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    cancelled: bool = False
    location: str = ""
    body_text: str = ""

    @property
    def is_recurring(self) -> bool:
        return self.rrule is not None


@dataclass(frozen=True)
class Occurrence:
    """One appearance of an entry in a calendar view; a single event has exactly one."""

    entry: CalendarEntry
    item_id: str
    start: datetime
    end: datetime
    kind: Literal["single", "occurrence"]

    @property
    def original_start(self) -> datetime:
        return self.start


@dataclass(frozen=True)
class OofConfig:
    """Automatic replies; `start`/`end` matter only when scheduled."""

    state: OofState = "disabled"
    external_audience: Audience = "all"
    start: datetime | None = None
    end: datetime | None = None
    internal_reply: str = ""
    external_reply: str = ""


@dataclass(frozen=True)
class Change:
    """One entry of a sync answer: the item as it is now (None for a delete)."""

    kind: ChangeKind
    item_id: str
    item: StoredMessage | CalendarEntry | None = None
    is_read: bool = False


@dataclass(frozen=True)
class SyncResult:
    """At most `max_changes` changes in log order, the state to continue from, and whether that was all."""

    changes: tuple[Change, ...]
    new_state: str
    includes_last: bool

    @property
    def creates(self) -> list[StoredMessage | CalendarEntry]:
        return [c.item for c in self.changes if c.kind == "create" and c.item is not None]

    @property
    def updates(self) -> list[StoredMessage | CalendarEntry]:
        return [c.item for c in self.changes if c.kind == "update" and c.item is not None]

    @property
    def deletes(self) -> list[str]:
        return [c.item_id for c in self.changes if c.kind == "delete"]


@dataclass(frozen=True)
class OutboxEntry:
    """A message that left the organisation: the sender's copy and the outside addresses it went to."""

    message: StoredMessage
    recipients: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BearerToken:
    """An issued access token: who it acts as, until when (sandbox clock) and for which resource.

    `audience` None means any resource: tokens made directly with `org.issue_token()` are a test convenience.
    """

    principal: str
    expires: datetime
    audience: str | None = None

    def valid_at(self, now: datetime) -> bool:
        return now < self.expires

    def accepted_by(self, resource: str) -> bool:
        return self.audience is None or self.audience == resource


@dataclass(frozen=True)
class StatusMessage:
    """A Teams/Outlook status message; `expires` None means it stays until replaced."""

    text: str
    published: datetime
    expires: datetime | None = None

    def shown_at(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires
