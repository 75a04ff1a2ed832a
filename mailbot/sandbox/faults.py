"""Misbehaviour on demand: throttling (in each of the ways Exchange words it), outages, dropped connections and
slowness, each for N requests; and a gate where clients in separate processes meet (for tests of runs at once).

Faults apply to authenticated EWS and Graph requests (each sub-request of a Graph $batch counts as one) in the
order they were armed; the admin API arms them over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from threading import Barrier, BrokenBarrierError, Lock
from typing import Any, Literal, get_args

FaultKind = Literal["server_busy", "wrapped_server_busy", "exceeded_connection_count", "http_429", "http_503",
                    "drop_connection", "slow", "gate"]  # fmt: skip
KINDS: tuple[FaultKind, ...] = get_args(FaultKind)


class DropConnection(ConnectionError):
    """Raised to make the HTTP server close the socket without answering (the drop_connection fault)."""


@dataclass
class Fault:
    """One armed fault; `remaining` None means until cleared."""

    kind: FaultKind
    remaining: int | None = 1
    back_off_ms: int = 0
    retry_after: int = 0
    seconds: float = 0.0


class Faults:
    """The server's switchboard of faults; thread-safe, and every arming method returns self for chaining."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._armed: list[Fault] = []
        self._fired: list[FaultKind] = []
        self._gates: dict[int, tuple[Fault, Barrier]] = {}

    def server_busy(self, times: int = 1, back_off_ms: int = 250) -> Faults:
        """Answer with the ErrorServerBusy SOAP fault, asking the client to back off for `back_off_ms` (Graph:
        429 ApplicationThrottled with Retry-After in whole seconds)."""
        return self._arm(Fault("server_busy", times, back_off_ms=back_off_ms))

    def wrapped_server_busy(self, times: int = 1, back_off_ms: int = 250) -> Faults:
        """Answer HTTP 200 with a response message ErrorInternalServerError whose inner error is ErrorServerBusy
        with BackOffMilliseconds, as Exchange words a code the client's requested version predates (Graph: as
        server_busy)."""
        return self._arm(Fault("wrapped_server_busy", times, back_off_ms=back_off_ms))

    def exceeded_connection_count(self, times: int = 1, back_off_ms: int = 0) -> Faults:
        """Answer HTTP 200 with a response message ErrorExceededConnectionCount: more concurrent requests than the
        account's EWS policy allows, "Suggested backoff time" `back_off_ms` (Exchange often suggests 0). Graph: 429
        ApplicationThrottled for the mailbox concurrency limit, Retry-After at least a second."""
        return self._arm(Fault("exceeded_connection_count", times, back_off_ms=back_off_ms))

    def http_429(self, times: int = 1, retry_after: int = 1) -> Faults:
        """Answer 429 Too Many Requests with a Retry-After header (seconds)."""
        return self._arm(Fault("http_429", times, retry_after=retry_after))

    def http_503(self, times: int = 1, retry_after: int = 1) -> Faults:
        """Answer 503 Service Unavailable with a Retry-After header (seconds)."""
        return self._arm(Fault("http_503", times, retry_after=retry_after))

    def drop_connection(self, times: int = 1) -> Faults:
        """Close the socket without answering."""
        return self._arm(Fault("drop_connection", times))

    def slow(self, seconds: float, times: int | None = None) -> Faults:
        """Wait `seconds` before answering normally."""
        return self._arm(Fault("slow", times, seconds=seconds))

    def gate(self, parties: int = 2, seconds: float = 60.0) -> Faults:
        """Hold each of the next `parties` requests until all of them have arrived (at most `seconds`), then answer
        them normally: clients started at the same time meet at their first request, whatever their start-up took."""
        fault = Fault("gate", parties, seconds=seconds)
        with self._lock:
            self._gates[id(fault)] = (fault, Barrier(parties))  # the fault kept with it: its id stays its own
        return self._arm(fault)

    def pass_gate(self, fault: Fault) -> None:
        """Wait at `fault`'s gate (a request that took a gate fault) until the others are there, or time is up."""
        with self._lock:
            _, barrier = self._gates[id(fault)]
        with suppress(BrokenBarrierError):  # not all came in time: the ones that did go on
            barrier.wait(timeout=fault.seconds)

    def arm(self, kind: str, **params: Any) -> Faults:
        """Arm a fault by name (for the admin API); unknown kinds or parameters raise ValueError."""
        makers: dict[str, Callable[..., Faults]] = {name: getattr(self, name) for name in KINDS}
        if kind not in makers:
            raise ValueError(f"Unknown fault {kind!r}; choose one of: {', '.join(KINDS)}.")
        try:
            return makers[kind](**params)
        except TypeError as exc:
            raise ValueError(f"Bad parameters for fault {kind!r}: {exc}.") from None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self) -> Fault | None:
        """The fault this request suffers (counted down), or None to answer normally."""
        with self._lock:
            for fault in self._armed:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._armed.remove(fault)
                self._fired.append(fault.kind)
                return fault
            return None

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._armed]

    @property
    def fired(self) -> list[FaultKind]:
        """Every fault that has fired so far, in order (tests check that the client really met them)."""
        with self._lock:
            return list(self._fired)

    def _arm(self, fault: Fault) -> Faults:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("A fault must fire at least once (times >= 1), or pass times=None for always.")
        with self._lock:
            self._armed.append(fault)
        return self
