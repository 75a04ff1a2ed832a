"""What the annual assessment reads from the store beyond the report's counts, aggregated by the database:
messages and distinct senders per channel, messages per month, and the year's complaints (few: one row each).

A voicemail's sender is the phone system that recorded it (the caller is only in its subject), so distinct
members are counted from e-mail senders alone, by address in lower case.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, case, func, select

from mailbot.policy.complaint import ESCALATED
from mailbot.store.models import ComplaintRow, TrackedRow

T = TrackedRow.__table__.c
C = ComplaintRow.__table__.c


@dataclass(frozen=True)
class Channel:
    kind: str
    messages: int
    senders: int  # distinct sender addresses (for voicemail: the phone systems, not callers)


@dataclass(frozen=True)
class ComplaintLine:
    """One complaint of the period, as it stood at the report's moment."""

    owner: str
    kind: str
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None  # None: not answered by the report's moment
    resolution: str
    escalated: bool


def channels(engine: Engine, start: datetime, end: datetime, owners: Collection[str]) -> list[Channel]:
    """Messages and distinct senders per kind received in [start, end)."""
    query = (
        select(T.kind, func.count(), func.count(func.distinct(func.lower(T.sender))))
        .where(T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)))
        .group_by(T.kind)
        .order_by(T.kind)
    )
    with engine.connect() as connection:
        return [Channel(kind, int(count), int(senders)) for kind, count, senders in connection.execute(query)]


def members_writing(engine: Engine, start: datetime, end: datetime, owners: Collection[str]) -> tuple[int, int]:
    """Distinct members who e-mailed in [start, end), and of them those who wrote more than once."""
    per_member = (
        select(func.lower(T.sender).label("member"), func.count().label("messages"))
        .where(T.kind == "email", T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)))
        .group_by(func.lower(T.sender))
        .subquery()
    )
    query = select(func.count(), func.coalesce(func.sum(case((per_member.c.messages > 1, 1), else_=0)), 0))
    with engine.connect() as connection:
        members, again = connection.execute(query.select_from(per_member)).one()
    return int(members), int(again)


def monthly(engine: Engine, bounds: Sequence[datetime], owners: Collection[str]) -> dict[tuple[int, str], int]:
    """Messages per (month index, kind), the months given by their `bounds` (13 local midnights for a year):
    one query, the month found by comparing with the bounds (portable, unlike date functions)."""
    month = case(*((T.received_at < bound, index) for index, bound in enumerate(bounds[1:])), else_=len(bounds))
    query = (
        select(month, T.kind, func.count())
        .where(T.received_at >= bounds[0], T.received_at < bounds[-1], T.owner_id.in_(list(owners)))
        .group_by(month, T.kind)
    )
    with engine.connect() as connection:
        return {(int(index), kind): int(count) for index, kind, count in connection.execute(query)}


def complaints(
    engine: Engine, start: datetime, end: datetime, as_of: datetime, owners: Collection[str]
) -> list[ComplaintLine]:
    """The complaints among the messages received in [start, end), noted by `as_of`, oldest first."""
    query = (
        select(T.owner_id, T.kind, T.received_at, T.due_at, T.answered_at, T.resolution, C.outcome, C.escalated_at)
        .select_from(TrackedRow.__table__.join(ComplaintRow.__table__,
                                               and_(C.mailbox == T.mailbox, C.message_id == T.message_id)))
        .where(T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)), C.noted_at <= as_of)
        .order_by(T.received_at, T.mailbox, T.message_id)
    )  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        ComplaintLine(
            owner, kind, received, due, answered if answered is not None and answered <= as_of else None,
            resolution if answered is not None and answered <= as_of else "",
            escalated_at is not None and escalated_at <= as_of and outcome.startswith(ESCALATED),
        )
        for owner, kind, received, due, answered, resolution, outcome, escalated_at in rows
    ]  # fmt: skip
