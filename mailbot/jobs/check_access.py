"""`mailbot check --connect`: on every mailbox mailbot serves, prove each right it needs by using it harmlessly.

Reads are real reads (a day of calendar, the automatic replies, the first change of Inbox and Sent Items; no sync
state is kept); the automatic replies just read are written back unchanged; a draft is saved and deleted for good;
the service mailbox sends one short message to itself. Nothing is written to the state database. A mailbox's
refusal is a finding; a failure of Exchange as a whole (unreachable, credentials refused) ends the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.config import Settings
from mailbot.domain import OofSettings, OutgoingMessage
from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError
from mailbot.exchange.base import ExchangeBackend
from mailbot.jobs.open_items import person_by_email
from mailbot.policy.access import Finding, MailboxAccess, Right, Role, needed, oof_write_unprovable

JOB = "check_access"
SUBJECT = "mailbot connection check"
_DRAFT = "mailbot checks that it may save drafts here and deletes this draft at once."
_SEND = "mailbot checks that it may send as this mailbox. Nothing needs doing: you may delete this message."


def mailboxes(settings: Settings) -> list[tuple[str, str, tuple[Role, ...]]]:
    """(name, address, roles) of every mailbox mailbot uses: the roster's people, its shared mailboxes, and the
    service mailbox it sends from (one entry per address, its roles merged)."""
    found: dict[str, tuple[str, str, tuple[Role, ...]]] = {}

    def add(name: str, email: str, role: Role) -> None:
        key = email.lower()
        name, _, roles = found.get(key, (name, key, ()))
        found[key] = (name, key, (*roles, role))

    for person in settings.people():
        add(person.name, person.email, "active" if person.active else "departed")
    for box in settings.roster.shared_mailboxes:
        add(box.name, str(box.email), "shared")
    add("mailbot", settings.service.backend.service_account, "service")
    return list(found.values())


def check_access(
    settings: Settings, backend: ExchangeBackend, now: datetime, *, dry_run: bool = False
) -> Iterator[MailboxAccess]:
    """What each mailbox allows, one mailbox at a time as it is checked (so a long roster shows progress)."""
    for name, email, roles in mailboxes(settings):
        probe = _Probe(backend, email, now, dry_run, _zone(settings, email))
        yield MailboxAccess(name, email, roles, tuple(probe.run(right) for right in needed(roles)))


def _zone(settings: Settings, mailbox: str) -> ZoneInfo:
    """The office timezone a mailbox's times are told in: its person's or shared mailbox's office, else the first."""
    person = person_by_email(settings, mailbox)
    if person is not None:
        return settings.calendar_for(person).tz
    box = next((b for b in settings.roster.shared_mailboxes if str(b.email).lower() == mailbox), None)
    return settings.calendars[box.office].tz if box is not None else settings.first_office.tz


class _Probe:
    """Tries the rights of one mailbox in Right order, so the automatic replies are read before written back."""

    def __init__(self, backend: ExchangeBackend, mailbox: str, now: datetime, dry_run: bool, tz: ZoneInfo) -> None:
        self.backend, self.mailbox, self.now, self.dry_run, self.tz = backend, mailbox, now, dry_run, tz
        self.oof: OofSettings | None = None
        self.refused_read = Finding(Right.READ_OOF, "missing", "the automatic replies could not be read")

    def run(self, right: Right) -> Finding:
        try:
            return self._try(right)
        except MailboxError as exc:
            refused = Finding(right, "missing", exc.reason, denied=isinstance(exc, MailboxAccessDenied))
            if right is Right.READ_OOF:
                self.refused_read = refused
            return refused

    def _try(self, right: Right) -> Finding:
        backend, mailbox = self.backend, self.mailbox
        if right is Right.CALENDAR:
            backend.calendar_view(mailbox, self.now, self.now + timedelta(days=1))
        elif right is Right.READ_OOF:
            self.oof = backend.get_oof(mailbox)
        elif right is Right.WRITE_OOF:
            return self._write_oof()
        elif right in (Right.INBOX, Right.SENT):
            backend.sync_folder(mailbox, "inbox" if right is Right.INBOX else "sent", None, max_changes=1)
        elif right is Right.DRAFTS:
            return self._draft()
        elif right is Right.SEND_AS:
            if self.dry_run:
                return Finding(right, "not_proven", "dry run: mailbot sends nothing")
            backend.send(mailbox, OutgoingMessage((mailbox,), SUBJECT, f"<p>{_SEND}</p>", _SEND))
        return Finding(right, "ok")

    def _write_oof(self) -> Finding:
        if self.oof is None:  # what kept mailbot from reading them keeps it from managing them
            return replace(self.refused_read, right=Right.WRITE_OOF)
        why = oof_write_unprovable(self.oof, self.now, self.tz, dry_run=self.dry_run)
        if why is not None:
            return Finding(Right.WRITE_OOF, "not_proven", why)
        self.backend.set_oof(self.mailbox, self.oof)  # the very settings just read: a change of nothing
        return Finding(Right.WRITE_OOF, "ok")

    def _draft(self) -> Finding:
        if self.dry_run:
            return Finding(Right.DRAFTS, "not_proven", "dry run: mailbot saves nothing")
        item_id = self.backend.save_draft(self.mailbox, OutgoingMessage((self.mailbox,), SUBJECT, f"<p>{_DRAFT}</p>",
                                                                        _DRAFT))  # fmt: skip
        try:
            self.backend.delete_draft(self.mailbox, item_id)
        except BackendError as exc:
            left = f'the draft "{SUBJECT}" could not be deleted again ({exc}); delete it from the Drafts by hand'
            return Finding(Right.DRAFTS, "ok", left)
        return Finding(Right.DRAFTS, "ok")
