"""A person's absence in words: a return day only where one is known, and whose mail a departed person's is."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mailbot.policy.away import away_words, departed_reason
from mailbot.policy.message_samples import ANNA, PETR

SYDNEY = ZoneInfo("Australia/Sydney")


def test_a_known_return_is_the_day_in_the_persons_zone() -> None:
    """Back at 7:30 am on Wednesday in Sydney, which is still Tuesday in UTC: the day named is Sydney's."""
    back = datetime(2027, 1, 26, 20, 30, tzinfo=UTC)
    assert "away until Wednesday, January 27" == away_words(back, SYDNEY)


def test_no_known_return_says_so_instead_of_inventing_one() -> None:
    """With only the person's own reply on and no end to it, there is no return day to give."""
    assert "away (own automatic reply, no return date)" == away_words(None, SYDNEY)


def test_the_successor_is_told_the_departed_persons_mail_is_theirs() -> None:
    """Anna, Petr's successor, reads that Petr has left and his mail is hers now."""
    assert "Petr Novak has left; Petr's mail is yours now" == departed_reason(PETR, ANNA)


def test_the_successors_cover_is_told_whose_mail_and_why_it_reaches_them() -> None:
    """While Anna is away, whoever covers for her reads that it is Petr's mail, Anna's now, and when she is back."""
    expected = "Petr Novak has left; Anna Brandt answers Petr's mail now and is away until Wednesday, November 25"
    assert expected == departed_reason(PETR, ANNA, "away until Wednesday, November 25")


def test_without_a_successor_only_the_departure_is_given() -> None:
    """With nobody to take over (a chain of successors who all left), the reason is that Petr left."""
    assert "Petr Novak has left" == departed_reason(PETR, None)
