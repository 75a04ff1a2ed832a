"""Who is away right now, whose automatic reply covers it, and who acts for them: for nudges and the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.domain import Absence, OofSettings, OofState, Person
from mailbot.errors import MailboxError
from mailbot.jobs.deps import Deps
from mailbot.policy.absence import find_absences, fingerprint
from mailbot.policy.cover import Cover, Standby, choose_cover, standby_roles
from mailbot.policy.templates import date_text

ReplyOwner = Literal["mailbot", "own", "missing", "none"]


@dataclass(frozen=True)
class Whereabouts:
    """A person's state at `now`: away or not, the absence, and whose automatic reply is running."""

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
    """Away when the calendar says so or an automatic reply is running; departed staff are always away."""
    if not person.active:
        return Whereabouts(person, True, None, "none", None)
    calendar = deps.settings.calendar_for(person)
    try:
        events = deps.backend.calendar_view(
            person.email, (now - timedelta(days=7)).astimezone(calendar.tz), now + timedelta(days=1)
        )
        current = deps.backend.get_oof(person.email)
    except MailboxError as exc:
        return Whereabouts(person, False, None, "none", None, problem=str(exc))
    absences = find_absences(events, person.id, calendar, deps.settings.policy.absence)
    absence = next((a for a in absences if a.start <= now < a.end), None)
    running = reply_active(current, now)
    record = deps.store.get_oof_record(person.id)
    if running:
        reply: ReplyOwner = "mailbot" if record is not None and record.fingerprint == fingerprint(current) else "own"
    else:
        reply = "missing" if absence is not None else "none"
    away = absence is not None or running
    return_at = calendar.next_opening(absence.end) if absence else (current.end if running else None)
    return Whereabouts(person, away, absence, reply, return_at)


def route(deps: Deps, owner: Person, now: datetime, places: dict[str, Whereabouts]) -> tuple[Person, bool, str]:
    """Who acts for `owner` now: (recipient, covering?, why); `places` caches whereabouts within a run."""
    if not owner.active:
        return _supervisor_or_successor(deps, owner), True, f"{owner.name} has left"
    if owner.id not in places:
        places[owner.id] = whereabouts(deps, owner, now)
    where = places[owner.id]
    if not where.away:
        return owner, False, ""
    until = f" until {date_text(where.return_at.astimezone(ZoneInfo(owner.timezone)))}" if where.return_at else ""
    reason = f"{owner.name} is away{until}"
    if owner.backup:
        return deps.settings.person(owner.backup), True, reason
    return _supervisor_or_successor(deps, owner), True, reason


def digest_cover(deps: Deps, supervisor: Person, now: datetime, places: dict[str, Whereabouts]) -> Cover:
    """Who reads `supervisor`'s digest now (policy/cover.py); whether the standbys are in is asked only while the
    supervisor is away."""
    if not _where(deps, supervisor, now, places).away:
        return choose_cover(supervisor, False, [])
    standbys = [Standby(role, person, _where(deps, person, now, places).away)
                for role, pid in standby_roles(supervisor) if (person := deps.settings.person(pid)).active]  # fmt: skip
    return choose_cover(supervisor, True, standbys)


def _where(deps: Deps, person: Person, now: datetime, places: dict[str, Whereabouts]) -> Whereabouts:
    if person.id not in places:
        places[person.id] = whereabouts(deps, person, now)
    return places[person.id]


def _supervisor_or_successor(deps: Deps, owner: Person) -> Person:
    for candidate in (owner.supervisor, owner.successor, owner.backup):
        if candidate:
            return deps.settings.person(candidate)
    return owner  # nobody else is named: the owner's own mailbox is the only place left
