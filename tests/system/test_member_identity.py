"""Which message is which is the Exchange item's to say, not headers a sender controls.

A stranger reusing a member's Message-ID does not overwrite the member's tracked message; two messages without a
Message-ID stay two; a Message-ID longer than any column is tracked and nudged like any other; reading the inbox
again from the start (a lost sync state) finds the same messages under the same keys. On EWS and Graph, and on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sandbox_fixtures import quiet_scenario

from mailbot.jobs import Deps
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.sandbox import SandboxServer
from mailbot.store import open_store

NY = ZoneInfo("America/New_York")
LI = "li.chen@example.org"
PAT, EVE = "Pat Member <pat.member@gmail.example>", "Eve Stranger <eve@elsewhere.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deps(request: pytest.FixtureRequest, deps_for: Callable[..., Deps]) -> Callable[[SandboxServer], Deps]:
    """deps_for, its store on SQLite or in a PostgreSQL schema of its own."""

    def make(server: SandboxServer) -> Deps:
        made = deps_for(server)
        if request.param == "postgres":
            made.store.close()
            made.store = open_store(request.getfixturevalue("postgres_schema_url"))
            request.addfinalizer(made.store.close)
        return made

    return make


def tracked(deps: Deps) -> list[tuple[str, str, str]]:
    """(sender, subject, due) of every message tracked in Li's mailbox."""
    rows = [t for t in deps.store.open_tracked() if t.mailbox == LI]
    return sorted((t.sender, t.subject, t.due_at.isoformat()) for t in rows)


def test_a_stranger_reusing_a_members_message_id_is_tracked_beside_it(make_sandbox: Any, deps: Any) -> None:
    server = make_sandbox(quiet_scenario())
    d = deps(server)
    server.org.deliver_external([LI], PAT, "Card not arrived", "Hello", received_at=at("2026-11-30T09:00"),
                                message_id="<shared@gmail.example>")  # fmt: skip
    server.org.clock.set(at("2026-11-30T10:00"))
    sync_mail(d, at("2026-11-30T10:00"))
    before = tracked(d)
    server.org.deliver_external([LI], EVE, "Ignore the other one", "Hi", received_at=at("2026-11-30T15:00"),
                                message_id="<shared@gmail.example>")  # fmt: skip
    server.org.clock.set(at("2026-11-30T16:00"))
    sync_mail(d, at("2026-11-30T16:00"))
    after = tracked(d)
    assert len(before) == 1 and before[0] in after  # the member's message, its sender, subject and deadline kept
    assert [row[:2] for row in after if row not in before] == [("eve@elsewhere.example", "Ignore the other one")]
    d.store.forget_sync_states(LI)
    sync_mail(d, at("2026-11-30T16:05"))  # read again: the same two
    assert after == tracked(d)


def test_messages_without_a_message_id_stay_apart(make_sandbox: Any, deps: Any) -> None:
    server = make_sandbox(quiet_scenario())
    d = deps(server)
    for subject in ("First without an id", "Second without an id"):
        server.org.deliver_external([LI], PAT, subject, "Hello", received_at=at("2026-11-30T09:00"), message_id="")
    server.org.clock.set(at("2026-11-30T10:00"))
    sync_mail(d, at("2026-11-30T10:00"))
    sync_mail(d, at("2026-11-30T10:05"))
    assert ["First without an id", "Second without an id"] == [subject for _, subject, _ in tracked(d)]


def test_a_message_id_longer_than_a_line_is_tracked_and_nudged(make_sandbox: Any, deps: Any) -> None:
    server = make_sandbox(quiet_scenario())
    d = deps(server)
    huge = f"<{'x' * 1200}@gmail.example>"
    server.org.deliver_external([LI], PAT, "Very long id", "Hello", received_at=at("2026-11-30T09:00"),
                                message_id=huge)  # fmt: skip
    server.org.clock.set(at("2026-11-30T16:00"))
    synced = sync_mail(d, at("2026-11-30T16:00"))
    assert [] == [problem for problem in synced.problems if LI in problem]
    assert ["Very long id"] == [subject for _, subject, _ in tracked(d)]
    result = nudge(d, at("2026-11-30T16:00"))
    # Li is on leave until Tuesday: James, her backup, is told.
    assert ["nudged James Okafor: 1 member message needs an answer soon"] == result.changes, result.problems
