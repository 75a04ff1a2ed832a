"""Throttling on the Graph front end: Exchange Online's per-mailbox limits, and the armed faults.

Exchange Online lets an app have 4 requests in flight per mailbox; the next concurrent one is answered 429
ApplicationThrottled ("MailboxConcurrency") with Retry-After: 1. The sandbox counts requests per mailbox (the
{user} of the path) and remembers the most it saw at once, refused ones included, so a client that overshoots
the limit shows a peak above it. An app may also make at most 10,000 requests per mailbox in 10 minutes (here on
the sandbox clock); past that, 429 with Retry-After until the oldest leaves the window
(https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits).

The requests of a parallel $batch are dispatched together (`together`): each waits, once counted, until all the
batch's requests are counted, so they are in flight at once as on Graph, whatever the threads' timing.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from threading import Barrier, Lock

from mailbot.clock import Clock
from mailbot.sandbox.faults import DropConnection, Faults
from mailbot.sandbox.graph_wire import GraphError

MAILBOX_CONCURRENCY = 4
MAILBOX_RATE, RATE_WINDOW = 10_000, timedelta(minutes=10)
_dispatch = threading.local()  # the Barrier of the parallel batch this thread's request belongs to, if any


class MailboxSlots:
    """In-flight requests per mailbox (lower-case address), and the peak of each; thread-safe."""

    def __init__(self, limit: int = MAILBOX_CONCURRENCY) -> None:
        self.limit = limit
        self._lock = Lock()
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    @contextmanager
    def hold(self, mailbox: str) -> Iterator[None]:
        """Count a request for `mailbox` while it runs; over the limit, refuse it as Exchange Online does."""
        key = mailbox.lower()
        with self._lock:
            self._in_flight[key] += 1
            self._peak[key] = max(self._peak[key], self._in_flight[key])
            admitted = self._in_flight[key] <= self.limit
        try:
            _counted()
            if not admitted:
                raise GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                                 {"Retry-After": "1"})  # fmt: skip
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1

    def peak(self, mailbox: str) -> int:
        """The most requests `mailbox` had in flight at once so far (0 if none)."""
        with self._lock:
            return self._peak[mailbox.lower()]


class MailboxRate:
    """Requests per mailbox in the last RATE_WINDOW on the sandbox clock; the one over `limit` is refused."""

    def __init__(self, clock: Clock, limit: int = MAILBOX_RATE) -> None:
        self.clock, self.limit = clock, limit
        self._lock = Lock()
        self._seen: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def count(self, mailbox: str) -> None:
        now = self.clock.now()
        with self._lock:
            seen = self._seen[mailbox.lower()]
            while seen and seen[0] <= now - RATE_WINDOW:
                seen.popleft()
            if len(seen) >= self.limit:
                wait = math.ceil((seen[0] + RATE_WINDOW - now).total_seconds())
                raise GraphError(429, "ApplicationThrottled", "Application is over its request rate limit.",
                                 {"Retry-After": str(max(1, wait))})  # fmt: skip
            seen.append(now)


@contextmanager
def together(start: Barrier) -> Iterator[None]:
    """Run this thread's request as one of a parallel batch whose requests all share `start` (one party each)."""
    _dispatch.barrier = start
    try:
        yield
    finally:
        _counted()  # a request refused before it took a slot (bad route, bad token) still joins the start


def _counted() -> None:
    start: Barrier | None = getattr(_dispatch, "barrier", None)
    _dispatch.barrier = None
    if start is not None:
        start.wait()


def suffer(faults: Faults) -> None:
    """Meet the next armed fault, if any: wait (slow), drop the connection, or raise the refusal it stands for."""
    fault = faults.take()
    if fault is None:
        return
    if fault.kind == "slow":
        time.sleep(fault.seconds)  # slowness is real time by design: clients' timeouts run on it
    elif fault.kind == "gate":
        faults.pass_gate(fault)
    elif fault.kind == "drop_connection":
        raise DropConnection("fault: drop the connection")
    elif fault.kind == "http_503":
        raise GraphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Try again later.",
                         {"Retry-After": str(fault.retry_after)})  # fmt: skip
    elif fault.kind == "http_429":
        raise GraphError(429, "TooManyRequests", "Too many requests, please try again later.",
                         {"Retry-After": str(fault.retry_after)})  # fmt: skip
    elif fault.kind == "exceeded_connection_count":  # Graph's word for too many requests in flight at once
        raise GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                         {"Retry-After": str(max(1, math.ceil(fault.back_off_ms / 1000)))})  # fmt: skip
    else:  # server_busy, wrapped or not: EWS's back-off in milliseconds becomes whole seconds of Retry-After
        raise GraphError(429, "ApplicationThrottled", "Application is over its request rate limit.",
                         {"Retry-After": str(math.ceil(fault.back_off_ms / 1000))})  # fmt: skip
