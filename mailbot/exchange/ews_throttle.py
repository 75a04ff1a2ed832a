"""EWS throttling as Exchange answers it, for the EWS backend's retry policy.

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
from dataclasses import dataclass

from exchangelib.util import TNS, ParseError, to_xml

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
