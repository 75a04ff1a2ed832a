"""Each level of an item is told once per owner, whoever was told: the backup while the owner was away, or the owner.

The example organisation with empty mailboxes: Li Chen is on vacation from Friday, November 27, and back on
Tuesday, December 1; James Okafor is her backup, and both answer the help desk's shared mailbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox_fixtures import quiet_scenario

from mailbot.jobs import Deps
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.sandbox import SandboxServer

NY = ZoneInfo("America/New_York")
LI, JAMES, HELP = "li.chen@example.org", "james.okafor@example.org", "help@example.org"
PAT = "Pat Member <pat.member@gmail.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def run(server: SandboxServer, deps: Deps, now: str) -> None:
    """Sync and nudge at `now` (New York), the sandbox's clock moved along."""
    server.org.clock.set(at(now))
    sync_mail(deps, at(now))
    nudge(deps, at(now))


def nudges_to(server: SandboxServer, mailbox: str) -> list[str]:
    return [m.subject for m in server.org.messages(mailbox, "inbox") if m.author.email == "mailbot@example.org"]


def test_the_owner_back_from_leave_is_not_told_again_what_the_backup_was(make_sandbox: Any, deps_for: Any) -> None:
    """Mail to Li and to the help desk, due soon on Monday, is nudged once to James (covering, and as a help desk
    owner); Li, back on Tuesday, is not told it again while it is due soon, but is told when it is overdue."""
    server = make_sandbox(quiet_scenario())
    deps = deps_for(server)
    for mailbox, subject in ((LI, "New address"), (HELP, "Card not arrived")):
        server.org.deliver_external([mailbox], PAT, subject, "Hello", received_at=at("2026-11-30T09:00"))
    run(server, deps, "2026-11-30T16:00")  # due soon: due on Tuesday at 9:00
    monday = (nudges_to(server, JAMES), nudges_to(server, LI))
    run(server, deps, "2026-12-01T08:30")  # Li is back; still due soon
    assert (["2 member messages need an answer soon"], []) == monday
    assert monday == (nudges_to(server, JAMES), nudges_to(server, LI))
    run(server, deps, "2026-12-01T09:30")  # overdue: a new level for each owner
    overdue = ("1 member message needs an answer (1 overdue)", "2 member messages need an answer (2 overdue)")
    assert ([*monday[0], overdue[0]], [overdue[1]]) == (nudges_to(server, JAMES), nudges_to(server, LI))


def test_a_store_from_before_keys_named_the_owner_is_not_told_again(make_sandbox: Any, deps_for: Any) -> None:
    """A nudge to James for Li's mail, kept under James's name as mailbot did before, is not repeated to Li."""
    server = make_sandbox(quiet_scenario())
    deps = deps_for(server)
    server.org.deliver_external([LI], PAT, "New address", "Hello", received_at=at("2026-11-30T09:00"))
    run(server, deps, "2026-11-30T09:05")
    [item] = deps.store.open_tracked()
    deps.store.claim(f"nudge:jokafor:{item.mailbox}:{item.message_id}:due_soon", at("2026-11-30T16:00"), JAMES)
    run(server, deps, "2026-12-01T08:30")
    assert [] == nudges_to(server, LI)
