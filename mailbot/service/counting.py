"""The Exchange port, decorated: every call is counted, every error by its class, and each call shows progress.

The service wraps whatever backend service.yaml configures in this; jobs cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from mailbot.domain import CalendarEvent, MailItem, OofSettings, OutgoingMessage, SyncBatch
from mailbot.exchange.base import ExchangeBackend, Folder
from mailbot.service.metrics import Metrics

P = ParamSpec("P")
R = TypeVar("R")


class CountingBackend:
    """An ExchangeBackend that counts calls into `metrics` and calls `progress` after each one."""

    def __init__(self, inner: ExchangeBackend, metrics: Metrics, progress: Callable[[], None]) -> None:
        self.kind = inner.kind
        self._inner, self._metrics, self._progress = inner, metrics, progress
        self.sent = 0  # messages sent successfully, for the nudge count

    def calendar_view(self, mailbox: str, start: datetime, end: datetime) -> list[CalendarEvent]:
        return self._call("calendar_view", self._inner.calendar_view, mailbox, start, end)

    def get_oof(self, mailbox: str) -> OofSettings:
        return self._call("get_oof", self._inner.get_oof, mailbox)

    def set_oof(self, mailbox: str, settings: OofSettings) -> None:
        self._call("set_oof", self._inner.set_oof, mailbox, settings)

    def sync_folder(self, mailbox: str, folder: Folder, state: str | None, max_changes: int = 100) -> SyncBatch:
        return self._call("sync_folder", self._inner.sync_folder, mailbox, folder, state, max_changes)

    def get_message(self, mailbox: str, item_id: str) -> MailItem:
        return self._call("get_message", self._inner.get_message, mailbox, item_id)

    def send(self, mailbox: str, message: OutgoingMessage) -> None:
        self._call("send", self._inner.send, mailbox, message)
        self.sent += 1

    def save_draft(self, mailbox: str, message: OutgoingMessage) -> str:
        return self._call("save_draft", self._inner.save_draft, mailbox, message)

    def delete_draft(self, mailbox: str, item_id: str) -> None:
        self._call("delete_draft", self._inner.delete_draft, mailbox, item_id)

    def set_status_message(self, mailbox: str, message: str, expires: datetime) -> bool:
        return self._call("set_status_message", self._inner.set_status_message, mailbox, message, expires)

    def close(self) -> None:
        self._inner.close()

    def _call(self, operation: str, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        self._metrics.inc("mailbot_exchange_requests_total", operation=operation)
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            self._metrics.inc("mailbot_exchange_errors_total", operation=operation, kind=type(exc).__name__)
            raise
        finally:
            self._progress()
