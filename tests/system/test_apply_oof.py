"""Out-of-office end to end: calendars in the sandbox Exchange, read and written through each backend (EWS, Graph)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from mailbot.domain import OofState
from mailbot.jobs import Deps
from mailbot.jobs.apply_oof import apply_oof
from mailbot.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
LI, JAMES, ANNA, PETR = ("li.chen@example.org", "james.okafor@example.org", "anna.brandt@example.org",
                         "petr.novak@example.org")  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def run(deps: Deps, server: SandboxServer, now: datetime) -> Any:
    server.org.clock.set(now)  # the sandbox lives in the same time as mailbot
    return apply_oof(deps, now)


def oof(server: SandboxServer, mailbox: str) -> Any:
    return server.org.get_oof(mailbox)


def test_weekend_bridged_vacation_is_scheduled_until_tuesday_morning(sandbox: SandboxServer, deps_for: Any) -> None:
    """Li's Friday-to-Monday vacation gets one reply from Friday 00:00 until Tuesday 08:00."""
    run(deps_for(sandbox), sandbox, at("2026-11-23T09:00"))
    reply = oof(sandbox, LI)
    assert ("scheduled", at("2026-11-27T00:00"), at("2026-12-01T08:00")) == (reply.state, reply.start, reply.end)
    assert "I will return on Tuesday, December 1 at 8:00 am" in reply.external_reply
    assert "Vacation" not in reply.external_reply  # members are not told why


def test_holiday_between_two_days_off_makes_one_absence(sandbox: SandboxServer, deps_for: Any) -> None:
    """Wednesday off, Thanksgiving, the closed Friday, the weekend and Monday off make one reply to Tuesday."""
    for day in (date(2026, 11, 25), date(2026, 11, 30)):
        sandbox.org.add_event(JAMES, "Vacation", day, date.fromordinal(day.toordinal() + 1), show_as="oof")
    run(deps_for(sandbox), sandbox, at("2026-11-23T09:00"))
    reply = oof(sandbox, JAMES)
    assert ("scheduled", at("2026-11-25T00:00"), at("2026-12-01T08:00")) == (reply.state, reply.start, reply.end)


def test_cancelled_absence_clears_mailbots_reply(sandbox: SandboxServer, deps_for: Any) -> None:
    """When the vacation is cancelled, the reply mailbot set is switched off."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T09:00"))
    [vacation] = [e for e in sandbox.org.events(LI) if e.subject == "Vacation"]
    sandbox.org.remove_event(LI, vacation.item_id)
    result = run(deps, sandbox, at("2026-11-23T10:00"))
    assert "disabled" == oof(sandbox, LI).state
    assert ["Li Chen"] == [line.split(":")[0] for line in result.changes]


def test_moved_absence_moves_the_reply(sandbox: SandboxServer, deps_for: Any) -> None:
    """When the vacation moves a week later, the scheduled reply follows it."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T09:00"))
    [vacation] = [e for e in sandbox.org.events(LI) if e.subject == "Vacation"]
    sandbox.org.update_event(LI, vacation.item_id, start=date(2026, 12, 4), end=date(2026, 12, 8))
    run(deps, sandbox, at("2026-11-23T10:00"))
    reply = oof(sandbox, LI)
    assert (at("2026-12-04T00:00"), at("2026-12-08T08:00")) == (reply.start, reply.end)


def test_reply_is_cleared_after_return(sandbox: SandboxServer, deps_for: Any) -> None:
    """Once Li is back, mailbot's ended reply is tidied away."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T09:00"))
    run(deps, sandbox, at("2026-12-01T09:00"))
    assert "disabled" == oof(sandbox, LI).state
    assert None is deps.store.get_oof_record("lchen")


def test_a_persons_own_reply_is_left_untouched_and_noted_once(sandbox: SandboxServer, deps_for: Any) -> None:
    """Anna's own reply stays exactly as she wrote it, and the audit notes it once, not on every run."""
    deps = deps_for(sandbox)
    before = oof(sandbox, ANNA)
    run(deps, sandbox, at("2026-11-23T09:00"))
    run(deps, sandbox, at("2026-11-23T10:00"))
    assert before == oof(sandbox, ANNA)
    noted = [e for e in deps.store.audit_entries() if e.action == "oof_left_manual"]
    assert ["abrandt"] == [e.subject for e in noted]


def test_rerun_changes_nothing(sandbox: SandboxServer, deps_for: Any) -> None:
    """A second run an hour later, with nothing changed, writes nothing to Exchange or the audit."""
    deps = deps_for(sandbox)
    run(deps, sandbox, at("2026-11-23T09:00"))
    audit_before, reply_before = len(deps.store.audit_entries()), oof(sandbox, LI)
    again = run(deps, sandbox, at("2026-11-23T10:00"))
    assert ([], audit_before, reply_before) == (again.changes, len(deps.store.audit_entries()), oof(sandbox, LI))


def test_dry_run_changes_nothing(sandbox: SandboxServer, deps_for: Any) -> None:
    """A dry run decides and reports, but Exchange and the store stay as they were."""
    deps = deps_for(sandbox, dry_run=True)
    result = run(deps, sandbox, at("2026-11-23T09:00"))
    assert ("disabled", None, []) == (
        oof(sandbox, LI).state,
        deps.store.get_oof_record("lchen"),
        deps.store.audit_entries(),
    )
    assert any(line.startswith("Li Chen (dry run") for line in result.changes)


def test_departed_person_gets_a_permanent_redirect(make_sandbox: Any, deps_for: Any) -> None:
    """Petr, who left, gets a reply to everyone naming Anna Brandt, who now answers."""
    scenario = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    scenario["impersonation"].append(PETR)
    petr = next(m for m in scenario["mailboxes"] if m["email"] == PETR)
    petr["oof"] = {"state": "disabled"}
    server = make_sandbox(scenario)
    run(deps_for(server), server, at("2026-11-23T09:00"))
    reply = oof(server, PETR)
    assert ("enabled", "all") == (reply.state, reply.external_audience)
    assert "Anna Brandt" in reply.external_reply and "anna.brandt@example.org" in reply.external_reply


def test_mailbox_mailbot_may_not_manage_is_reported_and_others_go_on(sandbox: SandboxServer, deps_for: Any) -> None:
    """Petr's mailbox is off limits to the service account: reported as a problem, everyone else handled."""
    result = run(deps_for(sandbox), sandbox, at("2026-11-23T09:00"))
    assert ["Petr Novak"] == [p.split(":")[0] for p in result.problems]
    assert OofState.SCHEDULED.value == oof(sandbox, LI).state
