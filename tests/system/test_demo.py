"""`mailbot demo`, the README's first command, run to completion as a newcomer would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import html

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_week_and_writes_the_last_digest(tmp_path: Path) -> None:
    """The demo simulates the week, tells its story day by day, and leaves the last digest as HTML."""
    result = subprocess.run(
        [sys.executable, "-m", "mailbot", "demo", "--config", str(ROOT / "service.yaml"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert "Li Chen: Set the automatic reply: Vacation Fri 27 Nov – Mon 30 Nov; back Tue 1 Dec 08:00." in out
    assert "mailbot's automatic reply is still on; turn it off" in out  # and cleared when she is back
    assert "sent Maria Reyes the digest: Service level digest for Monday, November 23" in out
    assert "Thursday 26 November: 0 member message(s) tracked, 0 answered\n\n" in out  # Thanksgiving: quiet
    assert "still open at the end: 0." in out
    assert "weekly status: Maria Reyes: sent an update, the week changed: Tuesday, November 24: away" in out
    last = tmp_path / "digest-mreyes-2026-12-01.html"
    assert f"Last digest (HTML): {last}" in out
    page = html.document_fromstring(last.read_text())
    assert "Service level digest for Tuesday, December 1: nothing open" == page.findtext(".//title")
    assert (tmp_path / "demo-state.sqlite3").exists()


def test_demo_runs_on_graph_too(tmp_path: Path) -> None:
    """`--backend graph` plays the same story through Microsoft Graph over HTTPS (first two days, to stay quick)."""
    result = subprocess.run(
        [sys.executable, "-m", "mailbot", "demo", "--config", str(ROOT / "service.yaml"), "--out", str(tmp_path),
         "--backend", "graph", "--days", "2"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr
    out = result.stdout
    assert "week on the sandbox Exchange through Microsoft Graph" in out
    assert "Li Chen: Set the automatic reply: Vacation Fri 27 Nov – Mon 30 Nov; back Tue 1 Dec 08:00." in out
    assert "sent Maria Reyes the digest: Service level digest for Tuesday, November 24" in out
    assert f"Last digest (HTML): {tmp_path / 'digest-mreyes-2026-11-24.html'}" in out
    assert "Wednesday 25 November" not in out
