"""The report's CSV files, which Excel opens cleanly (UTF-8 with BOM, ISO times, plain numbers); report.html
is page.py's and report.pdf pdf.py's."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.assessment.document import Cell, Table
from mailbot.assessment.figures import Figure, change

Value = float | int | None

# Each figure: its column name and how to read it from a row. The HTML groups them into two tables.
ANSWERS: tuple[tuple[str, Callable[[Figure], Value]], ...] = (
    ("received", lambda f: f.counts.volume),
    ("decided", lambda f: f.counts.decided),
    ("answered within standard", lambda f: f.counts.within),
    ("within standard %", lambda f: f.counts.on_time_percent),
    ("median business hours to first answer", lambda f: f.median_hours),
    ("90th percentile business hours to first answer", lambda f: f.p90_hours),
    ("still open", lambda f: f.counts.open),
    ("overdue", lambda f: f.counts.overdue),
    ("overdue at end of day", lambda f: f.counts.overdue_end_of_day),
)
FOLLOW_UP: tuple[tuple[str, Callable[[Figure], Value]], ...] = (
    ("complaints", lambda f: f.counts.complaints),
    ("complaints escalated", lambda f: f.counts.escalated),
    ("median business hours to answer a complaint", lambda f: f.complaint_median_hours),
    ("touchpoint updates due", lambda f: f.counts.updates_due),
    ("touchpoint updates on time", lambda f: f.counts.updates_on_time),
    ("touchpoint updates on time %", lambda f: f.counts.updates_on_time_percent),
    # Absences are a person's, whatever the kind of message: only on the 'all' rows.
    ("absences begun", lambda f: f.counts.absences if f.kind == "all" else None),
    ("absences covered before they began", lambda f: f.counts.absences_covered if f.kind == "all" else None),
    ("absences covered before they began %", lambda f: f.counts.absences_covered_percent if f.kind == "all" else None),
)
VALUES = (*ANSWERS, *FOLLOW_UP)
NAMES = tuple(name for name, _ in VALUES)
FIGURE_COLUMNS = (
    "scope", "name", "kind", *NAMES, *(f"previous period: {name}" for name in NAMES),
    *(f"change: {name}" for name in NAMES),
)  # fmt: skip


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A CSV with a byte-order mark so Excel reads UTF-8; empty cells for values that do not exist. The rows are
    written as they come (a year's messages are never all formatted at once)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)


def figure_rows(figures: Sequence[Figure]) -> list[list[object]]:
    """figures.csv's rows: each figure, then the previous period's (empty without one), then the change."""
    rows: list[list[object]] = []
    for f in figures:
        now = [read(f) for _, read in VALUES]
        before = [read(f.previous) if f.previous else None for _, read in VALUES]
        rows.append([f.scope, f.name, f.kind, *now, *before, *(change(a, b) for a, b in zip(now, before, strict=True))])
    return rows


def local(at: datetime | None, tz: ZoneInfo) -> str:
    """An instant as ISO local time in `tz` without offset (Excel reads it as a date and time)."""
    return "" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def figure_tables(figures: Sequence[Figure]) -> list[Table]:
    """The figures for the page and the PDF in two tables (answers; complaints and follow-up), each value with
    the previous period's and the change as a note under it."""
    return [
        Table(("scope", "name", "kind", *(name for name, _ in values)),
              [[f.scope, f.name, f.kind, *(_cell(read(f), f.previous, read)
                                           for _, read in values)] for f in figures], keys=3)
        for values in (ANSWERS, FOLLOW_UP)
    ]  # fmt: skip


def _cell(now: Value, previous: Figure | None, read: Callable[[Figure], Value]) -> Cell:
    if previous is None:
        return Cell(_number(now))
    before = read(previous)
    if now is None and before is None:
        return Cell(_number(now))  # neither period has it: one dash, not "was –"
    moved = change(now, before)
    difference = "" if moved is None else f" ({'+' if moved > 0 else ''}{_number(moved)})"
    return Cell(_number(now), f"was {_number(before)}{difference}")


def _number(value: Value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
