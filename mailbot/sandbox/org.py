"""The sandbox organisation: mailboxes, their folders, calendars and automatic replies, in memory.

Protocol-neutral on purpose: the EWS and Graph front ends read and change this one model. One re-entrant lock
guards everything; every value handed out is a frozen snapshot.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from threading import RLock
from typing import Literal

from mailbot.clock import Clock
from mailbot.sandbox import events as cal
from mailbot.sandbox import ids
from mailbot.sandbox.apps import AppRegistration, AppRegistry
from mailbot.sandbox.changelog import FolderStore, decode_state, encode_state
from mailbot.sandbox.mailflow import MailboxState, MailFlow
from mailbot.sandbox.records import (
    FOLDERS,
    BearerToken,
    CalendarEntry,
    FolderName,
    ItemNotFound,
    Mailbox,
    MailFolder,
    Occurrence,
    OofConfig,
    OutboxEntry,
    StatusMessage,
    StoredMessage,
    SyncResult,
    UnknownMailbox,
)
from mailbot.sandbox.recurrence import expand, split_occurrence_id

When = date | datetime

Item = StoredMessage | CalendarEntry
HIERARCHY_ROOTS = ("root", "msgfolderroot")  # folders that hold folders, not items


class Organisation(MailFlow):
    """An Exchange organisation in miniature, driven by a clock rather than the wall.

    Mail arrives and leaves through the MailFlow methods (deliver_external, send, save_draft).
    """

    # The Monday a scenario's relative times count from (load_scenario sets it; None for one built by hand).
    week: date | None = None

    def __init__(
        self,
        clock: Clock,
        domains: Sequence[str],
        service_account: str,
        password: str,
        impersonation: Iterable[str] | None = None,
    ) -> None:
        self.clock = clock
        self.domains = tuple(d.lower() for d in domains)
        self.service_account = service_account.lower()
        self._password = password
        self._impersonation = None if impersonation is None else {e.lower() for e in impersonation}
        self.lock = RLock()
        self._mailboxes: dict[str, MailboxState] = {}
        self._conversations: dict[str, str] = {}  # Message-ID -> ConversationId, organisation-wide
        self._outbox: list[OutboxEntry] = []
        self._due: list[tuple[datetime, Callable[[], object]]] = []  # see schedule()
        self._tokens: dict[str, BearerToken] = {}
        self.apps = AppRegistry()  # Entra ID app registrations, for the token endpoint (identity.py)

    # -- people and access -------------------------------------------------------------------------------

    def add_mailbox(
        self, email: str, name: str, kind: Literal["user", "shared"] = "user", timezone: str = "UTC", upn: str = ""
    ) -> Mailbox:
        key = email.lower()
        info = Mailbox(key, name, kind, cal.check_timezone(timezone), upn.lower())
        folders = {f: FolderStore(ids.folder_id(key, f), f) for f in FOLDERS}
        with self.lock:
            self._mailboxes[key] = MailboxState(info, folders)
        return info

    def mailbox(self, email: str) -> Mailbox:
        return self._state(email).info

    def mailboxes(self) -> list[Mailbox]:
        with self.lock:
            return [s.info for s in self._mailboxes.values()]

    def is_internal(self, email: str) -> bool:
        return email.rpartition("@")[2].lower() in self.domains

    def may_impersonate(self, email: str) -> bool:
        return self._impersonation is None or email.lower() in self._impersonation

    def grant_impersonation(self, email: str) -> None:
        """An administrator adds `email` to the service account's impersonation scope (a management scope)."""
        with self.lock:
            if self._impersonation is not None:
                self._impersonation.add(email.lower())

    @property
    def service_password(self) -> str:
        """The sandbox service account's password (from the scenario; for building test clients)."""
        return self._password

    def check_password(self, user: str, password: str) -> bool:
        return user.lower() == self.service_account and secrets.compare_digest(password, self._password)

    def issue_token(
        self, principal: str | None = None, lifetime: timedelta = timedelta(hours=1), audience: str | None = None
    ) -> str:
        """A bearer token for `principal` (default: the service account), valid for `lifetime` on the clock, for
        the resource `audience` (None: any resource, as tests find handy)."""
        token = secrets.token_urlsafe(32)
        issued = BearerToken((principal or self.service_account).lower(), self.clock.now() + lifetime, audience)
        with self.lock:
            self._tokens[token] = issued
        return token

    def bearer_token(self, token: str) -> BearerToken | None:
        """What the organisation issued as `token` (expired or not), or None if it never did."""
        with self.lock:
            return self._tokens.get(token)

    def principal_for_token(self, token: str) -> str | None:
        issued = self.bearer_token(token)
        return issued.principal if issued is not None and issued.valid_at(self.clock.now()) else None

    def expire_tokens(self) -> int:
        """End every bearer token now, as a revocation would; returns how many were still valid."""
        with self.lock:
            now = self.clock.now()
            live = {token: replace(t, expires=now) for token, t in self._tokens.items() if t.valid_at(now)}
            self._tokens.update(live)
            return len(live)

    def register_app(
        self, tenant_id: str, client_id: str, *, secret: str | None = None, certificate_pem: str | None = None
    ) -> AppRegistration:
        """An Entra ID app whose app-only tokens act as the service account (same mailboxes to impersonate)."""
        return self.apps.register(tenant_id, client_id, secret=secret, certificate_pem=certificate_pem)

    # -- items, folders and sync (mail itself moves in MailFlow: deliver_external, send, save_draft) -------

    def messages(self, mailbox: str, folder: MailFolder) -> list[StoredMessage]:
        with self.lock:
            items = self._state(mailbox).folders[folder].items.values()
            return [i for i in items if isinstance(i, StoredMessage)]

    def outbox(self) -> list[OutboxEntry]:
        """Everything that left the organisation (to outside addresses), oldest first."""
        with self.lock:
            self._run_due()
            return list(self._outbox)

    def clear_outbox(self) -> None:
        with self.lock:
            self._outbox.clear()

    def get_item(self, mailbox: str, item_id: str) -> StoredMessage | CalendarEntry | Occurrence:
        """Any item by id, including one occurrence of a series (as a calendar view names it)."""
        with self.lock:
            occurrence = split_occurrence_id(item_id)
            if occurrence is not None:
                entry = self.get_item(mailbox, occurrence[0])
                if isinstance(entry, CalendarEntry):
                    return cal.occurrence_at(entry, occurrence[1], item_id)
                raise ItemNotFound(item_id)
            return self._locate(mailbox, item_id)[1]

    def folder_of(self, mailbox: str, item_id: str) -> FolderName:
        with self.lock:
            return self._locate(mailbox, item_id)[0].name  # type: ignore[return-value]

    def set_categories(self, mailbox: str, item_id: str, categories: Iterable[str]) -> Item:
        """An owner tagging an item (e.g. "Done"); a sync reports it as an update."""
        return self._update(mailbox, item_id, categories=tuple(categories))

    def mark_read(self, mailbox: str, item_id: str, is_read: bool = True) -> Item:
        with self.lock:
            store, item = self._locate(mailbox, item_id)
            if not isinstance(item, StoredMessage):
                raise ItemNotFound(item_id)
            new = replace(item, is_read=is_read, change_key=ids.new_change_key())
            store.replace(new, "read_flag")
            return new

    def delete_item(self, mailbox: str, item_id: str, hard: bool = False) -> None:
        """Delete (a sync reports it); a soft delete of a message moves it to Deleted Items under a new id."""
        with self.lock:
            store, item = self._locate(mailbox, item_id)
            store.remove(item_id)
            if not hard and isinstance(item, StoredMessage) and store.name != "deleteditems":
                self._store(replace(item, folder="deleteditems", item_id=ids.item_id()))

    def folder_id(self, mailbox: str, folder: str) -> str:
        """The opaque id of a folder, or of a hierarchy root ("root", "msgfolderroot")."""
        return ids.folder_id(self._state(mailbox).info.email, folder)

    def locate_folder(self, folder_id: str) -> tuple[str, str] | None:
        """(mailbox, folder name) for a folder id from `folder_id`, or None."""
        with self.lock:
            for key in self._mailboxes:
                for name in (*FOLDERS, *HIERARCHY_ROOTS):
                    if self.folder_id(key, name) == folder_id:
                        return key, name
        return None

    def owner_of(self, item_id: str) -> str | None:
        """The mailbox holding an item (or the series an occurrence id names), or None."""
        occurrence = split_occurrence_id(item_id)
        wanted = occurrence[0] if occurrence else item_id
        with self.lock:
            for key, state in self._mailboxes.items():
                if any(wanted in store.items for store in state.folders.values()):
                    return key
        return None

    def folder_counts(self, mailbox: str, folder: FolderName) -> tuple[int, int]:
        """(total, unread) items in the folder."""
        with self.lock:
            items = list(self._state(mailbox).folders[folder].items.values())
        unread = sum(1 for i in items if isinstance(i, StoredMessage) and not i.is_read)
        return len(items), unread

    def sync(self, mailbox: str, folder: FolderName, state: str | None, max_changes: int = 100) -> SyncResult:
        """Changes since `state` (None: every current item as a create), at most `max_changes` of them.

        A state names a point in the folder's history and what that history was up to there, so one issued
        before the sandbox was started again stays valid exactly while the folder holds the same history up to
        it (a scenario's mail, not yet changed); any other is refused (InvalidSyncState), never used to skip mail.
        """
        with self.lock:
            key = self._state(mailbox).info.email
            store = self._state(key).folders[folder]
            seq = 0 if not state else decode_state(state, key, folder, store)
            changes, new_seq, complete = store.changes_since(seq, max(1, max_changes))
            return SyncResult(tuple(changes), encode_state(key, folder, store, new_seq), complete)

    # -- calendar and automatic replies ------------------------------------------------------------------

    def add_event(
        self,
        mailbox: str,
        subject: str,
        start: When,
        end: When,
        *,
        seed: str | None = None,
        created: datetime | None = None,
        **options: object,
    ) -> CalendarEntry:
        """A calendar entry made at `created` (default: now), its ids derived from `seed` (a scenario's entry) or
        random; see events.build_entry for options (all_day, show_as, rrule, exdates, ...)."""
        with self.lock:
            state = self._state(mailbox)
            made = created or self.clock.now()
            entry = cal.build_entry(state.info, subject, start, end, made, seed=seed, **options)  # type: ignore[arg-type]
            state.folders["calendar"].add(entry)
            return entry

    def update_event(self, mailbox: str, item_id: str, **changes: object) -> CalendarEntry:
        """Move, rename, re-categorise or cancel an entry (a changed entry gets a new change key)."""
        with self.lock:
            store, entry = self._locate(mailbox, item_id)
            if not isinstance(entry, CalendarEntry):
                raise ItemNotFound(item_id)
            new = cal.change_entry(entry, self.clock.now(), **changes)
            store.replace(new)
            return new

    def remove_event(self, mailbox: str, item_id: str) -> None:
        self.delete_item(mailbox, item_id, hard=True)

    def events(self, mailbox: str) -> list[CalendarEntry]:
        with self.lock:
            items = self._state(mailbox).folders["calendar"].items.values()
            return [i for i in items if isinstance(i, CalendarEntry)]

    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences overlapping [start, end): series expanded, exdates skipped, ordered by start."""
        found = [o for e in self.events(mailbox) for o in expand(e, start, end)]
        return sorted(found, key=lambda o: (o.start, o.end, o.entry.subject))

    def get_oof(self, mailbox: str) -> OofConfig:
        return self._state(mailbox).oof

    def set_oof(self, mailbox: str, config: OofConfig, *, as_of: datetime | None = None) -> OofConfig:
        """Replace the automatic replies, refusing scheduled times the way Exchange does; `as_of` checks them as
        if set then (a scenario's history: a reply set earlier may have ended by now)."""
        with self.lock:
            state = self._state(mailbox)
            state.oof = cal.validate_oof(config, as_of or self.clock.now())
            state.oof_replied.clear()
            return state.oof

    def set_status_message(self, mailbox: str, text: str, expires: datetime | None = None) -> StatusMessage | None:
        """The mailbox's status message (Teams/Outlook presence) until `expires`; empty text clears it."""
        with self.lock:
            state = self._state(mailbox)
            state.status = StatusMessage(text, self.clock.now(), expires) if text else None
            return state.status

    def status_message(self, mailbox: str) -> tuple[str, datetime | None] | None:
        """(text, expires) of the status message shown now, or None when there is none or it has expired."""
        shown = self.status_message_record(mailbox)
        return None if shown is None else (shown.text, shown.expires)

    def status_message_record(self, mailbox: str) -> StatusMessage | None:
        """The status message shown now, with its publication time; None when none or expired (sandbox clock)."""
        with self.lock:
            status = self._state(mailbox).status
        return status if status is not None and status.shown_at(self.clock.now()) else None

    # -- internals ---------------------------------------------------------------------------------------

    def _state(self, email: str) -> MailboxState:
        with self.lock:
            self._run_due()  # a mailbox looked at holds what has arrived by now
            try:
                return self._mailboxes[email.lower()]
            except KeyError:
                raise UnknownMailbox(email) from None

    def _locate(self, mailbox: str, item_id: str) -> tuple[FolderStore, Item]:
        for store in self._state(mailbox).folders.values():
            if item_id in store.items:
                return store, store.items[item_id]
        raise ItemNotFound(item_id)

    def _update(self, mailbox: str, item_id: str, **changes: object) -> Item:
        with self.lock:
            store, item = self._locate(mailbox, item_id)
            stamp = {"change_key": ids.new_change_key(), "modified_at": self.clock.now()}
            new = replace(item, **changes, **stamp)  # type: ignore[arg-type]
            store.replace(new)
            return new

    def _store(self, message: StoredMessage) -> StoredMessage:
        message = ids.stamped(message)  # the change key of this copy as it is, in this folder of this mailbox
        self._conversations.setdefault(message.message_id, message.conversation_id)
        self._state(message.mailbox).folders[message.folder].add(message)
        return message
