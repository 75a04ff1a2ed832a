"""EWS backend for Exchange Server, through exchangelib (which only the exchange/ews* modules import)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import exchangelib
from exchangelib.items import HARD_DELETE

from mailbot.config.service import BackendSettings
from mailbot.domain import CalendarEvent, MailItem, OofSettings, OutgoingMessage, SyncBatch
from mailbot.errors import BackendError, MailboxError
from mailbot.exchange import ews_mapping as em
from mailbot.exchange.base import Folder, SandboxAccess, register
from mailbot.exchange.ews_errors import idempotent, translated
from mailbot.exchange.ews_read import ChangedIds, fetch, mail_item, owa_address
from mailbot.exchange.ews_throttle import RetryPolicy
from mailbot.exchange.ews_tls import TrustAdapter, trust
from mailbot.exchange.reach import EWS_KEYS, SANDBOX_KEYS, Keys, Server


@dataclass(frozen=True)
class EwsConnection:
    """Where and how to reach EWS; credentials are already resolved secrets."""

    endpoint: str | None  # None: find each mailbox's server by autodiscover
    auth: str  # "ntlm" | "basic" | "oauth"
    username: str | None = None
    password: str | None = None
    token_source: Any = None  # for oauth: an object with .token() -> dict (see graph.MsalTokenSource)
    retry_max_wait: int = 120
    max_connections: int = 4
    verify: bool | str = True  # True: the system's CAs; a path: exactly the CAs in that PEM file; False: no check
    keys: Keys = EWS_KEYS  # the settings its failures point at


class _MsalCredentials(exchangelib.OAuth2AuthorizationCodeCredentials):  # type: ignore[misc]
    """exchangelib OAuth credentials whose tokens come from msal (app-only), renewed when they expire."""

    def __init__(self, token_source: Any) -> None:
        super().__init__(access_token=token_source.token())
        self._source = token_source

    def refresh(self, session: Any) -> None:
        self.access_token = self._source.token()

    def renew(self, refused: str) -> str:
        """Replace a token the server refused (unless another thread already did); returns the current one."""
        with self.lock:
            if self.access_token["access_token"] == refused:
                self.access_token = self._source.renew()
            return str(self.access_token["access_token"])


class EwsBackend:
    """ExchangeBackend over EWS, acting for many mailboxes through one account by impersonation."""

    kind = "ews"

    def __init__(self, connection: EwsConnection) -> None:
        # exchangelib takes one adapter class per process; TrustAdapter applies each backend's own trust.
        exchangelib.BaseProtocol.HTTP_ADAPTER_CLS = TrustAdapter
        self._untrust = trust(connection.endpoint, connection.verify)
        credentials = _credentials(connection)
        renew = credentials.renew if isinstance(credentials, _MsalCredentials) else None
        self._config = exchangelib.Configuration(
            service_endpoint=connection.endpoint,
            credentials=credentials,
            auth_type={"ntlm": exchangelib.NTLM, "basic": exchangelib.BASIC, "oauth": exchangelib.OAUTH2}[
                connection.auth
            ],
            retry_policy=RetryPolicy(connection.retry_max_wait, renew),
            max_connections=connection.max_connections,
        )
        self._autodiscover = connection.endpoint is None
        keys = connection.keys
        self._where = Server("EWS", connection.endpoint or "the autodiscovered EWS endpoint", keys.address,
                             keys.ca_bundle)  # fmt: skip
        self._accounts: dict[str, Any] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        for account in self._accounts.values():
            account.protocol.close()  # its kept-alive (for NTLM: logged-on) connections
        self._accounts.clear()
        self._untrust()

    def _account(self, mailbox: str) -> Any:
        key = mailbox.lower()
        with self._lock:
            if key not in self._accounts:
                self._accounts[key] = exchangelib.Account(
                    primary_smtp_address=mailbox, config=self._config, autodiscover=self._autodiscover,
                    access_type=exchangelib.IMPERSONATION, default_timezone=exchangelib.UTC,
                )  # fmt: skip
            return self._accounts[key]

    @idempotent
    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[CalendarEvent]:
        tz = start.tzinfo or UTC
        with translated(mailbox, self._where):
            view = self._account(mailbox).calendar.view(start=em.ews_dt(start), end=em.ews_dt(end))
            items = list(view.only(*em.CALENDAR_FIELDS))
        events = [em.event(item, tz) for item in items]
        return sorted(events, key=lambda e: (e.start, e.end, e.subject))

    @idempotent
    def get_oof(self, mailbox: str) -> OofSettings:
        with translated(mailbox, self._where):
            oof = self._account(mailbox).oof_settings
        return em.oof_settings(oof)

    @idempotent
    def set_oof(self, mailbox: str, settings: OofSettings) -> None:
        oof = em.ews_oof(settings)
        with translated(mailbox, self._where):
            try:
                self._account(mailbox).oof_settings = oof
            except ValueError as exc:  # exchangelib's own checks, before anything is sent
                raise MailboxError(mailbox, f"automatic replies refused: {exc}") from None

    @idempotent
    def sync_folder(self, mailbox: str, folder: Folder, state: str | None, max_changes: int = 100) -> SyncBatch:
        with translated(mailbox, self._where):
            account = self._account(mailbox)
            target = account.inbox if folder == "inbox" else account.sent
            service = ChangedIds(account=account)
            changes = list(service.call(folder=target, shape="IdOnly", additional_fields=set(),
                                        sync_state=state, ignore=None, max_changes_returned=max_changes,
                                        sync_scope=None))  # fmt: skip
            changed_ids = [(i.id, i.changekey) for kind, i in changes if kind in ("create", "update")]
            deleted = tuple(i.id for kind, i in changes if kind == "delete")
            items = [i for i in fetch(account, changed_ids) if _is_item(i)]
        owa = owa_address(account.protocol.service_endpoint)
        return SyncBatch(
            items=tuple(mail_item(mailbox, folder, item, owa) for item in items),
            deleted=deleted,
            state=service.sync_state,
            more=not service.includes_last_item_in_range,
        )

    @idempotent
    def get_message(self, mailbox: str, item_id: str) -> MailItem:
        with translated(mailbox, self._where):
            account = self._account(mailbox)
            [item] = fetch(account, [(item_id, None)])
            if not _is_item(item):
                raise MailboxError(mailbox, f"message {item_id} not found: {item}")
        return mail_item(mailbox, "inbox", item, owa_address(account.protocol.service_endpoint))

    def send(self, mailbox: str, message: OutgoingMessage) -> None:
        with translated(mailbox, self._where):
            account = self._account(mailbox)
            em.message(account, account.sent, message).send_and_save()

    def save_draft(self, mailbox: str, message: OutgoingMessage) -> str:
        with translated(mailbox, self._where):
            account = self._account(mailbox)
            draft = em.message(account, account.drafts, message)
            draft.save()
        return str(draft.id)

    def delete_draft(self, mailbox: str, item_id: str) -> None:
        with translated(mailbox, self._where):
            [answer] = self._account(mailbox).bulk_delete(ids=[(item_id, None)], delete_type=HARD_DELETE)
            if isinstance(answer, Exception):  # bulk_delete hands back the server's refusal instead of raising it
                raise answer

    def set_status_message(self, mailbox: str, message: str, expires: datetime) -> bool:
        """EWS has no presence or status message; Exchange Online sets one through Graph only."""
        return False


@register("ews")
def connect_ews(backend: BackendSettings, base: Path, sandbox: SandboxAccess | None = None) -> EwsBackend:
    """An EwsBackend for service.yaml's `backend:` section (secrets resolved now), or for the sandbox."""
    if sandbox is not None:  # logged on as on Exchange Server: NTLM, trusting the sandbox's own CA over HTTPS
        verify = str(sandbox.ca_bundle) if sandbox.ca_bundle else True
        return EwsBackend(EwsConnection(sandbox.ews_url, "ntlm", sandbox.username, sandbox.password,
                                        retry_max_wait=10, verify=verify, keys=SANDBOX_KEYS))  # fmt: skip
    ews = backend.ews
    if ews is None:
        raise BackendError("backend.kind is ews but service.yaml has no `ews:` section")
    token_source = None
    if ews.auth == "oauth":
        from mailbot.exchange.graph_auth import EWS_SCOPE, MsalTokenSource

        token_source = MsalTokenSource(
            ews.tenant_id or "", ews.client_id or "", scope=EWS_SCOPE,
            client_secret=ews.client_secret.resolve(base).get_secret_value() if ews.client_secret else None,
            certificate_pem=ews.certificate.resolve_text(base) if ews.certificate else None,
            thumbprint=ews.certificate_thumbprint,
            # msal reaches Microsoft's cloud with the system's CAs: backend.ews.ca_bundle is not for it.
            keys=replace(EWS_KEYS, ca_bundle=None),
        )  # fmt: skip
    password = ews.password.resolve(base).get_secret_value() if ews.password else None
    bundle = ews.ca_bundle if ews.ca_bundle is None or ews.ca_bundle.is_absolute() else base / ews.ca_bundle
    return EwsBackend(
        EwsConnection(
            ews.endpoint,
            ews.auth,
            ews.username,
            password,
            token_source,
            retry_max_wait=ews.retry_max_wait_seconds,
            max_connections=ews.max_connections,
            verify=str(bundle) if bundle is not None else ews.verify_tls,
        )
    )


def _credentials(connection: EwsConnection) -> Any:
    if connection.auth == "oauth":
        return _MsalCredentials(connection.token_source)
    return exchangelib.Credentials(connection.username or "", connection.password or "")


def _is_item(item: Any) -> bool:
    # fetch() yields exception objects in place of items it could not get (e.g. deleted meanwhile).
    return not isinstance(item, Exception)
