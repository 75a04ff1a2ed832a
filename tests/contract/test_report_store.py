"""The report's counts come from the state database by SQL aggregation, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.assessment.figures import Counts
from mailbot.assessment.query import absences, messages, open_touchpoints, owner_counts, touchpoint_updates
from mailbot.domain import MessageKind, Touchpoint, Tracked
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


def followed(n: int, owner: str, last_touch: int) -> Touchpoint:
    """The request of tracked message n, marked in progress on the 23rd and last touched on that day."""
    return Touchpoint(
        mailbox=f"{owner}@example.org", message_id=f"<{n}@example.org>", conversation_id=f"c{n}", owner_id=owner,
        sender="member@example.com", subject=f"Question {n}", received_at=at(23), started_at=at(23),
        last_touch_at=at(last_touch),
    )  # fmt: skip


def test_touchpoint_updates_due_and_given_on_time(store: SqlStore) -> None:
    """Updates that fell due in the period by the report's moment, per owner and kind of the request's message:
    one given early, one given late, one owed when the request ended and filled in by its last reply, one owed
    and never given, one given after the moment and one due after it; requests still followed are listed."""
    for row in ROWS:
        store.upsert_tracked(row)
    ada, voice, bo = followed(1, "ada", 23), followed(6, "ada", 23), followed(7, "bo", 24)
    store.note_update(ada, at(24), at(24).replace(hour=9), at(24))  # on time
    store.note_update(ada, at(25), at(26), at(26))  # late
    store.note_update(ada, at(26), None, at(26))  # ended without it, then its last reply (on time) is filled in
    store.note_update(ada, at(26), at(26).replace(hour=11), at(26))
    store.note_update(ada, at(26), None, at(26))  # a later None does not undo a given update
    store.note_update(voice, at(25), None, at(25))  # never given
    store.note_update(bo, at(26), at(28), at(28))  # given after the report's moment: late as things stood
    store.note_update(bo, at(28), at(28), at(28))  # due after the report's moment: not yet counted
    assert {
        ("ada", "email"): Counts(updates_due=3, updates_on_time=2),
        ("ada", "voicemail"): Counts(updates_due=1, updates_on_time=0),
        ("bo", "email"): Counts(updates_due=1, updates_on_time=0),
    } == touchpoint_updates(store.engine, START, END, AS_OF, ["ada", "bo"])
    store.start_touchpoint(ada)
    store.start_touchpoint(bo)
    store.end_touchpoint(bo.mailbox, bo.message_id, at(26), "done")
    assert [("ada", "email", at(23))] == open_touchpoints(store.engine, ["ada", "bo"])


def test_absences_begun_and_covered_before_they_began(store: SqlStore) -> None:
    """Absences that began in the period by the report's moment: one covered days ahead, one covered only after
    it began, one never covered, one first seen under way with a reply already on (when that was set is unknown:
    left out), one moved before it began (forgotten), and one still ahead."""
    store.note_absence("ada", at(24), at(25), at(20), covered=False)
    store.note_absence("ada", at(24), at(26), at(21), covered=True)  # covered ahead, its end moved
    store.note_absence("ada", at(24), at(26), at(24), covered=False)  # a later look does not undo it
    store.note_absence("ada", at(26), at(27), at(25), covered=False)
    store.note_absence("ada", at(26), at(27), at(26).replace(hour=13), covered=True)  # covered after it began
    store.note_absence("bo", at(24), at(25), at(23), covered=False)  # never covered
    store.note_absence("cy", at(24), at(25), at(24).replace(hour=13), covered=True)  # first seen under way, covered
    store.note_absence("bo", at(26), at(27), at(20), covered=True)
    store.forget_absences("bo", at(25), keep=None)  # the calendar no longer has the 26th
    store.note_absence("bo", at(28), at(29), at(25), covered=True)  # after the report's moment
    assert {
        ("ada", "all"): Counts(absences=2, absences_covered=1),
        ("bo", "all"): Counts(absences=1, absences_covered=0),
    } == absences(store.engine, START, END, AS_OF, ["ada", "bo", "cy"])


def test_who_sent_the_first_answer_is_kept_and_listed(store: SqlStore) -> None:
    """The mailbox whose Sent Items held the first answer is stored with it and read back with the message rows;
    a message closed otherwise has none."""
    store.upsert_tracked(tracked(10, "help", EMAIL, 23, 24, None))
    store.upsert_tracked(tracked(11, "help", EMAIL, 23, 24, None))
    assert store.mark_answered("help@example.org", "<10@example.org>", at(24), "reply", "ada@example.org")
    assert store.mark_answered("help@example.org", "<11@example.org>", at(24), "done")
    assert ["ada@example.org", ""] == [row.answered_by for row in messages(store.engine, START, END, ["help"])]
