"""`mailbot demo`, the README's first command, run to completion as a newcomer would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mailbot demo` on the shipped configuration, its state and digests in `tmp_path`."""
    return subprocess.run(
        [sys.executable, "-m", "mailbot", "demo", "--config", str(ROOT / "service.yaml"), "--out", str(tmp_path),
         *args],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip


def test_demo_runs_the_week_and_writes_the_last_digest(tmp_path: Path) -> None:
    """In the week of Thanksgiving 2026 the demo simulates Monday to the next Tuesday, tells its story day by day,
    and leaves the last digest as HTML."""
    result = demo(tmp_path, "--now", "2026-11-25T12:00-05:00")
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert "Li Chen: Set the automatic reply: Vacation Fri 27 Nov – Mon 30 Nov; back Tue 1 Dec 08:00." in out
    # ... and on until she is back at 8:00 on Tuesday, not cleared in the night before: then it is turned off
    assert "mailbot's automatic reply has ended but is still scheduled; turn it off" in out
    assert "sent Maria Reyes the digest: Service level digest for Monday, November 23" in out
    assert "Thursday 26 November: 0 member message(s) tracked, 0 answered\n" in out
    assert "still open at the end: 0." in out
    days = report_days(out)
    # Thanksgiving is quiet for mailbot (no nudge, digest or reply set); only a member answers a survey link.
    assert [] == [line for line in days["Thursday 26 November"] if not line.startswith("  - ")]
    # Maria books Wednesday off at 16:30 the day before: her script goes out that evening, not on the day off, and
    # her reply runs through Thanksgiving and the day after, to the office's next opening.
    update = "weekly status: Maria Reyes: sent an update, the week changed: Wednesday, November 25: away, back Monday"
    assert any(line.startswith(f"  * {update}") for line in days["Tuesday 24 November"])
    assert "  * out of office: Maria Reyes: Set the automatic reply: Vacation Wed 25 Nov; back Mon 30 Nov 08:00." in (
        days["Tuesday 24 November"])  # fmt: skip
    assert [] == [line for line in days["Friday 27 November"] if "out of office" in line]
    assert any("Maria Reyes: mailbot's automatic reply has ended" in line for line in days["Monday 30 November"])
    # Anna's own reply covered her training: mailbot starts none for the night before she is back.
    assert "Anna Brandt: Set the automatic reply" not in out
    # On her day off James, her deputy, reads the team's digest; the day before lists the request in progress.
    assert ("  * sent James Okafor the digest for Maria Reyes: Service level digest for Wednesday, November 25 "
            "(covering for Maria Reyes): 0 overdue, 1 open") in days["Wednesday 25 November"]  # fmt: skip
    tuesday = html.document_fromstring((tmp_path / "digest-mreyes-2026-11-24.html").read_text()).text_content()
    assert "Requests in progress" in tuesday and "Lost membership card for Jordan Lee" in tuesday
    # Once IT lets mailbot into the departed Petr's mailbox, Anna, his successor, is nudged about his member's mail.
    wednesday = days["Wednesday 25 November"]
    assert wednesday.index("  - 08:10 IT lets mailbot impersonate Petr Novak's mailbox (he has left; Anna Brandt "
                           "answers his mail)") < wednesday.index(
        "  * nudged Anna Brandt: 1 member message needs an answer (1 overdue)")  # fmt: skip
    last = tmp_path / "digest-mreyes-2026-12-01.html"
    assert f"Last digest (HTML): {last}" in out
    page = html.document_fromstring(last.read_text())
    assert "Service level digest for Tuesday, December 1: nothing open" == page.findtext(".//title")
    assert (tmp_path / "demo-state.sqlite3").exists()


def test_demo_runs_on_graph_too(tmp_path: Path) -> None:
    """`--backend graph` plays the same story through Microsoft Graph over HTTPS (first two days, to stay quick)."""
    result = demo(tmp_path, "--now", "2026-11-23T07:00-05:00", "--backend", "graph", "--days", "2")
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert "week from Monday 23 November 2026 on the sandbox Exchange through Microsoft Graph" in out
    assert "Li Chen: Set the automatic reply: Vacation Fri 27 Nov – Mon 30 Nov; back Tue 1 Dec 08:00." in out
    assert "sent Maria Reyes the digest: Service level digest for Tuesday, November 24" in out
    assert f"Last digest (HTML): {tmp_path / 'digest-mreyes-2026-11-24.html'}" in out
    assert "Wednesday 25 November" not in out


PETR = "Could not manage: petr.novak@example.org: the service account may not impersonate this mailbox"


def report_days(out: str) -> dict[str, list[str]]:
    """The demo's report by day: {"Monday 5 July": [the lines under it]}."""
    days: dict[str, list[str]] = {}
    for paragraph in out.split("\n\n")[1:]:
        head, *lines = paragraph.splitlines()
        if head.split(" ")[0].endswith("day") and ":" in head:
            days[head.split(":")[0]] = lines
    return days


def digest_days(out: str) -> list[str]:
    """The days on which Maria Reyes, or her deputy for her, was sent the digest."""
    sent = ("sent Maria Reyes the digest", "the digest for Maria Reyes")
    return [day for day, lines in report_days(out).items() if any(x in line for line in lines for x in sent)]


@pytest.mark.parametrize(
    ("now", "days", "closed", "day_off"),
    [
        ("2029-12-26T12:00-05:00", "5", ["Monday 24 December", "Tuesday 25 December"], "Friday, December 28"),
        ("2030-01-01T09:00-05:00", "2", ["Tuesday 1 January"], None),
        ("2028-07-04T09:00-04:00", "2", ["Tuesday 4 July"], None),
    ],
)
def test_demo_works_in_weeks_with_other_holidays(
    tmp_path: Path, now: str, days: str, closed: list[str], day_off: str | None
) -> None:
    """Christmas Eve and Christmas on Monday and Tuesday, New Year's Day or Independence Day on a Tuesday: the story
    runs without problems, no digest goes out on a closed day, and Maria books the week's last workday off."""
    result = demo(tmp_path, "--now", now, "--days", days)
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert [PETR] == [line for line in out.splitlines() if line.startswith("Could not manage")]
    weekdays = [day for day in report_days(out) if not day.startswith(("Saturday", "Sunday"))]
    assert [day for day in weekdays if day not in closed] == digest_days(out)
    if day_off is not None:
        assert f"Maria Reyes: sent an update, the week changed: {day_off}: away" in out


def test_demo_runs_a_whole_week_that_starts_on_a_holiday(tmp_path: Path) -> None:
    """In the week of 5 July 2027 (Independence Day observed on the Monday) the whole story runs: every member
    message answered, digests on the six other weekdays only."""
    result = demo(tmp_path, "--now", "2027-07-08T10:00-04:00")
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert "Li Chen: Set the automatic reply: Vacation Fri 9 Jul – Mon 12 Jul; back Tue 13 Jul 08:00." in out
    assert "still open at the end: 0." in out
    assert [PETR] == [line for line in out.splitlines() if line.startswith("Could not manage")]
    expected = ["Tuesday 6 July", "Wednesday 7 July", "Thursday 8 July", "Friday 9 July", "Monday 12 July",
                "Tuesday 13 July"]  # fmt: skip
    assert expected == digest_days(out)


def test_demo_runs_in_the_current_week(tmp_path: Path) -> None:
    """Without --now the demo simulates this week, whatever day it is (its first day here, to stay quick)."""
    result = demo(tmp_path, "--days", "1")
    assert 0 == result.returncode, result.stderr
    assert [PETR] == [line for line in result.stdout.splitlines() if line.startswith("Could not manage")]
    assert ["Monday"] == [day.split(" ")[0] for day in report_days(result.stdout)]


def test_demo_of_another_organisation_says_what_it_plays(example_config: Path) -> None:
    """On a configuration of another organisation (no James Okafor) the demo says in one sentence, before it prints
    anything else, that its story plays the example organisation's people; exit 2."""
    for path in (example_config.parent / "config").glob("*.yaml"):
        path.write_text(path.read_text().replace("james.okafor@example.org", "jonas.weber@example.org"))
    result = subprocess.run([sys.executable, "-m", "mailbot", "demo", "--config", str(example_config)],
                            capture_output=True, text=True, timeout=120, cwd=example_config.parent)  # fmt: skip
    [sentence] = result.stderr.splitlines()
    assert (2, "") == (result.returncode, result.stdout)
    assert sentence.startswith("mailbot: The demo plays a week at the example organisation (Maria Reyes, ")
    assert f"{example_config} serves no James Okafor (people.yaml and the sandbox scenario)" in sentence
