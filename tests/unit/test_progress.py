"""Plain progress lines for a log: the start and end of a phase, and at most one line per 5 % in between."""

from __future__ import annotations

from mailbot.progress import ProgressLines


def test_ten_thousand_mailboxes_give_twenty_one_lines_a_phase() -> None:
    """Every 500 of 10,000 mailboxes (5 %), from 0 to all: 21 lines, not 10,001."""
    lines = ProgressLines()
    said = [lines.line("first sync (inboxes)", done, 10_000, done / 10) for done in range(10_001)]
    told = [line for line in said if line is not None]
    assert 21 == len(told)
    assert "first sync (inboxes): 500 of 10000 mailboxes (5 %, 50 s)" == told[1]
    assert "first sync (inboxes): 10000 of 10000 mailboxes (100 %, 16 min 40 s)" == told[-1]


def test_a_small_roster_gets_a_line_per_mailbox_and_each_phase_its_own() -> None:
    """Six mailboxes are each more than 5 %: every report is a line, and a new phase starts again at 0."""
    lines = ProgressLines()
    said = [lines.line(task, done, 6, 0) for task in ("sent items", "inboxes") for done in range(7)]
    assert "inboxes: 0 of 6 mailboxes (0 %, 0 s)" == said[7]
    assert [] == [line for line in said if line is None]


def test_a_long_phase_tells_hours() -> None:
    """After an hour the time is given in hours and minutes."""
    assert "x: 1 of 2 mailboxes (50 %, 1 h 05 min)" == ProgressLines().line("x", 1, 2, 3_900)
