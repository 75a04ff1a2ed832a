"""The report's figures from counts and answer times per owner (pure: no I/O, no clock).

"Answered within the standard %" is out of the messages already decided at the report's moment: answered, or
past their due time unanswered. A message still open and not yet due counts towards neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mailbot.policy.business_time import BusinessCalendar

KINDS = ("email", "voicemail")


@dataclass(frozen=True)
class Counts:
    """How many messages were received, decided (answered or past due), answered by their due time, still open
    and overdue."""

    volume: int = 0
    decided: int = 0
    within: int = 0
    open: int = 0
    overdue: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.volume + other.volume, self.decided + other.decided, self.within + other.within,
            self.open + other.open, self.overdue + other.overdue,
        )  # fmt: skip

    @property
    def on_time_percent(self) -> float | None:
        """Answered within the standard, in % of those decided; None before any is decided."""
        return None if not self.decided else round(100 * self.within / self.decided, 1)


@dataclass(frozen=True)
class Owner:
    """Whom a row is about: a person (by id) or a shared mailbox (by its lower-case address), and their team."""

    key: str
    name: str
    scope: str  # "person" or "shared mailbox"
    team: str


@dataclass(frozen=True)
class Figure:
    """One row of figures.csv: a scope (organisation, team, person, shared mailbox) for one kind of message."""

    scope: str
    name: str
    kind: str
    counts: Counts
    median_hours: float | None
    p90_hours: float | None


def business_hours(received_at: datetime, answered_at: datetime, calendar: BusinessCalendar) -> float:
    """Business hours from arrival to the first answer in the office's calendar, to two decimals."""
    return round(calendar.elapsed(received_at, answered_at).total_seconds() / 3600, 2)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` quantile (0.5 for the median) by linear interpolation between ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)


def figures(
    owners: Sequence[Owner],
    counts: Mapping[tuple[str, str], Counts],
    hours: Mapping[tuple[str, str], Sequence[float]],
    organisation: str | None,
    *,
    teams: bool = True,
) -> list[Figure]:
    """Rows for the organisation (unless None: a report on part of it), each team (with `teams`), then each
    owner, e-mail before voicemail, from counts and answer hours keyed by (owner key, kind)."""
    rows = [] if organisation is None else _row("organisation", organisation, owners, counts, hours)
    for team in sorted({owner.team for owner in owners}) if teams else ():
        rows += _row("team", team, [o for o in owners if o.team == team], counts, hours)
    for owner in owners:
        rows += _row(owner.scope, owner.name, [owner], counts, hours)
    return rows


def _row(
    scope: str,
    name: str,
    members: Iterable[Owner],
    counts: Mapping[tuple[str, str], Counts],
    hours: Mapping[tuple[str, str], Sequence[float]],
) -> list[Figure]:
    keys = [owner.key for owner in members]
    rows = []
    for kind in KINDS:
        total = sum((counts.get((key, kind), Counts()) for key in keys), Counts())
        answered = [value for key in keys for value in hours.get((key, kind), ())]
        rows.append(Figure(scope, name, kind, total, percentile(answered, 0.5), percentile(answered, 0.9)))
    return rows
