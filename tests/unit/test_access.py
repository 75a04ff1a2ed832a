"""Which rights mailbot needs where, and what a connection check's findings add up to."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mailbot.domain import OofSettings, OofState
from mailbot.policy.access import Finding, MailboxAccess, Right, needed, oof_write_unprovable

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_departed_staff_need_their_replies_and_mail_but_not_their_calendar() -> None:
    """mailbot keeps a departed person's reply and tracks their mail; it reads no calendar and saves no draft there."""
    assert (Right.READ_OOF, Right.WRITE_OOF, Right.INBOX, Right.SENT) == needed(["departed"])


def test_a_shared_mailbox_that_also_sends_needs_both_sets_in_one_order() -> None:
    """A shared mailbox serving as the service mailbox needs its mail, its drafts and sending, once each."""
    assert (Right.INBOX, Right.SENT, Right.DRAFTS, Right.SEND_AS) == needed(["service", "shared", "shared"])


def test_a_mailbox_refusing_everything_it_was_asked_is_shut_out() -> None:
    """Every tried right refused as a matter of access makes the mailbox off limits as a whole."""
    refused = [Finding(r, "missing", "denied", denied=True) for r in (Right.READ_OOF, Right.INBOX)]
    access = MailboxAccess("Petr", "p@example.org", ("departed",), (*refused, Finding(Right.WRITE_OOF, "not_proven")))
    assert (True, False) == (access.shut_out, access.usable)


def test_a_missing_mailbox_is_not_usable_but_not_a_matter_of_access() -> None:
    """A refusal that is not about access (no such mailbox) leaves the mailbox unusable, not shut out."""
    access = MailboxAccess("Gone", "g@example.org", ("shared",), (Finding(Right.INBOX, "missing", "no such mailbox"),))
    assert (False, False) == (access.shut_out, access.usable)


def test_a_right_not_proven_leaves_the_mailbox_usable() -> None:
    """Not proving a right is not a refusal: the mailbox still counts as usable."""
    findings = (Finding(Right.READ_OOF, "ok"), Finding(Right.WRITE_OOF, "not_proven", "schedule over"))
    access = MailboxAccess("Anna", "a@example.org", ("active",), findings)
    assert (True, [findings[1]]) == (access.usable, access.unproven)


def test_a_schedule_that_ended_cannot_be_written_back() -> None:
    """A scheduled reply that is over would be refused by Exchange, so writing it back proves nothing; when it
    ended is told in the mailbox's office time, its zone named."""
    over = OofSettings(OofState.SCHEDULED, "a", "b", start=datetime(2026, 11, 23, tzinfo=UTC),
                       end=datetime(2026, 11, 19, 23, tzinfo=UTC))  # fmt: skip
    assert "ended Fri 20 Nov 2026 00:00 CET, and" in (oof_write_unprovable(over, NOW, BERLIN, dry_run=False) or "")


def test_replies_that_are_off_or_still_running_can_be_written_back() -> None:
    """Replies that are off, on, or scheduled into the future are safe to write back as read."""
    running = OofSettings(OofState.SCHEDULED, "a", "b", start=NOW, end=datetime(2026, 12, 2, tzinfo=UTC))
    states = [OofSettings(OofState.DISABLED, "", ""), OofSettings(OofState.ENABLED, "a", "b"), running]
    assert [None, None, None] == [oof_write_unprovable(s, NOW, BERLIN, dry_run=False) for s in states]


def test_a_dry_run_writes_nothing_back() -> None:
    """In a dry run nothing is written, so writing is not proven."""
    assert "dry run" in (oof_write_unprovable(OofSettings(OofState.DISABLED, "", ""), NOW, BERLIN, dry_run=True) or "")
