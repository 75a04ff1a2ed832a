"""Member mail end to end: mail injected into the sandbox Exchange at chosen times, tracked, nudged, digested.

Each test runs through both backends, EWS and Graph (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sandbox_fixtures import quiet_scenario

from mailbot.errors import BackendError
from mailbot.exchange.base import ExchangeBackend
from mailbot.jobs import Deps
from mailbot.jobs.digest import digest
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
LI, JAMES, MARIA, HELP = ("li.chen@example.org", "james.okafor@example.org", "maria.reyes@example.org",
                          "help@example.org")  # fmt: skip
PAT = "Pat Member <pat.member@gmail.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def step(server: SandboxServer, deps: Deps, now: datetime, *jobs: Any) -> list[Any]:
    """Run jobs at `now`, the sandbox's clock moved along with mailbot's."""
    server.org.clock.set(now)
    return [job(deps, now) for job in jobs]


def inbox_of(server: SandboxServer, mailbox: str) -> list[Any]:
    return server.org.messages(mailbox, "inbox")


def nudges_to(server: SandboxServer, mailbox: str) -> list[str]:
    return [m.subject for m in inbox_of(server, mailbox) if m.author.email == "mailbot@example.org"]


def open_subjects(deps: Deps) -> list[str]:
    return sorted(t.subject for t in deps.store.open_tracked())


def test_automatic_mail_is_not_tracked(sandbox: SandboxServer, deps_for: Any) -> None:
    """Auto-replies, bounces and list mail never start a clock; members' mail and the voicemail do."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    expected = [
        "Benefits claim form",
        "Change of address",
        "Lost membership card",
        "Re: Question about my membership renewal",
        "Thank you!",
        "Voice Mail from +1 555 0199 (42 seconds)",
    ]
    assert expected == open_subjects(deps)


def test_friday_mail_before_a_holiday_is_not_nudged_until_due(make_sandbox: Any, deps_for: Any) -> None:
    """Mail at Friday 16:00 before Martin Luther King Day waits quietly through the long weekend.

    Due Tuesday 16:00 (one business day), due soon after 75 % of that window: Tuesday 13:45.
    """
    server = make_sandbox(quiet_scenario())
    deps = deps_for(server)
    server.org.clock.set(at("2027-01-15T16:00"))
    server.org.deliver_external([LI], PAT, "Dues question", "Hello", received_at=at("2027-01-15T16:00"))
    step(server, deps, at("2027-01-15T16:05"), sync_mail)
    quiet = [at("2027-01-15T17:00"), at("2027-01-16T12:00"), at("2027-01-18T12:00"), at("2027-01-19T13:30")]
    for moment in quiet:
        step(server, deps, moment, sync_mail, nudge)
    assert [] == nudges_to(server, LI)
    step(server, deps, at("2027-01-19T13:50"), sync_mail, nudge)
    step(server, deps, at("2027-01-19T16:10"), sync_mail, nudge)
    assert ["1 member message needs an answer soon", "1 member message needs an answer (1 overdue)"] == nudges_to(
        server, LI
    )


def test_a_colleagues_reply_closes_the_item(sandbox: SandboxServer, deps_for: Any) -> None:
    """Li answering Pat's follow-up to James, in the same thread, closes James's open item."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    sandbox.org.clock.set(at("2026-11-23T09:40"))
    sandbox.org.send(LI, ["pat.member@gmail.example"], "Re: Question about my membership renewal",
                     "<p>Yes, retirees too.</p>", in_reply_to="<renewal-3@gmail.example>",
                     references=["<renewal-1@gmail.example>", "<renewal-3@gmail.example>"])  # fmt: skip
    step(sandbox, deps, at("2026-11-23T10:00"), sync_mail)
    item = deps.store.get_tracked(JAMES, "<renewal-3@gmail.example>")
    assert item is not None and ("reply", at("2026-11-23T09:40")) == (item.resolution, item.answered_at)


def test_a_later_member_message_reopens_the_thread(sandbox: SandboxServer, deps_for: Any) -> None:
    """After James's reply, Pat's next message in the same thread is open again, due a business day later."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    sandbox.org.send(JAMES, ["pat.member@gmail.example"], "Re: renewal", "<p>Yes.</p>",
                     in_reply_to="<renewal-3@gmail.example>")  # fmt: skip
    sandbox.org.deliver_external(
        [JAMES], PAT, "Re: renewal", "One more thing", received_at=at("2026-11-23T11:00"),
        in_reply_to="<renewal-3@gmail.example>", message_id="<renewal-5@gmail.example>",
    )  # fmt: skip
    step(sandbox, deps, at("2026-11-23T11:30"), sync_mail)
    reopened = deps.store.get_tracked(JAMES, "<renewal-5@gmail.example>")
    assert reopened is not None and (None, at("2026-11-24T11:00")) == (reopened.answered_at, reopened.due_at)
    assert "Re: Question about my membership renewal" not in open_subjects(deps)


def test_marking_done_closes_the_item(sandbox: SandboxServer, deps_for: Any) -> None:
    """An owner who called the member back marks the message Done, and the clock stops."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    [change] = [m for m in inbox_of(sandbox, LI) if m.subject == "Change of address"]
    sandbox.org.set_categories(LI, change.item_id, ["Done"])
    step(sandbox, deps, at("2026-11-23T09:30"), sync_mail)
    assert "Change of address" not in open_subjects(deps)


def test_voicemail_overdue_at_days_end_is_in_the_digest(sandbox: SandboxServer, deps_for: Any) -> None:
    """The help desk's 7:42 voicemail, not returned by 17:00, is listed as overdue in Maria's digest."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    [result] = step(sandbox, deps, at("2026-11-23T17:15"), digest)
    text = result.details["mreyes"].message.text
    voicemails = text[text.index("Voicemails not returned") :]
    assert "OVERDUE   Voice Mail from +1 555 0199 (42 seconds)" in voicemails
    [sent] = [m for m in inbox_of(sandbox, MARIA) if m.subject.startswith("Service level digest")]
    assert "Service level digest for Monday, November 23: 1 overdue, 6 open" == sent.subject


def test_nudges_go_to_the_backup_while_the_owner_is_away(sandbox: SandboxServer, deps_for: Any) -> None:
    """Mail for Li on her vacation Monday is nudged to James, her backup, covering for her."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-27T10:00"), sync_mail)
    sandbox.org.deliver_external([LI], PAT, "Address again", "Hello Li", received_at=at("2026-11-27T10:00"))
    step(sandbox, deps, at("2026-11-30T15:00"), sync_mail, nudge)
    [to_james] = [m for m in inbox_of(sandbox, JAMES) if m.author.email == "mailbot@example.org"]
    assert "Covering for Li Chen" in to_james.body_text and "Address again" in to_james.body_text
    assert [] == nudges_to(sandbox, LI)


def test_a_rerun_sends_nothing_twice(sandbox: SandboxServer, deps_for: Any) -> None:
    """Running nudge and digest again, and after a restart, sends no second copy of anything."""
    deps = deps_for(sandbox)
    step(sandbox, deps, at("2026-11-23T09:00"), sync_mail)
    step(sandbox, deps, at("2026-11-23T17:15"), sync_mail, nudge, digest)
    sent_once = {box: len(nudges_to(sandbox, box)) for box in (LI, JAMES, MARIA)}
    step(sandbox, deps, at("2026-11-23T17:20"), sync_mail, nudge, digest)
    step(sandbox, deps_for(sandbox), at("2026-11-23T17:25"), sync_mail, nudge, digest)
    assert sent_once == {box: len(nudges_to(sandbox, box)) for box in (LI, JAMES, MARIA)}
    assert 1 == sum(s.startswith("Service level digest") for s in nudges_to(sandbox, MARIA))


class _CutAfter:
    """A backend whose connection breaks for good (on the wire: the sandbox drops it) after `calls` folder syncs."""

    def __init__(self, inner: ExchangeBackend, calls: int, cut: Callable[[], object]) -> None:
        self._inner, self._left, self._cut = inner, calls, cut

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def sync_folder(self, *args: Any, **kwargs: Any) -> Any:
        self._left -= 1
        if self._left == 0:
            self._cut()
        return self._inner.sync_folder(*args, **kwargs)


def test_a_restart_mid_sync_loses_nothing(sandbox: SandboxServer, deps_for: Any) -> None:
    """A sync cut off by a broken connection, then restarted, ends exactly like one uninterrupted sync."""
    cut_off = deps_for(sandbox, retry_max_wait=1)
    # Six mailboxes: their sent items and two inboxes are read, then the connection keeps dropping.
    cut_off.backend = _CutAfter(cut_off.backend, 9, lambda: sandbox.faults.drop_connection(times=50))
    sandbox.org.deliver_external([HELP], PAT, "Card again", "Hi", received_at=at("2026-11-23T08:30"))
    with pytest.raises(BackendError):
        step(sandbox, cut_off, at("2026-11-23T09:00"), sync_mail)
    sandbox.faults.clear()
    step(sandbox, deps_for(sandbox), at("2026-11-23T09:05"), sync_mail)
    restarted = deps_for(sandbox).store
    expected = [
        "Benefits claim form",
        "Card again",
        "Change of address",
        "Lost membership card",
        "Re: Question about my membership renewal",
        "Thank you!",
        "Voice Mail from +1 555 0199 (42 seconds)",
    ]
    assert expected == sorted(t.subject for t in restarted.open_tracked())
    answered = restarted.get_tracked(JAMES, "<renewal-1@gmail.example>")
    assert answered is not None and "reply" == answered.resolution


def test_departed_staffs_mail_goes_to_the_successor(make_sandbox: Any, deps_for: Any) -> None:
    """Mail still reaching Petr, who left, is nudged to Anna, who answers his mail now, not to Maria, his
    supervisor (Anna's training is off the calendar here; while she is away her backup covers, see test_people)."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    scenario["impersonation"].append("petr.novak@example.org")
    for mailbox in scenario["mailboxes"]:
        if mailbox["email"] == "anna.brandt@example.org":
            mailbox.update(calendar=[], oof={"state": "disabled"})
    server = make_sandbox(scenario)
    deps = deps_for(server)
    step(server, deps, at("2026-11-23T09:00"), sync_mail)
    step(server, deps, at("2026-11-24T09:00"), sync_mail, nudge)
    [to_anna] = [m for m in inbox_of(server, "anna.brandt@example.org") if m.author.email == "mailbot@example.org"]
    assert "Pension question" in to_anna.body_text and "Petr Novak has left" in to_anna.body_text
    assert [] == nudges_to(server, MARIA)
