"""What a report says, before it is HTML or PDF: a title, a few sentences, and sections of paragraphs, tables
and charts. page.py and pdf.py render the same Document, so the two files always carry the same content."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chart:
    """One chart drawn twice: inline SVG with real text for the page, a high-resolution PNG for the PDF."""

    title: str
    svg: str
    png: bytes

    @property
    def aspect(self) -> float:
        """Height over width, read from the PNG's header (width and height follow the 16-byte signature + IHDR)."""
        width, height = struct.unpack(">II", self.png[16:24])
        return float(height) / float(width)


@dataclass(frozen=True)
class Cell:
    """A table value with a note under it in smaller type (e.g. the previous period's value and the change)."""

    value: object
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A header and rows; the first `keys` columns name a row and are repeated when a wide table is split."""

    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    keys: int = 0


@dataclass(frozen=True)
class Section:
    """A heading over paragraphs, then a bulleted list, tables, charts and subsections (any may be empty)."""

    heading: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    charts: Sequence[Chart] = ()
    subsections: Sequence[Section] = field(default=())
    items: Sequence[str] = ()


@dataclass(frozen=True)
class Document:
    title: str
    intro: Sequence[str]
    sections: Sequence[Section]


def cell(value: object) -> str:
    """A value as a table shows it: nothing for a value that does not exist; a Cell's value alone."""
    if isinstance(value, Cell):
        return cell(value.value)
    return "" if value is None else str(value)


def note(value: object) -> str:
    """A Cell's note; nothing for a plain value."""
    return value.note if isinstance(value, Cell) else ""
