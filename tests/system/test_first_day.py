"""The commands an administrator runs on the first day, as they see them: output redirected to a log, a
configuration of their own, mailboxes that cannot be read, a go-live date still ahead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_cli_connect import mailbot, real_server, right_secret

NOW = "2026-11-23T09:00-05:00"


def test_a_first_sync_into_a_log_file_shows_plain_progress(example_config: Path, backend_kind: str) -> None:
    """With stderr redirected (nohup, cron), the first `track sync` says on stderr how far it got, phase by phase;
    the next sync, quick, says nothing of the kind."""
    first = mailbot("track", "sync", "--config", example_config, "--backend", backend_kind, "--now", NOW)
    again = mailbot("track", "sync", "--config", example_config, "--backend", backend_kind, "--now", NOW)
    progress = [line.split(" (")[0:2] for line in first.stderr.splitlines() if line.startswith("first sync")]
    expected = [["first sync", f"sent items): {n} of 6 mailboxes"] for n in range(1, 7)]
    expected += [["first sync", f"inboxes): {n} of 5 mailboxes"] for n in range(1, 6)]  # Petr's could not be read
    assert expected == progress
    assert [] == [line for line in again.stderr.splitlines() if "mailboxes (" in line]


def test_a_sync_with_a_failed_mailbox_does_not_say_nothing_to_do(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """When nothing is new but Petr's mailbox could not be read, `track sync` says nothing new was found where it
    could read, and names Petr's mailbox on stderr; exit 1."""
    server = make_sandbox()
    config, secret = real_server(example_config, server, backend_kind), right_secret(server, backend_kind)
    mailbot("track", "sync", "--config", config, "--now", NOW, env=secret)
    again = mailbot("track", "sync", "--config", config, "--now", NOW, env=secret)
    assert (1, ["nothing new in the mailboxes that could be read"]) == (again.returncode, again.stdout.splitlines())
    assert ["petr.novak@example.org"] == [line.split(": ")[1] for line in again.stderr.splitlines()]


def test_check_says_when_a_go_live_date_is_still_ahead(example_config: Path, live_since: str) -> None:
    """With `tracking.since` a date after today, `check` says in its tracking line that nothing is tracked until
    that day begins; on that day it no longer does."""
    policy = example_config.parent / "config/policy.yaml"
    policy.write_text(policy.read_text().replace(f"since: {live_since}", "since: 2026-12-01"))
    before, on = (mailbot("check", "--config", example_config, "--now", now).stdout.splitlines()
                  for now in (NOW, "2026-12-01T00:00-05:00"))  # fmt: skip
    tracking = "  tracking: member mail received from the start of 2026-12-01 in each office on; older mail is left out"
    assert f"{tracking}; 2026-12-01 is still ahead: nothing is tracked until that day begins" in before
    assert tracking in on


def test_check_names_the_week_the_sandbox_starts_in_near_midnight(example_config: Path) -> None:
    """The office in Berlin, the scenario in New York: late on Sunday in New York it is Monday in Berlin, and
    `check` names the week the sandbox really starts in (the scenario's), not the next one."""
    policy = example_config.parent / "config/policy.yaml"
    policy.write_text(policy.read_text().replace("timezone: America/New_York", "timezone: Europe/Berlin"))
    checked = mailbot("check", "--config", example_config, "--now", "2026-11-29T23:30-05:00")
    assert 0 == checked.returncode, checked.stderr
    scenario = example_config.parent / "config/sandbox.yaml"
    assert f"  sandbox: {scenario}, 7 mailboxes, in the week from Mon 23 Nov 2026" in checked.stdout.splitlines()


def test_an_organisation_name_ending_in_a_full_stop_is_not_doubled(example_config: Path, backend_kind: str) -> None:
    """ "Nordlicht Mitgliederservice e.V." ends the voicemail script's greeting and the digest's last line with one
    full stop."""
    policy = example_config.parent / "config/policy.yaml"
    policy.write_text(policy.read_text().replace("name: Riverside Members' Association", "name: Nordlicht "
                                                 "Mitgliederservice e.V."))  # fmt: skip
    options = ("--config", example_config, "--backend", backend_kind, "--now", NOW)
    weekly = mailbot("weekly-status", "lchen", "--print", *options)
    digest = mailbot("digest", "--print", *options)
    assert "    | Hello, you have reached Li Chen at Nordlicht Mitgliederservice e.V." in weekly.stdout.splitlines()
    assert "Times are the office's. Sent by mailbot for Nordlicht Mitgliederservice e.V." in digest.stdout.splitlines()
    assert [] == [line for line in (weekly.stdout + digest.stdout).splitlines() if "e.V.." in line]
