"""The report's figures from counts and answer times per owner (pure: no I/O, no clock).

"Answered within the standard %" is out of the messages already decided at the report's moment: answered, or
past their due time unanswered. A message still open and not yet due counts towards neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from mailbot.policy.business_time import BusinessCalendar


@dataclass(frozen=True)
class Counts:
    """How many messages were received, decided (answered or past due), answered by their due time, still open,
    overdue, and overdue at the end of the day they fell due (OVERDUE_AT_END_OF_DAY); how many were complaints and
    how many of those were escalated; how many touchpoint updates fell due and how many went on time; how many
    absences began and how many an automatic reply covered from before they began."""

    volume: int = 0
    decided: int = 0
    within: int = 0
    open: int = 0
    overdue: int = 0
    overdue_end_of_day: int = 0
    complaints: int = 0
    escalated: int = 0
    updates_due: int = 0
    updates_on_time: int = 0
    absences: int = 0
    absences_covered: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, name) + getattr(other, name) for name in _COUNTED))

    @property
    def on_time_percent(self) -> float | None:
        """Answered within the standard, in % of those decided; None before any is decided."""
        return _percent(self.within, self.decided)

    @property
    def updates_on_time_percent(self) -> float | None:
        """Touchpoint updates given by their due time, in % of those due by the report's moment."""
        return _percent(self.updates_on_time, self.updates_due)

    @property
    def absences_covered_percent(self) -> float | None:
        """Absences with an automatic reply in place before they began, in % of those begun."""
        return _percent(self.absences_covered, self.absences)


_COUNTED = tuple(counted.name for counted in fields(Counts))  # read by name: astuple deep-copies, ten times slower


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


@dataclass(frozen=True)
class Owner:
    """Whom a row is about: a person (by id) or a shared mailbox (by its lower-case address), and their team."""

    key: str
    name: str
    scope: str  # "person" or "shared mailbox"
    team: str


@dataclass(frozen=True)
class Figure:
    """One row of figures.csv: a scope (organisation, team, person, shared mailbox) for one kind of message
    (email, voicemail, or all: both together, with the person's absences); `previous` is the same row for the
    period before, if the report has one."""

    scope: str
    name: str
    kind: str
    counts: Counts
    median_hours: float | None
    p90_hours: float | None
    complaint_median_hours: float | None = None
    previous: Figure | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Hours:
    """Business hours to the first answer per (owner key, kind): of every message answered, and of complaints."""

    answers: Mapping[tuple[str, str], Sequence[float]]
    complaints: Mapping[tuple[str, str], Sequence[float]] = field(default_factory=dict)


def business_hours(received_at: datetime, answered_at: datetime, calendar: BusinessCalendar) -> float:
    """Business hours from arrival to the first answer in the office's calendar, to two decimals."""
    return round(calendar.elapsed(received_at, answered_at).total_seconds() / 3600, 2)


def overdue_at_end_of_day(close: datetime, answered_at: datetime | None, now: datetime) -> bool:
    """OVERDUE_AT_END_OF_DAY, for a message whose due day closed at `close` (BusinessCalendar.close_of_day of its
    due time): that close has passed at `now` and no answer known at `now` came by then."""
    return close <= now and (answered_at is None or answered_at > close or answered_at > now)


OVERDUE_AT_END_OF_DAY = (
    "Overdue at end of day counts the messages still unanswered when the owner's office closed on the business "
    "day they fell due (in that office's hours and timezone), once that close has passed."
)


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
    hours: Hours | Mapping[tuple[str, str], Sequence[float]],
    organisation: str | None,
    *,
    teams: bool = True,
) -> list[Figure]:
    """Rows for the organisation (unless None: a report on part of it), each team (with `teams`), then each
    owner, e-mail, voicemail, then all, from counts and hours keyed by (owner key, kind). The all row adds e-mail
    and voicemail up with what belongs to the owner whatever the kind (counts keyed (owner, "all"): absences)."""
    times = hours if isinstance(hours, Hours) else Hours(hours)
    rows = [] if organisation is None else _row("organisation", organisation, owners, counts, times)
    for team in sorted({owner.team for owner in owners}) if teams else ():
        rows += _row("team", team, [o for o in owners if o.team == team], counts, times)
    for owner in owners:
        rows += _row(owner.scope, owner.name, [owner], counts, times)
    return rows


def with_previous(current: Sequence[Figure], previous: Sequence[Figure]) -> list[Figure]:
    """Each row of `current` with the matching row (same scope, name and kind) of the period before."""
    before = {(f.scope, f.name, f.kind): f for f in previous}
    return [replace(f, previous=before.get((f.scope, f.name, f.kind))) for f in current]


def change(now: float | None, before: float | None) -> float | None:
    """The change from the previous period (percentage points for a %), None where either value is missing."""
    return None if now is None or before is None else round(now - before, 2)


KINDS = ("email", "voicemail")
ROW_KINDS = (*KINDS, "all")


def _row(
    scope: str, name: str, members: Iterable[Owner], counts: Mapping[tuple[str, str], Counts], hours: Hours
) -> list[Figure]:
    keys = [owner.key for owner in members]
    rows = []
    for kind in ROW_KINDS:
        kinds = ROW_KINDS if kind == "all" else (kind,)
        total = sum((counts.get((key, k), Counts()) for key in keys for k in kinds), Counts())
        answered = [value for key in keys for k in kinds for value in hours.answers.get((key, k), ())]
        complained = [value for key in keys for k in kinds for value in hours.complaints.get((key, k), ())]
        rows.append(Figure(scope, name, kind, total, percentile(answered, 0.5), percentile(answered, 0.9),
                           percentile(complained, 0.5)))  # fmt: skip
    return rows
