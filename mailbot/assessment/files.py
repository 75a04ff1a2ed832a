"""The report's files: CSV that Excel opens cleanly (UTF-8 with BOM, ISO times, plain numbers) and one
self-contained, printable HTML page (inline CSS and SVG, every text escaped)."""

from __future__ import annotations

import csv
import html
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


def html_page(
    title: str, intro: Sequence[str], figures: Sequence[Figure], charts: Sequence[str], sections: Sequence[str] = ()
) -> str:
    """The report page: title, a few sentences, the figures table, further `sections` (already HTML, escaped) and
    the charts (already SVG)."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in FIGURE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in figure_rows(figures)
    )
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in intro)
    pictures = "".join(f'<figure class="chart">{svg}</figure>' for svg in charts)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{paragraphs}"
        f"<h2>Figures</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{''.join(sections)}"
        f"<h2>Charts</h2>{pictures}</body></html>\n"
    )


_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;color:#000;margin:1.5em}"
    "table{border-collapse:collapse;font-size:9pt}th,td{border:1px solid #666;padding:2px 5px;text-align:left}"
    "th{background:#ddd}tr{page-break-inside:avoid}figure.chart{margin:1em 0;page-break-inside:avoid}"
    "figure.chart svg{max-width:100%;height:auto}@media print{body{margin:0}h2{page-break-after:avoid}}"
)
