"""`mailbot run --once` as cron or an administrator runs it: what it sends on the first day, and how it ends."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from test_cli_connect import SECRET, mailbot, real_server, right_secret

from mailbot.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def once(config: Path, now: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run `run --once` at `now`; the result and the jobs it caught up (from its JSON log)."""
    result = mailbot("run", "--once", "--config", config, "--now", now)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    caught_up = next((e["jobs"] for e in events if e["event"] in ("catching up", "no run missed")), None)
    assert caught_up is not None, result.stderr
    return result, caught_up


def test_a_first_run_at_night_sends_no_digest_or_weekly_status(example_config: Path) -> None:
    """The very first `run --once`, at 22:36 on a Monday, syncs and keeps replies and nudges (and looks for urgent
    weekly status changes); the digest and the weekly status never ran, so they missed nothing and wait for their
    times."""
    _, caught_up = once(example_config, "2026-11-23T22:36-05:00")
    assert ["sync_mail", "apply_oof", "nudge", "weekly_status_urgent"] == caught_up


def test_once_from_cron_catches_up_each_job_at_its_time_after_going_live(example_config: Path) -> None:
    """Live since Monday 07:00, `run --once` as cron runs it sends the 07:30 weekly status at 09:00 and the 17:15
    digest at 17:20; back at 22:36 the next day, after a day without runs, it sends neither in the night."""
    once(example_config, "2026-11-23T07:00-05:00")
    runs = [once(example_config, now)[1] for now in ("2026-11-23T09:00-05:00", "2026-11-23T17:20-05:00",
                                                      "2026-11-24T22:36-05:00")]  # fmt: skip
    always = ["sync_mail", "apply_oof", "nudge"]
    urgent = ["weekly_status_urgent"]  # every few minutes, like the sync
    assert [[*always, "weekly_status", *urgent], [*always, "digest", *urgent], [*always, *urgent]] == runs


def test_each_office_gets_its_digest_at_the_end_of_its_own_day(two_offices: Path) -> None:
    """Berlin and Sydney: run every few minutes, `run --once` sends Anna in Sydney her digest at 17:15 Sydney time
    (07:15 in Berlin) and Maria in Berlin hers at 17:15 Berlin time, neither in the other's night."""
    once(two_offices, "2026-11-23T07:00+01:00")  # live on Monday morning in Berlin, 17:00 in Sydney
    _, sydney_evening = once(two_offices, "2026-11-23T07:20+01:00")
    _, berlin_evening = once(two_offices, "2026-11-23T17:20+01:00")  # 03:20 on Tuesday in Sydney
    with open_store(f"sqlite:///{two_offices.parent / 'state/mailbot.sqlite3'}") as store:
        sent = [(e.subject, e.why) for e in store.audit_entries() if e.action == "digest_sent"]
    # Petr's mailbox fails the sync and the replies each time, so those run again; nudges wait their hour.
    retried, urgent = ["sync_mail", "apply_oof"], "weekly_status_urgent"  # the latter every few minutes
    assert ([*retried, "digest@sydney", urgent], [*retried, "nudge", "digest@berlin", urgent]) == (
        sydney_evening, berlin_evening
    )  # fmt: skip
    assert [("abrandt", "digest for 2026-11-23"), ("mreyes", "digest for 2026-11-23")] == sent


def test_refused_credentials_end_once_in_one_sentence(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """When Exchange refuses mailbot's credentials, `run --once` ends in one sentence naming the jobs that could
    not run and the setting to check, exit 2; its JSON log stays on stdout."""
    server = make_sandbox()
    config = real_server(example_config, server, backend_kind)
    result = mailbot("run", "--once", "--config", config, "--now", "2026-11-23T09:00-05:00",
                     env={SECRET[backend_kind]: "wrong"})  # fmt: skip
    [sentence] = result.stderr.splitlines()
    assert 2 == result.returncode
    # nudge had nothing to send, so it never asked Exchange
    assert sentence.startswith("mailbot: sync_mail and apply_oof could not run: "), sentence
    assert f"check backend.{backend_kind} in service.yaml" in sentence


def test_a_mailbox_refused_ends_once_with_exit_1(example_config: Path, make_sandbox: Any, backend_kind: str) -> None:
    """With the right credentials, Petr's mailbox (off limits in the example) is named on stderr, exit 1."""
    server = make_sandbox()
    config = real_server(example_config, server, backend_kind)
    result = mailbot("run", "--once", "--config", config, "--now", "2026-11-23T09:00-05:00",
                     env=right_secret(server, backend_kind))  # fmt: skip
    assert 1 == result.returncode, result.stderr
    assert all(line.startswith("mailbot: ") and "petr.novak@example.org" in line for line in result.stderr.splitlines())
