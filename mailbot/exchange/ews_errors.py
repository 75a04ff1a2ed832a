"""exchangelib's exceptions as mailbot's, for the EWS backend: one sentence each, the mailbox named where the
failure is that mailbox's own; and the repetition of calls whose connection dropped."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from exchangelib import errors as ews

from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError, SyncStateInvalid
from mailbot.exchange.reach import Server

_DROP_RETRIES = 3
# Per-mailbox refusals: the mailbox is skipped, the others carry on.
_MAILBOX_ERRORS: dict[type[Exception], str] = {
    ews.ErrorImpersonateUserDenied: "the service account may not impersonate this mailbox",
    ews.ErrorImpersonationFailed: "impersonation failed",
    ews.ErrorNonExistentMailbox: "no such mailbox on the server",
    ews.ErrorAccessDenied: "access denied",
    ews.ErrorMailboxStoreUnavailable: "the mailbox database is unavailable",
    ews.ErrorSendAsDenied: "the service account may not send as this mailbox",
}
# Of those, the ones that are a matter of access rights (RBAC impersonation, mailbox permissions).
_DENIED = (ews.ErrorImpersonateUserDenied, ews.ErrorAccessDenied, ews.ErrorSendAsDenied)
# How exchangelib words an HTTP answer that is no EWS answer (a wrong path's 404, a proxy's 403 ...).
_HTTP_STATUS = re.compile(r"Unknown failure in response\. Code: (\d{3})\b")


class _Dropped(BackendError):
    """The connection broke before an answer came; safe to repeat for reads and replacements, not for sends."""


_T = TypeVar("_T")


def idempotent(method: Callable[..., _T]) -> Callable[..., _T]:
    """Repeat a call whose connection dropped: exchangelib does not when its session pool holds one session."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> _T:
        for attempt in range(_DROP_RETRIES):
            try:
                return method(*args, **kwargs)
            except _Dropped:
                if attempt == _DROP_RETRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    return call


@contextmanager
def translated(mailbox: str, where: Server) -> Iterator[None]:
    """Translate exchangelib's exceptions into mailbot's: one sentence, mailbox named where it is one's.

    `where` is the EWS server, for the sentences that are about it rather than the mailbox."""
    try:
        yield
    except ews.ErrorInvalidSyncStateData:
        raise SyncStateInvalid(f"{mailbox}: the saved sync state is no longer valid") from None
    except tuple(_MAILBOX_ERRORS) as exc:
        error = MailboxAccessDenied if isinstance(exc, _DENIED) else MailboxError
        raise error(mailbox, _MAILBOX_ERRORS[type(exc)]) from exc
    except ews.UnauthorizedError:
        raise BackendError(
            f"EWS at {where.url} refused the service account's credentials; check backend.ews in service.yaml"
        ) from None
    except ews.RateLimitError as exc:
        # Throttling is a mailbox's problem for this run (EWS budgets its impersonated mailboxes too): it is
        # tried again next run, and the other mailboxes carry on meanwhile.
        raise MailboxError(
            mailbox,
            f"EWS kept asking to back off ({exc.wait:.0f} s in all), longer than "
            "backend.ews.retry_max_wait_seconds allows; it is tried again on the next run",
        ) from None
    except ews.ErrorTimeoutExpired as exc:
        raise _Dropped(_no_answer(where, exc)) from None
    except ews.ResponseMessageError as exc:  # before TransportError, its base class
        raise MailboxError(mailbox, f"{type(exc).__name__}: {exc}") from exc
    except ews.TransportError as exc:
        raise BackendError(_no_answer(where, exc)) from None


def _no_answer(where: Server, error: BaseException) -> str:
    """One sentence for a request that got no EWS answer, naming the endpoint, the cause and the setting to check."""
    if isinstance(error, ews.RedirectError):
        return f"EWS at {where.url} redirects to {error.url}; set {where.address_key} to the address EWS answers at"
    if status := _HTTP_STATUS.search(str(error)):
        return f"EWS at {where.url} answered HTTP {status.group(1)}, not as EWS does; check {where.address_key}"
    return where.no_answer(error)
