"""The weekly status as staff meet it through the commands, on each backend: their own automatic reply counts as an
absence, a day off booked late the day before reaches them the same afternoon, and return times are given.

The commands run against a sandbox this test serves (a configuration for a real server), so the test can change
calendars and automatic replies between them as the people would.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from test_cli_connect import mailbot, real_server, right_secret

from mailbot.sandbox import SandboxServer
from mailbot.sandbox.records import OofConfig

NY = ZoneInfo("America/New_York")
JAMES, MARIA, ANNA = "james.okafor@example.org", "maria.reyes@example.org", "anna.brandt@example.org"
MONDAY = "2026-11-30T07:30-05:00"  # a week without holidays


def statuses(server: SandboxServer, mailbox: str) -> list[str]:
    """The subjects of the weekly status e-mails in the mailbox, oldest first."""
    return [m.subject for m in server.org.messages(mailbox, "inbox") if "weekly status" in m.subject]


def served(example_config: Path, make_sandbox: Any, backend_kind: str) -> tuple[SandboxServer, Path, dict[str, str]]:
    server = make_sandbox()
    return server, real_server(example_config, server, backend_kind), right_secret(server, backend_kind)


def test_an_own_automatic_reply_for_part_of_the_week_is_in_the_script(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """James set his own automatic reply from Wednesday to Friday, nothing in his calendar: his script says he is
    away then and returns on Monday at 8:00 am; Anna's own reply, simply on, gives no return date."""
    server, config, secret = served(example_config, make_sandbox, backend_kind)
    away = OofConfig("scheduled", "all", datetime(2026, 12, 2, 8, tzinfo=NY), datetime(2026, 12, 5, tzinfo=NY),
                     "I am away.", "I am away.")  # fmt: skip
    server.org.set_oof(JAMES, away)
    server.org.set_oof(ANNA, OofConfig("enabled", "all", None, None, "I am away.", "I am away."))
    printed = mailbot("weekly-status", "--print", "--config", config, "--now", MONDAY, env=secret)
    lines = printed.stdout.splitlines()
    assert 0 == printed.returncode, printed.stderr
    assert "    | I am in the office on Monday and Tuesday and return calls between 3:30 and 5:00 pm." in lines
    assert "    | I am away from Wednesday to Friday and will return on Monday, December 7 at 8:00 am." in lines
    assert "    | I am away from Monday to Friday and have not set a return date." in lines
    assert "  status text: Mon–Fri: away, no return date." in lines


def test_an_own_reply_with_no_end_reads_the_same_all_day(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """Anna's own reply, on since the morning, still makes Monday away in the afternoon: no update is sent."""
    server, config, secret = served(example_config, make_sandbox, backend_kind)
    server.org.set_oof(ANNA, OofConfig("enabled", "all", None, None, "I am away.", "I am away."))
    options = ("--config", config)
    mailbot("weekly-status", "abrandt", *options, "--now", MONDAY, env=secret)
    afternoon = mailbot("weekly-status", "abrandt", *options, "--now", "2026-11-30T14:00-05:00", env=secret)
    assert "  why: the week is as sent" in afternoon.stdout.splitlines()
    assert 1 == len(statuses(server, ANNA))


def test_a_day_off_booked_the_afternoon_before_is_sent_at_once(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """Maria books Tuesday off at 4:30 pm on Monday: `weekly-status` at 4:35 pm sends her the update that day, and
    again at 4:40 pm nothing. Thursday booked off that evening is no matter for tomorrow: it waits for Tuesday's
    morning run, the day's one update."""
    server, config, secret = served(example_config, make_sandbox, backend_kind)

    def weekly(now: str, *person: str) -> Any:
        return mailbot("weekly-status", *person, "--config", config, "--now", now, env=secret)

    weekly(MONDAY)
    server.org.add_event(MARIA, "Vacation", date(2026, 12, 1), date(2026, 12, 2), show_as="oof")
    soon, again = weekly("2026-11-30T16:35-05:00", "mreyes"), weekly("2026-11-30T16:40-05:00", "mreyes")
    server.org.add_event(MARIA, "Vacation", date(2026, 12, 3), date(2026, 12, 4), show_as="oof")
    evening, tuesday = weekly("2026-11-30T17:30-05:00", "mreyes"), weekly("2026-12-01T07:30-05:00", "mreyes")
    assert [0, 0, 0, 0] == [r.returncode for r in (soon, again, evening, tuesday)], soon.stderr
    assert (
        "Maria Reyes <maria.reyes@example.org>: weekly status sent\n  why: sent an update, the week changed: "
        "Tuesday, December 1: away, back Wednesday, December 2 at 8:00 am (was: in the office"
    ) in soon.stdout
    assert "  why: the week is as sent" in again.stdout
    assert "  why: already sent today; the change goes out on the next run tomorrow" in evening.stdout
    assert "  why: sent an update, the week changed: Thursday, December 3: away" in tuesday.stdout
    week = "weekly status and voicemail greeting for the week of November 30"
    assert [f"Your {week}", f"Updated: your {week}", f"Updated: your {week}"] == statuses(server, MARIA)


def test_the_service_sends_an_urgent_change_within_office_hours(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """Run as a service (`run --once` from cron), mailbot sends Maria's Tuesday off, booked at 4:30 pm, at 4:35 pm,
    once; cancelled after the office closes, it waits for the next morning's status."""
    server, config, secret = served(example_config, make_sandbox, backend_kind)

    def once(now: str) -> None:
        mailbot("run", "--once", "--config", config, "--now", now, env=secret)

    once("2026-11-30T07:00-05:00")  # mailbot goes live
    once("2026-11-30T07:35-05:00")  # the morning's weekly status
    [vacation] = [server.org.add_event(MARIA, "Vacation", date(2026, 12, 1), date(2026, 12, 2), show_as="oof")]
    once("2026-11-30T16:35-05:00")
    once("2026-11-30T16:45-05:00")
    sent_monday = len(statuses(server, MARIA))
    server.org.update_event(MARIA, vacation.item_id, cancelled=True)
    once("2026-11-30T17:10-05:00")
    closed = len(statuses(server, MARIA))
    once("2026-12-01T07:35-05:00")
    assert (2, 2, 3) == (sent_monday, closed, len(statuses(server, MARIA)))
