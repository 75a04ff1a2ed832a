"""Going live on mailboxes with a year of history: only mail after the horizon is tracked, nudged or listed.

Each test runs through both backends, EWS and Graph (see conftest.py), with policy.yaml as shipped
(`tracking.since: first run`) unless it says otherwise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from mailbot.config import Settings, load_settings
from mailbot.jobs import Deps
from mailbot.jobs.digest import digest
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.sandbox import Organisation, SandboxServer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
LI, HELP, MARIA, ANNA = "li.chen@example.org", "help@example.org", "maria.reyes@example.org", "anna.brandt@example.org"
GO_LIVE = datetime(2026, 11, 23, 9, 0, tzinfo=NY)  # Monday
MAILBOT = "mailbot@example.org"


@pytest.fixture
def settings() -> Settings:
    """The example organisation with policy.yaml as shipped: tracking starts at the first run."""
    return load_settings(ROOT / "service.yaml")


Unanswered = list[tuple[str, datetime]]  # subject, received


@dataclass
class History:
    """The member messages nobody answered in a generated year of mail, per mailbox."""

    unanswered: dict[str, Unanswered]

    def counts(self) -> dict[str, int]:
        return {mailbox: len(messages) for mailbox, messages in self.unanswered.items()}

    def since(self, at: datetime) -> list[str]:
        return sorted(
            subject for messages in self.unanswered.values() for subject, received in messages if received >= at
        )


def year_of_history(org: Organisation, mailbox: str, until: datetime, seed: int, answer_from: str) -> Unanswered:
    """About two messages a week for a year before `until`: members answered from `answer_from`, marked Done or
    No reply needed, left unanswered, or machines; returns the member messages left unanswered."""
    rng, at, number, unanswered = random.Random(seed), until - timedelta(days=365), 0, []
    while at < until - timedelta(hours=2):
        number += 1
        fate = rng.choice(["answered", "answered", "answered", "open", "done", "no reply needed", "machine"])
        member, message_id, subject = (
            f"member{number}@mail.example",
            f"<old-{seed}-{number}@mail.example>",
            f"Old question {seed}-{number}",
        )
        org.deliver_external(
            [mailbox], f"Member {number} <{member}>", subject, "Hello?", received_at=at, message_id=message_id,
            categories={"done": ["Done"], "no reply needed": ["No reply needed"]}.get(fate, []),
            headers={"Auto-Submitted": "auto-generated"} if fate == "machine" else {},
        )  # fmt: skip
        if fate == "answered":
            org.send(answer_from, [member], f"Re: {subject}", "<p>Answered.</p>", in_reply_to=message_id,
                     at=at + timedelta(hours=rng.uniform(1, 30)))  # fmt: skip
        if fate == "open":
            unanswered.append((subject, at))
        at += timedelta(hours=rng.uniform(30, 140))
    return unanswered


def going_live(make_sandbox: Any) -> tuple[SandboxServer, History]:
    """The example organisation, its mailboxes emptied, then given a year of history in Li's and the help desk's
    mailboxes, an old unanswered complaint and an old request marked In progress; the clock at go-live."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    for mailbox in scenario["mailboxes"]:
        mailbox.pop("inbox", None)
        mailbox.pop("sent", None)
    server = make_sandbox(scenario)
    org = server.org
    org.clock.set(GO_LIVE)
    history = History({LI: year_of_history(org, LI, GO_LIVE, 1, LI), HELP: year_of_history(org, HELP, GO_LIVE, 2, LI)})
    old = GO_LIVE - timedelta(days=40)
    org.deliver_external([LI], "Pat Member <pat@mail.example>", "Unacceptable delay", "Still waiting.", received_at=old)
    org.deliver_external([LI], "Robin <robin@mail.example>", "Pension transfer", "Any news?", received_at=old,
                         categories=["In progress"])  # fmt: skip
    history.unanswered[LI] += [("Unacceptable delay", old), ("Pension transfer", old)]
    return server, history


def step(server: SandboxServer, deps: Deps, now: datetime, *jobs: Any) -> list[Any]:
    server.org.clock.set(now)
    return [job(deps, now) for job in jobs]


def from_mailbot(server: SandboxServer, mailbox: str) -> list[Any]:
    return [m for m in server.org.messages(mailbox, "inbox") if m.author.email == MAILBOT]


def left_out_section(digest_text: str) -> list[str]:
    """The lines of a text digest's section "Left out when tracking started" ([] without one)."""
    if "Left out when tracking started" not in digest_text:
        return []
    return digest_text[digest_text.index("Left out when tracking started") :].split("\n\n")[0].splitlines()[2:]


def open_subjects(deps: Deps) -> list[str]:
    return sorted(t.subject for t in deps.store.open_tracked())


def test_a_first_run_tracks_nothing_older_says_how_much_it_left_out_and_nudges_no_one(
    make_sandbox: Any, deps_for: Any
) -> None:
    """A year of history is left out with one line, a recent message is tracked, and only it is ever nudged."""
    server, history = going_live(make_sandbox)
    deps = deps_for(server)
    [first] = step(server, deps, GO_LIVE, sync_mail)
    total = sum(history.counts().values())
    line = (f"left out {total} unanswered member messages received before Monday, November 23, 2026 at 9:00 am, "
            f"when tracking starts (in 2 mailboxes); nobody is nudged about them")  # fmt: skip
    assert (line, history.counts()) == (first.changes[-1], {k: v for k, v in first.details["left_out"].items() if v})
    server.org.deliver_external(
        [LI], "Sam <sam@mail.example>", "Recent question", "Hi", received_at=GO_LIVE + timedelta(hours=1)
    )
    step(server, deps, GO_LIVE + timedelta(hours=1, minutes=5), sync_mail)
    assert (["Recent question"], []) == (open_subjects(deps), deps.store.touchpoints())
    for day in range(3):
        step(server, deps, GO_LIVE.replace(hour=16) + timedelta(days=day), sync_mail, nudge)
    nudged = " ".join(m.body_text for box in (LI, HELP, MARIA) for m in from_mailbot(server, box))
    assert ("Recent question" in nudged, "Old question" in nudged, "Unacceptable" in nudged) == (True, False, False)


def test_the_first_digest_counts_what_was_left_out_once(make_sandbox: Any, deps_for: Any) -> None:
    """Maria's first digest after go-live has one line per mailbox in her care; the next day's has none."""
    server, history = going_live(make_sandbox)
    deps = deps_for(server)
    step(server, deps, GO_LIVE, sync_mail)
    [monday] = step(server, deps, GO_LIVE.replace(hour=17, minute=15), digest)
    [tuesday] = step(server, deps, GO_LIVE.replace(hour=17, minute=15) + timedelta(days=1), digest)
    section = left_out_section(monday.details["mreyes"].message.text)
    horizon = "unanswered member messages received before Monday, November 23, 2026 at 9:00 am"
    expected = [f"  - Li Chen: {history.counts()[LI]} {horizon}",
                f"  - Member Help Desk (shared mailbox): {history.counts()[HELP]} {horizon}"]  # fmt: skip
    assert expected == section
    assert "Left out" not in tuesday.details["mreyes"].message.text


def test_every_mailbox_left_out_reaches_a_digest(make_sandbox: Any, deps_for: Any) -> None:
    """Maria supervises no one above her and Anna (here) has no supervisor: the counts of their mailboxes reach
    Maria's digest too, her own mailbox included, so the digests add up to what `track sync` said."""
    server, history = going_live(make_sandbox)
    for mailbox, seed in ((MARIA, 3), (ANNA, 4)):
        history.unanswered[mailbox] = year_of_history(server.org, mailbox, GO_LIVE, seed, mailbox)
    plain = deps_for(server)
    roster = plain.settings.roster
    people = [p.model_copy(update={"supervisor": None}) if p.id == "abrandt" else p for p in roster.people]
    deps = replace(plain, settings=replace(plain.settings, roster=roster.model_copy(update={"people": people})))
    [synced] = step(server, deps, GO_LIVE, sync_mail)
    [sent] = step(server, deps, GO_LIVE.replace(hour=17, minute=15), digest)
    shown = [line.split(" unanswered ")[0] for built in sent.details.values()
             for line in left_out_section(built.message.text)]  # fmt: skip
    counts = history.counts()
    expected = [f"  - Anna Brandt: {counts[ANNA]}", f"  - Li Chen: {counts[LI]}", f"  - Maria Reyes: {counts[MARIA]}",
                f"  - Member Help Desk (shared mailbox): {counts[HELP]}"]  # fmt: skip
    assert expected == shown
    assert f"left out {sum(history.counts().values())} unanswered" in synced.changes[-1]
    assert "(in 4 mailboxes)" in synced.changes[-1]


def test_a_dry_run_first_records_nothing(make_sandbox: Any, deps_for: Any) -> None:
    """A dry run says what it would leave out; the real first run after it starts tracking at its own time."""
    server, history = going_live(make_sandbox)
    [dry] = step(server, deps_for(server, dry_run=True), GO_LIVE - timedelta(hours=1), sync_mail)
    deps = deps_for(server)
    assert (None, []) == (deps.store.tracking_start(), deps.store.left_out())
    assert dry.changes[-1].startswith(f"would leave out {sum(history.counts().values())} unanswered")
    [real] = step(server, deps, GO_LIVE, sync_mail)
    start = deps.store.tracking_start()
    assert start is not None and (GO_LIVE, True) == (start.first_run_at, real.changes[-1].startswith("left out"))


def test_a_first_sync_that_reads_no_mailbox_leaves_no_horizon(make_sandbox: Any, deps_for: Any) -> None:
    """A first sync the server turns away on every mailbox records no start: the first sync that reads mail starts
    tracking at its own time, so the mail in between is left out and counted, not tracked."""
    server, history = going_live(make_sandbox)
    deps = deps_for(server)
    server.faults.wrapped_server_busy(times=len(deps.settings.people()) + 1, back_off_ms=30_000)
    [refused] = step(server, deps, GO_LIVE, sync_mail)
    server.faults.clear()
    recorded_after_refusal = deps.store.tracking_start()
    server.org.deliver_external(
        [LI], "Sam <sam@mail.example>", "Meanwhile", "Hi", received_at=GO_LIVE + timedelta(hours=1)
    )
    later = GO_LIVE + timedelta(days=1)
    [first] = step(server, deps, later, sync_mail)
    start = deps.store.tracking_start()
    assert (6, None) == (len(refused.problems), recorded_after_refusal)
    assert start is not None and (later, [], history.counts()[LI] + 1) == (
        start.first_run_at, open_subjects(deps), first.details["left_out"][LI])  # fmt: skip


def test_a_date_horizon_starts_at_midnight_and_can_move_back_and_forward(make_sandbox: Any, deps_for: Any) -> None:
    """A date tracks mail from that day's midnight in the office. Moved back, the mail in between is read again
    and tracked unless answered; moved forward again, what is now older stops being tracked."""
    server, history = going_live(make_sandbox)
    for subject, minute in (
        ("Just before", datetime(2026, 11, 1, 23, 59)),
        ("Just after", datetime(2026, 11, 2, 0, 1)),
    ):
        server.org.deliver_external(
            [LI], "Lee <lee@mail.example>", subject, "Hi", received_at=minute.replace(tzinfo=NY)
        )
    deps = deps_for(server)
    late, early = (
        replace(deps, settings=deps.settings.with_tracking_since(day)) for day in ("2026-11-10", "2026-11-02")
    )
    step(server, late, GO_LIVE, sync_mail)
    tracked_late = open_subjects(late)
    [back] = step(server, early, GO_LIVE + timedelta(hours=1), sync_mail)
    tracked_early = open_subjects(early)
    [forward] = step(server, late, GO_LIVE + timedelta(hours=2), sync_mail)
    nov_2, nov_10 = (datetime(2026, 11, day, tzinfo=NY) for day in (2, 10))
    assert (history.since(nov_10), sorted([*history.since(nov_2), "Just after"])) == (tracked_late, tracked_early)
    assert tracked_late == open_subjects(late)
    assert back.changes[0].endswith(
        "stopped tracking 0 older open member messages; reading every mailbox again from the start"
    )
    stopped = len(tracked_early) - len(tracked_late)
    assert forward.changes[0].startswith("tracking.since is now 2026-11-10: tracking member mail received from Tuesday")
    assert forward.changes[0].endswith(f"stopped tracking {stopped} older open member messages")


def test_a_long_first_sync_reports_its_progress_mailbox_by_mailbox(make_sandbox: Any, deps_for: Any) -> None:
    """deps.progress hears each phase start at 0 and count up to every mailbox; later syncs are no first sync."""
    server, _ = going_live(make_sandbox)
    heard: list[tuple[str, int, int]] = []
    deps = replace(deps_for(server), progress=lambda task, done, total: heard.append((task, done, total)))
    step(server, deps, GO_LIVE, sync_mail)
    first = list(heard)
    heard.clear()
    step(server, deps, GO_LIVE + timedelta(minutes=5), sync_mail)
    # Six watched mailboxes; Petr's cannot be read, so five inboxes follow.
    expected = [("first sync (sent items)", n, 6) for n in range(7)] + [
        ("first sync (inboxes)", n, 5) for n in range(6)
    ]
    assert expected == first
    assert ("mail sync (sent items)", 0, 6) == heard[0]
