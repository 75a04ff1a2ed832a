"""The report's CSV files, which Excel opens cleanly (UTF-8 with BOM, ISO times, plain numbers); report.html
is page.py's and report.pdf pdf.py's."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.assessment.figures import Figure

FIGURE_COLUMNS = (
    "scope", "name", "kind", "received", "decided", "answered within standard", "within standard %",
    "median business hours to first answer", "90th percentile business hours to first answer", "still open",
    "overdue",
)  # fmt: skip


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A CSV with a byte-order mark so Excel reads UTF-8; empty cells for values that do not exist."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if value is None else value for value in row] for row in rows])


def figure_rows(figures: Sequence[Figure]) -> list[list[object]]:
    return [
        [f.scope, f.name, f.kind, f.counts.volume, f.counts.decided, f.counts.within, f.counts.on_time_percent,
         f.median_hours, f.p90_hours, f.counts.open, f.counts.overdue]
        for f in figures
    ]  # fmt: skip


def local(at: datetime | None, tz: ZoneInfo) -> str:
    """An instant as ISO local time in `tz` without offset (Excel reads it as a date and time)."""
    return "" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
