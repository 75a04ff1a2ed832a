"""What the store keeps for the report: touchpoint updates as they fell due and absences with their cover, the same
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from mailbot.domain import MessageKind, Touchpoint, Tracked
from mailbot.store import SqlStore
from mailbot.store.models import AbsenceRow, TouchpointUpdateRow, TrackedRow


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


REQUEST = Touchpoint(
    mailbox="ada@example.org", message_id="<1@example.org>", conversation_id="c1", owner_id="ada",
    sender="member@example.com", subject="Question", received_at=at(23), started_at=at(23), last_touch_at=at(23),
)  # fmt: skip


def test_an_update_owed_when_the_request_ended_is_filled_in_by_its_last_reply(store: SqlStore) -> None:
    """An update noted as not given (the request ended) takes the reply read later in the run; a given update is
    never undone."""
    store.note_update(REQUEST, at(24), at(24, 9), at(24))
    store.note_update(REQUEST, at(24), None, at(25))
    store.note_update(REQUEST, at(25), None, at(26))
    store.note_update(REQUEST, at(25), at(25, 11), at(26))
    with store.engine.connect() as db:
        rows = db.execute(select(TouchpointUpdateRow.due_at, TouchpointUpdateRow.given_at)).all()
    assert [(at(24), at(24, 9)), (at(25), at(25, 11))] == sorted(rows)


def test_an_absence_keeps_the_first_moment_a_reply_covered_it(store: SqlStore) -> None:
    """Seen uncovered, then covered, then uncovered again: covered from the second look; its end follows the
    calendar; one not begun that the calendar no longer has is forgotten, the one kept stays."""
    store.note_absence("ada", at(25), at(26), at(20), covered=False)
    store.note_absence("ada", at(25), at(27), at(21), covered=True)
    store.note_absence("ada", at(25), at(27), at(22), covered=False)
    store.note_absence("ada", at(28), at(29), at(22), covered=False)
    store.forget_absences("ada", at(22), keep=at(25))
    with store.engine.connect() as db:
        rows = db.execute(select(AbsenceRow.start, AbsenceRow.end, AbsenceRow.noted_at, AbsenceRow.covered_at)).all()
    assert [(at(25), at(27), at(20), at(21))] == rows


def test_who_sent_the_first_answer_is_kept(store: SqlStore) -> None:
    """The mailbox whose Sent Items held the first answer is stored with it; one closed as Done has none."""
    for n in (1, 2):
        store.upsert_tracked(Tracked(
            mailbox="help@example.org", message_id=f"<{n}@example.org>", conversation_id=f"c{n}", owner_id="help",
            sender="member@example.com", subject="Question", kind=MessageKind.EMAIL, received_at=at(23),
            due_at=at(24),
        ))  # fmt: skip
    assert store.mark_answered("help@example.org", "<1@example.org>", at(24), "reply", "ada@example.org")
    assert store.mark_answered("help@example.org", "<2@example.org>", at(24), "done")
    with store.engine.connect() as db:
        rows = db.execute(select(TrackedRow.message_id, TrackedRow.answered_by).order_by(TrackedRow.message_id)).all()
    assert [("<1@example.org>", "ada@example.org"), ("<2@example.org>", "")] == [tuple(row) for row in rows]
