"""Who reads a supervisor's digest today: the supervisor, or while they are away the colleague who covers.

The first of the supervisor's deputy, backup, own supervisor (and, for one who has left, successor) who is in
gets it, marked as covering; when every one of them is away too (or none is named), the supervisor keeps it and
is told that nobody covered. Either way it stays one digest per supervisor and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mailbot.domain import Person
from mailbot.policy.digest import DigestModel
from mailbot.policy.messages import person_view

__all__ = ["Cover", "Standby", "choose_cover", "covered", "standby_roles"]


@dataclass(frozen=True)
class Standby:
    """Someone who could take a supervisor's digest: in which `role`, and whether they are away too."""

    role: str  # deputy, backup, supervisor, successor
    person: Person
    away: bool


@dataclass(frozen=True)
class Cover:
    """Who gets the digest, whether they cover for the supervisor, and the sentence that says so ("" if none)."""

    recipient: Person
    covering: bool
    note: str = ""


def standby_roles(supervisor: Person) -> list[tuple[str, str]]:
    """(role, person id) of whoever may cover the supervisor's digest, in the order they are asked."""
    named = [("deputy", supervisor.deputy), ("backup", supervisor.backup), ("supervisor", supervisor.supervisor),
             ("successor", supervisor.successor)]  # fmt: skip
    return [(role, pid) for role, pid in named if pid]


def choose_cover(supervisor: Person, away: bool, standbys: Sequence[Standby]) -> Cover:
    """The digest's reader: the supervisor while in; else the first active standby who is in, covering."""
    if not away:
        return Cover(supervisor, False)
    candidates, seen = [], {supervisor.id}
    for standby in standbys:
        if standby.person.active and standby.person.id not in seen:
            seen.add(standby.person.id)
            candidates.append(standby)
    whose = supervisor.name.split()[0] + "'s"
    skipped: list[Standby] = []
    for standby in candidates:
        if not standby.away:
            note = f"You are covering for {supervisor.name} today, as {whose} {standby.role}"
            return Cover(standby.person, True, note + (f": {_away_too(skipped, whose)}" if skipped else "."))
        skipped.append(standby)
    if skipped:
        return Cover(supervisor, False, f"Nobody could cover for you today: {_away_too(skipped, 'your')}")
    return Cover(supervisor, False, "Nobody covers for you while you are away: name a deputy for you in people.yaml.")


def covered(model: DigestModel, cover: Cover, supervisor: Person) -> DigestModel:
    """The digest as `cover` reads it: addressed to the reader, the subject and first line saying whom they cover."""
    if not cover.covering:
        return replace(model, covering=cover.note)
    title = f"{model.title} (covering for {supervisor.name})"
    subject = model.subject.replace(model.title, title, 1)
    return replace(
        model,
        subject=subject if subject != model.subject else f"{title}: {model.subject}",
        supervisor=person_view(cover.recipient),
        covering=cover.note,
        covering_for=supervisor.name,
    )


def _away_too(skipped: Sequence[Standby], whose: str) -> str:
    """'James Okafor (Maria's deputy) is away too.'; two or more: '... and Li Chen (Maria's backup) are away too.'"""
    names = [f"{s.person.name} ({whose} {s.role})" for s in skipped]
    listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return f"{listed} {'is' if len(names) == 1 else 'are'} away too."
