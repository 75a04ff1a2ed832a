"""How far a long job has got, as plain lines for a log file or cron mail (a terminal gets a bar instead).

Pure: the CLI feeds it what jobs.deps.Progress hears and prints the lines it returns. A phase's first mailbox done
and its last are always told, in between at most one line per STEP_PERCENT of the mailboxes, so 10,000 mailboxes
give some twenty lines a phase, and a small roster a line a mailbox. Nothing is told before a mailbox is done: a
run that Exchange turns away at once ends in its one sentence alone.
"""

from __future__ import annotations

import math

STEP_PERCENT = 5


class ProgressLines:
    """Turns progress reports into the few lines worth a log: `line()` is None for the reports in between."""

    def __init__(self, step_percent: int = STEP_PERCENT) -> None:
        self._step_percent = step_percent
        self._next: dict[str, int] = {}  # task -> the count of mailboxes done that earns the next line

    def line(self, task: str, done: int, total: int, elapsed_seconds: float) -> str | None:
        """'first sync (inboxes): 500 of 10000 mailboxes (5 %, 2 min 10 s)' when this report is worth a line."""
        step = max(1, math.ceil(total * self._step_percent / 100))
        due = self._next.setdefault(task, 1)
        if done < due and done < total:
            return None
        self._next[task] = (done // step + 1) * step
        share = f"{done * 100 // total} %, " if total else ""
        return f"{task}: {done} of {total} mailboxes ({share}{_duration(elapsed_seconds)})"


def _duration(seconds: float) -> str:
    """'45 s', '2 min 10 s', '1 h 05 min': how long the task has run, to the second while under an hour."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
