"""The digest's chart of this week's on-time rate per person: a small greyscale PNG, described by its alt text."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from mailbot.policy.digest_chart import WIDTH, week_chart
from mailbot.policy.triage import ScoreLine

DAY = date(2026, 11, 23)


def line(name: str, answered: int, on_time: int, text: str) -> ScoreLine:
    return ScoreLine(name, False, 1, 0, 0, text, answered, on_time)


def test_the_chart_is_a_small_greyscale_png_twice_as_sharp_as_shown() -> None:
    """Grey only (it prints as it shows), 720 px drawn for 360 shown, well under 40 KB."""
    chart = week_chart([line("Li Chen", 5, 4, "80% (4 of 5)"), line("James Okafor", 3, 1, "33% (1 of 3)")], DAY)
    assert chart is not None
    view, image = chart
    picture = Image.open(io.BytesIO(image.content))
    assert ("PNG", "L", 2 * WIDTH, 2 * view.height, True, "image/png") == (
        picture.format, picture.mode, picture.width, picture.height, len(image.content) < 40_000, image.content_type
    )  # fmt: skip


def test_the_alt_text_gives_everyone_who_answered_with_their_rate_in_scoreboard_order() -> None:
    """Those who answered nothing this week are left out of the chart, and with nobody there is no chart."""
    lines = [line("James Okafor", 3, 1, "33% (1 of 3)"), line("Anna Brandt", 0, 0, "—"), line("Li Chen", 5, 4, "80%")]
    chart = week_chart(lines, DAY)
    assert chart is not None
    assert ("On time this week: James Okafor 33% (1 of 3); Li Chen 80%.", "on-time-2026-11-23@mailbot", None) == (
        chart[0].alt, chart[0].content_id, week_chart([line("Anna Brandt", 0, 0, "—")], DAY)
    )  # fmt: skip


def test_a_name_with_dollar_signs_is_drawn_as_text() -> None:
    """matplotlib would read $...$ as mathematics; a name is drawn as written."""
    assert week_chart([line("Help $desk$ $", 1, 1, "100% (1 of 1)")], DAY) is not None
