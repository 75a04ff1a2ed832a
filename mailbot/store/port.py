"""The state store as a port: the values it returns and the `StateStore` protocol every backend meets."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mailbot.domain import Touchpoint, Tracked, TrackingStart


@dataclass(frozen=True)
class OofRecord:
    """An out-of-office reply mailbot set for a person; `fingerprint` identifies the absence it covers."""

    person_id: str
    fingerprint: str
    state: str
    start: datetime | None
    end: datetime | None
    set_at: datetime


@dataclass(frozen=True)
class ComplaintRecord:
    """A member message found to be a complaint: why, and how its escalation went (None: not yet settled)."""

    mailbox: str
    message_id: str
    noted_at: datetime
    reason: str
    escalated_at: datetime | None = None
    outcome: str = ""  # e.g. "sent to Maria Reyes", "answered before it could be escalated"


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: who did what to which subject, the value before and after, and why."""

    at: datetime
    actor: str
    action: str
    subject: str
    before: str | None
    after: str | None
    why: str


@dataclass(frozen=True)
class JobRun:
    """One finished run of a scheduled job."""

    job: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class WeeklyStatusRecord:
    """The weekly status mailbot sent a person for the week from `week_start`: the plan last sent, and when.

    `plan` is the days as JSON (policy.weekly_status.WeekPlan.dump()); `status_message` says whether the
    status message was set (set, not_supported, failed, off); `changes` are what the last update changed.
    """

    person_id: str
    week_start: date
    fingerprint: str
    plan: str
    first_sent_at: datetime
    last_sent_at: datetime
    sends: int
    status_message: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeftOutRecord:
    """How many older unanswered member messages a mailbox's first read left out (received before `horizon`)."""

    mailbox: str
    horizon: datetime
    messages: int
    counted_at: datetime


@dataclass(frozen=True)
class SurveyRecord:
    """A survey asked about one request (`request_key`, policy.satisfaction.request_key), with its answer if any."""

    id: str
    request_key: str
    mailbox: str
    message_id: str
    owner_id: str
    delivered: str  # message or draft
    sent_at: datetime
    expires_at: datetime
    score: int | None = None
    comment: str = ""
    answered_at: datetime | None = None
    commented_at: datetime | None = None


@dataclass(frozen=True)
class ScoreRecord:
    """A score a member gave, with the request's owner, mailbox and subject (for the digest)."""

    owner_id: str
    mailbox: str
    subject: str
    score: int
    comment: str
    answered_at: datetime


class StateStore(Protocol):
    """Everything mailbot remembers between runs. Every time passed in must be timezone-aware
    (naive ones raise ValueError); every time returned is aware UTC."""

    def transaction(self) -> AbstractContextManager[None]:
        """Run the store calls made inside the `with` block as one transaction: all kept or none."""
        ...

    def schema_version(self) -> str | None:
        """The migration revision the database is at (None if it was never migrated)."""
        ...

    def close(self) -> None: ...

    # Sync states
    def get_sync_state(self, mailbox: str, folder: str) -> str | None: ...

    def put_sync_state(self, mailbox: str, folder: str, state: str, at: datetime) -> None: ...

    def save_sync_batch(self, mailbox: str, folder: str, items: Iterable[Tracked], state: str, at: datetime) -> None:
        """Upsert `items` and then store the new sync `state`, in one transaction."""
        ...

    def forget_sync_states(self, mailbox: str) -> None:
        """Drop every sync state of `mailbox`, so each of its folders is read again from the start."""
        ...

    # Where tracking begins (the go-live horizon)
    def tracking_start(self) -> TrackingStart | None:
        """Where tracking began, or None before the first sync."""
        ...

    def begin_tracking(self, start: TrackingStart, at: datetime) -> TrackingStart:
        """Record `start` unless a start is recorded already; returns the one in force (also across processes)."""
        ...

    def put_tracking_start(self, start: TrackingStart, at: datetime) -> None:
        """Replace the recorded start (policy.yaml's `tracking.since` changed)."""
        ...

    def note_left_out(self, mailbox: str, horizon: datetime, messages: int, at: datetime) -> bool:
        """Remember what a mailbox's first read left out; True the first time, False ever after (the first is kept)."""
        ...

    def left_out(self) -> list[LeftOutRecord]:
        """Every mailbox's left-out count, by mailbox."""
        ...

    # Tracked messages
    def upsert_tracked(self, tracked: Tracked) -> None:
        """Insert or replace by (mailbox, message_id); an answer already recorded is never cleared."""
        ...

    def get_tracked(self, mailbox: str, message_id: str) -> Tracked | None: ...

    def key_holders(self, mailbox: str, message_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """For each of `message_ids` tracked in `mailbox`: the item id and sender of the message tracked under it."""
        ...

    def open_tracked(self, owner_id: str | None = None) -> list[Tracked]:
        """Unanswered messages (of one owner, if given), soonest due first."""
        ...

    def tracked_received(self, since: datetime, until: datetime | None = None) -> list[Tracked]:
        """Every tracked message received in [since, until), answered or not, oldest first (for reports)."""
        ...

    def tracked_answered(self, since: datetime) -> list[Tracked]:
        """Every tracked message answered (by a reply or marked Done) at or after `since` (the digest's week)."""
        ...

    def mark_answered(
        self, mailbox: str, message_id: str, at: datetime, resolution: str = "reply", by: str = ""
    ) -> bool:
        """Record the first answer (`by`: whose Sent Items held it, for the report); False if the message is unknown
        or was already answered."""
        ...

    def reopen(self, mailbox: str, message_id: str, resolution: str) -> bool:
        """Clear an answer recorded with `resolution` (e.g. before_horizon); False if it had none or another."""
        ...

    def conversation_tracked(self, mailbox: str, conversation_id: str) -> list[Tracked]:
        """Every tracked message of one conversation in one mailbox, answered or not, oldest first."""
        ...

    # Touchpoints: member requests marked in progress
    def start_touchpoint(self, touchpoint: Touchpoint) -> bool:
        """Follow `touchpoint`; False if it is followed already. One that ended starts afresh as given."""
        ...

    def get_touchpoint(self, mailbox: str, message_id: str) -> Touchpoint | None: ...

    def touchpoints(self) -> list[Touchpoint]:
        """The touchpoints still followed (not ended), the longest untouched first."""
        ...

    def touch(self, mailbox: str, message_id: str, at: datetime) -> bool:
        """Move a followed touchpoint's last touch forward to `at`; False if it is not followed or `at` is older."""
        ...

    def end_touchpoint(self, mailbox: str, message_id: str, at: datetime, reason: str) -> bool:
        """Stop following a touchpoint (done, unmarked, removed); False if it is not followed."""
        ...

    # History for the report
    def note_update(self, touchpoint: Touchpoint, due_at: datetime, given_at: datetime | None, at: datetime) -> None:
        """Record the update `touchpoint` fell due for at `due_at`: given at `given_at`, or None when it ended without
        one; a later call with a given time fills a None in."""
        ...

    def touchpoints_ended_at(self, at: datetime) -> list[Touchpoint]:
        """The touchpoints ended at exactly `at` (by the run of that moment)."""
        ...

    def note_absence(self, person_id: str, start: datetime, end: datetime, at: datetime, *, covered: bool) -> None:
        """Record an absence seen at `at`, and whether an automatic reply covering its start is in place then (the
        first such moment is kept)."""
        ...

    def forget_absences(self, person_id: str, after: datetime, keep: datetime | None = None) -> None:
        """Forget the person's recorded absences starting after `after`, except the one starting at `keep`."""
        ...

    # Complaints
    def note_complaint(self, mailbox: str, message_id: str, at: datetime, reason: str) -> bool:
        """Remember a complaint; True the first time, False ever after (its first reason is kept)."""
        ...

    def unsettled_complaints(self) -> list[ComplaintRecord]:
        """Complaints whose escalation is not settled yet, oldest first."""
        ...

    def settle_complaint(self, mailbox: str, message_id: str, at: datetime, outcome: str) -> None:
        """Record how the complaint's escalation went; it is not retried after this."""
        ...

    def open_complaints(self) -> list[ComplaintRecord]:
        """Complaints whose tracked message is not answered yet, oldest first (for the digest)."""
        ...

    # Member surveys
    def add_survey(self, survey: SurveyRecord) -> bool:
        """Record a survey asked; False (recording nothing) if its request has one already."""
        ...

    def survey_for(self, request_key: str) -> SurveyRecord | None: ...

    def get_survey(self, survey_id: str) -> SurveyRecord | None: ...

    def answer_survey(self, survey_id: str, score: int, at: datetime) -> bool:
        """Record the member's score; False if the survey was answered already (the first score stays)."""
        ...

    def comment_survey(self, survey_id: str, comment: str, at: datetime) -> bool:
        """Add the comment to an answered survey; False if it has none or was commented already."""
        ...

    def scores_since(self, since: datetime) -> list[ScoreRecord]:
        """Every score given at or after `since`, oldest first."""
        ...

    def requests_done(self, since: datetime) -> list[tuple[str, str]]:
        """(mailbox, message_id) of each request in progress marked Done at or after `since`, oldest first."""
        ...

    # Side-effect keys
    def claim(self, key: str, at: datetime, detail: str = "") -> bool:
        """True the first time `key` is claimed, False ever after (also across processes)."""
        ...

    def was_claimed(self, key: str) -> bool: ...

    def claim_detail(self, key: str) -> str | None:
        """The detail a claim was made with, or None if `key` was never claimed."""
        ...

    # Out-of-office replies mailbot set
    def get_oof_record(self, person_id: str) -> OofRecord | None: ...

    def put_oof_record(self, record: OofRecord) -> None: ...

    def delete_oof_record(self, person_id: str) -> None: ...

    def replace_oof_record(self, person_id: str, expected: OofRecord | None, new: OofRecord | None) -> bool:
        """Put `new` (None: delete) in place of the record only while it is still `expected` (None: there is none);
        False, changing nothing, when another run changed it first (also across processes)."""
        ...

    # Weekly statuses sent
    def get_weekly_status(self, person_id: str, week_start: date) -> WeeklyStatusRecord | None: ...

    def put_weekly_status(self, record: WeeklyStatusRecord) -> None:
        """Insert or replace by (person_id, week_start)."""
        ...

    def weekly_statuses(self, week_start: date) -> list[WeeklyStatusRecord]:
        """Every person's record for the week, by person id."""
        ...

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
    ) -> None: ...

    def audit_entries(self, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Entries at or after `since`, oldest first; `limit` keeps the newest that many."""
        ...

    # Job runs
    def record_job_run(
        self, job: str, started_at: datetime, finished_at: datetime, ok: bool, error: str | None = None
    ) -> None: ...

    def last_job_run(self, job: str, ok_only: bool = True) -> JobRun | None:
        """The most recently finished run of `job` (successful ones only, unless `ok_only` is False)."""
        ...
