"""Making messages look like Exchange's: transport headers, bodies, reports and automatic replies (ids: ids.py)."""

from __future__ import annotations

import html
import re
from datetime import datetime
from email.utils import format_datetime

from mailbot.sandbox import ids
from mailbot.sandbox.records import Address, Mailbox, MailFolder, StoredMessage

_MAILER_DAEMON = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"  # the system sender of Exchange's NDRs
_SUPPRESS_BITS = {"dr": 0x01, "ndr": 0x02, "rn": 0x04, "nrn": 0x08, "oof": 0x10, "autoreply": 0x20}


def html_to_text(markup: str) -> str:
    """A plain-text rendering good enough for TextBody: paragraphs and breaks become newlines."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()


def transport_headers(
    *,
    message_id: str,
    author: Address,
    to: tuple[Address, ...],
    cc: tuple[Address, ...],
    subject: str,
    sent_at: datetime,
    received_at: datetime,
    has_html: bool,
    in_reply_to: str | None,
    references: tuple[str, ...],
    internal: bool,
    extra: tuple[tuple[str, str], ...] = (),
) -> tuple[tuple[str, str], ...]:
    """The headers a mailbox shows for a delivered message, in the order Exchange lists them."""
    relay = "mail.example.org" if internal else "mx.sandbox.invalid"
    headers: list[tuple[str, str]] = [
        ("Received", f"from {relay} by exchange.sandbox.invalid with SMTP; {format_datetime(received_at)}"),
        ("From", str(author)),
        ("To", ", ".join(str(a) for a in to)),
    ]
    if cc:
        headers.append(("CC", ", ".join(str(a) for a in cc)))
    headers += [("Subject", subject), ("Date", format_datetime(sent_at))]
    if message_id:
        headers.append(("Message-ID", message_id))
    if in_reply_to:
        headers.append(("In-Reply-To", in_reply_to))
    if references:
        headers.append(("References", " ".join(references)))
    headers += [
        ("Content-Type", "multipart/alternative" if has_html else 'text/plain; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("X-MS-Exchange-Organization-AuthAs", "Internal" if internal else "Anonymous"),
    ]
    known = {name.lower() for name, _ in headers}
    headers += [(name, value) for name, value in extra if name.lower() not in known]
    return tuple(headers)


def suppress_property(headers: tuple[tuple[str, str], ...]) -> int | None:
    """PidTagAutoResponseSuppress as Exchange sets it from a message's X-Auto-Response-Suppress header ([MS-OXCMAIL]
    2.1.3.2.20): All is -1, otherwise the bits of the words named; without the header, no property."""
    value = next((v for k, v in headers if k.lower() == "x-auto-response-suppress"), None)
    if value is None:
        return None
    words = {word for word in re.split(r"[\s,]+", value.lower()) if word}
    return -1 if "all" in words else sum(bit for word, bit in _SUPPRESS_BITS.items() if word in words)


def compose(
    *,
    mailbox: str,
    folder: MailFolder,
    author: Address,
    to: tuple[Address, ...],
    cc: tuple[Address, ...],
    subject: str,
    text: str,
    markup: str | None,
    at: datetime,
    message_id: str,
    conversation_id: str,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    item_class: str = "IPM.Note",
    extra: tuple[tuple[str, str], ...] = (),
    internal: bool = True,
    item_id: str | None = None,
) -> StoredMessage:
    """A new message (sent and received at `at`) with the headers transport would add; a random item id unless
    given one, and a change key from its contents."""
    headers = transport_headers(
        message_id=message_id, author=author, to=to, cc=cc, subject=subject, sent_at=at, received_at=at,
        has_html=markup is not None, in_reply_to=in_reply_to, references=references, internal=internal,
        extra=extra,
    )  # fmt: skip
    return ids.stamped(StoredMessage(
        item_id=item_id or ids.item_id(), change_key="", mailbox=mailbox, folder=folder, message_id=message_id,
        conversation_id=conversation_id, subject=subject, sender=author, author=author, to=to, cc=cc,
        received_at=at, sent_at=at, created_at=at, modified_at=at, body_text=text, body_html=markup,
        item_class=item_class, in_reply_to=in_reply_to, references=references, headers=headers,
        auto_response_suppress=suppress_property(headers),
    ))  # fmt: skip


def non_delivery_report(
    owner: Mailbox, sent: StoredMessage, address: Address, seed: str | None = None
) -> StoredMessage:
    """What Exchange returns to the sender for an internal address without a mailbox; for seeded mail, with ids
    derived from its seed."""
    domain = address.email.rpartition("@")[2]
    daemon = Address(f"{_MAILER_DAEMON}@{domain}", "Microsoft Outlook")
    return compose(
        mailbox=owner.email, folder="inbox", author=daemon, to=(owner.address,), cc=(),
        subject=f"Undeliverable: {sent.subject}", markup=None, at=sent.sent_at,
        text=f"Your message to {address.email} couldn't be delivered. {address.email} wasn't found at {domain}.",
        message_id=ids.message_id(daemon.email, seed, "ndr", address.email), conversation_id=sent.conversation_id,
        in_reply_to=sent.message_id, references=(sent.message_id,), item_class="REPORT.IPM.Note.NDR",
        extra=(("Auto-Submitted", "auto-replied"),), item_id=ids.item_id(seed, owner.email, "ndr", address.email),
    )  # fmt: skip


def auto_reply(owner: Mailbox, delivered: StoredMessage, reply_html: str, at: datetime) -> StoredMessage:
    """The automatic reply Exchange sends (from the owner's Sent Items) to the sender of `delivered`."""
    return compose(
        mailbox=owner.email, folder="sentitems", author=owner.address, to=(delivered.author,), cc=(),
        subject=f"Automatic reply: {delivered.subject}", text=html_to_text(reply_html), markup=reply_html, at=at,
        message_id=ids.message_id(owner.email), conversation_id=delivered.conversation_id,
        in_reply_to=delivered.message_id, references=(delivered.message_id,),
        item_class="IPM.Note.Rules.OofTemplate.Microsoft", extra=(("Auto-Submitted", "auto-replied"),),
    )  # fmt: skip
