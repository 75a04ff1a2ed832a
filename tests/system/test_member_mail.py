"""What counts as member mail, as IT and the staff see it through the `mailbot` command on each backend.

The scenario copy holds only two messages to James Okafor on Monday morning: an automatic reply that carries no
header of automated mail, only its subject, and a member's message whose complaint is in its text, not its subject.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

AUTO_REPLY = {
    "from": "Sam Rivera <sam.rivera@mail.example>",
    "subject": "Automatic reply: Your renewal reminder",
    "received": "monday 09:10",
    "body": "I am out of the office until Monday, November 30, with no access to e-mail. Sam",
}
COMPLAINT = {
    "from": "Alex Moreno <alex.moreno@mail.example>",
    "subject": "My refund",
    "received": "monday 09:20",
    "body": "Hello James,\nthe wait for my refund is unacceptable. I have written three times now.\nAlex",
}
SYNC, LATER = "2026-11-23T10:00-05:00", "2026-11-24T16:00-05:00"  # Monday morning; Tuesday, both now overdue


def mailbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    return subprocess.run([sys.executable, "-m", "mailbot", *args, "--config", config.name], cwd=config.parent,
                          capture_output=True, text=True, timeout=180, env=environment)  # fmt: skip


def only_these_for_james(config: Path) -> None:
    """Empty every mailbox of the scenario copy, then give James Okafor's inbox the two messages."""
    path = config.parent / "config/sandbox.yaml"
    scenario = yaml.safe_load(path.read_text())
    for box in scenario["mailboxes"]:
        box.pop("inbox", None)
        box.pop("sent", None)
        if box["email"] == "james.okafor@example.org":
            box["inbox"] = [AUTO_REPLY, COMPLAINT]
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))


def open_subjects(status: str) -> list[str]:
    """The subjects in the table `mailbot status` prints: the lines after its rule, up to a blank."""
    lines = status.splitlines()
    rule = next(n for n, line in enumerate(lines) if line.startswith("----"))
    return [row.rsplit("  ", 1)[-1].strip() for row in lines[rule + 1 : lines.index("", rule)]]


@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_an_automatic_reply_known_only_by_its_subject_is_never_tracked_or_nudged(
    example_config: Path, backend: str
) -> None:
    """`track sync` says it left the automatic reply untracked and why; a day later `status` lists only the
    member's message and James is nudged about that one alone."""
    only_these_for_james(example_config)
    synced = mailbot(example_config, "track", "sync", "--backend", backend, "--now", SYNC)
    nudged = mailbot(example_config, "nudge", "--backend", backend, "--now", LATER)
    status = mailbot(example_config, "status", "--now", LATER)
    left = ("left 'Automatic reply: Your renewal reminder' from sam.rivera@mail.example in james.okafor@example.org "
            'untracked: auto-reply (subject starts "Automatic reply:")')  # fmt: skip
    assert [left] == [line for line in synced.stdout.splitlines() if "Automatic reply" in line], synced.stderr
    assert ["My refund"] == open_subjects(status.stdout)
    assert ["nudged James Okafor: 1 member message needs an answer (1 overdue)"] == [
        line for line in nudged.stdout.splitlines() if "James" in line
    ], nudged.stderr


@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_a_complaint_in_the_opening_of_the_message_is_escalated(example_config: Path, backend: str) -> None:
    """A member who complains in the text of a message with a plain subject reaches Maria Reyes at once, and the
    digest tells her why it is a complaint."""
    only_these_for_james(example_config)
    synced = mailbot(example_config, "track", "sync", "--backend", backend, "--now", SYNC)
    digest = mailbot(example_config, "digest", "--print", "--backend", backend, "--now", LATER)
    expected = ["complaint 'My refund' in james.okafor@example.org: the message mentions \"unacceptable\"",
                "escalated to Maria Reyes: Complaint from Alex Moreno: My refund"]  # fmt: skip
    assert expected == [line for line in synced.stdout.splitlines() if "complaint" in line.lower()], synced.stderr
    assert 'the message mentions "unacceptable"' in digest.stdout, digest.stderr
