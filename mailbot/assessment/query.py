"""What the report reads from the state database: counts grouped in SQL, and the rows the CSV lists.

Counts (received, decided, within the standard, open, overdue) are aggregated by the database per owner and
kind. Percentiles are not: SQLite has no percentile function and PostgreSQL's percentile_cont is not portable,
so answer times are taken from the message rows the CSV lists anyway (one per message of the period), and their
business hours (which need the office calendar) are computed in Python.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, and_, case, func, or_, select

from mailbot.assessment.figures import Counts
from mailbot.store.models import TrackedRow

T = TrackedRow.__table__.c


@dataclass(frozen=True)
class MessageRow:
    """One tracked message, as messages.csv lists it."""

    mailbox: str
    owner: str
    kind: str
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    resolution: str
    answered_by: str = ""  # whose Sent Items held the first answer (an address); "" when unknown


def owner_counts(
    engine: Engine, start: datetime, end: datetime, as_of: datetime, owners: Collection[str]
) -> dict[tuple[str, str], Counts]:
    """Counts per (owner, kind) of the messages received in [start, end), as they stand at `as_of`."""
    answered = and_(T.answered_at.is_not(None), T.answered_at <= as_of)
    unanswered = or_(T.answered_at.is_(None), T.answered_at > as_of)
    query = (
        select(
            T.owner_id, T.kind, func.count(),
            _sum(or_(answered, T.due_at <= as_of)),
            _sum(and_(answered, T.answered_at <= T.due_at)),
            _sum(unanswered),
            _sum(and_(unanswered, T.due_at <= as_of)),
        )
        .where(T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)))
        .group_by(T.owner_id, T.kind)
    )  # fmt: skip
    with engine.connect() as connection:
        return {
            (owner, kind): Counts(int(volume), int(decided or 0), int(within or 0), int(open_ or 0), int(late or 0))
            for owner, kind, volume, decided, within, open_, late in connection.execute(query)
        }


def messages(engine: Engine, start: datetime, end: datetime, owners: Collection[str]) -> list[MessageRow]:
    """Every tracked message of `owners` received in [start, end), oldest first."""
    query = (
        select(TrackedRow)
        .where(TrackedRow.received_at >= start, TrackedRow.received_at < end, TrackedRow.owner_id.in_(list(owners)))
        .order_by(TrackedRow.received_at, TrackedRow.mailbox, TrackedRow.message_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        MessageRow(
            row.mailbox,
            row.owner_id,
            row.kind,
            row.received_at,
            row.due_at,
            row.answered_at,
            row.resolution,
            row.answered_by,
        )
        for row in rows
    ]


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
