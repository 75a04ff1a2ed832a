"""The report's counts come from the state database by SQL aggregation, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.assessment.figures import Counts
from mailbot.assessment.query import messages, owner_counts
from mailbot.domain import MessageKind, Tracked
from mailbot.store import SqlStore

START, END = datetime(2026, 11, 23, 5, tzinfo=UTC), datetime(2026, 11, 30, 5, tzinfo=UTC)
AS_OF = datetime(2026, 11, 27, 12, tzinfo=UTC)


def tracked(n: int, owner: str, kind: MessageKind, received: int, due: int, answered: int | None) -> Tracked:
    """A message received, due and answered on those days of November 2026 at noon UTC."""
    return Tracked(
        mailbox=f"{owner}@example.org", message_id=f"<{n}@example.org>", conversation_id=f"c{n}", owner_id=owner,
        sender="member@example.com", subject=f"Question {n}", kind=kind, received_at=at(received), due_at=at(due),
        answered_at=None if answered is None else at(answered), resolution="" if answered is None else "reply",
    )  # fmt: skip


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 12, tzinfo=UTC)


EMAIL, VOICEMAIL = MessageKind.EMAIL, MessageKind.VOICEMAIL
ROWS = [
    tracked(1, "ada", EMAIL, 23, 24, 24),  # on time
    tracked(2, "ada", EMAIL, 23, 24, 25),  # late
    tracked(3, "ada", EMAIL, 24, 25, None),  # overdue
    tracked(4, "ada", EMAIL, 26, 28, None),  # open, not yet due: not decided
    tracked(5, "ada", EMAIL, 26, 27, 29),  # answered after the report's moment: still open then, and overdue
    tracked(6, "ada", VOICEMAIL, 25, 25, 25),  # on time
    tracked(7, "bo", EMAIL, 24, 25, 25),  # on time
    tracked(8, "ada", EMAIL, 20, 23, 23),  # received before the period
    tracked(9, "cy", EMAIL, 24, 25, 25),  # an owner not asked for
]


def test_counts_per_owner_and_kind_as_they_stood(store: SqlStore) -> None:
    """Received, decided, on time, open and overdue per owner and kind, at the report's moment."""
    for row in ROWS:
        store.upsert_tracked(row)
    assert {
        ("ada", "email"): Counts(volume=5, decided=4, within=1, open=3, overdue=2),
        ("ada", "voicemail"): Counts(volume=1, decided=1, within=1, open=0, overdue=0),
        ("bo", "email"): Counts(volume=1, decided=1, within=1, open=0, overdue=0),
    } == owner_counts(store.engine, START, END, AS_OF, ["ada", "bo"])


def test_messages_of_the_period_oldest_first(store: SqlStore) -> None:
    """The rows messages.csv lists: the owners asked for, received in the period, in order of arrival."""
    for row in ROWS:
        store.upsert_tracked(row)
    listed = messages(store.engine, START, END, ["ada", "bo"])
    assert [("ada", 23, "email"), ("ada", 23, "email"), ("ada", 24, "email"), ("bo", 24, "email"),
            ("ada", 25, "voicemail"), ("ada", 26, "email"), ("ada", 26, "email")] == [
        (row.owner, row.received_at.day, row.kind) for row in listed
    ]  # fmt: skip
    assert [24, 25, None] == [row.answered_at and row.answered_at.day for row in listed[:3]]


def test_complaints_and_escalations_are_counted_as_they_stood(store: SqlStore) -> None:
    """A complaint escalated to the supervisors, one settled without (answered first) and one noted only after the
    report's moment: two complaints then, one escalated; the message rows say which were complaints."""
    for row in ROWS:
        store.upsert_tracked(row)
    store.note_complaint("ada@example.org", "<1@example.org>", at(23), "it is marked Complaint")
    store.settle_complaint("ada@example.org", "<1@example.org>", at(23), "sent to Maria Reyes")
    store.note_complaint("ada@example.org", "<3@example.org>", at(24), 'the subject mentions "unacceptable"')
    store.settle_complaint("ada@example.org", "<3@example.org>", at(24), "answered before it could be escalated")
    store.note_complaint("bo@example.org", "<7@example.org>", at(28), "it is marked Complaint")
    counts = owner_counts(store.engine, START, END, AS_OF, ["ada", "bo"])
    assert (2, 1) == (counts[("ada", "email")].complaints, counts[("ada", "email")].escalated)
    assert (0, 0) == (counts[("bo", "email")].complaints, counts[("bo", "email")].escalated)
    assert (
        Counts(volume=5, decided=4, within=1, open=3, overdue=2, complaints=2, escalated=1) == counts[("ada", "email")]
    )
    listed = messages(store.engine, START, END, ["ada", "bo"], AS_OF)
    assert [True, False, True, False] == [row.complaint for row in listed[:4]]
