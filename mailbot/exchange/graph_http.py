"""HTTP for the Graph backend: bearer tokens, Retry-After, retries, 4 requests per mailbox at a time, JSON $batch.

Every call names the mailbox it is for: that picks its concurrency slot and whose problem an error is.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import structlog

from mailbot.errors import BackendError, MailboxError
from mailbot.exchange.graph_auth import MsalTokenSource, TokenRefused
from mailbot.exchange.graph_errors import failure, json_body, retry_after
from mailbot.exchange.reach import GRAPH_KEYS, Keys, Server, connect_failure, untrusted

log = structlog.get_logger(__name__)

_DROP_RETRIES = 3
_TRANSIENT = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
              requests.exceptions.ChunkedEncodingError)  # fmt: skip


class GraphHttp:
    """Requests to one Graph endpoint (`base_url`, e.g. https://graph.microsoft.com/v1.0) with msal's tokens."""

    def __init__(
        self,
        base_url: str,
        tokens: MsalTokenSource,
        *,
        verify: bool | str = True,
        trust_env: bool = True,
        timeout: float = 60,
        retry_max_wait: float = 120,
        max_concurrent: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        keys: Keys = GRAPH_KEYS,
    ) -> None:
        self.base = base_url.rstrip("/")
        self._origin = urlsplit(self.base)
        self._server = Server("Microsoft Graph", self.where, keys.address, keys.ca_bundle)
        self._tokens, self._verify, self._timeout = tokens, verify, timeout
        self._retry_max_wait, self.max_concurrent, self._sleep = retry_max_wait, max_concurrent, sleep
        self._session = requests.Session()
        self._session.trust_env = trust_env
        self._renewing = threading.Lock()
        self._slots = threading.Condition()
        self._in_flight: Counter[str] = Counter()
        self._token: str | None = None

    def close(self) -> None:
        self._session.close()

    def rebase(self, link: str) -> str:
        """A link the server returned, moved onto the configured origin: the sandbox may have moved ports, and
        the bearer token must never travel to a host other than the configured one."""
        parts = urlsplit(link)
        return urlunsplit((self._origin.scheme, self._origin.netloc, parts.path, parts.query, ""))

    def get(self, mailbox: str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", mailbox, url, headers=headers).json()
        return answer

    def call(
        self,
        method: str,
        mailbox: str,
        url: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
        weight: int = 1,
    ) -> requests.Response:
        """One request (relative to the base URL, or a returned link), retried as Graph asks; errors translated.

        `weight`: how many requests it runs at once on the server (a $batch runs its requests side by side).
        """
        target = self.base + url if url.startswith("/") else self.rebase(url)
        waited, drops, renewed = 0.0, 0, False
        while True:
            token = self._bearer()
            try:
                response = self._send(method, mailbox, target, token, body, headers or {}, weight)
            except _TRANSIENT as exc:
                drops += 1
                self._give_up(exc, drops, idempotent)
                self._sleep(0.2 * drops)
                continue
            if response.status_code == 401 and not renewed:
                renewed = True
                self._renew(token)
                continue
            if response.status_code in (429, 503):
                waited = self.back_off(mailbox, retry_after(response.headers), waited)
                continue
            if response.status_code >= 400:
                raise self.failure(mailbox, response.status_code, json_body(response))
            return response

    def back_off(self, mailbox: str, seconds: float, waited: float) -> float:
        """Sleep as the server asked, unless the total wait for this request would pass retry_max_wait: then that
        mailbox fails for this run (Exchange Online throttles per app and mailbox), and the others carry on."""
        if waited + seconds > self._retry_max_wait:
            raise MailboxError(mailbox, f"Microsoft Graph kept asking to back off ({waited + seconds:.0f} s in all), "
                               "longer than backend.graph.retry_max_wait_seconds allows; it is tried again on the "
                               "next run")  # fmt: skip
        log.info("graph_back_off", mailbox=mailbox, seconds=seconds)
        self._sleep(seconds)
        return waited + seconds

    def _give_up(self, error: requests.RequestException, drops: int, idempotent: bool) -> None:
        """Raise the sentence for a request that got no answer, unless repeating it may help: never for a
        certificate no repeat makes trusted, nor past the retries, nor for a request that may have gone through
        (a send: only one that never connected is sure not to have)."""
        connected = connect_failure(error) is None
        if drops <= _DROP_RETRIES and (idempotent or not connected) and untrusted(error) is None:
            return
        repeat = "" if idempotent or not connected else " and it was not repeated, since it may have gone through"
        raise BackendError(self._server.no_answer(error) + repeat) from None

    def failure(self, mailbox: str, status: int, body: dict[str, Any]) -> BackendError:
        """The error for a refused request (see graph_errors.failure)."""
        return failure(mailbox, status, body, self.where)

    @property
    def where(self) -> str:
        return urlunsplit((self._origin.scheme, self._origin.netloc, "", "", ""))

    def _send(self, method: str, mailbox: str, url: str, token: str, body: Any, headers: dict[str, str],
              weight: int) -> requests.Response:  # fmt: skip
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                "client-request-id": str(uuid.uuid4()), **headers}  # fmt: skip
        started = time.monotonic()
        with self._slot(mailbox, weight):
            # verify goes with each call: requests lets REQUESTS_CA_BUNDLE override a Session's own verify.
            response = self._session.request(method, url, json=body, headers=sent, timeout=self._timeout,
                                             verify=self._verify, allow_redirects=False)  # fmt: skip
        elapsed = round((time.monotonic() - started) * 1000)
        log.debug("graph_request", method=method, path=urlsplit(url).path, status=response.status_code, ms=elapsed,
                  request_id=response.headers.get("request-id"))  # fmt: skip
        return response

    @contextmanager
    def _slot(self, mailbox: str, weight: int) -> Iterator[None]:
        """At most max_concurrent requests in flight per mailbox (Exchange Online allows 4 per app and mailbox);
        a $batch takes as many places as it runs requests side by side."""
        key, weight = mailbox.lower(), max(1, min(weight, self.max_concurrent))
        with self._slots:
            self._slots.wait_for(lambda: self._in_flight[key] + weight <= self.max_concurrent)
            self._in_flight[key] += weight
        try:
            yield
        finally:
            with self._slots:
                self._in_flight[key] -= weight
                self._slots.notify_all()

    def _bearer(self) -> str:
        try:
            token = str(self._tokens.token()["access_token"])
        except TokenRefused as exc:
            raise BackendError(f"The identity platform refused the app's credentials for Microsoft Graph "
                               f"({exc.detail}); check backend.graph in service.yaml") from None  # fmt: skip
        with self._renewing:
            self._token = token
        return token

    def _renew(self, refused: str) -> None:
        """A token the server refused before its time is replaced once (unless another thread already did)."""
        with self._renewing:
            if self._token == refused:
                self._token = str(self._tokens.renew()["access_token"])
