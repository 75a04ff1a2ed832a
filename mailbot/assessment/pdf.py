"""report.pdf with fpdf2 (pure Python: a server needs no system libraries): the same Document as report.html.

Landscape A4 with side margins wide enough that the content also fits US Letter; DejaVu Sans from matplotlib's
own fonts (embedded, subset) so every name prints, whatever its script; charts as the PNGs charts.py drew;
wide tables split into column groups that repeat the columns naming a row; page numbers in the footer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace

from mailbot.assessment.document import Chart, Document, Section, Table, cell, note

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
SIDE, TOP, BOTTOM = 19.0, 12.0, 14.0  # mm: 297 - 2 * 19 = 259 mm of content, which Letter (279 mm) also holds
TABLE_POINTS = 7.5
PADDING = 1.0  # mm left and right in a table cell
WIDEST = 60.0  # mm: a longer value (a long name) wraps within its cell
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?( ?%)?")
CHART_WIDTH = 175.0  # mm, a little under the charts' drawn width (7.5 in): two of the usual charts share a page
GREY = (221, 221, 221)


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-BOTTOM + 4)
        self.set_font(FAMILY, size=8)
        self.cell(0, 5, f"{self.title} · page {self.page_no()} of {{nb}}", align="C")


def pdf_bytes(document: Document, created: datetime) -> bytes:
    """The document as a PDF, dated `created` (the report's moment, not the wall clock)."""
    pdf = _Pdf(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(SIDE, TOP, SIDE)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(document.title)
    pdf.set_creator("mailbot")
    pdf.set_creation_date(created)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 8, document.title, new_x="LMARGIN", new_y="NEXT")
    _paragraphs(pdf, document.intro)
    for section in document.sections:
        _section(pdf, section, 2)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section, level: int) -> None:
    size = 13 if level <= 2 else 11
    if pdf.will_page_break(size + _first_block(pdf, section)):  # a heading stays with what it introduces
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.5, section.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _paragraphs(pdf, section.paragraphs)
    _paragraphs(pdf, [f"• {item}" for item in section.items])
    for table in section.tables:
        _table(pdf, table)
    for chart in section.charts:
        _chart(pdf, chart)
    for sub in section.subsections:
        _section(pdf, sub, level + 1)


def _first_block(pdf: FPDF, section: Section) -> float:
    """About how tall the first thing under the heading is: a paragraph, a table's header and first rows, a chart."""
    if section.paragraphs or section.tables or not section.charts:
        return 25.0
    return _chart_size(pdf, section.charts[0])[1]


def _paragraphs(pdf: FPDF, lines: Sequence[str]) -> None:
    pdf.set_font(FAMILY, size=10)
    for line in lines:
        pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FAMILY, size=TABLE_POINTS)
    widths = [_width(pdf, table, column) for column in range(len(table.header))]
    for columns in _column_groups(widths, table.keys, pdf.epw):
        chosen = [widths[column] for column in columns]
        with pdf.table(
            width=min(pdf.epw, sum(chosen)),
            col_widths=tuple(chosen),
            text_align=tuple("RIGHT" if _numeric(table, column) else "LEFT" for column in columns),
            align="LEFT",
            line_height=TABLE_POINTS * 0.45,
            headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
            padding=(0.6, PADDING),
        ) as grid:
            grid.row([table.header[column] for column in columns])
            for values in table.rows:
                grid.row([_text(values[column]) for column in columns])
        pdf.ln(3)


def _numeric(table: Table, column: int) -> bool:
    """Whether a column holds numbers only (some may be missing): those are right-aligned."""
    texts = [cell(row[column]) for row in table.rows]
    return column >= table.keys and all(NUMBER.fullmatch(text) for text in texts if text not in ("", "–"))


def _text(value: object) -> str:
    """A cell's text: its value, and its note (if any) on a line below."""
    under = note(value)
    return cell(value) + (f"\n{under}" if under else "")


def _width(pdf: FPDF, table: Table, column: int) -> float:
    """A column's width in mm: its widest value or note (up to WIDEST) or its header's widest word, with padding."""
    values = {line for row in table.rows for line in _text(row[column]).split("\n")}
    widest = max((pdf.get_string_width(value) for value in values), default=0.0)
    pdf.set_font(FAMILY, "B", TABLE_POINTS)
    word = max((pdf.get_string_width(part) for part in table.header[column].split()), default=0.0)
    pdf.set_font(FAMILY, "", TABLE_POINTS)
    return max(min(widest, WIDEST), word) + 2 * PADDING + 0.5


def _column_groups(widths: Sequence[float], keys: int, room: float) -> list[list[int]]:
    """Column indexes per part: all in one when they fit the page's width, else the key columns repeated with
    as many of the next columns as fit (at least one)."""
    if sum(widths) <= room:
        return [list(range(len(widths)))]
    groups: list[list[int]] = []
    for column in range(keys, len(widths)):
        if not groups or sum(widths[i] for i in groups[-1]) + widths[column] > room:
            groups.append(list(range(keys)))
        groups[-1].append(column)
    return groups


def _chart(pdf: FPDF, chart: Chart) -> None:
    """The chart centred at about its drawn width, smaller only when it would not fit on a page by itself."""
    width, height = _chart_size(pdf, chart)
    if pdf.will_page_break(height):
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(chart.png), x=x, w=width, h=height, title=chart.title, alt_text=chart.title)
    pdf.ln(4)


def _chart_size(pdf: FPDF, chart: Chart) -> tuple[float, float]:
    width = min(CHART_WIDTH, pdf.epw)
    room = pdf.eph - 12  # below a heading
    if width * chart.aspect > room:
        width = room / chart.aspect
    return width, width * chart.aspect
