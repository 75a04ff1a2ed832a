"""The `mailbot` command as IT runs it: real processes, exit codes, one-sentence errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def mailbot(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailbot", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_accepts_the_shipped_example() -> None:
    """`mailbot check` on the shipped example exits 0 and says the configuration is OK."""
    result = mailbot("check", "--config", ROOT / "service.yaml", "--now", "2026-11-23T09:00-05:00")
    assert 0 == result.returncode, result.stderr
    assert result.stdout.startswith("Configuration OK")
    assert "office main: America/New_York, open now; next holidays: Thu 2026-11-26, Fri 2026-11-27" in result.stdout
    assert "tracking: member mail received from the first sync on; older mail is left out" in result.stdout


def test_check_rejects_a_broken_copy(example_config: Path) -> None:
    """A broken copy exits 2 with file+key lines and no traceback."""
    people = example_config.parent / "config/people.yaml"
    people.write_text(people.read_text().replace("backup: lchen", "backup: ghost", 1))
    result = mailbot("check", "--config", example_config)
    assert 2 == result.returncode
    assert "Traceback" not in result.stderr
    assert f"{people}:" in result.stderr and "people[1].backup: 'ghost' is not a person id" in result.stderr


@pytest.mark.parametrize(
    ("setting", "old", "new"),
    [("backend.ews.ca_bundle", "    auth: ntlm", "    ca_bundle: trusted-ca.pem\n    auth: ntlm"),
     ("backend.graph.ca_bundle", "    max_concurrent_per_mailbox: 4",
      "    ca_bundle: trusted-ca.pem\n    max_concurrent_per_mailbox: 4"),
     ("backend.sandbox_ca_bundle", "  service_account:",
      "  sandbox_url: https://127.0.0.1:8765\n  sandbox_ca_bundle: trusted-ca.pem\n  service_account:")],
)  # fmt: skip
def test_a_missing_ca_bundle_is_named_with_its_file_and_line(
    example_config: Path, monkeypatch: pytest.MonkeyPatch, setting: str, old: str, new: str
) -> None:
    """A CA bundle file that is not there is reported like every other problem: file, line, key, sentence; exit 2."""
    monkeypatch.setenv("MAILBOT_EWS_PASSWORD", "s3cret")
    monkeypatch.setenv("MAILBOT_GRAPH_CLIENT_SECRET", "s3cret")
    kind = "graph" if "graph" in setting else "ews"
    real = "sandbox: true" if "sandbox" in setting else "sandbox: false"
    text = example_config.read_text().replace("sandbox: true", real).replace("kind: ews ", f"kind: {kind} ")
    example_config.write_text(text.replace(old, new, 1))
    line = 1 + example_config.read_text().splitlines().index(next(x for x in new.splitlines() if "trusted-ca" in x))
    result = mailbot("check", "--config", example_config)
    expected = f"  - {example_config}:{line}: {setting}: {example_config.parent / 'trusted-ca.pem'} is not a file"
    assert (2, expected) == (result.returncode, result.stderr.splitlines()[-1][: len(expected)])


def test_backend_option_switches_to_graph() -> None:
    """`--backend graph` checks the same configuration as if service.yaml said `kind: graph`."""
    result = mailbot("check", "--config", ROOT / "service.yaml", "--backend", "graph")
    assert 0 == result.returncode, result.stderr
    assert "  backend: graph via embedded sandbox Exchange, acting as mailbot@example.org" in result.stdout


def test_backend_option_without_its_section_is_reported(example_config: Path) -> None:
    """`--backend graph` for a real server without a `graph:` section names what is missing, in one line."""
    text = example_config.read_text().replace("sandbox: true", "sandbox: false")
    example_config.write_text(text[: text.index("  graph:")] + text[text.index("\nstate:") :])
    result = mailbot("check", "--config", example_config, "--backend", "graph")
    assert 2 == result.returncode
    assert "backend: --backend graph: backend kind 'graph' needs a `graph:` section" in result.stderr


def test_missing_config_file_is_one_sentence(tmp_path: Path) -> None:
    """Pointing at a file that is not there gives one line naming it."""
    result = mailbot("check", "--config", tmp_path / "nope.yaml")
    assert 2 == result.returncode
    assert "nope.yaml: cannot be read" in result.stderr and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """With --debug the traceback is shown as well."""
    result = mailbot("check", "--config", tmp_path / "nope.yaml", "--debug")
    assert 2 == result.returncode and "Traceback" in result.stderr


def test_bad_now_is_one_sentence() -> None:
    """An unreadable --now is reported in one sentence with an example of the right form."""
    result = mailbot("check", "--now", "tomorrow")
    assert 2 == result.returncode
    assert "mailbot: --now 'tomorrow' is not an ISO-8601 time; use e.g." in result.stderr


def test_deadline_before_a_monday_holiday() -> None:
    """Mail received Friday 16:00 before Martin Luther King Day is due Tuesday 16:00."""
    result = mailbot("deadline", "--received", "2027-01-15T16:00-05:00")
    assert 0 == result.returncode, result.stderr
    assert "due: Tue 19 Jan 2027 16:00 EST (email, 1 business day(s), office main)" in result.stdout


def test_deadline_reads_a_time_without_offset_in_the_offices_zone() -> None:
    """--received without an offset is the office's own time of day, so it gives the same due time as with one."""
    plain = mailbot("deadline", "--received", "2027-01-15T16:00")
    explicit = mailbot("deadline", "--received", "2027-01-15T16:00-05:00")
    assert (0, explicit.stdout) == (plain.returncode, plain.stdout), plain.stderr


def test_deadline_refuses_a_time_the_clock_change_skips_naming_the_option() -> None:
    """2:30 on the morning New York springs forward does not exist there: one sentence names --received, exit 2."""
    result = mailbot("deadline", "--received", "2027-03-14T02:30")
    expected = ("mailbot: --received '2027-03-14T02:30' does not exist in America/New_York: the clocks skip "
                "that hour; add an offset.\n")  # fmt: skip
    assert (2, expected) == (result.returncode, result.stderr)


def test_voicemail_after_hours_is_due_end_of_next_workday() -> None:
    """A voicemail left at 17:30 is due at the close of the next workday."""
    result = mailbot("deadline", "--kind", "voicemail", "--received", "2026-12-01T17:30-05:00")
    assert "due: Wed 2 Dec 2026 17:00 EST (voicemail, same workday, office main)" in result.stdout


def test_now_works_before_the_command_too() -> None:
    """--now given before the command name is honoured like after it."""
    result = mailbot("--now", "2026-11-26T10:00-05:00", "check")
    assert "closed, opens Mon 30 Nov 2026 08:00 EST" in result.stdout


def test_db_upgrade_then_status_reports_current(example_config: Path) -> None:
    """`db upgrade` creates the SQLite state beside service.yaml, and `db status` then says it is current."""
    upgraded = mailbot("db", "upgrade", "--config", example_config)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (example_config.parent / "state/mailbot.sqlite3").exists()
    status = mailbot("db", "status", "--config", example_config)
    assert "up to date" == status.stdout.splitlines()[-1]


def test_unreachable_database_is_one_sentence(example_config: Path) -> None:
    """A PostgreSQL that does not answer gives exit 2 and one sentence pointing at state.url."""
    text = example_config.read_text().replace(
        "url: sqlite:///state/mailbot.sqlite3", "url: postgresql://mailbot@127.0.0.1:1/mailbot"
    )
    example_config.write_text(text)
    result = mailbot("db", "status", "--config", example_config)
    assert 2 == result.returncode
    expected = "Cannot open the state database at postgresql+psycopg://mailbot@127.0.0.1:1/mailbot"
    assert expected in result.stderr
    assert "check `state.url` in service.yaml" in result.stderr and "Traceback" not in result.stderr


def test_oof_plan_shows_decisions_and_texts(example_config: Path) -> None:
    """`mailbot oof plan` on the embedded sandbox shows each person's decision and the reply Li would get."""
    result = mailbot("oof", "plan", "--config", example_config, "--now", "2026-11-23T09:00-05:00")
    assert 1 == result.returncode  # Petr's mailbox is off limits in the example: a partial failure
    assert "Li Chen <li.chen@example.org>: mailbot will set the automatic reply" in result.stdout
    assert "I will return on Tuesday, December 1 at 8:00 am." in result.stdout
    assert "Anna Brandt <anna.brandt@example.org>: mailbot leaves alone the automatic reply" in result.stdout
    assert "could not manage Petr Novak" in result.stderr and "Traceback" not in result.stderr


def test_oof_plan_for_an_unknown_person_lists_the_valid_ones(example_config: Path) -> None:
    """Asking for a person not in the roster names the ids that are."""
    result = mailbot("oof", "plan", "anna", "--config", example_config)
    assert (
        "mailbot: Unknown person 'anna'; choose one of: abrandt, jokafor, lchen, mreyes, pnovak."
        == result.stderr.strip()
    )


def test_templates_check_passes_on_the_shipped_templates() -> None:
    """The shipped style-guide templates all render with sample data."""
    result = mailbot("templates", "check")
    assert 0 == result.returncode and result.stdout.startswith("templates OK")


def test_templates_check_names_an_unknown_placeholder(example_config: Path) -> None:
    """A misspelt placeholder fails the check with the template and placeholder named."""
    page = example_config.parent / "message_templates/oof_external.txt.j2"
    page.write_text(page.read_text().replace("person.name", "persn.name", 1))
    result = mailbot("templates", "check", "--config", example_config)
    assert 2 == result.returncode
    assert "oof_external.txt.j2" in result.stderr and "persn" in result.stderr


def test_track_sync_then_status_and_digest(example_config: Path) -> None:
    """`track sync`, then `status` and `digest --print` show the same open member mail in a terminal."""
    synced = mailbot("track", "sync", "--config", example_config, "--now", "2026-11-23T09:00-05:00")
    assert 1 == synced.returncode  # Petr's mailbox is off limits in the example
    assert "tracking 'Lost membership card' from jordan.lee@mail.example in help@example.org" in synced.stdout
    status = mailbot("status", "--config", example_config, "--now", "2026-11-23T17:30-05:00")
    assert "6 open, 1 overdue (as of Mon 23 Nov 2026 17:30 EST)" in status.stdout
    printed = mailbot("digest", "--print", "--config", example_config, "--now", "2026-11-23T17:30-05:00")
    assert "Subject: Service level digest for Monday, November 23: 1 overdue, 6 open" in printed.stdout
    assert "Petr Novak: mailbot could not read the mailbox" in printed.stdout


def test_the_first_track_sync_says_in_one_line_what_it_left_out(example_config: Path, live_since: str) -> None:
    """Going live with `first run`, the earlier mail is left out with one line, once; nothing is open after it."""
    policy = example_config.parent / "config/policy.yaml"
    policy.write_text(policy.read_text().replace(f"since: {live_since}", "since: first run"))
    now = ["--config", example_config, "--now", "2026-11-23T09:00-05:00"]
    first, again = mailbot("track", "sync", *now), mailbot("track", "sync", *now)
    line = ("left out 6 unanswered member messages received before Monday, November 23, 2026 at 9:00 am, when "
            "tracking starts (in 4 mailboxes); nobody is nudged about them")  # fmt: skip
    assert ([line], []) == ([out for out in first.stdout.splitlines() if "left out" in out],
                            [out for out in again.stdout.splitlines() if "left out" in out])  # fmt: skip
    assert ("first sync (inboxes)" in first.stderr, "mailboxes (" in again.stderr) == (True, False)  # plain lines, once
    status = mailbot("status", "--config", example_config, "--now", "2026-11-23T17:30-05:00")
    assert "No member messages are waiting for an answer." in status.stdout


def test_digest_needs_print_or_send(example_config: Path) -> None:
    """Asking for a digest without saying print or send is a usage error."""
    result = mailbot("digest", "--config", example_config)
    assert 2 == result.returncode and "Choose one of --print or --send." in result.stderr


def test_nudge_dry_run_sends_nothing(example_config: Path) -> None:
    """`nudge --dry-run` names who would be nudged and records nothing, so a real run still sends."""
    mailbot("track", "sync", "--config", example_config, "--now", "2026-11-23T09:00-05:00")
    dry = mailbot("nudge", "--dry-run", "--config", example_config, "--now", "2026-11-23T16:00-05:00")
    assert "would nudge James Okafor: 4 member messages need an answer soon" in dry.stdout
    real = mailbot("nudge", "--config", example_config, "--now", "2026-11-23T16:00-05:00")
    assert "nudged James Okafor: 4 member messages need an answer soon" in real.stdout
