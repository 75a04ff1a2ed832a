"""The go-live part of SqlStore: where tracking began, what each mailbox's first read left out, and the two
changes a moved horizon needs (read a mailbox again from the start, reopen what the horizon had closed).

A mixin, like followups.py; SqlStore provides the session and upsert plumbing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mailbot.domain import TrackingStart
from mailbot.store.models import Base, LeftOutRow, SyncStateRow, TrackedRow, TrackingStartRow, to_utc
from mailbot.store.port import LeftOutRecord

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

_ONLY = 1  # the one row of tracking_start


class HorizonStore:
    """Go-live records on SQLAlchemy; every time passed in must be aware, every one returned is UTC."""

    if TYPE_CHECKING:  # provided by SqlStore

        def _session(self) -> AbstractContextManager[Session]: ...
        def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert: ...
        def _upsert(
            self, model: type[Base], values: dict[str, Any], keys: list[str], overrides: dict[str, Any] | None = None
        ) -> postgresql.Insert | sqlite.Insert: ...

    def tracking_start(self) -> TrackingStart | None:
        with self._session() as s:
            row = s.get(TrackingStartRow, _ONLY)
            return None if row is None else TrackingStart(row.first_run_at, row.since)

    def begin_tracking(self, start: TrackingStart, at: datetime) -> TrackingStart:
        # INSERT ... ON CONFLICT DO NOTHING, then read: two first runs at once agree on whichever came first.
        statement = self._insert(TrackingStartRow).values(_start_values(start, at))
        with self._session() as s:
            s.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
            row = s.get(TrackingStartRow, _ONLY, populate_existing=True)
            assert row is not None  # inserted just now or before
            return TrackingStart(row.first_run_at, row.since)

    def put_tracking_start(self, start: TrackingStart, at: datetime) -> None:
        with self._session() as s:
            s.execute(self._upsert(TrackingStartRow, _start_values(start, at), ["id"]))

    def note_left_out(self, mailbox: str, horizon: datetime, messages: int, at: datetime) -> bool:
        values = {"mailbox": mailbox, "horizon": to_utc(horizon, "horizon"), "messages": messages,
                  "counted_at": to_utc(at, "count time")}  # fmt: skip
        statement = (
            self._insert(LeftOutRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["mailbox"])
            .returning(LeftOutRow.mailbox)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def left_out(self) -> list[LeftOutRecord]:
        with self._session() as s:
            rows = s.scalars(select(LeftOutRow).order_by(LeftOutRow.mailbox))
            return [LeftOutRecord(r.mailbox, r.horizon, r.messages, r.counted_at) for r in rows]

    def forget_sync_states(self, mailbox: str) -> None:
        with self._session() as s:
            s.execute(delete(SyncStateRow).where(SyncStateRow.mailbox == mailbox))

    def reopen(self, mailbox: str, message_id: str, resolution: str) -> bool:
        statement = (
            update(TrackedRow)
            .where(
                TrackedRow.mailbox == mailbox,
                TrackedRow.message_id == message_id,
                TrackedRow.answered_at.is_not(None),
                TrackedRow.resolution == resolution,
            )
            .values(answered_at=None, resolution="", answered_by="")
            .returning(TrackedRow.mailbox)
            .execution_options(synchronize_session=False)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None


def _start_values(start: TrackingStart, at: datetime) -> dict[str, Any]:
    return {"id": _ONLY, "first_run_at": to_utc(start.first_run_at, "first run time"), "since": start.since,
            "updated_at": to_utc(at, "update time")}  # fmt: skip
