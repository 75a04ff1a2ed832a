"""A person's absence in words, for nudges and the digest: a return time only where one is known.

Pure. The return is the person's next working moment after a calendar absence, or the end of a scheduled automatic
reply. A person's own automatic reply that is simply on (no schedule) names no return, and the words say so rather
than make one up.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.domain import Person
from mailbot.policy.templates import date_text

NO_RETURN = "own automatic reply, no return date"


def away_words(return_at: datetime | None, tz: ZoneInfo) -> str:
    """'away until Tuesday, December 1' (the day in `tz`), or 'away (own automatic reply, no return date)'."""
    if return_at is None:
        return f"away ({NO_RETURN})"
    return f"away until {date_text(return_at.astimezone(tz))}"


def departed_reason(departed: Person, successor: Person | None, successor_away: str = "") -> str:
    """Why a departed person's mail reaches the reader: 'Petr Novak has left; Petr's mail is yours now' for the
    successor, or, while the successor is `successor_away` (away_words), 'Petr Novak has left; Anna Brandt answers
    Petr's mail now and is away until Wednesday, November 25' for whoever covers for them."""
    if successor is None:
        return f"{departed.name} has left"
    mail = f"{departed.name.split()[0]}'s mail"
    if not successor_away:
        return f"{departed.name} has left; {mail} is yours now"
    return f"{departed.name} has left; {successor.name} answers {mail} now and is {successor_away}"
