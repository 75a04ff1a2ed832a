"""The annual assessment's counts come from the database, the same on SQLite and PostgreSQL: messages and
distinct members per channel, messages per month, and the year's complaints as they stood."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.assessment.annual_query import ComplaintLine, channels, complaints, members_writing, monthly
from mailbot.domain import MessageKind, Tracked
from mailbot.store import SqlStore

START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
AS_OF = datetime(2026, 12, 31, 12, tzinfo=UTC)
BOUNDS = [datetime(2026, month, 1, tzinfo=UTC) for month in range(1, 13)] + [END]


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def tracked(n: int, sender: str, kind: MessageKind, received: datetime, answered: datetime | None) -> Tracked:
    return Tracked(
        mailbox="help@example.org", message_id=f"<{n}@example.org>", conversation_id=f"c{n}", owner_id="ada",
        sender=sender, subject=f"Question {n}", kind=kind, received_at=received, due_at=received.replace(hour=20),
        answered_at=answered, resolution="" if answered is None else "reply",
    )  # fmt: skip


EMAIL, VOICEMAIL = MessageKind.EMAIL, MessageKind.VOICEMAIL
ROWS = [
    tracked(1, "Pat@Example.com", EMAIL, at(1, 5), at(1, 5)),
    tracked(2, "pat@example.com", EMAIL, at(1, 20), at(1, 21)),  # the same member, another case
    tracked(3, "kim@example.net", EMAIL, at(3, 2), None),
    tracked(4, "um@example.org", VOICEMAIL, at(3, 3), at(3, 3)),
    tracked(5, "um@example.org", VOICEMAIL, at(12, 30), None),
    tracked(6, "lee@example.net", EMAIL, datetime(2025, 12, 31, 23, tzinfo=UTC), None),  # the year before
]


def test_channels_and_members_writing(store: SqlStore) -> None:
    """E-mail: three messages from two members (addresses in any case), one of them writing twice; voicemail: two
    calls from one phone system."""
    for row in ROWS:
        store.upsert_tracked(row)
    assert [("email", 3, 2), ("voicemail", 2, 1)] == [
        (c.kind, c.messages, c.senders) for c in channels(store.engine, START, END, ["ada"])
    ]
    assert (2, 1) == members_writing(store.engine, START, END, ["ada"])
    assert (0, 0) == members_writing(store.engine, START, END, ["bo"])


def test_messages_per_month(store: SqlStore) -> None:
    """January's two e-mails, March's e-mail and voicemail, December's voicemail; nothing from the year before."""
    for row in ROWS:
        store.upsert_tracked(row)
    assert {(0, "email"): 2, (2, "email"): 1, (2, "voicemail"): 1, (11, "voicemail"): 1} == monthly(
        store.engine, BOUNDS, ["ada"]
    )


def test_complaints_as_they_stood(store: SqlStore) -> None:
    """Two complaints: one escalated and answered, one settled without escalation and answered after the report's
    moment (open then); a complaint noted after the moment is not yet one."""
    for row in ROWS:
        store.upsert_tracked(row)
    late = tracked(7, "kim@example.net", EMAIL, at(12, 1), datetime(2027, 1, 2, tzinfo=UTC))
    store.upsert_tracked(late)
    store.note_complaint("help@example.org", "<1@example.org>", at(1, 5), "keyword")
    store.settle_complaint("help@example.org", "<1@example.org>", at(1, 5), "sent to Maria Reyes")
    store.note_complaint("help@example.org", "<7@example.org>", at(12, 1), "category")
    store.settle_complaint("help@example.org", "<7@example.org>", at(12, 1), "not escalated: nobody is listed")
    store.note_complaint("help@example.org", "<3@example.org>", datetime(2027, 1, 5, tzinfo=UTC), "keyword")
    assert [
        ComplaintLine("ada", "email", at(1, 5), at(1, 5).replace(hour=20), at(1, 5), "reply", True),
        ComplaintLine("ada", "email", at(12, 1), at(12, 1).replace(hour=20), None, "", False),
    ] == complaints(store.engine, START, END, AS_OF, ["ada"])
