"""Tables in report.pdf, drawn directly (text placed, rules drawn): fpdf2's own table lays out every cell as a
paragraph, which takes seconds for the few hundred rows of a large organisation's figures.

Columns are as wide as their widest value (up to WIDEST) or their header's widest word; a table wider than the
page continues in parts that repeat its key columns. Numbers are right-aligned, text left; a header repeats on
each page; a cell's note goes on a line under its value; a value too wide for its column wraps at spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fpdf import FPDF

from mailbot.assessment.document import Table, cell, note

FAMILY = "DejaVu"  # registered by pdf.py
POINTS = 7.5
LINE = POINTS * 0.42  # mm per line of text
PADDING = 1.0  # mm left and right in a cell
VERTICAL = 0.7  # mm above and below a cell's text
WIDEST = 60.0  # mm: a longer value (a long name) wraps within its cell
GREY = 221
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?( ?%)?")


def draw_table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FAMILY, size=POINTS)
    widths = [_width(pdf, table, column) for column in range(len(table.header))]
    for columns in _column_groups(widths, table.keys, pdf.epw):
        right = [_numeric(table, column) for column in columns]
        _Grid(pdf, [widths[c] for c in columns], right).draw(
            [table.header[c] for c in columns], [[_text(row[c]) for c in columns] for row in table.rows]
        )
        pdf.ln(3)


class _Grid:
    def __init__(self, pdf: FPDF, widths: Sequence[float], right: Sequence[bool]) -> None:
        self.pdf, self.widths, self.right = pdf, widths, right
        self.left = pdf.l_margin
        self._measured: dict[tuple[str, str], float] = {}  # a figures table repeats few distinct texts

    def _measure(self, text: str) -> float:
        key = (self.pdf.font_style, text)
        found = self._measured.get(key)
        if found is None:
            found = self._measured[key] = self.pdf.get_string_width(text)
        return found

    def draw(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        top = self._header(header)
        for texts in rows:
            lines = [self._lines(text, width) for text, width in zip(texts, self.widths, strict=True)]
            height = max(len(found) for found in lines) * LINE + 2 * VERTICAL
            if self.pdf.will_page_break(height):
                self._verticals(top, self.pdf.get_y())
                self.pdf.add_page()
                top = self._header(header)
            self._row(lines, height, bold=False)
        self._verticals(top, self.pdf.get_y())

    def _header(self, header: Sequence[str]) -> float:
        """The header row on a grey ground, words wrapped; its top, where this page's part of the table begins."""
        self.pdf.set_font(FAMILY, "B", POINTS)
        lines = [self._lines(text, width) for text, width in zip(header, self.widths, strict=True)]
        height = max(len(found) for found in lines) * LINE + 2 * VERTICAL
        if self.pdf.will_page_break(height + LINE + 2 * VERTICAL):
            self.pdf.add_page()
        top = self.pdf.get_y()
        self.pdf.set_fill_color(GREY)
        self.pdf.rect(self.left, top, sum(self.widths), height, style="F")
        self._line(top)
        self._row(lines, height, bold=True)
        self.pdf.set_font(FAMILY, "", POINTS)
        return top

    def _row(self, lines: Sequence[Sequence[str]], height: float, *, bold: bool) -> None:
        y, x = self.pdf.get_y(), self.left
        for found, width, right in zip(lines, self.widths, self.right, strict=True):
            for number, text in enumerate(found):
                offset = width - PADDING - self._measure(text) if right and not bold else PADDING
                self.pdf.text(x + offset, y + VERTICAL + (number + 0.78) * LINE, text)
            x += width
        self.pdf.set_y(y + height)
        self._line(y + height)

    def _line(self, y: float) -> None:
        self.pdf.line(self.left, y, self.left + sum(self.widths), y)

    def _verticals(self, top: float, bottom: float) -> None:
        x = self.left
        for width in (0.0, *self.widths):
            x += width
            self.pdf.line(x, top, x, bottom)

    def _lines(self, text: str, width: float) -> list[str]:
        """The text's lines: its own line breaks, and wrapped at spaces where wider than the column."""
        room = width - 2 * PADDING
        if "\n" not in text and self._measure(text) <= room:
            return [text]
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                trial = f"{current} {word}" if current else word
                if current and self._measure(trial) > room:
                    lines.append(current)
                    current = word
                else:
                    current = trial
            lines.append(current)
        return lines


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
    pdf.set_font(FAMILY, "B", POINTS)
    word = max((pdf.get_string_width(part) for part in table.header[column].split()), default=0.0)
    pdf.set_font(FAMILY, "", POINTS)
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
