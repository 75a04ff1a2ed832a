"""report.html: one self-contained, printable page (inline CSS and SVG, every text escaped) from a Document."""

from __future__ import annotations

import html

from mailbot.assessment.document import Document, Section, Table, cell, note


def html_page(document: Document) -> str:
    """The report page: title, a few sentences, then each section with its tables and charts (already SVG)."""
    title = html.escape(document.title)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in document.intro)
    sections = "".join(_section(section, 2) for section in document.sections)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body><h1>{title}</h1>{paragraphs}{sections}</body></html>\n"
    )


def _section(section: Section, level: int) -> str:
    parts = [f"<h{level}>{html.escape(section.heading)}</h{level}>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in section.paragraphs]
    if section.items:
        parts.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in section.items) + "</ul>")
    parts += [_table(table) for table in section.tables]
    parts += [f'<figure class="chart">{chart.svg}</figure>' for chart in section.charts]
    parts += [_section(sub, min(level + 1, 6)) for sub in section.subsections]
    return "".join(parts)


def _table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in table.header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    under = note(value)
    return html.escape(cell(value)) + (f'<br><span class="note">{html.escape(under)}</span>' if under else "")


_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;color:#000;margin:1.5em}"
    "table{border-collapse:collapse;font-size:9pt;margin:0.5em 0}"
    "th,td{border:1px solid #666;padding:2px 5px;text-align:left}"
    "th{background:#ddd}tr{page-break-inside:avoid}.note{color:#444;font-size:7.5pt;white-space:nowrap}"
    "figure.chart{margin:1em 0;page-break-inside:avoid}"
    "figure.chart svg{max-width:100%;height:auto}@media print{body{margin:0}h2,h3{page-break-after:avoid}}"
)
