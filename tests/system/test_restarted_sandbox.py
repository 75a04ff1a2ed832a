"""The trial as README shows it: every command starts its own sandbox from the scenario, the state database stays.

The restarted sandbox is the same Exchange to mailbot (the same items under the same ids), so syncing again at a
later moment, in the same week or the next, tracks each member message once and escalates a complaint once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

MOMENTS = (
    "2026-11-30T07:00-05:00",  # Monday morning: the scenario's mail of the weekend is there
    "2026-12-01T10:00-05:00",  # Tuesday: Monday's mail has arrived since
    "2026-12-08T10:00-05:00",  # a week later: the scenario's mail is in that week now
)
COMPLAINT = {
    "from": "Alex Moreno <alex.moreno@mail.example>",
    "subject": "Unacceptable wait for my refund",
    "received": "friday -1 week 12:00",
    "body": "I have waited three weeks for my refund. Alex",
}
# Each member message of the scenario (and the complaint added to it), with its owner as `status` names them.
MEMBER_MAIL = {
    ("Anna Brandt", "Benefits claim form"),
    ("Member Help Desk", "Voice Mail from +1 555 0199 (42 seconds)"),
    ("Member Help Desk", "Thank you!"),
    ("Member Help Desk", "Lost membership card"),
    ("Member Help Desk", COMPLAINT["subject"]),
    ("James Okafor", "Re: Question about my membership renewal"),
    ("Li Chen", "Change of address"),
}


def mailbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    return subprocess.run([sys.executable, "-m", "mailbot", *args, "--config", config.name], cwd=config.parent,
                          capture_output=True, text=True, timeout=180, env=environment)  # fmt: skip


def with_complaint(config: Path) -> None:
    """Add a member's complaint to the help desk's inbox in the scenario copy."""
    path = config.parent / "config/sandbox.yaml"
    scenario = yaml.safe_load(path.read_text())
    help_desk = next(box for box in scenario["mailboxes"] if box["email"] == "help@example.org")
    help_desk["inbox"].append(COMPLAINT)
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))


def open_rows(status: str) -> list[tuple[str, str]]:
    """(owner, subject) of each row of the table `mailbot status` prints: the lines after its rule, up to a blank."""
    lines = status.splitlines()
    rule = next(n for n, line in enumerate(lines) if line.startswith("----"))
    rows = lines[rule + 1 : lines.index("", rule)]
    return [(row[:16].strip(), row.rsplit("  ", 1)[-1].strip()) for row in rows]


@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_syncing_again_after_a_restart_tracks_each_message_once(example_config: Path, backend: str) -> None:
    """Three `track sync` runs, each on a sandbox started afresh (same week, then the next), then `status`: every
    member message is open once and the complaint was escalated once."""
    with_complaint(example_config)
    synced = [mailbot(example_config, "track", "sync", "--backend", backend, "--now", now) for now in MOMENTS]
    status = mailbot(example_config, "status", "--now", MOMENTS[-1])
    assert [1, 1, 1, 0] == [r.returncode for r in (*synced, status)], [r.stderr for r in synced]
    rows = open_rows(status.stdout)
    assert sorted(MEMBER_MAIL) == sorted(rows)
    assert f"{len(MEMBER_MAIL)} open, " in status.stdout
    escalations = [line for r in synced for line in r.stdout.splitlines() if line.startswith("escalated to ")]
    assert [f"escalated to Maria Reyes: Complaint from Alex Moreno: {COMPLAINT['subject']}"] == escalations
