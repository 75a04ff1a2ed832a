"""A trial on any day: on the shipped setup `mailbot check`, `oof plan` and `run --once` agree, whatever the date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PETR = (
    "mailbot: could not manage Petr Novak: petr.novak@example.org: the service account may not impersonate this mailbox"
)


def mailbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailbot", *args, "--config", config.name], cwd=config.parent,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    "now",
    [
        "2026-12-03T10:00-05:00",  # the Thursday after the example week used to be fixed to, when it stopped working
        "2027-07-05T08:30-04:00",  # Independence Day observed, a Monday
        "2030-03-16T23:30-04:00",  # a Saturday night, after the change to daylight saving time
    ],
)
def test_check_then_oof_plan_and_run_once_agree(example_config: Path, now: str) -> None:
    """Where `check` says OK, `oof plan` and `run --once` run on the embedded sandbox too: only Petr's refused
    mailbox is a (partial) failure, exit 1, and nothing stops them with exit 2."""
    checked = mailbot(example_config, "check", "--now", now)
    planned = mailbot(example_config, "oof", "plan", "--now", now)
    ran = mailbot(example_config, "run", "--once", "--now", now)
    assert (0, 1, 1) == (checked.returncode, planned.returncode, ran.returncode), planned.stderr + ran.stderr
    assert [PETR] == planned.stderr.splitlines()
    assert "Li Chen <li.chen@example.org>: mailbot will set the automatic reply" in planned.stdout


def test_check_and_oof_plan_agree_today(example_config: Path) -> None:
    """Without --now, on whatever day the tests run, `check` says OK and `oof plan` only misses Petr."""
    checked = mailbot(example_config, "check")
    planned = mailbot(example_config, "oof", "plan")
    assert (0, 1, [PETR]) == (checked.returncode, planned.returncode, planned.stderr.splitlines()), checked.stderr
    assert "  sandbox: config/sandbox.yaml, 7 mailboxes, in the week from Mon " in checked.stdout


def test_check_reports_a_bad_scenario_time_as_run_does(example_config: Path) -> None:
    """A misspelt weekday in the scenario fails `check` with the same file:line: key sentence that stops a run."""
    scenario = example_config.parent / "config/sandbox.yaml"
    scenario.write_text(scenario.read_text().replace("received: monday 07:05", "received: mondya 07:05"))
    checked = mailbot(example_config, "check", "--now", "2026-11-23T09:00-05:00")
    ran = mailbot(example_config, "run", "--once", "--now", "2026-11-23T09:00-05:00")
    line = next(x for x in checked.stderr.splitlines() if "mondya" in x)
    assert (2, 2) == (checked.returncode, ran.returncode)
    assert "  - config/sandbox.yaml:125: mailboxes[4].inbox[0].received: 'mondya 07:05' is not a time" in line
    assert line in ran.stderr.splitlines()


def test_check_finds_a_person_without_a_sandbox_mailbox(example_config: Path) -> None:
    """A person added to people.yaml but not to the sandbox scenario is named by `check`, which exits 2."""
    people = example_config.parent / "config/people.yaml"
    nia = "  - {id: nnew, name: Nia New, email: nia.new@example.org, team: Benefits, office: main}\n"
    people.write_text(people.read_text().replace("people:\n", "people:\n" + nia, 1))
    checked = mailbot(example_config, "check", "--now", "2026-11-23T09:00-05:00")
    assert 2 == checked.returncode
    expected = "config/sandbox.yaml: mailboxes: Nia New <nia.new@example.org> has no mailbox in the sandbox scenario"
    assert f"  - {expected}" in checked.stderr.splitlines()


def test_check_renders_the_templates(example_config: Path) -> None:
    """A template with an unknown placeholder fails `check`, as it would fail the job that renders it."""
    page = example_config.parent / "message_templates/nudge.txt.j2"
    page.write_text(page.read_text().replace("{{", "{{ nobody.", 1))
    checked = mailbot(example_config, "check", "--now", "2026-11-23T09:00-05:00")
    assert 2 == checked.returncode
    assert "message_templates/nudge.txt.j2" in checked.stderr and "nobody" in checked.stderr
