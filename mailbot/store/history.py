"""The report's history part of SqlStore: touchpoint updates as they fell due, and absences with their cover.

Kept only for the report (`mailbot report`): nothing else reads them. A mixin like followups.py; SqlStore provides
the session and insert plumbing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mailbot.domain import Touchpoint
from mailbot.store.models import AbsenceRow, Base, TouchpointRow, TouchpointUpdateRow, to_utc

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


class HistoryStore:
    """Touchpoint updates and absences on SQLAlchemy; every time passed in must be aware."""

    if TYPE_CHECKING:  # provided by SqlStore

        def _session(self) -> AbstractContextManager[Session]: ...
        def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert: ...

    def note_update(
        self, touchpoint: Touchpoint, due_at: datetime, given_at: datetime | None, at: datetime
    ) -> None:  # fmt: skip
        """The update `touchpoint` fell due for at `due_at` was given at `given_at` (None: the request ended
        without one). A given time replaces a None, never the other way: the reply that ended the wait wins."""
        values = {
            "mailbox": touchpoint.mailbox, "message_id": touchpoint.message_id, "owner_id": touchpoint.owner_id,
            "due_at": to_utc(due_at, "due time"), "noted_at": to_utc(at, "time"),
            "given_at": None if given_at is None else to_utc(given_at, "update time"),
        }  # fmt: skip
        statement = self._insert(TouchpointUpdateRow).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["mailbox", "message_id", "due_at"],
            set_={"given_at": func.coalesce(TouchpointUpdateRow.given_at, statement.excluded.given_at)},
        )
        with self._session() as s:
            s.execute(statement)

    def touchpoints_ended_at(self, at: datetime) -> list[Touchpoint]:
        """The touchpoints this run (at `at`) ended, so its replies can still count as their last update."""
        from mailbot.store.followups import _touchpoint  # one mapping of rows to touchpoints

        query = select(TouchpointRow).where(TouchpointRow.ended_at == to_utc(at, "end time"))
        with self._session() as s:
            return [_touchpoint(row) for row in s.scalars(query)]

    def note_absence(self, person_id: str, start: datetime, end: datetime, at: datetime, *, covered: bool) -> None:
        """An absence seen on the calendar at `at`; `covered`: an automatic reply covering its start is in place
        now. The first moment it was covered is kept."""
        values = {
            "person_id": person_id, "start": to_utc(start, "absence start"), "end": to_utc(end, "absence end"),
            "noted_at": to_utc(at, "time"), "covered_at": to_utc(at, "time") if covered else None,
        }  # fmt: skip
        statement = self._insert(AbsenceRow).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["person_id", "start"],
            set_={"end": statement.excluded.end,
                  "covered_at": func.coalesce(AbsenceRow.covered_at, statement.excluded.covered_at)},
        )  # fmt: skip
        with self._session() as s:
            s.execute(statement)

    def forget_absences(self, person_id: str, after: datetime, keep: datetime | None = None) -> None:
        """Absences of the person not yet begun at `after` that the calendar no longer has (moved or cancelled);
        the one starting at `keep` stays."""
        statement = delete(AbsenceRow).where(AbsenceRow.person_id == person_id, AbsenceRow.start > to_utc(after))
        if keep is not None:
            statement = statement.where(AbsenceRow.start != to_utc(keep))
        with self._session() as s:
            s.execute(statement)
