"""A person's absence in words: a return day only where one is known."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mailbot.policy.away import away_words

SYDNEY = ZoneInfo("Australia/Sydney")


def test_a_known_return_is_the_day_in_the_persons_zone() -> None:
    """Back at 7:30 am on Wednesday in Sydney, which is still Tuesday in UTC: the day named is Sydney's."""
    back = datetime(2027, 1, 26, 20, 30, tzinfo=UTC)
    assert "away until Wednesday, January 27" == away_words(back, SYDNEY)


def test_no_known_return_says_so_instead_of_inventing_one() -> None:
    """With only the person's own reply on and no end to it, there is no return day to give."""
    assert "away (own automatic reply, no return date)" == away_words(None, SYDNEY)
