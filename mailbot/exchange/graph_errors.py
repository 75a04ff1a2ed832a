"""Microsoft Graph's refusals as mailbot's errors, and how long Graph asks a client to wait before trying again."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import requests

from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError, SyncStateInvalid

_SYNC_CODES = {"syncstatenotfound", "syncstateinvalid", "resyncrequired"}


class NotFound(MailboxError):
    """Graph answered 404: the user, mailbox or item a request named does not exist."""


def failure(mailbox: str, status: int, body: dict[str, Any], where: str) -> BackendError:
    """The error for a refused request: the mailbox's own problem for 4xx, the service's for the rest."""
    found = body.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    code, message = str(error.get("code") or f"HTTP {status}"), str(error.get("message") or "").strip()
    if status == 410 or code.lower() in _SYNC_CODES:
        return SyncStateInvalid(f"{mailbox}: the saved sync state is no longer valid ({code})")
    if status == 401:
        return refused(where)
    if status == 403:
        return MailboxAccessDenied(mailbox, f"the app may not access this mailbox ({code}: {message})")
    if code == "ErrorInvalidUser":
        return NotFound(mailbox, "no such mailbox in the tenant")
    if status == 404:
        return NotFound(mailbox, f"{code}: {message}" if message else code)
    if 400 <= status < 500:
        return MailboxError(mailbox, f"{code}: {message}" if message else code)
    return BackendError(f"Microsoft Graph at {where} failed: HTTP {status}, {code} {message}".rstrip())


def refused(where: str) -> BackendError:
    """A token refused even when brand new: the app's credentials or permissions are wrong."""
    return BackendError(f"Microsoft Graph at {where} refused even a new token for the app's credentials; "
                        "check backend.graph in service.yaml and the app's permissions")  # fmt: skip


def retry_after(headers: Any) -> float:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date against the answer's Date)."""
    found = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    value = found.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - parsedate_to_datetime(found["date"])).total_seconds())
    except (KeyError, TypeError, ValueError):
        return 1.0


def json_body(response: requests.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it has none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
