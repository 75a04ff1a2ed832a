"""EWS backend for Exchange Server, through exchangelib. The only module that imports exchangelib."""

from __future__ import annotations

import functools
import threading
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import exchangelib
from exchangelib import errors as ews_errors
from exchangelib.items import HARD_DELETE
from exchangelib.util import _get_retry_after as _retry_after
from oauthlib.oauth2 import TokenExpiredError  # type: ignore[import-untyped]

from mailbot.config.service import BackendSettings
from mailbot.domain import (
    CalendarEvent,
    ExternalAudience,
    MailItem,
    OofSettings,
    OofState,
    OutgoingMessage,
    ShowAs,
    SyncBatch,
)
from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError, SyncStateInvalid
from mailbot.exchange.base import Folder, SandboxAccess, register
from mailbot.exchange.ews_read import ChangedIds, aware, fetch, mail_item
from mailbot.exchange.ews_throttle import Budget, connection_wait, refusal
from mailbot.exchange.ews_tls import TrustAdapter, tls_failure, trust

# The timezone fields let exchangelib turn all-day events into the organiser's dates, not the host's.
_CALENDAR_FIELDS = ["subject", "start", "end", "is_all_day", "legacy_free_busy_status", "categories",
                    "is_recurring", "is_cancelled", "_start_timezone", "_end_timezone"]  # fmt: skip
_SHOW_AS = {"Free": ShowAs.FREE, "Tentative": ShowAs.TENTATIVE, "Busy": ShowAs.BUSY, "OOF": ShowAs.OOF,
            "WorkingElsewhere": ShowAs.WORKING_ELSEWHERE, "NoData": ShowAs.NO_DATA}  # fmt: skip
_DROP_RETRIES = 3
_AUDIENCE = {ExternalAudience.NONE: "None", ExternalAudience.KNOWN: "Known", ExternalAudience.ALL: "All"}
# Per-mailbox refusals: the mailbox is skipped, the others carry on.
_MAILBOX_ERRORS: dict[type[Exception], str] = {
    ews_errors.ErrorImpersonateUserDenied: "the service account may not impersonate this mailbox",
    ews_errors.ErrorImpersonationFailed: "impersonation failed",
    ews_errors.ErrorNonExistentMailbox: "no such mailbox on the server",
    ews_errors.ErrorAccessDenied: "access denied",
    ews_errors.ErrorMailboxStoreUnavailable: "the mailbox database is unavailable",
    ews_errors.ErrorSendAsDenied: "the service account may not send as this mailbox",
}
# Of those, the ones that are a matter of access rights (RBAC impersonation, mailbox permissions).
_DENIED = (ews_errors.ErrorImpersonateUserDenied, ews_errors.ErrorAccessDenied, ews_errors.ErrorSendAsDenied)


class _Dropped(BackendError):
    """The connection broke before an answer came; safe to repeat for reads and replacements, not for sends."""


_T = TypeVar("_T")


def _idempotent(method: Callable[..., _T]) -> Callable[..., _T]:
    """Repeat a call whose connection dropped: exchangelib does not when its session pool holds one session."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> _T:
        for attempt in range(_DROP_RETRIES):
            try:
                return method(*args, **kwargs)
            except _Dropped:
                if attempt == _DROP_RETRIES - 1:
                    raise
                _time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    return call


class _RetryPolicy(exchangelib.FaultTolerance):  # type: ignore[misc]
    """FaultTolerance that treats HTTP 401 as bad credentials until the first answer succeeded.

    EWS sometimes answers 401 to throttle, so exchangelib retries 401s for up to max_wait; but before any
    request ever succeeded, a 401 means the credentials are wrong, and IT should hear that at once.
    With OAuth, a 401 to a bearer token means the token died early (revoked, or clocks apart): exchangelib would
    only renew it once oauthlib sees it expire by the local clock, so `renew_token` replaces it at once, and a
    brand-new token refused again means the credentials are wrong.
    Throttling in any of Exchange's forms (see ews_throttle) is waited out as the server asks, up to max_wait in
    all for one request: past that, RateLimitError.
    """

    def __init__(self, max_wait: int, renew_token: Callable[[str], str] | None = None) -> None:
        super().__init__(max_wait=max_wait)
        self.authenticated = False
        self.renew_token = renew_token  # (refused access token) -> the token now current
        self._fresh: set[str] = set()  # tokens renewed because of a 401, never yet accepted
        self.budget = Budget()

    def back_off(self, seconds: float | None) -> None:
        wait = self.DEFAULT_BACKOFF if seconds is None else seconds
        total = self.budget.spend(wait)
        if total > self.max_wait:
            self.budget.reset()
            raise ews_errors.RateLimitError("Max timeout reached", wait=total)
        super().back_off(wait)

    def raise_response_errors(self, response: Any) -> Any:
        if response.status_code == 200:
            self.authenticated = True
            self._fresh.clear()
        elif response.status_code == 401 and self.renew_token is not None and _bearer(response) is not None:
            refused = _bearer(response) or ""
            if refused in self._fresh:
                raise ews_errors.UnauthorizedError(f"A new access token was refused too at {response.url}")
            self._fresh.add(self.renew_token(refused))
            raise TokenExpiredError()  # exchangelib retries at once on a new session, with the renewed token
        elif response.status_code == 401 and not self.authenticated:
            raise ews_errors.UnauthorizedError(f"Invalid credentials for {response.url}")
        elif response.status_code == 429:  # Exchange Online throttles so; exchangelib would call it malformed
            raise ews_errors.ErrorServerBusy("HTTP 429 Too Many Requests", back_off=_retry_after(response) or 1)
        if response.status_code in (200, 500):
            self._throttled(response)
        return super().raise_response_errors(response)

    def _throttled(self, response: Any) -> None:
        """Raise the ErrorServerBusy exchangelib waits out for a throttling refusal, with the server's back-off."""
        found = refusal(response.content)
        if found is None:
            if response.status_code == 200:
                self.budget.reset()
            return
        wait = found.back_off
        if found.code == "ErrorExceededConnectionCount":
            wait = connection_wait(found.back_off, self.budget.streak)
        raise ews_errors.ErrorServerBusy(f"{found.code}: EWS throttled the request", back_off=wait)


def _bearer(response: Any) -> str | None:
    """The bearer token a request carried, if it carried one."""
    scheme, _, token = str(response.request.headers.get("Authorization", "")).partition(" ")
    return token if scheme.lower() == "bearer" and token else None


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


class _OofSettings(exchangelib.OofSettings):  # type: ignore[misc]
    """exchangelib refuses a scheduled end before *its* wall clock; mailbot runs on its own clock (--now)
    and the server is the judge of time, so that one check is left to Exchange. The rest still applies."""

    def clean(self, version: Any = None) -> None:
        me: Any = self  # exchangelib declares its fields dynamically; mypy cannot see them
        if me.state != me.SCHEDULED or not (me.start and me.end and me.start < me.end):
            super().clean(version=version)
            return
        me.state = me.ENABLED  # validate everything but the schedule, which is checked just above
        try:
            super().clean(version=version)
        finally:
            me.state = me.SCHEDULED
        me.start, me.end = me.start.astimezone(exchangelib.UTC), me.end.astimezone(exchangelib.UTC)


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
            retry_policy=_RetryPolicy(connection.retry_max_wait, renew),
            max_connections=connection.max_connections,
        )
        self._autodiscover = connection.endpoint is None
        self._where = connection.endpoint or "the autodiscovered EWS endpoint"
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

    @contextmanager
    def _errors(self, mailbox: str) -> Iterator[None]:
        """Translate exchangelib's exceptions into mailbot's: one sentence, mailbox named where it is one's."""
        try:
            yield
        except ews_errors.ErrorInvalidSyncStateData:
            raise SyncStateInvalid(f"{mailbox}: the saved sync state is no longer valid") from None
        except tuple(_MAILBOX_ERRORS) as exc:
            error = MailboxAccessDenied if isinstance(exc, _DENIED) else MailboxError
            raise error(mailbox, _MAILBOX_ERRORS[type(exc)]) from exc
        except ews_errors.UnauthorizedError:
            raise BackendError(
                f"EWS at {self._where} refused the service account's credentials; check backend.ews in service.yaml"
            ) from None
        except ews_errors.RateLimitError as exc:
            # Throttling is a mailbox's problem for this run (EWS budgets its impersonated mailboxes too): it is
            # tried again next run, and the other mailboxes carry on meanwhile.
            raise MailboxError(
                mailbox,
                f"EWS kept asking to back off ({exc.wait:.0f} s in all), longer than "
                "backend.ews.retry_max_wait_seconds allows; it is tried again on the next run",
            ) from None
        except ews_errors.ErrorTimeoutExpired as exc:
            raise _Dropped(f"EWS at {self._where} dropped the connection: {exc}") from None
        except ews_errors.ResponseMessageError as exc:  # before TransportError, its base class
            raise MailboxError(mailbox, f"{type(exc).__name__}: {exc}") from exc
        except ews_errors.TransportError as exc:
            if untrusted := tls_failure(exc):
                raise BackendError(f"The TLS certificate of EWS at {self._where} cannot be verified ({untrusted}); "
                                   "set backend.ews.ca_bundle to the CA that signed it") from None  # fmt: skip
            raise BackendError(f"EWS at {self._where} cannot be reached: {exc}") from None

    @_idempotent
    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[CalendarEvent]:
        tz = start.tzinfo or UTC
        with self._errors(mailbox):
            view = self._account(mailbox).calendar.view(start=_ews_dt(start), end=_ews_dt(end))
            items = list(view.only(*_CALENDAR_FIELDS))
        events = [_event(item, tz) for item in items]
        return sorted(events, key=lambda e: (e.start, e.end, e.subject))

    @_idempotent
    def get_oof(self, mailbox: str) -> OofSettings:
        with self._errors(mailbox):
            oof = self._account(mailbox).oof_settings
        return OofSettings(
            state=OofState(oof.state.lower()),
            internal_reply=oof.internal_reply or "",
            external_reply=oof.external_reply or "",
            external_audience=ExternalAudience((oof.external_audience or "All").lower()),
            start=aware(oof.start) if oof.start else None,
            end=aware(oof.end) if oof.end else None,
        )

    @_idempotent
    def set_oof(self, mailbox: str, settings: OofSettings) -> None:
        scheduled = settings.state is OofState.SCHEDULED
        # exchangelib wants reply texts unless replies are off; an empty text written back stays empty then.
        blank = "" if settings.state is OofState.DISABLED else " "
        oof = _OofSettings(
            state=settings.state.value.capitalize(),
            external_audience=_AUDIENCE[settings.external_audience],
            internal_reply=settings.internal_reply or blank,
            external_reply=settings.external_reply or blank,
            # Exchange rejects some local forms; UTC is always accepted.
            start=_ews_dt(settings.start) if scheduled and settings.start else None,
            end=_ews_dt(settings.end) if scheduled and settings.end else None,
        )
        with self._errors(mailbox):
            try:
                self._account(mailbox).oof_settings = oof
            except ValueError as exc:  # exchangelib's own checks, before anything is sent
                raise MailboxError(mailbox, f"automatic replies refused: {exc}") from None

    @_idempotent
    def sync_folder(self, mailbox: str, folder: Folder, state: str | None, max_changes: int = 100) -> SyncBatch:
        with self._errors(mailbox):
            account = self._account(mailbox)
            target = account.inbox if folder == "inbox" else account.sent
            service = ChangedIds(account=account)
            changes = list(service.call(folder=target, shape="IdOnly", additional_fields=set(),
                                        sync_state=state, ignore=None, max_changes_returned=max_changes,
                                        sync_scope=None))  # fmt: skip
            changed_ids = [(i.id, i.changekey) for kind, i in changes if kind in ("create", "update")]
            deleted = tuple(i.id for kind, i in changes if kind == "delete")
            items = [i for i in fetch(account, changed_ids) if _is_item(i)]
        return SyncBatch(
            items=tuple(mail_item(mailbox, folder, item) for item in items),
            deleted=deleted,
            state=service.sync_state,
            more=not service.includes_last_item_in_range,
        )

    @_idempotent
    def get_message(self, mailbox: str, item_id: str) -> MailItem:
        with self._errors(mailbox):
            account = self._account(mailbox)
            [item] = fetch(account, [(item_id, None)])
            if not _is_item(item):
                raise MailboxError(mailbox, f"message {item_id} not found: {item}")
        return mail_item(mailbox, "inbox", item)

    def send(self, mailbox: str, message: OutgoingMessage) -> None:
        with self._errors(mailbox):
            account = self._account(mailbox)
            _message(account, account.sent, message).send_and_save()

    def save_draft(self, mailbox: str, message: OutgoingMessage) -> str:
        with self._errors(mailbox):
            account = self._account(mailbox)
            draft = _message(account, account.drafts, message)
            draft.save()
        return str(draft.id)

    def delete_draft(self, mailbox: str, item_id: str) -> None:
        with self._errors(mailbox):
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
                                        retry_max_wait=10, verify=verify))  # fmt: skip
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


def _message(account: Any, folder: Any, message: OutgoingMessage) -> Any:
    return exchangelib.Message(
        account=account, folder=folder, subject=message.subject, body=exchangelib.HTMLBody(message.html),
        to_recipients=[exchangelib.Mailbox(email_address=a) for a in message.to],
        cc_recipients=[exchangelib.Mailbox(email_address=a) for a in message.cc] or None,
        in_reply_to=message.in_reply_to,
    )  # fmt: skip


def _is_item(item: Any) -> bool:
    # fetch() yields exception objects in place of items it could not get (e.g. deleted meanwhile).
    return not isinstance(item, Exception)


def _ews_dt(at: datetime) -> Any:
    return exchangelib.EWSDateTime.from_datetime(at.astimezone(UTC))


def _when(value: Any, tz: Any, *, end: bool = False) -> datetime:
    # exchangelib gives all-day events as dates, the end date inclusive: turn them back into the half-open
    # span [first midnight, midnight after the last day) in the timezone the caller asked in.
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value + timedelta(days=1 if end else 0), time(), tzinfo=tz)
    return aware(value)


def _event(item: Any, tz: Any) -> CalendarEvent:
    return CalendarEvent(
        item_id=str(item.id), subject=item.subject or "",
        start=_when(item.start, tz), end=_when(item.end, tz, end=True),
        all_day=bool(item.is_all_day), show_as=_SHOW_AS.get(item.legacy_free_busy_status or "", ShowAs.BUSY),
        categories=tuple(item.categories or ()), recurring=bool(item.is_recurring),
        cancelled=bool(item.is_cancelled),
    )  # fmt: skip
