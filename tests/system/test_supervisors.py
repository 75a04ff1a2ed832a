"""Supervisors through the `mailbot` command, on a sandbox Exchange served for the test (EWS and Graph): the digest
reaches whoever covers while the supervisor is away, and requests in progress show in the digest and `status` and
are nudged again while their update stays overdue.

The week is that of Thanksgiving 2026 (Thursday 26 and Friday 27 closed). In the example organisation Anna Brandt
is at a training on Monday and Tuesday with her own automatic reply on, and Li Chen is on vacation from Friday to
Monday.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailbot.sandbox import SandboxServer

MAILBOT = "mailbot@example.org"
MARIA, JAMES, LI, ANNA = ("maria.reyes@example.org", "james.okafor@example.org", "li.chen@example.org",
                          "anna.brandt@example.org")  # fmt: skip
PAT = "Pat Member <pat.member@gmail.example>"
MONDAY_EVENING, TUESDAY_EVENING = "2026-11-23T17:15-05:00", "2026-11-24T17:15-05:00"


class Office:
    """The example organisation copied for the test, its sandbox served on a free port and named in service.yaml."""

    def __init__(self, config: Path, server: SandboxServer, kind: str) -> None:
        self.config, self.server, self.kind = config, server, kind

    def mailbot(self, *args: str, now: str) -> subprocess.CompletedProcess[str]:
        """Run a command at `now`, the sandbox's clock moved there first."""
        self.server.org.clock.set(datetime.fromisoformat(now))
        return subprocess.run([sys.executable, "-m", "mailbot", *args, "--config", str(self.config), "--backend",
                               self.kind, "--now", now], capture_output=True, text=True, timeout=180)  # fmt: skip

    def from_mailbot(self, mailbox: str) -> list[Any]:
        return [m for m in self.server.org.messages(mailbox, "inbox") if m.author.email == MAILBOT]


@pytest.fixture
def office(
    example_config: Path, make_sandbox: Callable[..., SandboxServer], backend_kind: str
) -> Callable[..., Office]:
    """Start the office: `people` changes people.yaml's entries by id, `mailboxes` the scenario's by address (its
    mail is left out, so each test brings its own)."""

    def start(people: dict[str, dict[str, Any]], mailboxes: dict[str, dict[str, Any]]) -> Office:
        folder = example_config.parent / "config"
        roster = yaml.safe_load((folder / "people.yaml").read_text())
        for person in roster["people"]:
            person.update(people.get(person["id"], {}))
        (folder / "people.yaml").write_text(yaml.safe_dump(roster, sort_keys=False))
        scenario = yaml.safe_load((folder / "sandbox.yaml").read_text())
        for box in scenario["mailboxes"]:
            box.pop("inbox", None)
            box.pop("sent", None)
            box.update(mailboxes.get(box["email"], {}))
        (folder / "sandbox.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
        server = make_sandbox(scenario)
        served = f"  sandbox_url: {server.url}\n"
        if server.ca_bundle_path is not None:
            served += f"  sandbox_ca_bundle: {server.ca_bundle_path}\n"
        text = example_config.read_text()
        example_config.write_text(text.replace("  service_account:", served + "  service_account:", 1))
        return Office(example_config, server, backend_kind)

    return start


DAY_OFF = {"calendar": [{"subject": "Vacation", "start": "tuesday", "end": "wednesday", "show_as": "oof",
                         "categories": ["Vacation"]}]}  # fmt: skip
OWN_REPLY = {"oof": {"state": "enabled", "audience": "all", "internal": "I am out today.",
                     "external": "I am out of the office today."}}  # fmt: skip


# --- The supervisor's deputy ---------------------------------------------------------------------------------


def test_the_deputy_gets_the_digest_marked_covering_on_the_supervisors_day_off(office: Callable[..., Office]) -> None:
    """Maria is in on Monday and gets her digest; on Tuesday, her day off in the calendar, James (her deputy) gets
    it, saying he covers for her; a second run sends nothing, since that day's digest went out once."""
    town = office({"mreyes": {"deputy": "jokafor"}}, {MARIA: DAY_OFF})
    monday = town.mailbot("digest", "--send", now=MONDAY_EVENING)
    tuesday = town.mailbot("digest", "--send", now=TUESDAY_EVENING)
    again = town.mailbot("digest", "--send", now=TUESDAY_EVENING)
    assert (0, 0, 0) == (monday.returncode, tuesday.returncode, again.returncode), monday.stderr + tuesday.stderr
    [covering] = town.from_mailbot(JAMES)
    subject = "Service level digest for Tuesday, November 24 (covering for Maria Reyes): nothing open"
    assert subject == covering.subject
    top = [line for line in covering.body_text.splitlines() if line.strip()][:2]
    assert ["You are covering for Maria Reyes today, as Maria's deputy.", "Hi James,"] == top
    own = [m.subject for m in town.from_mailbot(MARIA)]
    assert ["Service level digest for Monday, November 23: nothing open"] == own
    assert f"sent James Okafor the digest for Maria Reyes: {subject}" in tuesday.stdout
    assert "nothing sent: today's digests were already sent" == again.stdout.strip()


def test_with_the_deputy_away_too_the_backup_covers_and_is_told_why(office: Callable[..., Office]) -> None:
    """Maria's own automatic reply is on and Anna, her deputy, is at her training: Li, Maria's backup, gets the
    digest, which says Anna is away too."""
    town = office({"mreyes": {"deputy": "abrandt", "backup": "lchen"}}, {MARIA: OWN_REPLY})
    sent = town.mailbot("digest", "--send", now=TUESDAY_EVENING)
    assert 0 == sent.returncode, sent.stderr
    [covering] = town.from_mailbot(LI)
    expected = "You are covering for Maria Reyes today, as Maria's backup: Anna Brandt (Maria's deputy) is away too."
    assert expected == covering.body_text.splitlines()[0]
    assert ([], []) == (town.from_mailbot(MARIA), town.from_mailbot(ANNA))


def test_printing_the_digest_shows_whom_it_goes_to(office: Callable[..., Office]) -> None:
    """`digest --print` on Maria's day off addresses it to James and sends nothing."""
    town = office({"mreyes": {"deputy": "jokafor"}}, {MARIA: DAY_OFF})
    printed = town.mailbot("digest", "--print", now=TUESDAY_EVENING)
    assert 0 == printed.returncode, printed.stderr
    assert printed.stdout.startswith("To: James Okafor <james.okafor@example.org>\nSubject: Service level digest for "
                                     "Tuesday, November 24 (covering for Maria Reyes): nothing open\n")  # fmt: skip
    assert [] == town.from_mailbot(JAMES)


# --- Requests in progress ------------------------------------------------------------------------------------

IN_PROGRESS = {
    "inbox": [{"from": PAT, "subject": "Pension transfer", "received": "monday 09:00",
               "message_id": "<pension-1@gmail.example>", "categories": ["In progress"],
               "body": "Can you help me move my pension?"}],
    "sent": [{"to": [PAT], "subject": "Re: Pension transfer", "sent": "monday 09:30",
              "in_reply_to": "<pension-1@gmail.example>", "body": "I am on it and will keep you posted."}],
}  # fmt: skip


def rows(status: str) -> list[list[str]]:
    """The rows of the table `mailbot status` prints, split into their columns."""
    lines = status.splitlines()
    rule = next(n for n, line in enumerate(lines) if line.startswith("----"))
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[rule + 1 : lines.index("")]]


def test_a_request_in_progress_shows_in_status_and_in_the_digest(office: Callable[..., Office]) -> None:
    """Li answered Pat and marked the request In progress on Monday: `status` lists it with its next update,
    overdue on Tuesday afternoon, and Tuesday's digest for Maria lists it under requests in progress."""
    town = office({}, {LI: IN_PROGRESS})
    synced = town.mailbot("track", "sync", now="2026-11-23T10:05-05:00")
    assert 1 == synced.returncode, synced.stderr  # Petr Novak's mailbox is off limits in the example: partly done
    assert "following 'Pension transfer' in li.chen@example.org: marked In progress" in synced.stdout
    monday = town.mailbot("status", now="2026-11-23T12:00-05:00")
    tuesday = town.mailbot("status", now="2026-11-24T15:00-05:00")
    update = ["Li Chen", "on track", "update", "Tue 24 Nov 2026 10:05 EST", "1.9", "Pat Member", "Pension transfer"]
    assert [update] == rows(monday.stdout)
    assert "0 open, 0 overdue; 1 in progress, 0 update(s) overdue (as of Mon 23 Nov 2026 12:00 EST)" in monday.stdout
    assert [[*update[:1], "overdue", *update[2:4], "13.9", *update[5:]]] == rows(tuesday.stdout)
    digest = town.mailbot("digest", "--send", now=TUESDAY_EVENING)
    assert 0 == digest.returncode, digest.stderr
    [sent] = town.from_mailbot(MARIA)
    text = sent.body_text
    assert "1 request in progress, 1 overdue for a status update." in text
    listed = text[text.index("Requests in progress") :]
    assert "Pension transfer" in listed and "update overdue since 10:05 am today" in listed


def test_an_update_left_overdue_is_nudged_again_each_business_day(office: Callable[..., Office]) -> None:
    """Pat's update falls due Tuesday 10:05: Li is nudged then and, while it stays unsent, once on Wednesday and
    not on Thanksgiving; on Monday, while Li is on vacation, James (her backup) is reminded instead."""
    town = office({}, {LI: IN_PROGRESS})
    town.mailbot("track", "sync", now="2026-11-23T10:05-05:00")
    moments = ["2026-11-24T10:10", "2026-11-24T15:00", "2026-11-25T10:00", "2026-11-25T10:10", "2026-11-25T16:00",
               "2026-11-26T10:10", "2026-11-30T10:10"]  # fmt: skip
    runs = [town.mailbot("nudge", now=f"{moment}-05:00") for moment in moments]
    assert [0] * len(moments) == [run.returncode for run in runs], [run.stderr for run in runs]
    due, overdue = (f"Status update {state}: Pat Member, Pension transfer" for state in ("due", "overdue"))
    assert [due, overdue] == [m.subject for m in town.from_mailbot(LI)]
    [covering] = town.from_mailbot(JAMES)
    assert overdue == covering.subject
    assert "due since Tuesday, November 24 at 10:05 am" in covering.body_text
    assert 1 == len(town.server.org.messages(LI, "drafts"))  # the reminders point to the one draft
