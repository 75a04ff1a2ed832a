"""The identities Exchange gives things: item ids, change keys, Message-IDs, conversation, folder and calendar ids.

What a scenario seeds is minted from a *seed* (its mailbox, list and what the entry says, see `Seeds`), so a sandbox
started again from the same scenario holds the same items under the same ids and looks to a client like the same
Exchange, restarted. What happens while it runs (mail sent or delivered through the admin API, drafts, moves) gets
random ids from a space seeded ones never use: a marker byte for item ids, a longer local part for Message-IDs.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from base64 import b64decode, b64encode
from collections import Counter
from dataclasses import replace
from typing import TypeVar

from mailbot.sandbox.records import CalendarEntry, StoredMessage

# Real EWS ids are base64 of a binary store id; these prefixes make ours start the same way ("AAMkA", "AAQkA").
_ITEM_PREFIX = b"\x00\x03\x24\x00"
_CONVERSATION_PREFIX = b"\x00\x04\x24\x00\x10\x00"
_FOLDER_PREFIX = b"\x00\x2e\x00\x00"
_ATTACHMENT_PREFIX = b"\x00\x05\x24\x00"
_CHANGE_KEY_PREFIX = b"\x09\x00\x00\x00\x16\x00\x00\x00"
_RANDOM, _SEEDED = b"\x00", b"\x01"  # after the item prefix: which space an item id comes from
_ITEM_BYTES = 27
Item = TypeVar("Item", StoredMessage, CalendarEntry)


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def item_id(seed: str | None = None, *where: str) -> str:
    """A new item's id: random, or for a seeded item derived from its seed and where its copy lies (mailbox,
    folder), since one message delivered to several mailboxes is one item in each."""
    body = _RANDOM + os.urandom(_ITEM_BYTES) if seed is None else _SEEDED + _digest(seed, *where)[:_ITEM_BYTES]
    return b64encode(_ITEM_PREFIX + body).decode()


def attachment_id(item: str, number: int) -> str:
    """The id of an item's `number`th attachment: the attachment's place and the item's store id, as Exchange
    derives it, so it is as stable as the item's id."""
    return b64encode(_ATTACHMENT_PREFIX + bytes([number]) + b64decode(item)).decode()


def attachment_of(attachment: str) -> tuple[str, int] | None:
    """(item id, number) an attachment id names, or None for an id that is not one of ours."""
    try:
        raw = b64decode(attachment, validate=True)
    except ValueError:
        return None
    if not raw.startswith(_ATTACHMENT_PREFIX) or len(raw) <= len(_ATTACHMENT_PREFIX) + 1:
        return None
    return b64encode(raw[len(_ATTACHMENT_PREFIX) + 1 :]).decode(), raw[len(_ATTACHMENT_PREFIX)]


def message_id(address: str, seed: str | None = None, *what: str) -> str:
    """An Internet Message-ID in the sender's domain: 32 random hex digits, or 40 derived from a seed."""
    domain = address.rpartition("@")[2] or "sandbox.invalid"
    local = uuid.uuid4().hex if seed is None else _digest(seed, "message-id", *what).hex()[:40]
    return f"<{local}@{domain}>"


def conversation_id(root_message_id: str) -> str:
    """The conversation a thread's first message starts, named after it (as Exchange derives it from that
    message's thread index), so it is as stable as that Message-ID."""
    return b64encode(_CONVERSATION_PREFIX + _digest("conversation", root_message_id)[:16]).decode()


def folder_id(mailbox: str, folder: str) -> str:
    """A folder's id: the same for the same mailbox and folder however often the sandbox is started, as a
    restarted Exchange keeps its folders."""
    return b64encode(_FOLDER_PREFIX + _digest("folder", mailbox.lower(), folder)).decode()


def calendar_uid(entry_id: str) -> str:
    """The iCalendar UID of a calendar entry (its meeting's global id), in the hex Exchange writes it in."""
    return _digest("uid", entry_id).hex()[:40].upper()


def new_change_key() -> str:
    """A change key for an item just changed: Exchange issues a new one at every save."""
    return b64encode(_CHANGE_KEY_PREFIX + os.urandom(12)).decode()


def stamped(item: Item) -> Item:
    """The item with a change key derived from everything it holds: a new item's first version, the same for
    the same item however often the scenario is loaded."""
    content = repr(replace(item, change_key=""))  # frozen dataclasses of str, datetime, tuples: a stable text
    return replace(item, change_key=b64encode(_CHANGE_KEY_PREFIX + _digest(content)[:12]).decode())


class Seeds:
    """Seeds for a scenario's entries, from what identifies each: the same entry gets the same seed in every load.

    Entries alike in all that are numbered in order, so two identical messages stay two; editing or inserting
    one entry leaves the others' seeds alone.
    """

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, *identity: object) -> str:
        text = json.dumps(identity, sort_keys=True, default=str, ensure_ascii=False)
        number = self._seen[text]
        self._seen[text] += 1
        return _digest(text, str(number)).hex()
