"""The digest on a phone: rendered in headless Chromium 390 px wide, nothing reaches past the screen and each item's
due time and the scoreboard's last column are on it, with hostile member text too (skipped without Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest
from digest_layout import PHONE, chromium_missing, hostile_digest, measure_on_phone

from mailbot.policy.digest import digest_context
from mailbot.policy.message_samples import digest_samples
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
HEADINGS = ["Who", "Overdue", "Open"]  # the scoreboard's one-word headings, which must not be broken mid-word
pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")


def _due_texts(context: dict[str, object]) -> list[str]:
    """Each item's due time and the scoreboard's last column, which a phone used to cut off."""
    sections = context["sections"]
    assert isinstance(sections, list | tuple)
    dues = [item["due"] for s in sections for item in (*s["emails"], *s["voicemails"])]
    return [*dict.fromkeys(dues), "On time this week"] if context["scoreboard"] else dues


@pytest.mark.parametrize("name", ["busy day", "hostile member text"])
def test_the_digest_fits_a_390_px_phone_with_every_due_time_on_screen(name: str) -> None:
    """Nothing is wider than the phone, every element holding a due time (or the on-time column) is on it, and the
    scoreboard's headings keep their words whole."""
    context = digest_samples()[0] if name == "busy day" else digest_context(hostile_digest())
    html = TemplateRenderer(SHIPPED).render("digest", context).html
    needles = _due_texts(context)
    measured = measure_on_phone(html, needles, HEADINGS)
    seen, lines = measured["seen"], measured["lines"]
    assert isinstance(seen, dict) and isinstance(lines, dict)
    off_screen = [text for text in needles if not seen.get(text) or not all(seen[text])]
    assert (PHONE, PHONE, [], [], True, {word: [1] for word in HEADINGS}) == (
        measured["width"], measured["scroll"], measured["wide"], off_screen, len(needles) >= 3, lines
    )  # fmt: skip
