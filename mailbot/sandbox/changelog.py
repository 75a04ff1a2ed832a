"""A folder's items plus its numbered change log, and the opaque sync states that point into that log.

Every change keeps a snapshot of the item, so a page that stops part-way reports items as they were at the
page's end even if they were deleted later (the next page then reports the delete).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from mailbot.sandbox.records import CalendarEntry, Change, ChangeKind, InvalidSyncState, StoredMessage

Item = StoredMessage | CalendarEntry


@dataclass(frozen=True)
class _Logged:
    seq: int
    kind: ChangeKind
    item_id: str
    snapshot: Item | None


@dataclass
class _Net:
    """What one item did between the client's state and the end of the page."""

    existed_before: bool
    snapshot: Item | None = None
    deleted: bool = False
    only_read_flag: bool = True


@dataclass
class FolderStore:
    """The items of one folder and how they came to be; not thread-safe (the Organisation holds the lock)."""

    folder_id: str
    name: str
    items: dict[str, Item] = field(default_factory=dict)
    log: list[_Logged] = field(default_factory=list)

    @property
    def seq(self) -> int:
        return len(self.log)

    def add(self, item: Item) -> None:
        self.items[item.item_id] = item
        self._record("create", item.item_id, item)

    def replace(self, item: Item, kind: ChangeKind = "update") -> None:
        self.items[item.item_id] = item
        self._record(kind, item.item_id, item)

    def remove(self, item_id: str) -> Item:
        item = self.items.pop(item_id)
        self._record("delete", item_id, None)
        return item

    def _record(self, kind: ChangeKind, item_id: str, snapshot: Item | None) -> None:
        self.log.append(_Logged(self.seq + 1, kind, item_id, snapshot))

    def changes_since(self, seq: int, max_changes: int) -> tuple[list[Change], int, bool]:
        """Net changes after `seq` touching at most `max_changes` items; returns (changes, new seq, was that all)."""
        touched: dict[str, _Net] = {}
        last_seq = seq
        for logged in self.log[seq:]:
            net = touched.get(logged.item_id)
            if net is None:
                if len(touched) >= max_changes:
                    return _net_changes(touched), last_seq, False
                net = touched[logged.item_id] = _Net(existed_before=logged.kind != "create")
            net.snapshot = logged.snapshot or net.snapshot
            net.deleted = logged.kind == "delete"
            net.only_read_flag = net.only_read_flag and logged.kind == "read_flag"
            last_seq = logged.seq
        return _net_changes(touched), last_seq, True


def _net_changes(touched: dict[str, _Net]) -> list[Change]:
    changes: list[Change] = []
    for item_id, net in touched.items():
        if not net.existed_before:
            if not net.deleted:  # created and deleted within the window: the client never needs to know
                changes.append(Change("create", item_id, net.snapshot))
        elif net.deleted:
            changes.append(Change("delete", item_id))
        elif net.only_read_flag and isinstance(net.snapshot, StoredMessage):
            changes.append(Change("read_flag", item_id, net.snapshot, net.snapshot.is_read))
        else:
            changes.append(Change("update", item_id, net.snapshot))
    return changes


def encode_state(instance: str, mailbox: str, folder: str, seq: int) -> str:
    payload = {"i": instance, "m": mailbox, "f": folder, "s": seq}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_state(state: str, instance: str, mailbox: str, folder: str, current_seq: int) -> int:
    """The log position a state names; anything this instance did not issue for this folder is refused."""
    try:
        payload = json.loads(base64.b64decode(state.encode(), validate=True))
        seq = payload["s"]
        issued_for = (payload["i"], payload["m"], payload["f"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidSyncState("The sync state is not one this server issued.") from None
    if issued_for != (instance, mailbox, folder):
        raise InvalidSyncState("The sync state belongs to another folder, mailbox or server instance.")
    if not isinstance(seq, int) or not 0 <= seq <= current_seq:
        raise InvalidSyncState("The sync state points outside this folder's history.")
    return seq
