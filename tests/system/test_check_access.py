"""The connection check end to end: every right proven on the example organisation through each backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from mailbot.jobs.check_access import SUBJECT, check_access
from mailbot.policy.access import MailboxAccess, Right
from mailbot.sandbox import Organisation, SandboxServer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=NY)
SERVICE, PETR, ANNA = "mailbot@example.org", "petr.novak@example.org", "anna.brandt@example.org"


def check(deps: Any, now: datetime = MONDAY, *, dry_run: bool = False) -> dict[str, MailboxAccess]:
    return {a.email: a for a in check_access(deps.settings, deps.backend, now, dry_run=dry_run)}


def mailboxes(org: Organisation) -> dict[str, Any]:
    """Everything a person would see in each mailbox: the automatic replies and each folder's messages."""
    folders = ("inbox", "sentitems", "drafts", "deleteditems")
    return {box.email: (org.get_oof(box.email), {f: sorted(m.subject for m in org.messages(box.email, f))
                                                 for f in folders}) for box in org.mailboxes()}  # fmt: skip


def test_the_departed_mailbox_without_impersonation_is_the_one_not_usable(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """Petr Novak's mailbox is off limits in the example; every other mailbox has every right mailbot needs."""
    found = check(deps_for(sandbox))
    petr = found.pop(PETR)
    assert (True, [Right.READ_OOF, Right.WRITE_OOF, Right.INBOX, Right.SENT]) == (
        petr.shut_out, [f.right for f in petr.missing])  # fmt: skip
    assert {email: [] for email in found} == {email: a.missing + a.unproven for email, a in found.items()}


def test_the_check_leaves_every_mailbox_as_it_was_but_for_its_message_to_itself(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """Replies, drafts and mail are as before; the service mailbox holds the one message it sent itself."""
    before = mailboxes(sandbox.org)
    check(deps_for(sandbox))
    after = mailboxes(sandbox.org)
    oof, folders = after.pop(SERVICE)
    expected_service = (before[SERVICE][0], {**before[SERVICE][1], "inbox": [SUBJECT], "sentitems": [SUBJECT]})
    assert {**before, SERVICE: expected_service} == {**after, SERVICE: (oof, folders)}


def test_a_schedule_that_already_ended_is_not_proven_and_not_touched(sandbox: SandboxServer, deps_for: Any) -> None:
    """After Anna's own scheduled reply has ended, writing it back is not proven (Exchange would refuse it), her
    reply stays as she left it, and her mailbox still counts as usable."""
    later = datetime(2026, 11, 26, 9, 0, tzinfo=NY)
    sandbox.org.clock.set(later)
    before = sandbox.org.get_oof(ANNA)
    anna = check(deps_for(sandbox), later)[ANNA]
    assert ([Right.WRITE_OOF], True, before) == ([f.right for f in anna.unproven], anna.usable,
                                                 sandbox.org.get_oof(ANNA))  # fmt: skip


def test_a_dry_run_proves_the_reads_and_writes_nothing(sandbox: SandboxServer, deps_for: Any) -> None:
    """With dry_run the writes are not proven and not done: no draft, no message, no reply written."""
    before = mailboxes(sandbox.org)
    found = check(deps_for(sandbox), dry_run=True)
    unproven = {f.right for a in found.values() for f in a.unproven}
    assert ({Right.WRITE_OOF, Right.DRAFTS, Right.SEND_AS}, before) == (unproven, mailboxes(sandbox.org))


def test_a_roster_granted_in_full_is_usable_everywhere(make_sandbox: Any, deps_for: Any) -> None:
    """With impersonation granted on Petr's mailbox too (on Graph: in the access policy), all mailboxes are usable."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    scenario["impersonation"].append(PETR)
    found = check(deps_for(make_sandbox(scenario)))
    assert [] == [a.name for a in found.values() if not a.usable]
