"""Which rights mailbot needs on which mailbox, and what a connection check's findings add up to (pure).

A right is proven by doing what mailbot does with it, harmlessly: reading, writing back what was read, saving a
draft and deleting it for good, and one short message from the service mailbox to itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.domain import OofSettings, OofState
from mailbot.policy.time_words import when

Role = Literal["active", "departed", "shared", "service"]
Outcome = Literal["ok", "missing", "not_proven"]


class Right(Enum):
    """Something mailbot does in a mailbox; the value reads after "may not" / "cannot"."""

    CALENDAR = "read the calendar"
    READ_OOF = "read the automatic replies"
    WRITE_OOF = "change the automatic replies"
    INBOX = "sync the Inbox"
    SENT = "sync Sent Items"
    DRAFTS = "save drafts"
    SEND_AS = "send as this mailbox"


# What each kind of mailbox is used for: calendars and replies of the staff mailbot keeps away-aware; replies,
# not calendars, of departed staff; the mail of everyone it tracks (departed and shared too); drafts where
# status updates wait (an owner's or a shared mailbox's Drafts); sending only from the service mailbox.
NEEDED: dict[Role, tuple[Right, ...]] = {
    "active": (Right.CALENDAR, Right.READ_OOF, Right.WRITE_OOF, Right.INBOX, Right.SENT, Right.DRAFTS),
    "departed": (Right.READ_OOF, Right.WRITE_OOF, Right.INBOX, Right.SENT),
    "shared": (Right.INBOX, Right.SENT, Right.DRAFTS),
    "service": (Right.SEND_AS,),
}

# The Microsoft Graph application permission each right rests on (Exchange Online).
GRAPH_PERMISSION: dict[Right, str] = {
    Right.CALENDAR: "Calendars.Read",
    Right.READ_OOF: "MailboxSettings.ReadWrite",
    Right.WRITE_OOF: "MailboxSettings.ReadWrite",
    Right.INBOX: "Mail.ReadWrite",
    Right.SENT: "Mail.ReadWrite",
    Right.DRAFTS: "Mail.ReadWrite",
    Right.SEND_AS: "Mail.Send",
}


def needed(roles: Iterable[Role]) -> tuple[Right, ...]:
    """The rights a mailbox with these roles needs, in a stable order (a mailbox may have several roles)."""
    wanted = {right for role in roles for right in NEEDED[role]}
    return tuple(right for right in Right if right in wanted)


@dataclass(frozen=True)
class Finding:
    """What trying one right found: it works, the server refused it (`denied`: as a matter of access), or it
    could not be tried without changing something (not proven, with why)."""

    right: Right
    outcome: Outcome
    reason: str = ""
    denied: bool = False


@dataclass(frozen=True)
class MailboxAccess:
    """One mailbox from the roster (or the service mailbox) and what the check found there."""

    name: str
    email: str
    roles: tuple[Role, ...]
    findings: tuple[Finding, ...]

    @property
    def missing(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "missing"]

    @property
    def unproven(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "not_proven"]

    @property
    def usable(self) -> bool:
        """Fully usable: nothing mailbot needs was refused (a right not proven is not a refusal)."""
        return not self.missing

    @property
    def shut_out(self) -> bool:
        """Every right that was tried was refused as a matter of access: the mailbox as a whole is off limits."""
        tried = [f for f in self.findings if f.outcome != "not_proven"]
        return bool(tried) and all(f.outcome == "missing" and f.denied for f in tried)


def oof_write_unprovable(current: OofSettings, now: datetime, tz: ZoneInfo, *, dry_run: bool) -> str | None:
    """Why writing back the automatic replies just read would prove nothing or change something; None if it is
    safe. Exchange refuses a schedule that already ended, and mailbot itself never writes one. Times are told in
    the mailbox's office zone `tz`, named (the administrator may be elsewhere)."""
    if dry_run:
        return "dry run: mailbot changes nothing in Exchange"
    if current.state is OofState.SCHEDULED and current.end is not None and current.end <= now:
        ended = when(current.end.astimezone(tz))
        return f"the scheduled reply ended {ended}, and Exchange refuses to save a schedule that is over"
    return None
