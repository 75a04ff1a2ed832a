"""What `mailbot check --connect` found, for the IT administrator at the terminal (the CLI prints it)."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.policy.access import GRAPH_PERMISSION, Finding, MailboxAccess, Right

# Short names for a mailbox's one-line summary, and what each right is in a sentence ({m}: the address).
_LABEL = {
    Right.CALENDAR: "calendar", Right.READ_OOF: "automatic replies (read)",
    Right.WRITE_OOF: "automatic replies (change)", Right.INBOX: "Inbox", Right.SENT: "Sent Items",
    Right.DRAFTS: "drafts", Right.SEND_AS: "send as",
}  # fmt: skip
_DOING = {
    Right.CALENDAR: "read the calendar of {m}", Right.READ_OOF: "read the automatic replies of {m}",
    Right.WRITE_OOF: "change the automatic replies of {m}", Right.INBOX: "sync the Inbox of {m}",
    Right.SENT: "sync Sent Items of {m}", Right.DRAFTS: "save drafts in {m}", Right.SEND_AS: "send as {m}",
}  # fmt: skip
_ROLE = {"active": "", "departed": "departed", "shared": "shared mailbox", "service": "service mailbox"}
_EWS_GRANT = ("grant the service account ApplicationImpersonation over this mailbox: add it to the management "
              'scope of mailbot\'s role assignment (README: "Exchange Server: impersonation")')  # fmt: skip
_GRAPH_POLICY = ("add the mailbox to the group of mailbot's application access policy and check with "
                 'Test-ApplicationAccessPolicy (README: "Exchange Online")')  # fmt: skip


def mailbox_line(access: MailboxAccess) -> str:
    """One line per mailbox: who, and OK or what is missing (and what could not be proven)."""
    roles = ", ".join(r for r in (_ROLE[role] for role in access.roles) if r)
    who = f"{access.name} <{access.email}>" + (f" ({roles})" if roles else "")
    missing = ", ".join(_LABEL[f.right] for f in access.missing)
    verdict = "OK" if access.usable else f"NOT USABLE, missing: {missing}"
    if access.unproven:
        verdict += "; not proven: " + ", ".join(_LABEL[f.right] for f in access.unproven)
    return f"  {who}: {verdict}"


def advice(access: MailboxAccess, backend: str) -> list[str]:
    """A sentence per refused right (one for the whole mailbox when it is off limits), then the notes."""
    email = access.email
    if access.shut_out and backend == "ews":
        sentences = [f"mailbot may not impersonate {email}: {_EWS_GRANT}."]
    elif access.shut_out and backend == "graph":
        sentences = [f"mailbot may not use {email}: {access.missing[0].reason}. To allow it, {_GRAPH_POLICY}."]
    elif len({f.reason for f in access.missing}) == 1 and not access.usable and _all_tried_refused(access):
        sentences = [f"mailbot cannot use {email}: {access.missing[0].reason}."]  # e.g. no such mailbox
    else:
        sentences = [_refusal(f, email, backend) for f in access.missing]
    notes = [f"Not proven: mailbot did not {_DOING[f.right].format(m=email)}: {f.reason}." for f in access.unproven]
    notes += [f"Note on {email}: {f.reason}." for f in access.findings if f.outcome == "ok" and f.reason]
    return sentences + notes


def _all_tried_refused(access: MailboxAccess) -> bool:
    return all(f.outcome == "missing" for f in access.findings if f.outcome != "not_proven")


def _refusal(finding: Finding, email: str, backend: str) -> str:
    doing = _DOING[finding.right].format(m=email)
    if not finding.denied:
        return f"mailbot cannot {doing}: {finding.reason}."
    if backend == "graph":
        permission = GRAPH_PERMISSION[finding.right]
        return (f"mailbot may not {doing}: {finding.reason}. To allow it, grant the app the Microsoft Graph "
                f"application permission {permission} with admin consent, and {_GRAPH_POLICY}.")  # fmt: skip
    return f"mailbot may not {doing}: {finding.reason}. To allow it, {_EWS_GRANT}."


def summary(found: Sequence[MailboxAccess]) -> str:
    """The closing line: how many mailboxes mailbot can fully use, and which it cannot."""
    bad = [a.name for a in found if not a.usable]
    line = f"{len(found)} mailbox(es) checked: {len(found) - len(bad)} fully usable"
    if bad:
        line += f", {len(bad)} not usable ({', '.join(bad)})"
    unproven = sum(bool(a.unproven) for a in found)
    if unproven:
        line += f"; {unproven} with a right not proven (see the notes)"
    return line + "."
