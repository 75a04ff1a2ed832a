"""exchangelib's exceptions as mailbot's, for the EWS backend: one sentence each, the mailbox named where the
failure is that mailbox's own; and the repetition of calls whose connection dropped."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from exchangelib import errors as ews

from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError, SyncStateInvalid
from mailbot.exchange.ews_tls import tls_failure

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
def translated(mailbox: str, where: str) -> Iterator[None]:
    """Translate exchangelib's exceptions into mailbot's: one sentence, mailbox named where it is one's.

    `where` names the EWS endpoint in the sentences that are about it rather than the mailbox."""
    try:
        yield
    except ews.ErrorInvalidSyncStateData:
        raise SyncStateInvalid(f"{mailbox}: the saved sync state is no longer valid") from None
    except tuple(_MAILBOX_ERRORS) as exc:
        error = MailboxAccessDenied if isinstance(exc, _DENIED) else MailboxError
        raise error(mailbox, _MAILBOX_ERRORS[type(exc)]) from exc
    except ews.UnauthorizedError:
        raise BackendError(
            f"EWS at {where} refused the service account's credentials; check backend.ews in service.yaml"
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
        raise _Dropped(f"EWS at {where} dropped the connection: {exc}") from None
    except ews.ResponseMessageError as exc:  # before TransportError, its base class
        raise MailboxError(mailbox, f"{type(exc).__name__}: {exc}") from exc
    except ews.TransportError as exc:
        if untrusted := tls_failure(exc):
            raise BackendError(f"The TLS certificate of EWS at {where} cannot be verified ({untrusted}); "
                               "set backend.ews.ca_bundle to the CA that signed it") from None  # fmt: skip
        raise BackendError(f"EWS at {where} cannot be reached: {exc}") from None
