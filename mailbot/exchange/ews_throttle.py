"""The EWS backend's retry policy (RetryPolicy, for exchangelib), and EWS throttling as Exchange answers it.

Exchange refuses a request it throttles in one of three ways ("EWS throttling in Exchange"):
- a SOAP fault ErrorServerBusy with BackOffMilliseconds (HTTP 500), which exchangelib waits out by itself;
- a response message ErrorServerBusy, or ErrorInternalServerError wrapping it as its inner error (how Exchange
  words a code the client's requested schema version predates), in an HTTP 200 answer: exchangelib would wait a
  fixed 10 s there, ignoring the back-off the server asked for;
- a response message ErrorExceededConnectionCount (more concurrent requests than the account's policy allows),
  which exchangelib retries at once and, with a single connection, gives up on.
`refusal` finds the last two in an answer, so the retry policy can turn them into the ErrorServerBusy exchangelib
waits out, with the server's back-off; `Budget` caps the total wait of one request at retry_max_wait.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import exchangelib
from exchangelib import errors as ews
from exchangelib.util import TNS, ParseError, to_xml
from exchangelib.util import _get_retry_after as _retry_after
from oauthlib.oauth2 import TokenExpiredError  # type: ignore[import-untyped]

_CODES = ("ErrorServerBusy", "ErrorExceededConnectionCount")
_WRAPPER = "ErrorInternalServerError"
# ErrorExceededConnectionCount's details end "... Budget type: 'Ews'.  Suggested backoff time 0 ms."
_SUGGESTED = re.compile(r"Suggested backoff time (\d+) ms", re.IGNORECASE)


@dataclass(frozen=True)
class Refusal:
    """A throttling refusal: its code, and the back-off the server suggested in seconds (None: it named none)."""

    code: str
    back_off: float | None


def refusal(content: bytes) -> Refusal | None:
    """The throttling refusal in an EWS answer's XML (a response message or a SOAP fault), or None."""
    if not any(code.encode() in content for code in _CODES):
        return None  # the common case: no XML parsing for answers that cannot hold one
    try:
        root = to_xml(content)
    except ParseError:
        return None
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.endswith("}ResponseCode"):
            continue
        values = {v.get("Name"): (v.text or "").strip() for v in node.getparent().iter(f"{{{TNS}}}Value")}
        code = (node.text or "").strip()
        if code == _WRAPPER:
            code = values.get("InnerErrorResponseCode", code)
        if code in _CODES:
            return Refusal(code, _back_off(values))
    return None


def _back_off(values: dict[str, str]) -> float | None:
    if values.get("BackOffMilliseconds", "").isdigit():
        return int(values["BackOffMilliseconds"]) / 1000
    suggested = next((m for v in values.values() if (m := _SUGGESTED.search(v))), None)
    return int(suggested.group(1)) / 1000 if suggested else None


class Budget:
    """How long each thread's current request has waited on throttling, and how often in a row it was refused.

    exchangelib checks each back-off alone against its max_wait, so a server asking again and again for short
    waits would keep a request (and the mailbox's sync) waiting without end; the budget caps their sum.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def spend(self, seconds: float) -> float:
        """Add a wait to this thread's request; returns its total so far."""
        self._local.waited = getattr(self._local, "waited", 0.0) + seconds
        self._local.streak = getattr(self._local, "streak", 0) + 1
        return float(self._local.waited)

    @property
    def streak(self) -> int:
        """Refusals in a row for this thread's request."""
        return int(getattr(self._local, "streak", 0))

    def reset(self) -> None:
        """An answer came: the next request starts with a full budget."""
        self._local.waited, self._local.streak = 0.0, 0


def connection_wait(suggested: float | None, streak: int) -> float:
    """How long to wait after ErrorExceededConnectionCount: as suggested, but at least 1, 2, 4 ... s as refusals
    mount, for the server often suggests 0 ms and only the other requests' ending frees a place."""
    return max(suggested or 0.0, float(2 ** min(streak, 10)))


class RetryPolicy(exchangelib.FaultTolerance):  # type: ignore[misc]
    """FaultTolerance that treats HTTP 401 as bad credentials until the first answer succeeded.

    EWS sometimes answers 401 to throttle, so exchangelib retries 401s for up to max_wait; but before any
    request ever succeeded, a 401 means the credentials are wrong, and IT should hear that at once.
    With OAuth, a 401 to a bearer token means the token died early (revoked, or clocks apart): exchangelib would
    only renew it once oauthlib sees it expire by the local clock, so `renew_token` replaces it at once, and a
    brand-new token refused again means the credentials are wrong.
    Throttling in any of Exchange's forms (see `refusal`) is waited out as the server asks, up to max_wait in
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
            raise ews.RateLimitError("Max timeout reached", wait=total)
        super().back_off(wait)

    def raise_response_errors(self, response: Any) -> Any:
        if response.status_code == 200:
            self.authenticated = True
            self._fresh.clear()
        elif response.status_code == 401 and self.renew_token is not None and _bearer(response) is not None:
            refused = _bearer(response) or ""
            if refused in self._fresh:
                raise ews.UnauthorizedError(f"A new access token was refused too at {response.url}")
            self._fresh.add(self.renew_token(refused))
            raise TokenExpiredError()  # exchangelib retries at once on a new session, with the renewed token
        elif response.status_code == 401 and not self.authenticated:
            raise ews.UnauthorizedError(f"Invalid credentials for {response.url}")
        elif response.status_code == 429:  # Exchange Online throttles so; exchangelib would call it malformed
            raise ews.ErrorServerBusy("HTTP 429 Too Many Requests", back_off=_retry_after(response) or 1)
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
        raise ews.ErrorServerBusy(f"{found.code}: EWS throttled the request", back_off=wait)


def _bearer(response: Any) -> str | None:
    """The bearer token a request carried, if it carried one."""
    scheme, _, token = str(response.request.headers.get("Authorization", "")).partition(" ")
    return token if scheme.lower() == "bearer" and token else None
