"""The state database schema as SQLAlchemy models; migrations/versions/ must create exactly this."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, Dialect, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def to_utc(value: datetime, name: str = "time") -> datetime:
    """Return `value` in UTC; naive datetimes are refused because their offset would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"The {name} {value.isoformat()} has no timezone; pass an aware datetime.")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC and always read back as an aware UTC datetime (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        # SQLite has no time zone type and would drop tzinfo anyway; store naive UTC explicitly.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncStateRow(Base):
    """The opaque Exchange sync cursor of one folder of one mailbox."""

    __tablename__ = "sync_state"

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackedRow(Base):
    """A member message watched until answered; `categories` is a JSON list of strings."""

    __tablename__ = "tracked"
    __table_args__ = (
        Index("ix_tracked_owner_id_due_at", "owner_id", "due_at"),
        Index("ix_tracked_answered_at_due_at", "answered_at", "due_at"),
        Index("ix_tracked_mailbox_item_id", "mailbox", "item_id"),
        Index("ix_tracked_conversation_id", "conversation_id"),
        Index("ix_tracked_received_at_owner_id", "received_at", "owner_id"),  # reports: a period's messages
    )

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(998))
    owner_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    categories: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(String(512), server_default="")
    sender_name: Mapped[str] = mapped_column(Text, server_default="")
    resolution: Mapped[str] = mapped_column(String(32), server_default="")
    web_link: Mapped[str] = mapped_column(Text, server_default="")
    # Whose Sent Items held the first answer (a person's or a shared mailbox's address); "" when unknown.
    answered_by: Mapped[str] = mapped_column(String(320), server_default="")


class TouchpointRow(Base):
    """A member request marked in progress, followed until Done: when the member last heard from us."""

    __tablename__ = "touchpoint"
    __table_args__ = (
        Index("ix_touchpoint_ended_at", "ended_at"),
        Index("ix_touchpoint_conversation_id", "conversation_id"),
    )

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(998))
    owner_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(998))
    sender_name: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(String(512))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_touch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(32))


class TouchpointUpdateRow(Base):
    """A status update a followed request fell due for, and when the member got it (None: not before it ended)."""

    __tablename__ = "touchpoint_update"
    __table_args__ = (Index("ix_touchpoint_update_due_at", "due_at"),)

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(255))
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AbsenceRow(Base):
    """An absence seen on a person's calendar, and when an automatic reply covering its start was first in place."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_start", "start"),)

    person_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    covered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintRow(Base):
    """A member message found to be a complaint, and how its escalation to the supervisors went."""

    __tablename__ = "complaint"

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), primary_key=True)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text)


class TrackingStartRow(Base):
    """Where tracking began: the first sync's moment and the `tracking.since` date in force (one row, id 1)."""

    __tablename__ = "tracking_start"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    since: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeftOutRow(Base):
    """The older unanswered member mail a mailbox's first read left out: how many, received before when."""

    __tablename__ = "left_out"

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    horizon: Mapped[datetime] = mapped_column(UTCDateTime)
    messages: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)


SENT_KEY_LENGTH = 512


def sent_key(key: str) -> str:
    """A claim's key as stored: itself when it fits the column, else its beginning and a SHA-256 of the whole (keys
    carry Message-IDs, which a sender may make nearly a thousand characters long)."""
    if len(key) <= SENT_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    marker = "…sha256:"
    return key[: SENT_KEY_LENGTH - len(marker) - len(digest)] + marker + digest


class SentKeyRow(Base):
    """A side effect (nudge, digest, e-mail) that has been claimed; the primary key makes it happen once."""

    __tablename__ = "sent_key"

    key: Mapped[str] = mapped_column(String(SENT_KEY_LENGTH), primary_key=True)  # sent_key(): never longer
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(Text)


class OofRecordRow(Base):
    """An out-of-office reply mailbot set, so it only ever clears what it set itself."""

    __tablename__ = "oof_record"

    person_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32))
    start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """One change mailbot made, with what it was before, after, and why."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text)


class JobRunRow(Base):
    """One finished run of a scheduled job, used to catch up after downtime."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_finished_at", "job", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class WeeklyStatusRow(Base):
    """The weekly status sent to a person for a week: the plan last sent (JSON), when, and what its update changed."""

    __tablename__ = "weekly_status"
    __table_args__ = (Index("ix_weekly_status_week_start", "week_start"),)

    person_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(Text)
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sends: Mapped[int] = mapped_column(Integer)
    status_message: Mapped[str] = mapped_column(String(32))
    changes: Mapped[str] = mapped_column(Text)  # JSON list of sentences: what the last update changed


class SurveyRow(Base):
    """A member survey asked about one request (once: `request_key` is unique), and until when its links work."""

    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_sent_at", "sent_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # opaque, random: what the signed links carry
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    mailbox: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(998))
    owner_id: Mapped[str] = mapped_column(String(255))
    delivered: Mapped[str] = mapped_column(String(16))  # message (an e-mail to the member) or draft
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyAnswerRow(Base):
    """The member's answer to a survey: one score (the primary key keeps it single), and an optional comment."""

    __tablename__ = "survey_answer"
    __table_args__ = (Index("ix_survey_answer_answered_at", "answered_at"),)

    survey_id: Mapped[str] = mapped_column(String(64), ForeignKey("survey.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
