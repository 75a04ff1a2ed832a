"""report.pdf: the same document as the page, readable back as text, with its charts as images and page numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pdf_text import images, page_texts

from mailbot.assessment import charts
from mailbot.assessment.document import Cell, Document, Section, Table
from mailbot.assessment.page import html_page
from mailbot.assessment.pdf import pdf_bytes
from mailbot.assessment.workers import Workers

NOW = datetime(2026, 11, 25, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def drawn() -> list[charts.Chart]:
    """Two charts as `mailbot report` draws them, one naming a person in Polish and one in Czech."""
    return [
        charts.weekly_on_time(["2026-11-16", "2026-11-23"], [80.0, None], "On-time rate per week"),
        charts.person_on_time(["Łucja Żółć", "Jiří Dvořák"], [100.0, 50.0], "On-time rate per person"),
    ]


def test_the_pdf_holds_the_title_unicode_names_the_table_and_both_charts(drawn: list[charts.Chart]) -> None:
    """Title, intro, a heading, a table row naming Łucja Żółć and both charts (as images) are in the file."""
    table = Table(["scope", "name", "kind", "received"], [["person", "Łucja Żółć", "email", 12]], keys=3)
    document = Document("Service level report: Świętokrzyska Sp.", ["From Monday to Sunday."],
                        [Section("Figures", tables=[table]), Section("Charts", charts=drawn)])  # fmt: skip
    pdf = pdf_bytes(document, NOW)
    assert pdf.startswith(b"%PDF-")
    texts = page_texts(pdf)
    everything = "\n".join(texts)
    assert "Service level report: Świętokrzyska Sp." in texts[0]
    assert "From Monday to Sunday." in everything and "Łucja Żółć" in everything
    assert 2 == images(pdf)
    assert f"page {len(texts)} of" in texts[-1]
    assert b"/Title (" in pdf or b"/Title <" in pdf


def test_a_long_table_continues_on_more_pages_with_its_header(drawn: list[charts.Chart]) -> None:
    """A hundred and fifty rows take several pages, each page starting with the header again and numbered."""
    rows = [["person", f"Person {n}", "email", n] for n in range(150)]
    pdf = pdf_bytes(Document("Many", [], [Section("Figures", tables=[Table(["scope", "name", "kind", "received"],
                                                                          rows, keys=3)])]), NOW)  # fmt: skip
    texts = page_texts(pdf)
    assert len(texts) >= 3
    assert all(text.split("\n").count("received") >= 1 for text in texts)
    assert [f"page {n} of" in text for n, text in enumerate(texts, 1)] == [True] * len(texts)
    assert "Person 149" in texts[-1]


def test_a_table_too_wide_for_the_page_is_split_and_repeats_its_key_columns() -> None:
    """Forty figure columns do not fit across landscape A4: each part repeats scope, name and kind."""
    header = ["scope", "name", "kind"] + [f"figure number {n}" for n in range(40)]
    rows = [["team", "Front desk", "voicemail", *range(100, 140)]]
    pdf = pdf_bytes(Document("Wide", [], [Section("Figures", tables=[Table(header, rows, keys=3)])]), NOW)
    text = "\n".join(page_texts(pdf))
    assert text.count("Front desk") >= 2
    assert text.count("Front desk") == text.count("voicemail")
    assert all(str(value) in text for value in range(100, 140))


def test_a_cells_note_is_under_its_value_in_the_pdf_and_on_the_page() -> None:
    """A figure with the previous period's value as its note shows both, the note escaped on the page."""
    table = Table(["scope", "name", "kind", "received"], [["team", "Front", "email", Cell(12, "was 9 <+3>")]], keys=3)
    document = Document("Notes", [], [Section("Figures", tables=[table])])
    lines = page_texts(pdf_bytes(document, NOW))[0].split("\n")
    assert ["12", "was 9 <+3>"] == lines[lines.index("received") + 4 : lines.index("received") + 6]
    assert '<td>12<br><span class="note">was 9 &lt;+3&gt;</span></td>' in html_page(document)


def test_a_chart_drawn_by_a_worker_process_is_the_one_drawn_here() -> None:
    """The report's worker processes (on a machine of more than one core) draw exactly what this process would."""
    names, rates = ["Łucja Żółć", "Jiří Dvořák"], [100.0, None]
    with Workers("mailbot.assessment.charts") as workers:
        drawn = workers.start(charts.person_on_time, names, rates, "On-time rate per person")
        here = charts.person_on_time(names, rates, "On-time rate per person")
        assert (drawn().svg, drawn().title) == (here.svg, here.title)
