"""The digest's triage parts: the scoreboard that leads it, the order of its sections, and each item's link.

The scoreboard has one line per person (and shared mailbox): open, overdue, due soon and this week's on-time
rate (answered within the standard out of answered this week). Sections follow it, the most overdue first.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mailbot.domain import Tracked

__all__ = ["ScoreLine", "WeekAnswers", "item_link", "rate_text", "score_order"]


@dataclass(frozen=True)
class WeekAnswers:
    """This week's answered member messages of one person or shared mailbox, and how many were on time."""

    answered: int = 0
    on_time: int = 0


@dataclass(frozen=True)
class ScoreLine:
    """One line of the scoreboard, as the templates show it."""

    name: str
    departed: bool
    open: int
    overdue: int
    due_soon: int
    on_time: str  # 80% (4 of 5), or — when nothing was answered this week
    answered: int = 0  # answered this week
    answered_on_time: int = 0  # of those, answered within the standard


def rate_text(week: WeekAnswers) -> str:
    """'80% (4 of 5)': answered within the standard out of answered this week; '—' when nothing was answered."""
    if not week.answered:
        return "—"
    return f"{round(100 * week.on_time / week.answered)}% ({week.on_time} of {week.answered})"


def score_order(
    overdue: int, due_soon: int, open_count: int, departed: bool, name: str
) -> tuple[int, int, int, bool, str]:
    """Most overdue first, then most due soon, then most open; ties active before departed, then by name."""
    return -overdue, -due_soon, -open_count, departed, name.casefold()


def item_link(tracked: Tracked) -> str:
    """Where the message opens in Outlook on the web, as the server told it at sync time (Graph's webLink, EWS's
    WebClientReadFormQueryString; tracked.web_link); '' for a row synced before links were kept, or anything but a
    web address (no other scheme reaches a reader's mail client)."""
    return tracked.web_link if urlsplit(tracked.web_link).scheme in ("http", "https") else ""
