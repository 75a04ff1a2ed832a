"""What IT reads after `mailbot check --connect`: a line per mailbox, a sentence per refusal, a summary."""

from __future__ import annotations

from mailbot.policy.access import Finding, MailboxAccess, Right, Role
from mailbot.report_access import advice, mailbox_line, summary

DENIED = "the app may not access this mailbox (ErrorAccessDenied: Access is denied.)"


def access(*findings: Finding, roles: tuple[Role, ...] = ("active",)) -> MailboxAccess:
    return MailboxAccess("Li Chen", "li.chen@example.org", roles, findings)


def test_a_usable_mailbox_is_one_ok_line_and_no_advice() -> None:
    """A shared mailbox with every right is OK, and needs no sentence."""
    shared = access(Finding(Right.INBOX, "ok"), Finding(Right.DRAFTS, "ok"), roles=("shared",))
    assert ("  Li Chen <li.chen@example.org> (shared mailbox): OK", []) == (mailbox_line(shared), advice(shared, "ews"))


def test_one_permission_missing_on_graph_names_the_permission_to_grant() -> None:
    """A calendar the app may not read (the other rights fine) asks for Calendars.Read, not the access policy."""
    found = access(Finding(Right.CALENDAR, "missing", DENIED, denied=True), Finding(Right.INBOX, "ok"))
    [sentence] = advice(found, "graph")
    assert "NOT USABLE, missing: calendar" in mailbox_line(found)
    assert sentence.startswith(f"mailbot may not read the calendar of li.chen@example.org: {DENIED}. To allow it, "
                               "grant the app the Microsoft Graph application permission Calendars.Read")  # fmt: skip


def test_a_mailbox_that_does_not_exist_is_one_sentence_not_one_per_right() -> None:
    """The same failure on every right (no such mailbox) is said once, without advice about permissions."""
    gone = [Finding(r, "missing", "no such mailbox on the server") for r in (Right.INBOX, Right.SENT, Right.DRAFTS)]
    assert ["mailbot cannot use li.chen@example.org: no such mailbox on the server."] == advice(access(*gone), "ews")


def test_what_was_not_proven_is_a_note_and_keeps_the_mailbox_usable() -> None:
    """A write not proven is shown on the line and explained in a note, and the summary still counts it usable."""
    found = access(Finding(Right.READ_OOF, "ok"), Finding(Right.WRITE_OOF, "not_proven", "dry run"))
    expected = (
        "  Li Chen <li.chen@example.org>: OK; not proven: automatic replies (change)",
        ["Not proven: mailbot did not change the automatic replies of li.chen@example.org: dry run."],
        "1 mailbox(es) checked: 1 fully usable; 1 with a right not proven (see the notes).",
    )
    assert expected == (mailbox_line(found), advice(found, "ews"), summary([found]))
