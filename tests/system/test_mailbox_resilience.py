"""No mailbox stops being tracked because of what its folders hold or how hard the server throttles it, and the
supervisor hears of one that could not be read.

Each test runs sync_mail through both backends, EWS and Graph (see conftest.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from mailbot.jobs import Deps
from mailbot.jobs.digest import digest
from mailbot.jobs.sync_mail import sync_mail, watched_mailboxes
from mailbot.sandbox import SandboxServer
from mailbot.sandbox.item_types import ITEM_TYPES

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
LI, ANNA, HELP = "li.chen@example.org", "anna.brandt@example.org", "help@example.org"
PAT = "Pat Member <pat.member@gmail.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def scenario_with_every_item_type() -> dict[str, Any]:
    """The example organisation, its mail gone, and in Li's Inbox and Sent Items one item of every type a
    member could send or staff could file there, seeded by item_type as a scenario file says it."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    for mailbox in scenario["mailboxes"]:
        mailbox.pop("inbox", None)
        mailbox.pop("sent", None)
    [li] = [m for m in scenario["mailboxes"] if m["email"] == LI]
    li["inbox"] = [{"from": PAT, "subject": f"In: {t}", "received": "2026-11-20T10:00:00-05:00", "item_type": t}
                   for t in ITEM_TYPES]  # fmt: skip
    li["sent"] = [{"to": ["pat.member@gmail.example"], "subject": f"Out: {t}", "sent": "2026-11-20T11:00:00-05:00",
                   "item_type": t} for t in ITEM_TYPES]  # fmt: skip
    return dict(scenario)


def run(server: SandboxServer, deps: Deps, now: datetime) -> Any:
    server.org.clock.set(now)
    return sync_mail(deps, now)


def skipped(deps: Deps) -> list[str]:
    return sorted(e.after or "" for e in deps.store.audit_entries() if e.action == "item_skipped")


def test_a_mailbox_holding_every_item_type_keeps_being_tracked(make_sandbox: Any, deps_for: Any) -> None:
    """With one item of each type in Li's Inbox and Sent Items, sync passes them all: the member's e-mail is
    tracked, meeting messages, sharing invitations and posts are judged and left untracked, the generic items are
    skipped once each in the audit, and mail arriving later is tracked on the next run."""
    server = make_sandbox(scenario_with_every_item_type())
    deps = deps_for(server)
    first = run(server, deps, at("2026-11-23T09:00"))
    server.org.deliver_external([LI], PAT, "Lost membership card", "Help", received_at=at("2026-11-23T10:00"))
    second = run(server, deps, at("2026-11-23T11:00"))
    li_problems = [p for r in (first, second) for p in r.problems if p.startswith(LI)]
    tracked = sorted(t.subject for t in deps.store.open_tracked() if t.mailbox == LI)
    assert ([], ["In: Message", "Lost membership card"], ["In: Item", "Out: Item"]) == (li_problems, tracked,
                                                                                        skipped(deps))  # fmt: skip


def test_a_mailbox_throttled_past_the_patience_fails_alone_and_is_synced_next_run(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """A server asking the first mailbox's sync to wait longer than retry_max_wait fails that mailbox for this run,
    named and in the audit; the others are synced in the same run, and the next run syncs it too."""
    deps = deps_for(sandbox)
    first_mailbox = watched_mailboxes(deps)[0]
    deps.backend.get_oof(first_mailbox)  # connected, so the fault meets the sync itself
    sandbox.faults.wrapped_server_busy(times=1, back_off_ms=30_000)
    sandbox.org.deliver_external([ANNA], PAT, "Address change", "New address", received_at=at("2026-11-23T08:00"))
    throttled = run(sandbox, deps, at("2026-11-23T09:00"))
    failed = [e.subject for e in deps.store.audit_entries() if e.action == "mailbox_failed"]
    tracked_anna = [t.subject for t in deps.store.open_tracked() if t.mailbox == ANNA]
    assert ([first_mailbox], True, True) == (
        [p.partition(":")[0] for p in throttled.problems if "back off" in p], first_mailbox in failed,
        "Address change" in tracked_anna)  # fmt: skip
    again = run(sandbox, deps, at("2026-11-23T10:00"))
    assert [] == [p for p in again.problems if p.startswith(first_mailbox)]


def test_a_mailbox_whose_inbox_failed_reads_its_replies_again_with_its_inbox(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """When the first mailbox's sent items are read but its inbox is throttled past the patience, the next run
    reads its sent items again with its inbox, so a member message it had already answered is not left open."""
    deps = deps_for(sandbox)
    first_mailbox = watched_mailboxes(deps)[0]
    sandbox.org.deliver_external([first_mailbox], PAT, "Parking permit", "Where do I get one?",
                                 received_at=at("2026-11-23T08:00"), message_id="<permit@gmail.example>")  # fmt: skip
    sandbox.org.send(first_mailbox, ["pat.member@gmail.example"], "Re: Parking permit", "<p>At the desk.</p>",
                     in_reply_to="<permit@gmail.example>", at=at("2026-11-23T08:30"))  # fmt: skip

    def throttle_the_first_inbox(task: str, done: int, total: int) -> None:
        if task.endswith("(inboxes)") and done == 0:
            sandbox.faults.wrapped_server_busy(times=1, back_off_ms=30_000)

    throttled = run(sandbox, replace(deps, progress=throttle_the_first_inbox), at("2026-11-23T09:00"))
    again = run(sandbox, deps, at("2026-11-23T10:00"))
    still_open = [t.subject for t in deps.store.open_tracked() if t.mailbox == first_mailbox]
    failed = [p.partition(":")[0] for p in throttled.problems if "back off" in p]
    assert ([first_mailbox], [], []) == (failed, [p for p in again.problems if p.startswith(first_mailbox)],
                                         [s for s in still_open if s == "Parking permit"])  # fmt: skip


def fail_sent_items_of(sandbox: SandboxServer, deps: Deps, mailbox: str) -> Deps:
    """`deps` whose sync throttles `mailbox` past the patience: the fault is armed just before its sent items."""
    before = watched_mailboxes(deps).index(mailbox)

    def arm(task: str, done: int, total: int) -> None:
        if task.endswith("(sent items)") and done == before:
            sandbox.faults.wrapped_server_busy(times=1, back_off_ms=30_000)

    return replace(deps, progress=arm)


def digest_text(deps: Deps, now: datetime, supervisor: str = "mreyes") -> str:
    return str(digest(deps, now, send=False).details[supervisor].message.text)


def test_a_shared_mailbox_that_could_not_be_read_is_in_the_digest_of_its_owners_supervisor(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """The help desk's sync fails today: Maria, who looks after its owners, reads so in her digest."""
    deps = deps_for(sandbox)
    run(sandbox, fail_sent_items_of(sandbox, deps, HELP), at("2026-11-23T09:00"))
    assert "Member Help Desk: mailbot could not read the mailbox" in digest_text(deps, at("2026-11-23T17:00"))


def test_a_mailbox_failing_again_the_day_after_an_evening_failure_is_in_that_days_digest(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """Li's sync fails at 7:30 pm in New York (past midnight UTC, the service's clock) and again the next morning:
    the next day's digest says so, since each office day notes its own failure."""
    deps = deps_for(sandbox)
    failing = fail_sent_items_of(sandbox, deps, LI)
    run(sandbox, failing, at("2026-11-23T19:30").astimezone(UTC))
    run(sandbox, failing, at("2026-11-24T10:00").astimezone(UTC))
    assert "Li Chen: mailbot could not read the mailbox" in digest_text(deps, at("2026-11-24T17:00").astimezone(UTC))
