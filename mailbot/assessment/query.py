"""What the report reads from the state database: counts grouped in SQL, and the rows the CSV lists.

Counts (received, decided, within the standard, open, overdue) are aggregated by the database per owner and
kind. Percentiles are not: SQLite has no percentile function and PostgreSQL's percentile_cont is not portable,
so answer times are taken from the message rows the CSV lists anyway (one per message of the period), and their
business hours (which need the office calendar) are computed in Python.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Engine, and_, case, func, or_, select

from mailbot.assessment.figures import Counts
from mailbot.policy.complaint import ESCALATED
from mailbot.store.models import AbsenceRow, ComplaintRow, TouchpointRow, TouchpointUpdateRow, TrackedRow

_TRACKED = TrackedRow.__table__
T = _TRACKED.c
C = ComplaintRow.__table__.c
_COMPLAINT = and_(C.mailbox == T.mailbox, C.message_id == T.message_id)
U = TouchpointUpdateRow.__table__.c
P = TouchpointRow.__table__.c
A = AbsenceRow.__table__.c


class MessageRow(NamedTuple):
    """One tracked message, as messages.csv lists it (a named tuple: a year holds a quarter of a million)."""

    mailbox: str
    owner: str
    kind: str
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    resolution: str
    answered_by: str = ""  # whose Sent Items held the first answer (an address); "" when unknown
    complaint: bool = False


def owner_counts(
    engine: Engine, start: datetime, end: datetime, as_of: datetime, owners: Collection[str]
) -> dict[tuple[str, str], Counts]:
    """Counts per (owner, kind) of the messages received in [start, end), as they stand at `as_of`: received,
    decided, within the standard, open, overdue, and complaints (noted by `as_of`) and those escalated by then.
    Overdue at end of day needs each office's calendar: command.py counts it from the message rows."""
    answered = and_(T.answered_at.is_not(None), T.answered_at <= as_of)
    unanswered = or_(T.answered_at.is_(None), T.answered_at > as_of)
    complaint = and_(C.noted_at.is_not(None), C.noted_at <= as_of)
    query = (
        select(
            T.owner_id, T.kind, func.count(),
            _sum(or_(answered, T.due_at <= as_of)),
            _sum(and_(answered, T.answered_at <= T.due_at)),
            _sum(unanswered),
            _sum(and_(unanswered, T.due_at <= as_of)),
            _sum(complaint),
            _sum(and_(complaint, C.escalated_at <= as_of, C.outcome.startswith(ESCALATED, autoescape=True))),
        )
        .select_from(_TRACKED.outerjoin(ComplaintRow.__table__, _COMPLAINT))
        .where(T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)))
        .group_by(T.owner_id, T.kind)
    )  # fmt: skip
    with engine.connect() as connection:
        return {(owner, kind): _counts(*values) for owner, kind, *values in connection.execute(query)}


def messages(
    engine: Engine, start: datetime, end: datetime, owners: Collection[str], as_of: datetime | None = None
) -> list[MessageRow]:
    """Every tracked message of `owners` received in [start, end), oldest first, each marked whether it was noted
    as a complaint by `as_of` (ever noted, without one)."""
    as_of = as_of or datetime.max.replace(tzinfo=UTC)
    columns = (T.mailbox, T.owner_id, T.kind, T.received_at, T.due_at, T.answered_at, T.resolution, T.answered_by)
    query = (
        select(*columns, C.noted_at)
        .select_from(_TRACKED.outerjoin(ComplaintRow.__table__, _COMPLAINT))
        .where(T.received_at >= start, T.received_at < end, T.owner_id.in_(list(owners)))
        .order_by(T.received_at, T.mailbox, T.message_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [MessageRow(*row[:8], complaint=row[8] is not None and row[8] <= as_of) for row in rows]


def touchpoint_updates(
    engine: Engine, start: datetime, end: datetime, as_of: datetime, owners: Collection[str]
) -> dict[tuple[str, str], Counts]:
    """Per (owner, kind of the request's message): the recorded touchpoint updates that fell due in [start, end) by
    `as_of`, and those given by their due time. Updates due on requests still followed are not recorded until
    given: open_touchpoints lists those."""
    on_time = and_(U.given_at.is_not(None), U.given_at <= U.due_at, U.given_at <= as_of)
    kind = func.coalesce(T.kind, "email")
    query = (
        select(U.owner_id, kind, func.count(), _sum(on_time))
        .select_from(TouchpointUpdateRow.__table__.outerjoin(_TRACKED, and_(T.mailbox == U.mailbox,
                                                                           T.message_id == U.message_id)))
        .where(U.due_at >= start, U.due_at < end, U.due_at <= as_of, U.owner_id.in_(list(owners)))
        .group_by(U.owner_id, kind)
    )  # fmt: skip
    with engine.connect() as connection:
        return {
            (owner, kind): Counts(updates_due=int(due), updates_on_time=int(given or 0))
            for owner, kind, due, given in connection.execute(query)
        }


def open_touchpoints(engine: Engine, owners: Collection[str]) -> list[tuple[str, str, datetime]]:
    """Owner, kind and last touch of each request still followed (few: those marked in progress right now)."""
    query = (
        select(P.owner_id, func.coalesce(T.kind, "email"), P.last_touch_at)
        .select_from(TouchpointRow.__table__.outerjoin(_TRACKED, and_(T.mailbox == P.mailbox,
                                                                     T.message_id == P.message_id)))
        .where(P.ended_at.is_(None), P.owner_id.in_(list(owners)))
    )  # fmt: skip
    with engine.connect() as connection:
        return [(owner, kind, last) for owner, kind, last in connection.execute(query)]


def absences(
    engine: Engine, start: datetime, end: datetime, as_of: datetime, people: Collection[str]
) -> dict[tuple[str, str], Counts]:
    """Per (person, "all"): the absences that began in [start, end) by `as_of`, and those an automatic reply
    covered from before they began. One mailbot first saw under way with a reply already in place is left out:
    when that reply was set is not known."""
    unknown = and_(A.noted_at > A.start, A.covered_at == A.noted_at)
    query = (
        select(A.person_id, func.count(), _sum(and_(A.covered_at.is_not(None), A.covered_at <= A.start)))
        .where(A.start >= start, A.start < end, A.start <= as_of, A.person_id.in_(list(people)), ~unknown)
        .group_by(A.person_id)
    )
    with engine.connect() as connection:
        return {
            (person, "all"): Counts(absences=int(begun), absences_covered=int(covered or 0))
            for person, begun, covered in connection.execute(query)
        }


def _counts(
    volume: int, decided: int | None, within: int | None, open_: int | None, overdue: int | None,
    complaints: int | None, escalated: int | None,
) -> Counts:  # fmt: skip
    return Counts(
        volume=int(volume), decided=int(decided or 0), within=int(within or 0), open=int(open_ or 0),
        overdue=int(overdue or 0), complaints=int(complaints or 0), escalated=int(escalated or 0),
    )  # fmt: skip


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
