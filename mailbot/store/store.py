"""SqlStore: the StateStore on SQLAlchemy, for SQLite files and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from types import TracebackType
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.domain import MessageKind, Tracked
from mailbot.errors import StoreError
from mailbot.store.engine import SQLITE_BUSY_SECONDS, WRITE_TRANSACTION, current_revision, open_engine, safe_url
from mailbot.store.followups import FollowupStore
from mailbot.store.history import HistoryStore
from mailbot.store.horizon import HorizonStore
from mailbot.store.models import (
    AuditRow,
    Base,
    JobRunRow,
    OofRecordRow,
    SentKeyRow,
    SyncStateRow,
    TrackedRow,
    WeeklyStatusRow,
    sent_key,
    to_utc,
)
from mailbot.store.port import AuditEntry, JobRun, OofRecord, WeeklyStatusRecord
from mailbot.store.surveys import SurveyStore


def open_store(url: str, *, migrate: bool = True) -> SqlStore:
    """Open the state database at `url` (SQLite file or PostgreSQL), migrating it to head unless told not to.

    Raises StoreError with an actionable sentence when the database cannot be reached, created or migrated.
    """
    return SqlStore(open_engine(url, migrate=migrate))


class SqlStore(FollowupStore, HorizonStore, SurveyStore, HistoryStore):
    """The StateStore on one SQLAlchemy engine; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(engine.execution_options(**WRITE_TRANSACTION), expire_on_commit=False)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SqlStore({safe_url(self._engine.url)!r})"

    def describe(self) -> str:
        """Where the state lives, password masked."""
        return safe_url(self._engine.url)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the store calls in the block one transaction; nested blocks join the outer one.

        On SQLite it takes the write lock at once, waiting for another process's transaction to end: what it reads,
        it writes on, and a claim it makes is decided against every claim committed before (see engine.py).
        """
        with self._session(write=True):
            yield

    def schema_version(self) -> str | None:
        with self._engine.connect() as connection:
            return current_revision(connection)

    # Sync states

    def get_sync_state(self, mailbox: str, folder: str) -> str | None:
        with self._session() as s:
            key = (SyncStateRow.mailbox == mailbox, SyncStateRow.folder == folder)
            return s.scalar(select(SyncStateRow.state).where(*key))

    def put_sync_state(self, mailbox: str, folder: str, state: str, at: datetime) -> None:
        values = {"mailbox": mailbox, "folder": folder, "state": state, "updated_at": to_utc(at, "sync time")}
        with self._session() as s:
            s.execute(self._upsert(SyncStateRow, values, ["mailbox", "folder"]))

    def save_sync_batch(self, mailbox: str, folder: str, items: Iterable[Tracked], state: str, at: datetime) -> None:
        with self._session():
            for item in items:
                self.upsert_tracked(item)
            self.put_sync_state(mailbox, folder, state, at)

    # Tracked messages

    def upsert_tracked(self, tracked: Tracked) -> None:
        values = {
            "mailbox": tracked.mailbox,
            "message_id": tracked.message_id,
            "conversation_id": tracked.conversation_id,
            "owner_id": tracked.owner_id,
            "sender": tracked.sender,
            "subject": tracked.subject,
            "kind": MessageKind(tracked.kind).value,
            "received_at": to_utc(tracked.received_at, "received time"),
            "due_at": to_utc(tracked.due_at, "due time"),
            "answered_at": _utc_or_none(tracked.answered_at, "answer time"),
            "categories": json.dumps(list(tracked.categories)),
            "item_id": tracked.item_id,
            "sender_name": tracked.sender_name,
            "resolution": tracked.resolution,
            "web_link": tracked.web_link,
        }
        keep_answer = {
            "answered_at": func.coalesce(values["answered_at"], TrackedRow.answered_at),
            "resolution": func.coalesce(func.nullif(values["resolution"], ""), TrackedRow.resolution),
        }
        with self._session() as s:
            s.execute(self._upsert(TrackedRow, values, ["mailbox", "message_id"], keep_answer))

    def get_tracked(self, mailbox: str, message_id: str) -> Tracked | None:
        with self._session() as s:
            row = s.get(TrackedRow, (mailbox, message_id))
            return None if row is None else _tracked(row)

    def key_holders(self, mailbox: str, message_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = sorted(set(message_ids))
        found: dict[str, tuple[str, str]] = {}
        with self._session() as s:
            for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
                query = select(TrackedRow.message_id, TrackedRow.item_id, TrackedRow.sender).where(
                    TrackedRow.mailbox == mailbox, TrackedRow.message_id.in_(chunk)
                )
                found.update({key: (item_id, sender) for key, item_id, sender in s.execute(query)})
        return found

    def open_tracked(self, owner_id: str | None = None) -> list[Tracked]:
        query = select(TrackedRow).where(TrackedRow.answered_at.is_(None))
        if owner_id is not None:
            query = query.where(TrackedRow.owner_id == owner_id)
        query = query.order_by(TrackedRow.due_at, TrackedRow.mailbox, TrackedRow.message_id)
        with self._session() as s:
            return [_tracked(row) for row in s.scalars(query)]

    def tracked_received(self, since: datetime, until: datetime | None = None) -> list[Tracked]:
        query = select(TrackedRow).where(TrackedRow.received_at >= to_utc(since, "start"))
        if until is not None:
            query = query.where(TrackedRow.received_at < to_utc(until, "end"))
        query = query.order_by(TrackedRow.received_at, TrackedRow.mailbox, TrackedRow.message_id)
        with self._session() as s:
            return [_tracked(row) for row in s.scalars(query)]

    def tracked_answered(self, since: datetime) -> list[Tracked]:
        query = select(TrackedRow).where(
            TrackedRow.answered_at >= to_utc(since, "start"), TrackedRow.resolution.in_(("reply", "done"))
        )
        query = query.order_by(TrackedRow.answered_at, TrackedRow.mailbox, TrackedRow.message_id)
        with self._session() as s:
            return [_tracked(row) for row in s.scalars(query)]

    def mark_answered(
        self, mailbox: str, message_id: str, at: datetime, resolution: str = "reply", by: str = ""
    ) -> bool:
        statement = (
            update(TrackedRow)
            .where(
                TrackedRow.mailbox == mailbox,
                TrackedRow.message_id == message_id,
                TrackedRow.answered_at.is_(None),
            )
            .values(answered_at=to_utc(at, "answer time"), resolution=resolution, answered_by=by)
            .execution_options(synchronize_session=False)
        )
        with self._session() as s:
            return _rowcount(s.execute(statement)) == 1

    # Side-effect keys

    def claim(self, key: str, at: datetime, detail: str = "") -> bool:
        # INSERT ... ON CONFLICT DO NOTHING: the primary key decides, atomically, with no read-then-write
        # race and without aborting an enclosing PostgreSQL transaction the way an IntegrityError would.
        values = {"key": sent_key(key), "claimed_at": to_utc(at, "claim time"), "detail": detail}
        # RETURNING tells whether this call inserted the row (INSERT rowcount is not reliable across drivers).
        statement = (
            self._insert(SentKeyRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(SentKeyRow.key)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def was_claimed(self, key: str) -> bool:
        with self._session() as s:
            return bool(s.scalar(select(exists().where(SentKeyRow.key == sent_key(key)))))

    # Out-of-office replies mailbot set

    def get_oof_record(self, person_id: str) -> OofRecord | None:
        with self._session() as s:
            row = s.get(OofRecordRow, person_id)
            if row is None:
                return None
            return OofRecord(row.person_id, row.fingerprint, row.state, row.start, row.end, row.set_at)

    def put_oof_record(self, record: OofRecord) -> None:
        with self._session() as s:
            s.execute(self._upsert(OofRecordRow, _oof_values(record), ["person_id"]))

    def delete_oof_record(self, person_id: str) -> None:
        with self._session() as s:
            s.execute(delete(OofRecordRow).where(OofRecordRow.person_id == person_id))

    def replace_oof_record(self, person_id: str, expected: OofRecord | None, new: OofRecord | None) -> bool:
        # One statement each, conditional on the record read before: a concurrent run's statement waits for this
        # transaction and then no longer finds `expected` (PostgreSQL re-reads the row; SQLite has waited for it).
        with self._session() as s:
            if expected is None:
                if new is None:
                    return s.get(OofRecordRow, person_id, populate_existing=True) is None
                insert = self._insert(OofRecordRow).values(_oof_values(new)).on_conflict_do_nothing()
                return s.execute(insert.returning(OofRecordRow.person_id)).first() is not None
            same = (
                OofRecordRow.person_id == person_id,
                OofRecordRow.fingerprint == expected.fingerprint,
                OofRecordRow.set_at == to_utc(expected.set_at, "OOF set time"),
            )
            if new is None:
                return _rowcount(s.execute(delete(OofRecordRow).where(*same))) == 1
            changed = update(OofRecordRow).where(*same).values(_oof_values(new))
            return _rowcount(s.execute(changed.execution_options(synchronize_session=False))) == 1

    # Weekly statuses sent

    def get_weekly_status(self, person_id: str, week_start: date) -> WeeklyStatusRecord | None:
        with self._session() as s:
            row = s.get(WeeklyStatusRow, (person_id, week_start))
            return None if row is None else _weekly(row)

    def put_weekly_status(self, record: WeeklyStatusRecord) -> None:
        values = {
            "person_id": record.person_id,
            "week_start": record.week_start,
            "fingerprint": record.fingerprint,
            "plan": record.plan,
            "first_sent_at": to_utc(record.first_sent_at, "first weekly status time"),
            "last_sent_at": to_utc(record.last_sent_at, "last weekly status time"),
            "sends": record.sends,
            "status_message": record.status_message,
            "changes": json.dumps(list(record.changes)),
        }
        with self._session() as s:
            s.execute(self._upsert(WeeklyStatusRow, values, ["person_id", "week_start"]))

    def weekly_statuses(self, week_start: date) -> list[WeeklyStatusRecord]:
        query = select(WeeklyStatusRow).where(WeeklyStatusRow.week_start == week_start)
        with self._session() as s:
            return [_weekly(row) for row in s.scalars(query.order_by(WeeklyStatusRow.person_id))]

    # Audit log

    def audit(
        self,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        before: str | None,
        after: str | None,
        why: str,
    ) -> None:
        row = AuditRow(
            at=to_utc(at, "audit time"),
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            why=why,
        )
        with self._session() as s:
            s.add(row)
            s.flush()

    def audit_entries(self, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        query = select(AuditRow)
        if since is not None:
            query = query.where(AuditRow.at >= to_utc(since, "audit start"))
        query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        with self._session() as s:
            rows = list(s.scalars(query))
        return [
            AuditEntry(row.at, row.actor, row.action, row.subject, row.before, row.after, row.why)
            for row in reversed(rows)
        ]

    # Job runs

    def record_job_run(
        self, job: str, started_at: datetime, finished_at: datetime, ok: bool, error: str | None = None
    ) -> None:
        row = JobRunRow(
            job=job,
            started_at=to_utc(started_at, "job start"),
            finished_at=to_utc(finished_at, "job finish"),
            ok=ok,
            error=error,
        )
        with self._session() as s:
            s.add(row)
            s.flush()

    def last_job_run(self, job: str, ok_only: bool = True) -> JobRun | None:
        query = select(JobRunRow).where(JobRunRow.job == job)
        if ok_only:
            query = query.where(JobRunRow.ok.is_(True))
        query = query.order_by(JobRunRow.finished_at.desc(), JobRunRow.id.desc()).limit(1)
        with self._session() as s:
            row = s.scalars(query).first()
            if row is None:
                return None
            return JobRun(row.job, row.started_at, row.finished_at, row.ok, row.error)

    # Plumbing

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        """The session of the enclosing transaction() on this thread, or a new one committed on exit."""
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        try:
            with (self._write_sessions if write else self._sessions).begin() as session:
                self._local.session = session
                try:
                    yield session
                finally:
                    self._local.session = None
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig):
                raise
            raise StoreError(
                f"The state database {self.describe()} stayed locked by another mailbot process for "
                f"{SQLITE_BUSY_SECONDS // 60} minutes; try again once it has finished."
            ) from None

    def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    def _upsert(
        self,
        model: type[Base],
        values: dict[str, Any],
        keys: list[str],
        overrides: dict[str, Any] | None = None,
    ) -> postgresql.Insert | sqlite.Insert:
        """INSERT `values`; when `keys` clash, update the other columns (`overrides` win)."""
        changes = {name: value for name, value in values.items() if name not in keys} | (overrides or {})
        return self._insert(model).values(values).on_conflict_do_update(index_elements=keys, set_=changes)


def _utc_or_none(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else to_utc(value, name)


def _oof_values(record: OofRecord) -> dict[str, Any]:
    return {
        "person_id": record.person_id,
        "fingerprint": record.fingerprint,
        "state": record.state,
        "start": _utc_or_none(record.start, "OOF start"),
        "end": _utc_or_none(record.end, "OOF end"),
        "set_at": to_utc(record.set_at, "OOF set time"),
    }


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


def _tracked(row: TrackedRow) -> Tracked:
    return Tracked(
        mailbox=row.mailbox,
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        owner_id=row.owner_id,
        sender=row.sender,
        subject=row.subject,
        kind=MessageKind(row.kind),
        received_at=row.received_at,
        due_at=row.due_at,
        answered_at=row.answered_at,
        categories=tuple(json.loads(row.categories)),
        item_id=row.item_id,
        sender_name=row.sender_name,
        resolution=row.resolution,
        web_link=row.web_link,
    )


def _weekly(row: WeeklyStatusRow) -> WeeklyStatusRecord:
    return WeeklyStatusRecord(
        person_id=row.person_id,
        week_start=row.week_start,
        fingerprint=row.fingerprint,
        plan=row.plan,
        first_sent_at=row.first_sent_at,
        last_sent_at=row.last_sent_at,
        sends=row.sends,
        status_message=row.status_message,
        changes=tuple(json.loads(row.changes)),
    )
