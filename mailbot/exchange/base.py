"""The Exchange port: what jobs need from a mailbox server, whichever protocol carries it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from mailbot.domain import CalendarEvent, MailItem, OofSettings, OutgoingMessage, SyncBatch
from mailbot.errors import UnknownNameError

Folder = Literal["inbox", "sent"]


@dataclass(frozen=True)
class SandboxAccess:
    """How to reach an embedded sandbox Exchange, which replaces the configured connection when enabled."""

    url: str
    username: str
    password: str = field(repr=False)
    ca_bundle: Path | None = None  # the CA that signed the sandbox's HTTPS certificate, the only one to trust
    # The scenario's app registration (`apps:`), for app-only OAuth against the sandbox's token endpoint.
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @property
    def ews_url(self) -> str:
        return self.url + "/EWS/Exchange.asmx"

    @property
    def graph_url(self) -> str:
        return self.url + "/v1.0"


class ExchangeBackend(Protocol):
    """Many mailboxes through one service account. A failure in one mailbox raises MailboxError for it alone."""

    kind: str

    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Events overlapping [start, end), recurring series expanded into occurrences, ordered by start."""
        ...

    def get_oof(self, mailbox: str) -> OofSettings:
        """The mailbox's automatic-reply settings."""
        ...

    def set_oof(self, mailbox: str, settings: OofSettings) -> None:
        """Replace the mailbox's automatic-reply settings; scheduled times travel as UTC."""
        ...

    def sync_folder(self, mailbox: str, folder: Folder, state: str | None, max_changes: int = 100) -> SyncBatch:
        """Changes in the folder since `state` (None = from the beginning), at most `max_changes` per call."""
        ...

    def get_message(self, mailbox: str, item_id: str) -> MailItem:
        """Full details of one message."""
        ...

    def send(self, mailbox: str, message: OutgoingMessage) -> None:
        """Send as `mailbox`, keeping a copy in its Sent Items; `message.inline` images go as inline attachments
        (content id, inline flag) that the HTML shows by cid:."""
        ...

    def save_draft(self, mailbox: str, message: OutgoingMessage) -> str:
        """Save into the mailbox's Drafts for a person to edit and send; returns the item id."""
        ...

    def delete_draft(self, mailbox: str, item_id: str) -> None:
        """Delete a draft for good (not into Deleted Items): EWS HardDelete, Graph permanentDelete."""
        ...

    def set_status_message(self, mailbox: str, message: str, expires: datetime) -> bool:
        """Set the person's Teams/Outlook status message until `expires`; False where the protocol has none (EWS)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


# A factory gets the validated `backend:` section, the folder secret files are relative to, and the sandbox
# to use instead of the configured server (or None).
BackendFactory = Callable[[Any, Path, "SandboxAccess | None"], ExchangeBackend]
_REGISTRY: dict[str, BackendFactory] = {}


def register(kind: str) -> Callable[[BackendFactory], BackendFactory]:
    """Decorator: make a backend factory available under `kind` (as named in service.yaml)."""

    def wrap(factory: BackendFactory) -> BackendFactory:
        _REGISTRY[kind] = factory
        return factory

    return wrap


def backend_factory(kind: str) -> BackendFactory:
    """The factory registered for `kind`; an unknown name lists the valid ones."""
    _load_builtin()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnknownNameError("backend", kind, list(_REGISTRY)) from None


def _load_builtin() -> None:
    # Adapters register themselves on import; importing here keeps exchangelib/msal off the start-up path.
    import importlib

    for module in ("mailbot.exchange.ews", "mailbot.exchange.graph"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def connect(backend: Any, base: Path, sandbox: SandboxAccess | None = None) -> ExchangeBackend:
    """The backend service.yaml asks for (`backend.kind`), connected."""
    return backend_factory(backend.kind)(backend, base, sandbox)
