"""HTTP for the Graph backend: bearer tokens, Retry-After, retries, 4 requests per mailbox at a time, JSON $batch.

Every call names the mailbox it is for: that picks its concurrency slot and whose problem an error is.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import structlog

from mailbot.errors import BackendError
from mailbot.exchange.graph_auth import MsalTokenSource, TokenRefused
from mailbot.exchange.graph_errors import failure, json_body, refused, retry_after

log = structlog.get_logger(__name__)

BATCH_LIMIT = 20  # requests per JSON $batch, Graph's limit
_DROP_RETRIES = 3
_TRANSIENT = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
              requests.exceptions.ChunkedEncodingError)  # fmt: skip
Answer = tuple[int, dict[str, Any]]  # (HTTP status, JSON body) of one request in a $batch


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
    ) -> None:
        self.base = base_url.rstrip("/")
        self._origin = urlsplit(self.base)
        self._tokens, self._verify, self._timeout = tokens, verify, timeout
        self._retry_max_wait, self._max_concurrent, self._sleep = retry_max_wait, max_concurrent, sleep
        self._session = requests.Session()
        self._session.trust_env = trust_env
        self._lock, self._renewing = threading.Lock(), threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
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
    ) -> requests.Response:
        """One request (relative to the base URL, or a returned link), retried as Graph asks; errors translated."""
        target = self.base + url if url.startswith("/") else self.rebase(url)
        waited, drops, renewed = 0.0, 0, False
        while True:
            token = self._bearer()
            try:
                response = self._send(method, mailbox, target, token, body, headers or {})
            except requests.exceptions.SSLError as exc:
                raise BackendError(
                    f"The TLS certificate of Microsoft Graph at {self._where} cannot be verified "
                    f"({exc}); set backend.graph.ca_bundle to the CA that signed it"
                ) from None
            except _TRANSIENT as exc:
                drops += 1
                if not idempotent or drops > _DROP_RETRIES:
                    repeat = "" if idempotent else " and it was not repeated, since it may have gone through"
                    raise BackendError(
                        f"Microsoft Graph at {self._where} dropped the connection ({type(exc).__name__}){repeat}"
                    ) from None
                self._sleep(0.2 * drops)
                continue
            if response.status_code == 401 and not renewed:
                renewed = True
                self._renew(token)
                continue
            if response.status_code in (429, 503):
                waited = self.back_off(retry_after(response.headers), waited)
                continue
            if response.status_code >= 400:
                raise self.failure(mailbox, response.status_code, json_body(response))
            return response

    def batch_get(self, mailbox: str, paths: Sequence[str]) -> list[Answer]:
        """GET many URLs of one mailbox through JSON $batch, 20 to a request, chunks side by side within the
        mailbox's concurrency limit; throttled sub-requests are retried alone. Answers come in `paths` order."""
        answers: dict[int, Answer] = {}
        chunks = [range(i, min(i + BATCH_LIMIT, len(paths))) for i in range(0, len(paths), BATCH_LIMIT)]
        if len(chunks) <= 1:
            for chunk in chunks:
                answers.update(self._batch_chunk(mailbox, paths, chunk))
        else:
            with ThreadPoolExecutor(max_workers=min(self._max_concurrent, len(chunks))) as pool:
                for done in pool.map(lambda c: self._batch_chunk(mailbox, paths, c), chunks):
                    answers.update(done)
        return [answers[i] for i in range(len(paths))]

    def _batch_chunk(self, mailbox: str, paths: Sequence[str], chunk: range) -> dict[int, Answer]:
        answers: dict[int, Answer] = {}
        pending, waited = list(chunk), 0.0
        while pending:
            body = {"requests": [{"id": str(i), "method": "GET", "url": paths[i]} for i in pending]}
            throttled, wait = [], 0.0
            for sub in self.call("POST", mailbox, "/$batch", body=body).json().get("responses", []):
                index, status = int(sub["id"]), int(sub["status"])
                if status in (429, 503):
                    throttled.append(index)
                    wait = max(wait, retry_after(sub.get("headers") or {}))
                elif status == 401:
                    raise refused(self._where)
                else:
                    answers[index] = (status, sub.get("body") or {})
            if any(i not in answers and i not in throttled for i in pending):
                raise BackendError(f"Microsoft Graph at {self._where} left requests out of a $batch answer")
            pending = throttled
            if pending:
                waited = self.back_off(wait, waited)
        return answers

    def back_off(self, seconds: float, waited: float) -> float:
        """Sleep as the server asked, unless the total wait for this request would pass retry_max_wait."""
        if waited + seconds > self._retry_max_wait:
            raise BackendError(f"Microsoft Graph kept asking to back off ({waited + seconds:.0f} s in all), longer "
                               "than backend.graph.retry_max_wait_seconds allows")  # fmt: skip
        log.info("graph_back_off", seconds=seconds)
        self._sleep(seconds)
        return waited + seconds

    def failure(self, mailbox: str, status: int, body: dict[str, Any]) -> BackendError:
        """The error for a refused request (see graph_errors.failure)."""
        return failure(mailbox, status, body, self._where)

    @property
    def _where(self) -> str:
        return urlunsplit((self._origin.scheme, self._origin.netloc, "", "", ""))

    def _send(self, method: str, mailbox: str, url: str, token: str, body: Any,
              headers: dict[str, str]) -> requests.Response:  # fmt: skip
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                "client-request-id": str(uuid.uuid4()), **headers}  # fmt: skip
        started = time.monotonic()
        with self._slot(mailbox):
            # verify goes with each call: requests lets REQUESTS_CA_BUNDLE override a Session's own verify.
            response = self._session.request(method, url, json=body, headers=sent, timeout=self._timeout,
                                             verify=self._verify, allow_redirects=False)  # fmt: skip
        elapsed = round((time.monotonic() - started) * 1000)
        log.debug("graph_request", method=method, path=urlsplit(url).path, status=response.status_code, ms=elapsed,
                  request_id=response.headers.get("request-id"))  # fmt: skip
        return response

    @contextmanager
    def _slot(self, mailbox: str) -> Iterator[None]:
        """At most max_concurrent requests in flight per mailbox (Exchange Online allows 4 per app and mailbox)."""
        with self._lock:
            slot = self._slots.setdefault(mailbox.lower(), threading.BoundedSemaphore(self._max_concurrent))
        with slot:
            yield

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
