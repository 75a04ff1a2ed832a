"""The weekly status end to end: calendars in the sandbox Exchange, e-mails out through each backend (EWS and Graph)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from mailbot.jobs import Deps
from mailbot.jobs.digest import digest
from mailbot.jobs.weekly_status import weekly_status
from mailbot.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
LI, JAMES, MARIA = "li.chen@example.org", "james.okafor@example.org", "maria.reyes@example.org"
STAFF = {"mreyes", "jokafor", "lchen", "abrandt"}  # Petr Novak has left and gets none


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def run(deps: Deps, server: SandboxServer, now: datetime) -> Any:
    server.org.clock.set(now)  # the sandbox lives in the same time as mailbot
    return weekly_status(deps, now)


def statuses(server: SandboxServer, mailbox: str) -> list[Any]:
    """The weekly status e-mails in the mailbox, oldest first."""
    return [m for m in server.org.messages(mailbox, "inbox") if "weekly status" in m.subject]


def body(message: Any) -> str:
    """The plain-text body on one line, so sentences wrapped by the template still match."""
    return " ".join(message.body_text.split())


def test_the_monday_script_for_a_thursday_friday_absence(sandbox: SandboxServer, deps_for: Any) -> None:
    """James, away Thursday and Friday, is in Monday to Wednesday returning calls 3:30 to 5:00 pm, and returns on
    Monday at 8:00 am."""
    sandbox.org.add_event(JAMES, "Vacation", date(2026, 12, 3), date(2026, 12, 5), show_as="oof")
    result = run(deps_for(sandbox), sandbox, at("2026-11-30T07:30"))
    [mail] = statuses(sandbox, JAMES)
    assert "Your weekly status and voicemail greeting for the week of November 30" == mail.subject
    script = result.details["jokafor"].script
    assert "I am in the office from Monday to Wednesday and return calls between 3:30 and 5:00 pm." in script
    assert "I am away on Thursday and Friday and will return on Monday, December 7 at 8:00 am." in script
    assert " ".join(script.split()) in body(mail)


def test_thanksgiving_week_gives_everyone_one_script_with_the_office_closed(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """On Monday every active person gets one e-mail; Li's names Thanksgiving and the closed Friday after it
    (inside her vacation: the office is closed, whoever is away) and says she returns on Tuesday at 8:00 am."""
    deps = deps_for(sandbox)
    result = run(deps, sandbox, at("2026-11-23T07:30"))
    again = run(deps, sandbox, at("2026-11-23T12:00"))
    li = result.details["lchen"].script.splitlines()
    assert STAFF == {p for p, outcome in result.details.items() if outcome.sent}
    assert ([], 1) == (again.changes, len(statuses(sandbox, LI)))
    assert ["I am in the office from Monday to Wednesday and return calls between 3:30 and 5:00 pm.",
            "The office is closed on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving, and "
            "I will return on Tuesday, December 1 at 8:00 am."] == li[1:3]  # fmt: skip


def test_a_cancelled_absence_is_re_sent_once_the_next_day_with_the_change_marked(
    sandbox: SandboxServer, deps_for: Any
) -> None:
    """Li cancels her vacation on Monday: Tuesday's run re-sends once, marking Friday; later runs send nothing."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T07:30"))
    [vacation] = [e for e in sandbox.org.events(LI) if e.subject == "Vacation"]
    sandbox.org.update_event(LI, vacation.item_id, cancelled=True)
    same_day = run(deps, sandbox, at("2026-11-23T15:00"))
    tuesday = run(deps, sandbox, at("2026-11-24T07:30"))
    for later in ("2026-11-24T11:00", "2026-11-25T07:30"):
        run(deps, sandbox, at(later))
    _, update = statuses(sandbox, LI)
    assert "already sent today; the change goes out on the next run tomorrow" == same_day.details["lchen"].why
    assert ["Li Chen"] == [line.split(":")[0] for line in tuesday.changes]
    assert "Updated: your weekly status and voicemail greeting for the week of November 23" == update.subject
    assert ("Friday, November 27: office closed for the day after Thanksgiving (was: office closed for the day "
            "after Thanksgiving, back Tuesday, December 1 at 8:00 am)") in body(update)  # fmt: skip
    assert ("The office is closed on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving. "
            "Please leave") in body(update)  # fmt: skip
    assert "Friday, November 27 office closed for the day after Thanksgiving (changed)" in body(update)


def test_the_status_message_is_set_where_the_backend_can(sandbox: SandboxServer, deps_for: Any) -> None:
    """Graph sets Li's status text until the week's end; EWS has none, so the job records that and tells her."""
    deps = deps_for(sandbox)
    result = run(deps, sandbox, at("2026-11-23T07:30"))
    record = deps.store.get_weekly_status("lchen", date(2026, 11, 23))
    [mail] = statuses(sandbox, LI)
    shown = sandbox.org.status_message(LI)
    if deps.backend.kind == "graph":
        assert ("set", "set") == (result.details["lchen"].status_message, record.status_message)
        assert shown is not None and shown[0] in result.details["lchen"].status_text
        assert at("2026-11-30T00:00") == shown[1]
        assert "mailbot has set it as your Teams and Outlook status message" in body(mail)
    else:
        assert ("not_supported", "not_supported", None) == (
            result.details["lchen"].status_message, record.status_message, shown)  # fmt: skip
        assert "mailbot cannot set status messages on this Exchange server" in body(mail)
        assert "status message not supported by the ews backend" in result.details["lchen"].why


def test_the_policy_can_leave_the_status_message_alone(sandbox: SandboxServer, deps_for: Any) -> None:
    """With set_status_message off, the backend is not asked and the e-mail suggests setting it by hand."""
    deps = deps_for(sandbox)
    weekly = deps.settings.policy.weekly_status.model_copy(update={"set_status_message": False})
    deps.settings = replace(deps.settings, policy=deps.settings.policy.model_copy(update={"weekly_status": weekly}))
    result = run(deps, sandbox, at("2026-11-23T07:30"))
    [mail] = statuses(sandbox, LI)
    assert "off" == result.details["lchen"].status_message
    assert "Set it as your status message in Teams or Outlook if you like." in body(mail)


def test_a_dry_run_sends_and_remembers_nothing(sandbox: SandboxServer, deps_for: Any) -> None:
    """In a dry run the scripts are rendered but no e-mail goes and the real run still sends them."""
    dry = run(deps_for(sandbox, dry_run=True), sandbox, at("2026-11-23T07:30"))
    after_dry = len(statuses(sandbox, LI))
    real = run(deps_for(sandbox), sandbox, at("2026-11-23T07:31"))
    assert (4, 0, 4, 1) == (len(dry.changes), after_dry, len(real.changes), len(statuses(sandbox, LI)))


def test_a_mailbox_mailbot_may_not_open_fails_alone(make_sandbox: Any, deps_for: Any) -> None:
    """Without impersonation on Anna's mailbox, she is reported and everyone else gets their status."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    scenario["impersonation"].remove("anna.brandt@example.org")
    server = make_sandbox(scenario)
    result = run(deps_for(server), server, at("2026-11-23T07:30"))
    assert (["Anna Brandt"], STAFF - {"abrandt"}) == (
        [p.split(":")[0] for p in result.problems], {p for p, o in result.details.items() if o.sent}
    )  # fmt: skip


def test_the_digest_lists_whose_weekly_status_was_sent(sandbox: SandboxServer, deps_for: Any) -> None:
    """Maria's Tuesday digest says James and Anna got theirs on Monday and Li's was updated on Tuesday."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T07:30"))
    [vacation] = [e for e in sandbox.org.events(LI) if e.subject == "Vacation"]
    sandbox.org.remove_event(LI, vacation.item_id)
    run(deps, sandbox, at("2026-11-24T07:30"))
    sandbox.org.clock.set(at("2026-11-24T17:15"))
    text = " ".join(digest(deps, at("2026-11-24T17:15")).details["mreyes"].message.text.split())
    assert "Weekly status this week:" in text
    assert "- James Okafor: sent Monday, November 23 at 7:30 am" in text
    assert ("- Li Chen: sent Monday, November 23 at 7:30 am; updated Tuesday, November 24 at 7:30 am (Friday, "
            "November 27: office closed for the day after Thanksgiving (was: office closed for the day after "
            "Thanksgiving, back Tuesday, December 1 at 8:00 am))") in text  # fmt: skip


def test_the_command_prints_the_scripts_then_sends_once(example_config: Path) -> None:
    """`weekly-status --print` shows Li's script and sends nothing; the plain command sends; again, nothing."""
    now = ("--config", str(example_config), "--now", "2026-11-23T07:30-05:00")
    printed = mailbot("weekly-status", "lchen", "--print", *now)
    sent, again = mailbot("weekly-status", *now), mailbot("weekly-status", *now)
    assert (0, 0, 0) == (printed.returncode, sent.returncode, again.returncode), printed.stderr + sent.stderr
    assert ("    | The office is closed on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving, "
            "and I will return on Tuesday, December 1 at 8:00 am.") in printed.stdout  # fmt: skip
    assert "Li Chen <li.chen@example.org>: weekly status would be sent" in printed.stdout
    assert 4 == sent.stdout.count("weekly status sent")
    assert "Li Chen <li.chen@example.org>: weekly status not sent\n  why: the week is as sent" in again.stdout


def mailbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailbot", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
