"""The follow-up part of SqlStore: touchpoints (requests marked in progress) and complaints.

A mixin, so store.py stays one screenful per concern; SqlStore provides the session and upsert plumbing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbot.domain import Touchpoint, Tracked
from mailbot.store.models import Base, ComplaintRow, SentKeyRow, TouchpointRow, TrackedRow, sent_key, to_utc
from mailbot.store.port import ComplaintRecord

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


class FollowupStore:
    """Touchpoints and complaints on SQLAlchemy; every time passed in must be aware, every one returned is UTC."""

    if TYPE_CHECKING:  # provided by SqlStore

        def _session(self) -> AbstractContextManager[Session]: ...
        def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert: ...
        def get_tracked(self, mailbox: str, message_id: str) -> Tracked | None: ...

    def conversation_tracked(self, mailbox: str, conversation_id: str) -> list[Tracked]:
        query = (
            select(TrackedRow.message_id)
            .where(TrackedRow.mailbox == mailbox, TrackedRow.conversation_id == conversation_id)
            .order_by(TrackedRow.received_at, TrackedRow.message_id)
        )
        with self._session() as s:
            found = [self.get_tracked(mailbox, message_id) for message_id in s.scalars(query)]
        return [t for t in found if t is not None]

    # Touchpoints

    def start_touchpoint(self, touchpoint: Touchpoint) -> bool:
        values = _touchpoint_values(touchpoint) | {"ended_at": None, "end_reason": ""}
        fresh = {name: value for name, value in values.items() if name not in ("mailbox", "message_id")}
        # One statement, so two runs starting the same touchpoint at once cannot both win: insert it, or
        # restart it only where it had ended; RETURNING says whether either happened.
        statement = (
            self._insert(TouchpointRow)
            .values(values)
            .on_conflict_do_update(
                index_elements=["mailbox", "message_id"], set_=fresh, where=TouchpointRow.ended_at.is_not(None)
            )
            .returning(TouchpointRow.mailbox)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def get_touchpoint(self, mailbox: str, message_id: str) -> Touchpoint | None:
        with self._session() as s:
            row = s.get(TouchpointRow, (mailbox, message_id))
            return None if row is None else _touchpoint(row)

    def touchpoints(self) -> list[Touchpoint]:
        query = select(TouchpointRow).where(TouchpointRow.ended_at.is_(None))
        query = query.order_by(TouchpointRow.last_touch_at, TouchpointRow.mailbox, TouchpointRow.message_id)
        with self._session() as s:
            return [_touchpoint(row) for row in s.scalars(query)]

    def touch(self, mailbox: str, message_id: str, at: datetime) -> bool:
        when = to_utc(at, "touch time")
        return self._update_followed(mailbox, message_id, {"last_touch_at": when}, TouchpointRow.last_touch_at < when)

    def end_touchpoint(self, mailbox: str, message_id: str, at: datetime, reason: str) -> bool:
        values = {"ended_at": to_utc(at, "end time"), "end_reason": reason}
        return self._update_followed(mailbox, message_id, values)

    def _update_followed(self, mailbox: str, message_id: str, values: dict[str, Any], *more: Any) -> bool:
        statement = (
            update(TouchpointRow)
            .where(
                TouchpointRow.mailbox == mailbox,
                TouchpointRow.message_id == message_id,
                TouchpointRow.ended_at.is_(None),
                *more,
            )
            .values(values)
            .returning(TouchpointRow.mailbox)
            .execution_options(synchronize_session=False)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    # Complaints

    def note_complaint(self, mailbox: str, message_id: str, at: datetime, reason: str) -> bool:
        values = {"mailbox": mailbox, "message_id": message_id, "noted_at": to_utc(at, "complaint time"),
                  "reason": reason, "escalated_at": None, "outcome": ""}  # fmt: skip
        statement = (
            self._insert(ComplaintRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["mailbox", "message_id"])
            .returning(ComplaintRow.mailbox)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def unsettled_complaints(self) -> list[ComplaintRecord]:
        return self._complaints(select(ComplaintRow).where(ComplaintRow.escalated_at.is_(None)))

    def settle_complaint(self, mailbox: str, message_id: str, at: datetime, outcome: str) -> None:
        statement = (
            update(ComplaintRow)
            .where(ComplaintRow.mailbox == mailbox, ComplaintRow.message_id == message_id)
            .values(escalated_at=to_utc(at, "escalation time"), outcome=outcome)
            .execution_options(synchronize_session=False)
        )
        with self._session() as s:
            s.execute(statement)

    def open_complaints(self) -> list[ComplaintRecord]:
        query = select(ComplaintRow).join(
            TrackedRow,
            (TrackedRow.mailbox == ComplaintRow.mailbox) & (TrackedRow.message_id == ComplaintRow.message_id),
        )
        return self._complaints(query.where(TrackedRow.answered_at.is_(None)))

    def _complaints(self, query: Any) -> list[ComplaintRecord]:
        query = query.order_by(ComplaintRow.noted_at, ComplaintRow.mailbox, ComplaintRow.message_id)
        with self._session() as s:
            return [
                ComplaintRecord(row.mailbox, row.message_id, row.noted_at, row.reason, row.escalated_at, row.outcome)
                for row in s.scalars(query)
            ]

    # Claims

    def claim_detail(self, key: str) -> str | None:
        with self._session() as s:
            detail: str | None = s.scalar(select(SentKeyRow.detail).where(SentKeyRow.key == sent_key(key)))
            return detail


def _touchpoint_values(tp: Touchpoint) -> dict[str, Any]:
    return {
        "mailbox": tp.mailbox,
        "message_id": tp.message_id,
        "conversation_id": tp.conversation_id,
        "owner_id": tp.owner_id,
        "sender": tp.sender,
        "sender_name": tp.sender_name,
        "subject": tp.subject,
        "item_id": tp.item_id,
        "received_at": to_utc(tp.received_at, "received time"),
        "started_at": to_utc(tp.started_at, "start time"),
        "last_touch_at": to_utc(tp.last_touch_at, "touch time"),
    }


def _touchpoint(row: TouchpointRow) -> Touchpoint:
    return Touchpoint(
        mailbox=row.mailbox, message_id=row.message_id, conversation_id=row.conversation_id, owner_id=row.owner_id,
        sender=row.sender, subject=row.subject, received_at=row.received_at, started_at=row.started_at,
        last_touch_at=row.last_touch_at, item_id=row.item_id, sender_name=row.sender_name, ended_at=row.ended_at,
        end_reason=row.end_reason,
    )  # fmt: skip
