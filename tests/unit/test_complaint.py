"""Complaints: the category or a keyword makes one, and the supervisor's escalation says whose it is and why."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain import TrackState
from mailbot.policy.complaint import (
    ComplaintRules,
    build_escalation,
    complaint_reason,
    complaint_view,
    render_escalation,
)
from mailbot.policy.digest import Presence, StaffSection, build_digest, render_digest
from mailbot.policy.message_samples import HOSTILE_NAME, HOSTILE_SUBJECT, JAMES, LI, MARIA, item
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
ORG = "Riverside Members' Association"
RULES = ComplaintRules("Complaint", ("complain", "unacceptable", "not good enough"))
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=NY)


def test_the_complaint_category_makes_a_complaint_in_any_case() -> None:
    """A message marked 'complaint' by someone typing in lower case is a complaint."""
    assert "it is marked Complaint" == complaint_reason("Card", ["In progress", "complaint"], RULES)


def test_a_keyword_at_the_start_of_a_word_makes_a_complaint() -> None:
    """'complain' finds 'Complaint about fees' and names the configured keyword."""
    assert 'the subject mentions "complain"' == complaint_reason("Complaint about fees", [], RULES)


@pytest.mark.parametrize("subject", ["Uncomplaining thanks", "Dues question", "acceptable terms"])
def test_words_that_merely_contain_a_keyword_do_not_count(subject: str) -> None:
    """A keyword inside another word ('uncomplaining', 'acceptable') makes no complaint."""
    assert None is complaint_reason(subject, [], RULES)


def test_a_phrase_matches_across_any_white_space() -> None:
    """'not good enough' is found even with a line fold or double space between its words."""
    assert 'the subject mentions "not good enough"' == complaint_reason("This is NOT  good\tenough!", [], RULES)


def test_the_body_preview_is_searched_after_the_subject() -> None:
    """A keyword only in the opening text says so, since the subject gave no sign."""
    assert 'the message mentions "unacceptable"' == complaint_reason("Fees", [], RULES, "This is unacceptable.")


def test_a_blank_keyword_is_refused() -> None:
    """A blank keyword would make every message a complaint, so the rules refuse it."""
    with pytest.raises(ValueError, match="blank"):
        ComplaintRules("Complaint", ("  ",))


@given(
    before=st.text(alphabet=st.characters(categories=["Zs", "P"], exclude_characters="_"), max_size=5),
    after=st.text(max_size=20),
    flips=st.lists(st.booleans(), min_size=len("unacceptable"), max_size=len("unacceptable")),
)
def test_a_keyword_is_found_in_any_case_after_any_non_word(before: str, after: str, flips: list[bool]) -> None:
    """Whatever the capitalisation, a keyword after spaces or punctuation makes the subject a complaint."""
    word = "".join(c.upper() if flip else c for c, flip in zip("unacceptable", flips, strict=True))
    assert 'the subject mentions "unacceptable"' == complaint_reason(before + word + after, [], RULES)


def test_a_shared_mailbox_complaint_names_every_owner() -> None:
    """The help desk's complaint is for James Okafor and Li Chen, shown in the help desk's name."""
    late = item(LI, "Unacceptable service", NOW, NOW, TrackState.OVERDUE, 8, shared=True)
    view = complaint_view(late, [JAMES, LI], "why", NOW, NY)
    assert ("James Okafor and Li Chen", "Member Help Desk") == (view.owner, view.message.mailbox)


def test_the_escalation_names_the_member_and_the_subject() -> None:
    """Maria's escalation subject says who complained about what."""
    card = item(JAMES, "My card", NOW, NOW, TrackState.ON_TRACK, 0.1)
    model = build_escalation(MARIA, complaint_view(card, [JAMES], "it is marked Complaint", NOW, NY), NOW, NY, ORG)
    assert "Complaint from Jane Doe: My card" == model.subject


def test_the_escalation_keeps_member_markup_harmless() -> None:
    """A hostile subject and sender name are escaped in the HTML and kept on one line in the text."""
    hostile = item(LI, HOSTILE_SUBJECT, NOW, NOW, TrackState.ON_TRACK, 1, sender_name=HOSTILE_NAME)
    model = build_escalation(MARIA, complaint_view(hostile, [LI], "why", NOW, NY), NOW, NY, ORG)
    message = render_escalation(model, TemplateRenderer(SHIPPED))
    assert (False, False) == ("<script>" in message.html, "<img" in message.html)
    assert "Bcc: everyone" in message.text and "\r" not in message.subject


def test_the_digest_lists_complaints_in_their_own_section_and_counts_them() -> None:
    """Maria's digest names the complaint in its subject, its summary and a section of its own."""
    card = item(JAMES, "My card", NOW, NOW, TrackState.OVERDUE, 0.1)
    view = complaint_view(card, [JAMES], "it is marked Complaint", NOW, NY)
    sections = [StaffSection(JAMES, (card,), (), Presence(False, "none", None, None))]
    model = build_digest(MARIA, sections, date(2026, 11, 23), NY, ORG, complaints=[view])
    text = render_digest(model, TemplateRenderer(SHIPPED)).text
    complaints = text[text.index("Complaints waiting for an answer:") : text.index("== James Okafor")]
    assert "Service level digest for Monday, November 23: 1 overdue, 1 open, 1 complaint" == model.subject
    assert model.summary.endswith("1 complaint waits for an answer.")
    assert "OVERDUE   My card" in complaints and "for James Okafor" in complaints


def test_a_digest_without_complaints_has_no_complaint_section() -> None:
    """With nothing to report, the section and the count stay out of the digest."""
    model = build_digest(MARIA, [], date(2026, 11, 23), NY, ORG)
    text = render_digest(model, TemplateRenderer(SHIPPED)).text
    assert (False, False) == ("Complaints waiting" in text, "complaint" in model.subject)
