"""Prometheus metrics in the text exposition format (version 0.0.4), written out by hand.

prometheus_client is not a dependency; the handful of counters, gauges and one summary the service keeps
need no more than this. Thread-safe: jobs update it on the main thread, /metrics reads it from the server.
"""

from __future__ import annotations

import threading

Labels = tuple[tuple[str, str], ...]

# name -> (type, help), in the order /metrics lists them; a metric shows once it has a value.
METRICS: dict[str, tuple[str, str]] = {
    "mailbot_items_open": ("gauge", "Member messages waiting for an answer."),
    "mailbot_items_overdue": ("gauge", "Member messages past their deadline."),
    "mailbot_nudges_sent_total": ("counter", "Nudge messages sent to owners, backups and supervisors."),
    "mailbot_job_runs_total": ("counter", "Job runs by outcome: ok, partial (some mailboxes failed) or error."),
    "mailbot_job_duration_seconds": ("summary", "How long job runs took."),
    "mailbot_exchange_requests_total": ("counter", "Calls to the Exchange backend by operation."),
    "mailbot_exchange_errors_total": ("counter", "Failed calls to the Exchange backend by operation and error."),
    "mailbot_backend_reachable": ("gauge", "1 when the last reachability check of Exchange passed."),
}
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # name -> (suffix, labels) -> value; a summary keeps its "_sum" and "_count" series under its name.
        self._values: dict[str, dict[tuple[str, Labels], float]] = {name: {} for name in METRICS}
        self._values["mailbot_nudges_sent_total"][("", ())] = 0.0

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        with self._lock:
            self._add(name, "", _key(labels), amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values[name][("", _key(labels))] = value

    def observe(self, name: str, value: float, **labels: str) -> None:
        """One observation of a summary: its `_sum` and `_count` grow."""
        with self._lock:
            self._add(name, "_sum", _key(labels), value)
            self._add(name, "_count", _key(labels), 1.0)

    def value(self, name: str, suffix: str = "", **labels: str) -> float:
        with self._lock:
            return self._values[name].get((suffix, _key(labels)), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for name, (kind, text) in METRICS.items():
                series = self._values[name]
                if not series:
                    continue
                lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
                lines += [_sample(name + suffix, labels, v) for (suffix, labels), v in sorted(series.items())]
        return "\n".join(lines) + "\n"

    def _add(self, name: str, suffix: str, key: Labels, amount: float) -> None:
        series = self._values[name]
        series[(suffix, key)] = series.get((suffix, key), 0.0) + amount


def _key(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _sample(name: str, labels: Labels, value: float) -> str:
    number = str(int(value)) if float(value).is_integer() else repr(float(value))
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{inner}}} {number}" if inner else f"{name} {number}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
