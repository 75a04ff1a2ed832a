"""Which tracked message an inbox item is: the Exchange item decides, the Message-ID header is only a hint.

A tracked message is stored under a key in its mailbox (the `message_id` column, which claims, touchpoints and
complaints name too). The Internet Message-ID is the natural key, because it stays the same when the item is moved or
the folder is read again from the start, and replies name it. But a sender controls it: a stranger can reuse a
member's Message-ID, a message can come without one, and one can be longer than the column. So:

- an item with a Message-ID of its own is keyed by it (shortened with a SHA-256 of the whole when too long);
- an item whose Message-ID is already the key of a message from another sender, in another Exchange item, gets a key
  of its own (the Message-ID and a hash of its item id): it is tracked beside the first, never over it;
- an item with no Message-ID is keyed by a hash of its item id, so two such items stay two.

The same item read again gets the same key (the rules depend only on what is already stored and the item itself).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from mailbot.domain import MailItem
from mailbot.store import StateStore

KEY_LENGTH = 998  # the tracked.message_id column, and RFC 5322's longest line
_ITEM = "item:"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fit(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    marker = "…sha256:"
    return text[: length - len(marker) - 64] + marker + _sha256(text)


def message_key(message_id: str, item_id: str) -> str:
    """The key an item is tracked under when nothing else holds it: its Message-ID, or its item's when it has none."""
    header = message_id.strip()
    return _fit(header, KEY_LENGTH) if header else _ITEM + _sha256(item_id)[:40]


def own_key(message_id: str, item_id: str) -> str:
    """The key of an item whose Message-ID another sender's message holds already."""
    suffix = f"#{_ITEM}{_sha256(item_id)[:40]}"
    return _fit(message_id.strip(), KEY_LENGTH - len(suffix)) + suffix


def identify(store: StateStore, mailbox: str, pages: list[list[MailItem]]) -> list[list[MailItem]]:
    """The pages of items read from `mailbox`'s inbox, in order, each mail item carrying the key it is tracked under
    as its message_id (earlier items of the same read count as holding their keys)."""
    wanted = {message_key(i.message_id, i.item_id) for items in pages for i in items if i.kind.is_mail}
    holders = store.key_holders(mailbox, wanted)  # key -> (item id, sender) of the message tracked under it
    return [[_keyed(item, holders) if item.kind.is_mail else item for item in items] for items in pages]


def _keyed(item: MailItem, holders: dict[str, tuple[str, str]]) -> MailItem:
    key = message_key(item.message_id, item.item_id)
    holder = holders.get(key)
    if holder is not None and _someone_else(holder, item):
        key = own_key(item.message_id, item.item_id)
    holders.setdefault(key, (item.item_id, item.sender))
    return item if key == item.message_id else replace(item, message_id=key)


def _someone_else(holder: tuple[str, str], item: MailItem) -> bool:
    """Whether the message holding a key is another one: another item, from another sender. The same sender's
    message in a new item is the same message moved back or delivered again, and keeps its key."""
    item_id, sender = holder
    return item_id != item.item_id and sender.strip().lower() != item.sender.strip().lower()
