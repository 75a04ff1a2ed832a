"""Who reads a supervisor's digest while they are away: the deputy, else the next colleague who is in, marked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.domain import PersonStatus
from mailbot.policy.cover import Cover, Standby, choose_cover, covered, standby_roles
from mailbot.policy.digest import build_digest, render_digest
from mailbot.policy.message_samples import ANNA, JAMES, LI, MARIA, PETR
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
BOSS = replace(MARIA, deputy="abrandt", backup="lchen", supervisor="jokafor")


def test_a_supervisor_who_is_in_reads_their_own_digest() -> None:
    """Present, the supervisor gets the digest with nothing added, whoever else is named."""
    assert Cover(BOSS, False) == choose_cover(BOSS, False, [Standby("deputy", ANNA, False)])


def test_the_deputy_covers_while_the_supervisor_is_away() -> None:
    """Away, the deputy who is in gets it, told whom they cover and why."""
    cover = choose_cover(BOSS, True, [Standby("deputy", ANNA, False), Standby("backup", LI, False)])
    assert Cover(ANNA, True, "You are covering for Maria Reyes today, as Maria's deputy.") == cover


def test_with_the_deputy_away_too_the_backup_covers_and_is_told_why() -> None:
    """Deputy away as well: the backup covers, and the note says the deputy is away too."""
    cover = choose_cover(BOSS, True, [Standby("deputy", ANNA, True), Standby("backup", LI, False)])
    expected = "You are covering for Maria Reyes today, as Maria's backup: Anna Brandt (Maria's deputy) is away too."
    assert Cover(LI, True, expected) == cover


def test_when_everyone_is_away_the_supervisor_keeps_it_and_hears_why() -> None:
    """Deputy, backup and own supervisor all away: the digest stays with the supervisor, saying nobody covered."""
    standbys = [Standby("deputy", ANNA, True), Standby("backup", LI, True), Standby("supervisor", JAMES, True)]
    expected = ("Nobody could cover for you today: Anna Brandt (your deputy), Li Chen (your backup) and James Okafor "
                "(your supervisor) are away too.")  # fmt: skip
    assert Cover(BOSS, False, expected) == choose_cover(BOSS, True, standbys)


def test_a_supervisor_with_nobody_named_is_told_to_name_a_deputy() -> None:
    """Nobody to ask: the supervisor keeps the digest and learns where to name a deputy."""
    expected = "Nobody covers for you while you are away: name a deputy for you in people.yaml."
    assert Cover(MARIA, False, expected) == choose_cover(MARIA, True, [])


def test_someone_who_has_left_or_is_named_twice_is_asked_once_or_not_at_all() -> None:
    """A departed backup is passed over; a deputy who is also the backup is asked once; the supervisor never."""
    standbys = [Standby("deputy", MARIA, False), Standby("backup", replace(PETR, status=PersonStatus.DEPARTED), False),
                Standby("supervisor", ANNA, True), Standby("successor", ANNA, True)]  # fmt: skip
    expected = "Nobody could cover for you today: Anna Brandt (your supervisor) is away too."
    assert Cover(MARIA, False, expected) == choose_cover(MARIA, True, standbys)


def test_the_standbys_are_the_deputy_backup_supervisor_and_successor_in_that_order() -> None:
    """Only the roles people.yaml fills are asked, deputy first."""
    assert [("deputy", "abrandt"), ("backup", "lchen"), ("supervisor", "jokafor")] == standby_roles(BOSS)


def test_the_covering_digest_says_so_at_the_top_and_in_the_subject() -> None:
    """Anna's copy of Maria's digest greets Anna, opens with the covering sentence and names Maria in the subject."""
    model = build_digest(MARIA, [], date(2026, 11, 23), NY, "Riverside Members' Association")
    cover = choose_cover(BOSS, True, [Standby("deputy", ANNA, False)])
    message = render_digest(covered(model, cover, BOSS), TemplateRenderer(SHIPPED))
    expected = "Service level digest for Monday, November 23 (covering for Maria Reyes): nothing open"
    assert expected == message.subject
    top = "Riverside Members' Association\n\nYou are covering for Maria Reyes today, as Maria's deputy.\n"
    html = message.html
    assert (True, True) == (top in message.text, html.index("covering for Maria") < html.index("Hi Anna,"))


def test_a_digest_nobody_covered_keeps_its_subject_and_says_why() -> None:
    """The supervisor's own digest on a day nobody covered has the usual subject and the sentence on top."""
    model = build_digest(MARIA, [], date(2026, 11, 23), NY, "Riverside Members' Association")
    message = render_digest(covered(model, choose_cover(MARIA, True, []), MARIA), TemplateRenderer(SHIPPED))
    assert "Service level digest for Monday, November 23: nothing open" == message.subject
    assert "Nobody covers for you while you are away: name a deputy for you in people.yaml." in message.text
