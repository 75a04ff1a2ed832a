"""Plain progress lines for a log: the first mailbox and the last of a phase, at most one line per 5 % between."""

from __future__ import annotations

from mailbot.progress import ProgressLines


def test_ten_thousand_mailboxes_give_twenty_one_lines_a_phase() -> None:
    """The first mailbox, then every 500 of 10,000 (5 %) up to all: 21 lines, not 10,001."""
    lines = ProgressLines()
    said = [lines.line("first sync (inboxes)", done, 10_000, done / 10) for done in range(10_001)]
    told = [line for line in said if line is not None]
    assert 21 == len(told)
    assert "first sync (inboxes): 500 of 10000 mailboxes (5 %, 50 s)" == told[1]
    assert "first sync (inboxes): 10000 of 10000 mailboxes (100 %, 16 min 40 s)" == told[-1]


def test_a_small_roster_gets_a_line_per_mailbox_and_each_phase_its_own() -> None:
    """Six mailboxes are each more than 5 %: every mailbox done is a line, and a new phase starts again."""
    lines = ProgressLines()
    said = [lines.line(task, done, 6, 0) for task in ("sent items", "inboxes") for done in range(7)]
    assert "inboxes: 1 of 6 mailboxes (16 %, 0 s)" == said[8]
    assert [0, 7] == [n for n, line in enumerate(said) if line is None]  # nothing before a mailbox is done


def test_a_long_phase_tells_hours() -> None:
    """After an hour the time is given in hours and minutes."""
    assert "x: 1 of 2 mailboxes (50 %, 1 h 05 min)" == ProgressLines().line("x", 1, 2, 3_900)
