"""Mail moving through the organisation: outside mail arriving, mailboxes sending, drafts, automatic replies.

A mixin of Organisation, which owns the state used here and the lock every public method takes.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import itemgetter
from threading import RLock
from typing import Any

from mailbot.clock import Clock
from mailbot.sandbox import events as cal
from mailbot.sandbox import ids, mailgen
from mailbot.sandbox.changelog import FolderStore
from mailbot.sandbox.item_types import item_class_for
from mailbot.sandbox.records import (
    Address,
    FolderName,
    Mailbox,
    MailFolder,
    OofConfig,
    OutboxEntry,
    StatusMessage,
    StoredAttachment,
    StoredMessage,
)

Recipients = Iterable[str | Address]


@dataclass
class MailboxState:
    """A mailbox's mutable contents; only touched under the Organisation's lock."""

    info: Mailbox
    folders: dict[FolderName, FolderStore]
    oof: OofConfig = field(default_factory=OofConfig)
    oof_replied: set[str] = field(default_factory=set)  # Exchange answers each sender once per OOF period
    status: StatusMessage | None = None  # the presence status message, as Teams shows it


class MailFlow:
    """Sending and receiving; relies on Organisation for the lock, the clock and the mailbox stores."""

    lock: RLock
    clock: Clock
    _mailboxes: dict[str, MailboxState]
    _conversations: dict[str, str]  # Message-ID -> ConversationId, organisation-wide
    _outbox: list[OutboxEntry]
    _due: list[tuple[datetime, Callable[[], object]]]  # what happens when the clock gets there, soonest first

    def schedule(self, at: datetime, action: Callable[[], object]) -> None:
        """Run `action` (mail arriving, say) now if the clock has reached `at`, else as soon as a mailbox is looked at
        once it has: a scenario's mail dated later than the clock is not in a mailbox before its time."""
        with self.lock:
            insort(self._due, (at, action), key=itemgetter(0))  # after any due at the same time: they stay in order
            self._run_due()

    def _run_due(self) -> None:
        """Run, in order, whatever is due by now. Taken off the list first, so the mailbox look-ups they make do not
        run them again."""
        if not self._due:
            return
        now, due = self.clock.now(), []
        while self._due and self._due[0][0] <= now:
            due.append(self._due.pop(0)[1])
        for action in due:
            action()

    def _state(self, email: str) -> MailboxState:
        raise NotImplementedError

    def _store(self, message: StoredMessage) -> StoredMessage:
        raise NotImplementedError

    def is_internal(self, email: str) -> bool:
        raise NotImplementedError

    def deliver_external(
        self,
        to: Recipients,
        sender: str | Address,
        subject: str,
        body_text: str,
        *,
        sender_name: str = "",
        body_html: str | None = None,
        received_at: datetime | None = None,
        headers: dict[str, str] | Iterable[tuple[str, str]] = (),
        message_class: str | None = None,
        item_type: str | None = None,
        in_reply_to: str | None = None,
        references: Iterable[str] = (),
        categories: Iterable[str] = (),
        message_id: str | None = None,
        cc: Recipients = (),
        is_read: bool = False,
        seed: str | None = None,
    ) -> list[StoredMessage]:
        """Mail from outside arriving in the Inbox of each internal recipient (To and Cc) that has a mailbox, once.

        `item_type` and/or `message_class` make it another kind of item (a meeting request, a post ...). A `seed`
        (a scenario's entry) derives its ids, else they are random (ids.py)."""
        item_class = item_class_for(item_type, message_class)
        author = sender if isinstance(sender, Address) else Address.parse(sender)
        author = replace(author, name=sender_name or author.name)
        to_list, cc_list = _addresses(to), _addresses(cc)
        with self.lock:
            template = self._compose(
                mailbox="", folder="inbox", author=author, to=to_list, cc=cc_list, subject=subject, text=body_text,
                markup=body_html, at=received_at or self.clock.now(),
                # "" is mail that came without a Message-ID (Exchange then shows none)
                message_id=ids.message_id(author.email, seed) if message_id is None else message_id,
                in_reply_to=in_reply_to,
                references=tuple(references), item_class=item_class, internal=False,
                extra=tuple(headers.items()) if isinstance(headers, dict) else tuple(headers),
            )  # fmt: skip
            template = replace(template, categories=tuple(categories), is_read=is_read)
            delivered = [
                self._store(replace(template, mailbox=key, item_id=ids.item_id(seed, key, "inbox")))
                for key in _each_once((*to_list, *cc_list))
                if key in self._mailboxes
            ]
            for copy in delivered:
                self._auto_reply(copy)
            return delivered

    def send(
        self,
        sender_mailbox: str,
        to: Recipients,
        subject: str,
        body_html: str | None,
        body_text: str = "",
        *,
        cc: Recipients = (),
        bcc: Recipients = (),
        in_reply_to: str | None = None,
        references: Iterable[str] = (),
        save_copy: bool = True,
        at: datetime | None = None,
        categories: Iterable[str] = (),
        message_id: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        message_class: str | None = None,
        item_type: str | None = None,
        seed: str | None = None,
        attachments: Iterable[StoredAttachment] = (),
    ) -> StoredMessage:
        """Send as a mailbox: a copy in its Sent Items, internal recipients' Inboxes, the rest to the outbox.

        `headers` are extra Internet headers (Graph lets clients add their own X- headers); `item_type` and/or
        `message_class` send another kind of item (a meeting request, a sharing invitation ...); a `seed` (a
        scenario's entry) derives its ids, else they are random (ids.py)."""
        item_class = item_class_for(item_type, message_class)
        with self.lock:
            owner = self._state(sender_mailbox).info
            to_list, cc_list, bcc_list = _addresses(to), _addresses(cc), _addresses(bcc)
            sent = self._compose(
                mailbox=owner.email, folder="sentitems", author=owner.address, to=to_list, cc=cc_list,
                subject=subject, text=body_text or mailgen.html_to_text(body_html or ""), markup=body_html,
                at=at or self.clock.now(), message_id=message_id or ids.message_id(owner.email, seed),
                in_reply_to=in_reply_to, references=tuple(references), extra=tuple(headers), item_class=item_class,
                item_id=ids.item_id(seed, owner.email, "sentitems"),
            )  # fmt: skip
            sent = ids.stamped(
                replace(sent, is_read=True, categories=tuple(categories), attachments=tuple(attachments))
            )  # every copy keeps the attachments
            if save_copy:
                self._store(sent)
            outside: list[str] = []
            for key, address in _each_once((*to_list, *cc_list, *bcc_list)).items():
                if key in self._mailboxes:
                    self._store(replace(sent, mailbox=key, folder="inbox", item_id=ids.item_id(seed, key, "inbox"),
                                        is_read=False, categories=()))  # fmt: skip
                elif self.is_internal(key):
                    self._store(mailgen.non_delivery_report(owner, sent, address, seed))
                else:
                    outside.append(address.email)
            if outside:
                self._outbox.append(OutboxEntry(sent, tuple(outside)))
            return sent

    def save_draft(
        self,
        mailbox: str,
        to: Recipients,
        subject: str,
        body_html: str | None,
        body_text: str = "",
        *,
        cc: Recipients = (),
        in_reply_to: str | None = None,
        references: Iterable[str] = (),
        categories: Iterable[str] = (),
        folder: MailFolder = "drafts",
        headers: Iterable[tuple[str, str]] = (),
        attachments: Iterable[StoredAttachment] = (),
    ) -> StoredMessage:
        """A message in the mailbox's Drafts (or another folder), for a person to finish and send."""
        with self.lock:
            owner = self._state(mailbox).info
            draft = self._compose(
                mailbox=owner.email, folder=folder, author=owner.address, to=_addresses(to), cc=_addresses(cc),
                subject=subject, text=body_text or mailgen.html_to_text(body_html or ""), markup=body_html,
                at=self.clock.now(), message_id=ids.message_id(owner.email), in_reply_to=in_reply_to,
                references=tuple(references), extra=tuple(headers),
            )  # fmt: skip
            return self._store(
                replace(
                    draft, is_draft=True, is_read=True, categories=tuple(categories), attachments=tuple(attachments)
                )
            )

    def _compose(self, **fields: Any) -> StoredMessage:
        # A reply joins the thread of the first message it names that we know; anything else starts a new one.
        named = (fields.get("in_reply_to"), *reversed(fields.get("references", ())))
        known = next((self._conversations[n] for n in named if n and n in self._conversations), None)
        # A message without a Message-ID starts a thread of its own (named after a fresh id, not after "").
        root = fields["message_id"] or ids.message_id(fields["author"].email)
        return mailgen.compose(conversation_id=known or ids.conversation_id(root), **fields)

    def _auto_reply(self, delivered: StoredMessage) -> None:
        """Automatic replies to outside senders, as Exchange sends them: once per sender while OOF is on."""
        state = self._state(delivered.mailbox)
        sender = delivered.author.email.lower()
        automated = (delivered.header("Auto-Submitted") or "no").lower() != "no" or delivered.header("Precedence")
        if automated or sender in state.oof_replied or not cal.oof_active(state.oof, self.clock.now()):
            return
        if state.oof.external_audience != "all" or not state.oof.external_reply:
            return  # "known" needs the sender in the owner's contacts, which the sandbox does not model
        state.oof_replied.add(sender)
        reply = mailgen.auto_reply(state.info, delivered, state.oof.external_reply, self.clock.now())
        self._outbox.append(OutboxEntry(reply, (delivered.author.email,)))


def _addresses(recipients: Recipients) -> tuple[Address, ...]:
    return tuple(r if isinstance(r, Address) else Address.parse(r) for r in recipients)


def _each_once(addresses: Iterable[Address]) -> dict[str, Address]:
    """Recipients by lower-case address, each once however often named: transport delivers one copy per
    mailbox (and seeded copies take their ids from the mailbox, so a second copy would collide)."""
    found: dict[str, Address] = {}
    for address in addresses:
        found.setdefault(address.email.lower(), address)
    return found
