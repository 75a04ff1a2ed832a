"""The digest's small chart: this week's on-time rate per person, as a PNG the HTML shows by cid: (an inline
attachment, which Outlook shows where it blocks remote images). Drawn by matplotlib without a display (Agg): grey
only, hatched bars, labelled axes and values, saved as a greyscale PNG at twice its shown size for sharp phones.

Pure: in-memory drawing from the scoreboard, no clock, nothing read or written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from mailbot.domain import InlineImage
from mailbot.policy.messages import one_line
from mailbot.policy.triage import ScoreLine

WIDTH = 360  # CSS px as the digest shows it: narrower than a 390 px phone's cell
_DPI = 200  # twice the 100 px per inch the sizes below are in: 720 px of image for 360 shown
_NAME_LIMIT = 24


@dataclass(frozen=True)
class ChartView:
    """The chart as the digest template shows it: <img src="cid:{content_id}" width height alt>."""

    content_id: str
    alt: str
    width: int
    height: int


def week_chart(scoreboard: Sequence[ScoreLine], day: date) -> tuple[ChartView, InlineImage] | None:
    """The chart of this week's on-time rate of each person (or shared mailbox) who answered something this week,
    in the scoreboard's order, and the image to attach; None when nobody answered anything yet."""
    rows = [line for line in scoreboard if line.answered]
    if not rows:
        return None
    png, height = _draw(rows)
    content_id = f"on-time-{day.isoformat()}@mailbot"
    alt = "On time this week: " + "; ".join(f"{line.name} {line.on_time}" for line in rows) + "."
    view = ChartView(content_id, alt, WIDTH, height)
    return view, InlineImage(content_id, "on-time-this-week.png", "image/png", png)


def _label(name: str) -> str:
    # matplotlib reads $...$ as mathematics; a name is text.
    return one_line(name, _NAME_LIMIT).replace("$", r"\$")


def _draw(rows: Sequence[ScoreLine]) -> tuple[bytes, int]:
    """The PNG (greyscale, optimised) and its shown height in CSS px."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from PIL import Image

    height = round(74 + 28 * len(rows))
    figure = Figure(figsize=(WIDTH / 100, height / 100), dpi=_DPI)
    axes = figure.add_subplot()
    rates = [100 * line.answered_on_time / line.answered for line in rows]
    names = [_label(line.name) for line in rows]
    bars = axes.barh(range(len(rows)), rates, height=0.6, color="#d9d9d9", edgecolor="black", hatch="///",
                     linewidth=0.6)  # fmt: skip
    for bar, line in zip(bars, rows, strict=True):
        axes.annotate(
            line.on_time,
            (min(bar.get_width(), 100), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="black",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )  # clear of the standard's line
    axes.set_yticks(range(len(rows)), names, fontsize=8)
    axes.invert_yaxis()  # the scoreboard's order, top down
    axes.set_xlim(0, 165)  # room for the value after a full bar
    axes.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"], fontsize=7)
    axes.axvline(100, color="dimgray", linestyle="--", linewidth=0.6)
    axes.annotate("standard", (100, 1), xycoords=("data", "axes fraction"), xytext=(0, 1), textcoords="offset points",
                  ha="center", va="bottom", fontsize=7, color="dimgray")  # fmt: skip
    axes.set_xlabel("Answered on time this week (%)", fontsize=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout(pad=0.3)
    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=_DPI)
    grey = io.BytesIO()
    Image.open(drawn).convert("L").save(grey, format="PNG", optimize=True)
    return grey.getvalue(), height
