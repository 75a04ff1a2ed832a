"""Microsoft Graph backend for Exchange Online, app-only through msal (graph_auth.py), requests in graph_http.py.

Mirrors the EWS backend operation for operation: calendarView, mailboxSettings, messages/delta with details by
JSON $batch (as EWS syncs ids and then fetches items), sendMail, drafts; plus presence status messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from mailbot.config.service import BackendSettings
from mailbot.domain import CalendarEvent, MailItem, OofSettings, OutgoingMessage, SyncBatch
from mailbot.errors import BackendError, SyncStateInvalid
from mailbot.exchange import graph_mapping as gm
from mailbot.exchange.base import Folder, SandboxAccess, register
from mailbot.exchange.graph_auth import EWS_SCOPE, GRAPH_SCOPE, MsalTokenSource, TokenRefused, VerifyingHttpClient
from mailbot.exchange.graph_bulk import batch_get
from mailbot.exchange.graph_directory import ObjectIds
from mailbot.exchange.graph_http import GraphHttp
from mailbot.exchange.reach import GRAPH_KEYS, SANDBOX_KEYS, Keys

__all__ = ["EWS_SCOPE", "GRAPH_SCOPE", "GraphBackend", "GraphConnection", "MsalTokenSource", "TokenRefused"]
_CALENDAR_PAGE = 50


@dataclass(frozen=True)
class GraphConnection:
    """Where and how to reach Graph; the credential is an already resolved secret."""

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_pem: str | None = field(default=None, repr=False)
    thumbprint: str | None = None
    authority: str = "https://login.microsoftonline.com"
    base_url: str = "https://graph.microsoft.com/v1.0"
    verify: bool | str = True  # True: the system's CAs; a path: trust exactly that PEM bundle
    trust_env: bool = True  # proxy settings from the environment (off for a sandbox on this machine)
    timeout: float = 60
    retry_max_wait: float = 120
    max_concurrent: int = 4
    keys: Keys = GRAPH_KEYS  # the settings its failures point at


class GraphBackend:
    """ExchangeBackend over Microsoft Graph, acting for many mailboxes with one app's application permissions."""

    kind = "graph"

    def __init__(self, connection: GraphConnection, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._identity = VerifyingHttpClient(connection.verify, connection.timeout, trust_env=connection.trust_env)
        tokens = MsalTokenSource(
            connection.tenant_id, connection.client_id, client_secret=connection.client_secret,
            certificate_pem=connection.certificate_pem, thumbprint=connection.thumbprint,
            authority=connection.authority, scope=GRAPH_SCOPE, http_client=self._identity, keys=connection.keys,
        )  # fmt: skip
        self._http = GraphHttp(
            connection.base_url, tokens, verify=connection.verify, trust_env=connection.trust_env,
            timeout=connection.timeout, retry_max_wait=connection.retry_max_wait,
            max_concurrent=connection.max_concurrent, sleep=sleep, keys=connection.keys,
        )  # fmt: skip
        self._object_ids = ObjectIds(self._http)

    def close(self) -> None:
        self._http.close()
        self._identity.close()

    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[CalendarEvent]:
        zone = start.tzinfo if gm.zone_name(start.tzinfo) != "UTC" and start.tzinfo is not None else UTC
        prefer = {"Prefer": f'outlook.timezone="{gm.zone_name(zone)}"'}
        url: str | None = (
            f"{gm.user_path(mailbox)}/calendarView?startDateTime={gm.utc_stamp(start)}"
            f"&endDateTime={gm.utc_stamp(end)}&$select={gm.CALENDAR_SELECT}&$orderby=start/dateTime"
            f"&$top={_CALENDAR_PAGE}"
        )
        events: list[CalendarEvent] = []
        while url:
            page = self._http.get(mailbox, url, prefer)
            events += [gm.event(item, zone) for item in page.get("value", [])]
            url = page.get("@odata.nextLink")
        return sorted(events, key=lambda e: (e.start, e.end, e.subject))

    def get_oof(self, mailbox: str) -> OofSettings:
        return gm.oof_settings(
            self._http.get(mailbox, f"{gm.user_path(mailbox)}/mailboxSettings/automaticRepliesSetting")
        )

    def set_oof(self, mailbox: str, settings: OofSettings) -> None:
        self._http.call("PATCH", mailbox, f"{gm.user_path(mailbox)}/mailboxSettings", body=gm.oof_patch(settings))

    def sync_folder(self, mailbox: str, folder: Folder, state: str | None, max_changes: int = 100) -> SyncBatch:
        url = f"{gm.user_path(mailbox)}/mailFolders/{gm.FOLDERS[folder]}/messages/delta?$select=id,categories"
        if state is not None:
            url = _delta_link(mailbox, folder, state)
        page = self._http.get(mailbox, url, {"Prefer": f"odata.maxpagesize={max_changes}"})
        changes = page.get("value", [])
        deleted = tuple(str(c["id"]) for c in changes if "@removed" in c)
        changed = [str(c["id"]) for c in changes if "@removed" not in c]
        answers = batch_get(self._http, mailbox, [gm.message_path(mailbox, item_id) for item_id in changed])
        items = []
        for status, body in answers:
            if status == 404:  # deleted since the delta was taken; its removal comes with the next round
                continue
            if status >= 400:
                raise self._http.failure(mailbox, status, body)
            items.append(gm.mail_item(mailbox, folder, body))
        next_link = page.get("@odata.nextLink")
        link = next_link or page.get("@odata.deltaLink")
        if not link:
            raise BackendError(f"Microsoft Graph answered a delta query for {mailbox} without a next or delta link")
        return SyncBatch(items=tuple(items), deleted=deleted, state=str(link), more=next_link is not None)

    def get_message(self, mailbox: str, item_id: str) -> MailItem:
        return gm.mail_item(mailbox, "inbox", self._http.get(mailbox, gm.message_path(mailbox, item_id)))

    def send(self, mailbox: str, message: OutgoingMessage) -> None:
        body = {"message": gm.message(message), "saveToSentItems": True}
        self._http.call("POST", mailbox, f"{gm.user_path(mailbox)}/sendMail", body=body, idempotent=False)

    def save_draft(self, mailbox: str, message: OutgoingMessage) -> str:
        path = f"{gm.user_path(mailbox)}/messages"
        return str(self._http.call("POST", mailbox, path, body=gm.message(message), idempotent=False).json()["id"])

    def delete_draft(self, mailbox: str, item_id: str) -> None:
        # DELETE would only move it to Deleted Items; permanentDelete purges it, as EWS's HardDelete does.
        self._http.call("POST", mailbox, f"{gm.user_path(mailbox)}/messages/{quote(item_id, safe='')}/permanentDelete")

    def set_status_message(self, mailbox: str, message: str, expires: datetime) -> bool:
        body = gm.status_message(message, expires)
        # Presence knows people by their directory object id only.
        path = f"/users/{quote(self._object_ids.of(mailbox), safe='')}/presence/setStatusMessage"
        self._http.call("POST", mailbox, path, body=body)
        return True


def _delta_link(mailbox: str, folder: str, state: str) -> str:
    """A saved state must be a delta or next link Graph handed out; anything else (an EWS state) starts over."""
    parts = urlsplit(state)
    if parts.scheme not in ("http", "https") or not unquote(parts.path).lower().rstrip("/").endswith("/delta"):
        raise SyncStateInvalid(f"{mailbox}: the saved {folder} sync state is not a Microsoft Graph delta link")
    return state


@register("graph")
def connect_graph(backend: BackendSettings, base: Path, sandbox: SandboxAccess | None = None) -> GraphBackend:
    """A GraphBackend for service.yaml's `backend:` section (secrets resolved now), or for the sandbox."""
    if sandbox is not None:
        return GraphBackend(sandbox_connection(sandbox))
    graph = backend.graph
    if graph is None:
        raise BackendError("backend.kind is graph but service.yaml has no `graph:` section")
    bundle = graph.ca_bundle if graph.ca_bundle is None or graph.ca_bundle.is_absolute() else base / graph.ca_bundle
    return GraphBackend(
        GraphConnection(
            graph.tenant_id, graph.client_id,
            client_secret=graph.client_secret.resolve(base).get_secret_value() if graph.client_secret else None,
            certificate_pem=graph.certificate.resolve_text(base) if graph.certificate else None,
            thumbprint=graph.certificate_thumbprint, authority=graph.authority, base_url=graph.base_url,
            verify=str(bundle) if bundle is not None else graph.verify_tls, timeout=graph.timeout_seconds,
            retry_max_wait=graph.retry_max_wait_seconds, max_concurrent=graph.max_concurrent_per_mailbox,
        )
    )  # fmt: skip


def sandbox_connection(sandbox: SandboxAccess, **overrides: object) -> GraphConnection:
    """Graph on a sandbox: its HTTPS server is both the authority and the API, its CA the only one trusted."""
    if not sandbox.url.startswith("https://"):
        raise BackendError(f"Microsoft Graph needs the sandbox over HTTPS (msal refuses a plain-HTTP authority); "
                           f"the sandbox at {sandbox.url} is not")  # fmt: skip
    if not (sandbox.tenant_id and sandbox.client_id and sandbox.client_secret):
        raise BackendError("The sandbox scenario registers no app with a client secret (`apps:`), which Graph needs")
    settings: dict[str, object] = {
        "client_secret": sandbox.client_secret, "authority": sandbox.url, "base_url": sandbox.graph_url,
        "verify": str(sandbox.ca_bundle) if sandbox.ca_bundle else True, "trust_env": False, "retry_max_wait": 10,
        "keys": SANDBOX_KEYS, **overrides,
    }  # fmt: skip
    return GraphConnection(sandbox.tenant_id, sandbox.client_id, **settings)  # type: ignore[arg-type]
