"""Who is away right now, whose automatic reply covers it, and who acts for them: for nudges and the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.domain import Absence, OofSettings, OofState, Person
from mailbot.errors import MailboxError
from mailbot.jobs.deps import Deps
from mailbot.policy.absence import calendar_span, find_absences, fingerprint, returns_at
from mailbot.policy.away import away_words, departed_reason
from mailbot.policy.cover import Cover, Standby, choose_cover, standby_roles

ReplyOwner = Literal["mailbot", "own", "missing", "none"]


@dataclass(frozen=True)
class Whereabouts:
    """A person's state at `now`: away or not, the absence, and whose automatic reply is running.

    `return_at` is their next working moment, or None when nothing says when they are back (their own reply is on
    with no schedule and the calendar shows no absence).
    """

    person: Person
    away: bool
    absence: Absence | None
    reply: ReplyOwner
    return_at: datetime | None
    problem: str | None = None


def reply_active(settings: OofSettings, now: datetime) -> bool:
    """An automatic reply that members get now (a scheduled one only within its window)."""
    if settings.state is OofState.ENABLED:
        return True
    if settings.state is OofState.SCHEDULED and settings.start and settings.end:
        return settings.start <= now < settings.end
    return False


def whereabouts(deps: Deps, person: Person, now: datetime) -> Whereabouts:
    """Away when the calendar says so (until their next working moment, as their reply runs) or an automatic reply
    is running; departed staff are always away. The calendar is read as far as apply_oof reads it, so both agree on
    the return."""
    if not person.active:
        return Whereabouts(person, True, None, "none", None)
    calendar, policy = deps.settings.calendar_for(person), deps.settings.policy.absence
    try:
        events = deps.backend.calendar_view(person.email, *calendar_span(now, calendar, policy))
        current = deps.backend.get_oof(person.email)
    except MailboxError as exc:
        return Whereabouts(person, False, None, "none", None, problem=str(exc))
    instant = now.astimezone(UTC)
    absences = [(a, returns_at(a, calendar)) for a in find_absences(events, person.id, calendar, policy)]
    absence, back = next(((a, r) for a, r in absences if a.start <= instant < r), (None, None))
    running = reply_active(current, now)
    record = deps.store.get_oof_record(person.id)
    if running:
        reply: ReplyOwner = "mailbot" if record is not None and record.fingerprint == fingerprint(current) else "own"
    else:
        reply = "missing" if absence is not None else "none"
    # A reply that is simply on has no end: the times Exchange reports with it are a leftover, not a return.
    scheduled_end = current.end if running and current.state is OofState.SCHEDULED else None
    return Whereabouts(person, absence is not None or running, absence, reply, back or scheduled_end)


def route(deps: Deps, owner: Person, now: datetime, places: dict[str, Whereabouts]) -> tuple[Person, bool, str]:
    """Who acts for `owner` now: (recipient, covering?, why); `places` caches whereabouts within a run.

    An away owner's backup covers (else their supervisor). A departed owner's mail goes to their successor, and
    while the successor is away, to whoever covers for the successor.
    """
    if not owner.active:
        return _for_departed(deps, owner, now, places)
    where = known_whereabouts(deps, owner, now, places)
    if not where.away:
        return owner, False, ""
    reason = f"{owner.name} is {away_words(where.return_at, ZoneInfo(owner.timezone))}"
    return _first_active(deps, owner, owner.backup, owner.supervisor), True, reason


def digest_cover(deps: Deps, supervisor: Person, now: datetime, places: dict[str, Whereabouts]) -> Cover:
    """Who reads `supervisor`'s digest now (policy/cover.py); whether the standbys are in is asked only while the
    supervisor is away."""
    if not known_whereabouts(deps, supervisor, now, places).away:
        return choose_cover(supervisor, False, [])
    standbys = [Standby(role, person, known_whereabouts(deps, person, now, places).away)
                for role, pid in standby_roles(supervisor) if (person := deps.settings.person(pid)).active]  # fmt: skip
    return choose_cover(supervisor, True, standbys)


def _for_departed(deps: Deps, owner: Person, now: datetime, places: dict[str, Whereabouts]) -> tuple[Person, bool, str]:
    successor = _successor(deps, owner)
    if successor is None:
        return _first_active(deps, owner, owner.supervisor, owner.backup), True, departed_reason(owner, None)
    where = known_whereabouts(deps, successor, now, places)
    if not where.away:
        return successor, True, departed_reason(owner, successor)
    away = away_words(where.return_at, ZoneInfo(successor.timezone))
    cover = _first_active(deps, successor, successor.backup, successor.supervisor)
    return cover, True, departed_reason(owner, successor, away)


def known_whereabouts(deps: Deps, person: Person, now: datetime, places: dict[str, Whereabouts]) -> Whereabouts:
    """`person`'s whereabouts, read once per run: `places` keeps what was read."""
    if person.id not in places:
        places[person.id] = whereabouts(deps, person, now)
    return places[person.id]


def _successor(deps: Deps, departed: Person) -> Person | None:
    """Who answers a departed person's mail: their successor, or, if that one left too, theirs, and so on."""
    seen, person = {departed.id}, departed
    while person.successor and person.successor not in seen:
        person = deps.settings.person(person.successor)
        if person.active:
            return person
        seen.add(person.id)
    return None


def _first_active(deps: Deps, owner: Person, *candidates: str | None) -> Person:
    for candidate in candidates:
        if candidate and deps.settings.person(candidate).active:
            return deps.settings.person(candidate)
    return owner  # nobody else is named: the owner's own mailbox is the only place left
