"""A folder's items plus its numbered change log, and the opaque sync states that point into that log.

Every change keeps a snapshot of the item, so a page that stops part-way reports items as they were at the
page's end even if they were deleted later (the next page then reports the delete).

A state holds its place in the log and a digest of the log up to there (each change chained onto the digest
before it: kind, item id, change key). A sandbox started again from the same scenario rebuilds the same log, so
a state issued by an earlier instance stays valid while the history it describes is the same; one describing
another history (mail sent while the other instance ran, the scenario in another week) is refused, and the
client reads the folder again from the start instead of skipping what it never saw.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
    digests: list[str] = field(default_factory=lambda: [""])  # digests[n]: the history up to log entry n

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
        change_key = snapshot.change_key if snapshot is not None else ""
        step = "\x1f".join((self.digests[-1], kind, item_id, change_key))
        self.digests.append(hashlib.sha256(step.encode()).hexdigest()[:32])

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


def encode_state(mailbox: str, folder: str, store: FolderStore, seq: int) -> str:
    payload = {"m": mailbox, "f": folder, "s": seq, "h": store.digests[seq]}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_state(state: str, mailbox: str, folder: str, store: FolderStore) -> int:
    """The log position a state names; one issued for another folder, or for another history of this one, is
    refused."""
    try:
        payload = json.loads(base64.b64decode(state.encode(), validate=True))
        seq, digest = payload["s"], payload["h"]
        issued_for = (payload["m"], payload["f"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidSyncState("The sync state is not one this server issued.") from None
    if issued_for != (mailbox, folder):
        raise InvalidSyncState("The sync state belongs to another folder or mailbox.")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= store.seq:
        raise InvalidSyncState("The sync state points outside this folder's history.")
    if digest != store.digests[seq]:
        raise InvalidSyncState("The sync state describes another history of this folder.")
    return seq
