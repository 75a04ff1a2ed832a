"""report.pdf with fpdf2 (pure Python: a server needs no system libraries): the same Document as report.html.

Landscape A4 with side margins wide enough that the content also fits US Letter; DejaVu Sans from matplotlib's
own fonts (embedded, subset) so every name prints, whatever its script; charts as the PNGs charts.py drew;
tables as pdf_table.py draws them; page numbers in the footer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF

from mailbot.assessment.document import Chart, Document, Section
from mailbot.assessment.pdf_table import FAMILY, draw_table

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SIDE, TOP, BOTTOM = 19.0, 12.0, 14.0  # mm: 297 - 2 * 19 = 259 mm of content, which Letter (279 mm) also holds
CHART_WIDTH = 175.0  # mm, a little under the charts' drawn width (7.5 in): two of the usual charts share a page


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
        draw_table(pdf, table)
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
