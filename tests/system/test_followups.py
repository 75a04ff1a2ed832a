"""Touchpoints and complaints end to end on the sandbox Exchange, through the real EWS backend.

The story runs in the week of Thanksgiving 2026 (Thursday 26 and Friday 27 closed), with Li Chen on vacation
from Friday to Monday and James Okafor as her backup; Maria Reyes supervises both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox_fixtures import quiet_scenario
from sqlalchemy import select

from mailbot.assessment.figures import Counts
from mailbot.assessment.query import touchpoint_updates
from mailbot.jobs import Deps
from mailbot.jobs.digest import digest
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.sandbox import SandboxServer
from mailbot.store.models import TouchpointUpdateRow

NY = ZoneInfo("America/New_York")
LI, JAMES, MARIA, HELP = ("li.chen@example.org", "james.okafor@example.org", "maria.reyes@example.org",
                          "help@example.org")  # fmt: skip
PAT, JORDAN = "Pat Member <pat.member@gmail.example>", "Jordan Lee <jordan.lee@mail.example>"
MAILBOT = "mailbot@example.org"
PETR = "petr.novak@example.org"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def step(server: SandboxServer, deps: Deps, now: datetime, *jobs: Any) -> list[Any]:
    """Run jobs at `now`, the sandbox's clock moved along with mailbot's."""
    server.org.clock.set(now)
    return [job(deps, now) for job in jobs]


def from_mailbot(server: SandboxServer, mailbox: str) -> list[Any]:
    return [m for m in server.org.messages(mailbox, "inbox") if m.author.email == MAILBOT]


def drafts(server: SandboxServer, mailbox: str) -> list[Any]:
    return server.org.messages(mailbox, "drafts")


def quiet(make_sandbox: Any) -> SandboxServer:
    """The example organisation (calendars, Li's vacation) with empty mailboxes."""
    return make_sandbox(quiet_scenario())


def request_in_progress(
    server: SandboxServer, deps: Deps, received: str, answered: str, marked: str, subject: str = "Pension transfer"
) -> Any:
    """Pat asks Li about a pension transfer; Li answers that she is on it and marks the request In progress."""
    server.org.clock.set(at(received))
    message_id = "<pension-1@gmail.example>" if subject == "Pension transfer" else f"<{len(subject)}@gmail.example>"
    [message] = server.org.deliver_external([LI], PAT, subject, "Can you help?", message_id=message_id)
    step(server, deps, at(received), sync_mail)
    server.org.clock.set(at(answered))
    server.org.send(LI, [PAT], f"Re: {subject}", "<p>I am on it and will keep you posted.</p>",
                    in_reply_to=message_id)  # fmt: skip
    server.org.set_categories(LI, message.item_id, ["In progress"])
    step(server, deps, at(marked), sync_mail)
    return message


# --- Touchpoints --------------------------------------------------------------------------------------------


def test_an_update_due_after_one_business_day_is_drafted_and_nudged(make_sandbox: Any, deps_for: Any) -> None:
    """Marked Monday 10:05, Pat is due an update Tuesday 10:05: Li then has a draft and a nudge pointing to it."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    step(server, deps, at("2026-11-24T10:00"), sync_mail, nudge)
    assert ([], []) == (from_mailbot(server, LI), drafts(server, LI))
    step(server, deps, at("2026-11-24T10:10"), sync_mail, nudge)
    [reminder] = from_mailbot(server, LI)
    [draft] = drafts(server, LI)
    assert "Status update due: Pat Member, Pension transfer" == reminder.subject
    assert "A draft update is waiting in your Drafts folder." in reminder.body_text
    expected = ("Re: Pension transfer", ["pat.member@gmail.example"], "<pension-1@gmail.example>")
    assert expected == (draft.subject, [a.email for a in draft.to], draft.in_reply_to)
    assert "Dear Pat Member," in draft.body_text and "Li Chen" in draft.body_text


def test_each_due_update_is_drafted_and_nudged_once(make_sandbox: Any, deps_for: Any) -> None:
    """Reruns and a restart on Tuesday add no second draft or nudge for the same due update."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    step(server, deps, at("2026-11-24T10:10"), sync_mail, nudge)
    step(server, deps, at("2026-11-24T10:40"), sync_mail, nudge)
    step(server, deps_for(server), at("2026-11-24T14:00"), sync_mail, nudge)
    assert (1, 1) == (len(from_mailbot(server, LI)), len(drafts(server, LI)))


def test_sending_the_update_restarts_the_clock_and_done_ends_it(make_sandbox: Any, deps_for: Any) -> None:
    """Li's update on Tuesday 11:00 makes the next one due Wednesday 11:00; marked Done, nothing more is due."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    message = request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    step(server, deps, at("2026-11-24T10:10"), sync_mail, nudge)
    server.org.clock.set(at("2026-11-24T11:00"))
    server.org.send(LI, [PAT], "Re: Pension transfer", "<p>The forms went out today.</p>",
                    in_reply_to="<pension-1@gmail.example>")  # fmt: skip
    step(server, deps, at("2026-11-24T11:05"), sync_mail, nudge)
    step(server, deps, at("2026-11-25T10:55"), sync_mail, nudge)
    assert 1 == len(from_mailbot(server, LI))
    step(server, deps, at("2026-11-25T11:05"), sync_mail, nudge)
    assert (2, 2) == (len(from_mailbot(server, LI)), len(drafts(server, LI)))
    server.org.set_categories(LI, message.item_id, ["In progress", "Done"])
    step(server, deps, at("2026-11-25T12:00"), sync_mail, nudge)
    step(server, deps, at("2026-11-30T15:00"), sync_mail, nudge)
    assert ([], 2) == (deps.store.touchpoints(), len(from_mailbot(server, LI)))


def test_each_update_is_recorded_for_the_report_with_when_the_member_got_it(make_sandbox: Any, deps_for: Any) -> None:
    """Due Tuesday 10:05, Li's update goes at 11:00: late. Due Wednesday 11:00, her last reply goes at 10:30 and she
    marks the request Done; mailbot sees both only at 11:30, after that due time: that update was on time."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    message = request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    for sent, seen in (("2026-11-24T11:00", "2026-11-24T11:05"), ("2026-11-25T10:30", "2026-11-25T11:30")):
        server.org.clock.set(at(sent))
        server.org.send(LI, [PAT], "Re: Pension transfer", "<p>News on your transfer.</p>",
                        in_reply_to="<pension-1@gmail.example>")  # fmt: skip
        if seen.startswith("2026-11-25"):
            server.org.set_categories(LI, message.item_id, ["In progress", "Done"])
        step(server, deps, at(seen), sync_mail)
    with deps.store.engine.connect() as db:
        updates = db.execute(select(TouchpointUpdateRow.due_at, TouchpointUpdateRow.given_at)).all()
    assert [(at("2026-11-24T10:05"), at("2026-11-24T11:00")), (at("2026-11-25T11:00"), at("2026-11-25T10:30"))] == (
        sorted(updates))  # fmt: skip
    week = (at("2026-11-23T00:00"), at("2026-11-30T00:00"))
    assert {("lchen", "email"): Counts(updates_due=2, updates_on_time=1)} == touchpoint_updates(
        deps.store.engine, *week, at("2026-11-25T12:00"), ["lchen"])  # fmt: skip
    assert [] == deps.store.touchpoints()


def test_done_on_a_later_message_of_the_thread_or_taking_the_mark_off_ends_it(make_sandbox: Any, deps_for: Any) -> None:
    """Pat's "thanks, all sorted" marked Done ends the request; so does taking In progress off the request itself."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    server.org.clock.set(at("2026-11-23T11:00"))
    [thanks] = server.org.deliver_external([LI], PAT, "Re: Pension transfer", "Thanks, all sorted now!",
                                           in_reply_to="<pension-1@gmail.example>")  # fmt: skip
    server.org.set_categories(LI, thanks.item_id, ["Done"])
    step(server, deps, at("2026-11-23T11:05"), sync_mail)
    ended = deps.store.get_touchpoint(LI, "<pension-1@gmail.example>")
    assert ended is not None and ("conversation_done", []) == (ended.end_reason, deps.store.touchpoints())
    second = request_in_progress(server, deps, "2026-11-23T12:00", "2026-11-23T12:30", "2026-11-23T12:35", "Dues")
    assert ["Dues"] == [tp.subject for tp in deps.store.touchpoints()]
    server.org.set_categories(LI, second.item_id, [])
    step(server, deps, at("2026-11-23T13:00"), sync_mail)
    step(server, deps, at("2026-11-24T14:00"), sync_mail, nudge)
    assert ([], []) == (deps.store.touchpoints(), from_mailbot(server, LI))


def test_while_the_owner_is_away_the_backup_gets_the_nudge_and_the_draft(make_sandbox: Any, deps_for: Any) -> None:
    """Due on Monday 30 November (after Thanksgiving), while Li is on vacation: James covers, in his own Drafts."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    request_in_progress(server, deps, "2026-11-25T09:00", "2026-11-25T10:00", "2026-11-25T10:05")
    step(server, deps, at("2026-11-30T10:00"), sync_mail, nudge)
    assert [] == from_mailbot(server, JAMES)
    step(server, deps, at("2026-11-30T10:10"), sync_mail, nudge)
    [reminder] = from_mailbot(server, JAMES)
    [draft] = drafts(server, JAMES)
    assert "Covering for Li Chen: Li Chen is away until Tuesday, December 1." in reminder.body_text
    assert ("Re: Pension transfer", True) == (draft.subject, "James Okafor" in draft.body_text)
    assert ([], []) == (from_mailbot(server, LI), drafts(server, LI))


def test_a_departed_colleagues_request_goes_to_whoever_answers_his_mail(make_sandbox: Any, deps_for: Any) -> None:
    """Pat's request to Petr, who left, marked In progress on Monday: on Tuesday Anna, who answers Petr's mail, is at
    a training, so Li, her backup, gets the draft and the nudge saying whose request it is; Maria gets neither."""
    scenario = quiet_scenario()
    scenario["impersonation"].append(PETR)
    server = make_sandbox(scenario)
    deps = deps_for(server)
    server.org.clock.set(at("2026-11-23T09:00"))
    [message] = server.org.deliver_external([PETR], PAT, "Pension transfer", "Can you help?")
    step(server, deps, at("2026-11-23T09:00"), sync_mail)
    server.org.set_categories(PETR, message.item_id, ["In progress"])
    step(server, deps, at("2026-11-23T10:05"), sync_mail)
    step(server, deps, at("2026-11-24T10:10"), sync_mail, nudge)
    [reminder] = [m for m in from_mailbot(server, LI) if m.subject.startswith("Status update due")]
    [draft] = drafts(server, LI)
    assert ("Covering for Petr Novak: Petr Novak has left; Anna Brandt answers Petr's mail now and is away until "
            "Wednesday, November 25.") in " ".join(reminder.body_text.split())  # fmt: skip
    assert ("Re: Pension transfer", []) == (draft.subject, from_mailbot(server, MARIA))


def test_a_shared_mailbox_request_is_drafted_in_its_own_drafts_once(make_sandbox: Any, deps_for: Any) -> None:
    """A help desk request in progress: one draft in the help desk's Drafts, and a nudge to each of its owners."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    server.org.clock.set(at("2026-11-23T09:00"))
    [message] = server.org.deliver_external([HELP], JORDAN, "Card replacement", "My card broke.")
    server.org.clock.set(at("2026-11-23T09:30"))
    server.org.send(HELP, [JORDAN], "Re: Card replacement", "<p>We are ordering one.</p>",
                    in_reply_to=message.message_id)  # fmt: skip
    server.org.set_categories(HELP, message.item_id, ["In progress"])
    step(server, deps, at("2026-11-23T09:35"), sync_mail)
    step(server, deps, at("2026-11-24T09:40"), sync_mail, nudge)
    [draft] = drafts(server, HELP)
    reminders = [*from_mailbot(server, JAMES), *from_mailbot(server, LI)]
    assert ("Re: Card replacement", True) == (draft.subject, "Member Help Desk" in draft.body_text)
    assert 2 == sum("waiting in the Drafts folder of Member Help Desk" in m.body_text for m in reminders)


def test_a_dry_run_says_what_it_would_draft_and_changes_nothing(make_sandbox: Any, deps_for: Any) -> None:
    """With dry_run, the due update is described, and no draft, nudge or claim is made."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    request_in_progress(server, deps, "2026-11-23T09:00", "2026-11-23T10:00", "2026-11-23T10:05")
    [result] = step(server, deps_for(server, dry_run=True), at("2026-11-24T10:10"), nudge)
    expected = ["would save a draft update to pat.member@gmail.example in the Drafts of li.chen@example.org",
                "would nudge Li Chen: Status update due: Pat Member, Pension transfer"]  # fmt: skip
    assert expected == result.changes
    assert ([], []) == (from_mailbot(server, LI), drafts(server, LI))
    step(server, deps, at("2026-11-24T10:15"), nudge)
    assert (1, 1) == (len(from_mailbot(server, LI)), len(drafts(server, LI)))


# --- Complaints ---------------------------------------------------------------------------------------------


def test_a_complaint_by_keyword_is_escalated_in_the_same_run(make_sandbox: Any, deps_for: Any) -> None:
    """Pat's 'Unacceptable delay' reaches Maria in the very sync that first sees it, and only once."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    server.org.clock.set(at("2026-11-23T09:00"))
    server.org.deliver_external([LI], PAT, "Unacceptable delay", "Still no card after six weeks.")
    [result] = step(server, deps, at("2026-11-23T09:05"), sync_mail)
    step(server, deps, at("2026-11-23T09:10"), sync_mail)
    [escalation] = from_mailbot(server, MARIA)
    assert "escalated to Maria Reyes: Complaint from Pat Member: Unacceptable delay" in result.changes
    assert 'A member has complained: the subject mentions "unacceptable".' in escalation.body_text


def test_a_complaint_by_category_is_listed_in_the_digest_until_answered(make_sandbox: Any, deps_for: Any) -> None:
    """Marked Complaint at the help desk, Jordan's message goes to Maria at once and stays in her digest until
    James answers it."""
    server = quiet(make_sandbox)
    deps = deps_for(server)
    server.org.clock.set(at("2026-11-23T09:00"))
    [message] = server.org.deliver_external([HELP], JORDAN, "My card", "Where is my replacement card?")
    step(server, deps, at("2026-11-23T09:05"), sync_mail)
    server.org.set_categories(HELP, message.item_id, ["Complaint"])
    step(server, deps, at("2026-11-23T09:30"), sync_mail)
    [escalation] = from_mailbot(server, MARIA)
    assert "Complaint from Jordan Lee: My card" == escalation.subject
    [monday] = step(server, deps, at("2026-11-23T17:15"), digest)
    text = monday.details["mreyes"].message.text
    complaints = text[text.index("Complaints waiting for an answer:") : text.index("== ")]
    assert "My card" in complaints and "for James Okafor and Li Chen" in complaints
    server.org.clock.set(at("2026-11-24T09:00"))
    server.org.send(JAMES, [JORDAN], "Re: My card", "<p>It is on its way.</p>", in_reply_to=message.message_id)
    [_, tuesday] = step(server, deps, at("2026-11-24T17:15"), sync_mail, digest)
    assert "Complaints waiting" not in tuesday.details["mreyes"].message.text
