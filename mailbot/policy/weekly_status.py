"""The week for the weekly status: each office day in or away, when calls are returned, and what changed.

Pure: calendar events in, a WeekPlan out. Absences come from policy/absence.py (merged across nights, weekends
and holidays) and days from the office's BusinessCalendar. Instants are compared in UTC (see business_time.py);
a plan's days and callback times are local to the office, which is what the script says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from mailbot.config.organisation import AbsencePolicy, CallbackPolicy
from mailbot.domain import Absence, CalendarEvent, ShowAs
from mailbot.policy.absence import find_absences
from mailbot.policy.business_time import BusinessCalendar, parse_weekly_hours

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # as in service.yaml
DayKind = Literal["in", "away", "closed"]
Span = tuple[datetime, datetime]
# Time the person cannot take calls; "free" and "working elsewhere" still can.
BUSY = frozenset({ShowAs.BUSY, ShowAs.OOF, ShowAs.TENTATIVE})
_DAY = timedelta(days=1)
_ZERO = timedelta(0)


@dataclass(frozen=True)
class DayPlan:
    """One office day of the week. in: `callback` is the local window promised (None: the fallback text).
    away, closed: `back` is the person's next day in the office, for a closed day only if it is not the
    office's next business day (None: not within the calendar read)."""

    day: date
    kind: DayKind
    callback: tuple[time, time] | None = None
    back: date | None = None

    def as_json(self) -> dict[str, str]:
        window = f"{self.callback[0]:%H:%M}-{self.callback[1]:%H:%M}" if self.callback else ""
        return {"day": self.day.isoformat(), "kind": self.kind, "callback": window,
                "back": self.back.isoformat() if self.back else ""}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, str]) -> DayPlan:
        window = parse_weekly_hours({"mon": data["callback"]})[0][0] if data.get("callback") else None
        back = date.fromisoformat(data["back"]) if data.get("back") else None
        return cls(date.fromisoformat(data["day"]), data["kind"], window, back)  # type: ignore[arg-type]


@dataclass(frozen=True)
class WeekPlan:
    """Seven days from `start` (the configured weekday); days the office never opens are left out."""

    person_id: str
    start: date
    days: tuple[DayPlan, ...]

    def dump(self) -> str:
        return json.dumps([d.as_json() for d in self.days], sort_keys=True)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.dump().encode()).hexdigest()


def load_days(dumped: str) -> tuple[DayPlan, ...]:
    return tuple(DayPlan.from_json(d) for d in json.loads(dumped))


def week_start(today: date, weekday: int) -> date:
    """The latest date on or before `today` that falls on `weekday` (0 = Monday): where the status week begins."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def plan_week(
    person_id: str, events: Sequence[CalendarEvent], start: date, calendar: BusinessCalendar, *,
    absence: AbsencePolicy, callback: CallbackPolicy,
) -> WeekPlan:  # fmt: skip
    """The week from `start`; `events` should reach back a week (absences under way) and ahead window_days."""
    absences = find_absences(events, person_id, calendar, absence)
    horizon = start + timedelta(days=max(absence.window_days, 7))
    days = []
    for day in (start + timedelta(days=n) for n in range(7)):
        if not calendar.hours.get(day.weekday()):
            continue  # a weekend is no news to callers
        kind = day_kind(day, absences, calendar)
        if kind == "in":
            days.append(DayPlan(day, kind, callback_window(day, events, absences, calendar, callback)))
        else:
            days.append(DayPlan(day, kind, back=_back(day, kind, absences, calendar, horizon)))
    return WeekPlan(person_id, start, tuple(days))


def day_kind(day: date, absences: Sequence[Absence], calendar: BusinessCalendar) -> DayKind:
    """Away when absences take at least half the day's open time, or a holiday inside an absence; else in or closed.

    A holiday inside an absence counts as away, so a Wednesday-to-Friday vacation around a Thursday holiday
    reads as one stretch away rather than away, closed, away.
    """
    begin, end = _midnight(day, calendar), _midnight(day + _DAY, calendar)
    if not calendar.is_business_day(day):
        inside = any(_utc(a.start) < end and _utc(a.end) > begin for a in absences)
        return "away" if inside else "closed"
    away = sum((calendar.elapsed(max(_utc(a.start), begin), min(_utc(a.end), end)) for a in absences), _ZERO)
    return "away" if 2 * away >= calendar.elapsed(begin, end) else "in"


def _back(
    day: date, kind: DayKind, absences: Sequence[Absence], calendar: BusinessCalendar, horizon: date
) -> date | None:
    """The person's next day in after `day`; None for a closed day when the office reopens with them in."""
    later, reopens = day + _DAY, None
    while later <= horizon:
        if calendar.is_business_day(later):
            reopens = reopens or later
            if day_kind(later, absences, calendar) == "in":
                return None if kind == "closed" and later == reopens else later
        later += _DAY
    return None


def callback_window(
    day: date, events: Sequence[CalendarEvent], absences: Sequence[Absence], calendar: BusinessCalendar,
    policy: CallbackPolicy,
) -> tuple[time, time] | None:  # fmt: skip
    """The latest free stretch of at least min_minutes in the search hours before the latest end, cut to `minutes`.

    None means the fallback text; with fallback "window" the fixed window is promised instead.
    """
    spans = open_spans(day, calendar)
    latest = spans[-1][1]
    if policy.latest_end is not None:
        hours, minutes = map(int, policy.latest_end.split(":"))
        latest = min(latest, _utc(datetime.combine(day, time(hours, minutes), tzinfo=calendar.tz)))
    earliest = latest - timedelta(hours=policy.search_hours)
    busy = [(_utc(e.start), _utc(e.end)) for e in events if not e.cancelled and e.show_as in BUSY]
    busy += [(_utc(a.start), _utc(a.end)) for a in absences]
    room = [(max(s, earliest), min(e, latest)) for s, e in spans if min(e, latest) > max(s, earliest)]
    free = [f for f in _subtract(room, busy) if f[1] - f[0] >= timedelta(minutes=policy.min_minutes)]
    if free:
        start, end = free[-1]
        start = max(start, end - timedelta(minutes=policy.minutes))
        return _wall(start, calendar), _wall(end, calendar)
    if policy.fallback == "window":
        return parse_weekly_hours({"mon": policy.fallback_window})[0][0]
    return None


def open_spans(day: date, calendar: BusinessCalendar) -> list[Span]:
    """The day's open intervals as UTC instants, from the calendar's public opening and closing times."""
    spans: list[Span] = []
    at = _midnight(day, calendar)
    while True:
        opening = calendar.next_opening(at)
        if opening.astimezone(calendar.tz).date() != day:
            return spans
        at = calendar.next_closing(opening)
        spans.append((_utc(opening), _utc(at)))


def _subtract(spans: Sequence[Span], busy: Sequence[Span]) -> list[Span]:
    """`spans` minus every busy interval, in order."""
    free = list(spans)
    for b_start, b_end in busy:
        pieces: list[Span] = []
        for start, end in free:
            if b_end <= start or b_start >= end:
                pieces.append((start, end))
                continue
            if b_start > start:
                pieces.append((start, b_start))
            if b_end < end:
                pieces.append((b_end, end))
        free = pieces
    return free


# --- What changed since the plan that was sent ------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    """A day of the week that reads differently now; `before` is None for a day the sent plan did not have."""

    before: DayPlan | None
    after: DayPlan


SendAction = Literal["first", "update", "none"]


@dataclass(frozen=True)
class SendDecision:
    action: SendAction
    changes: tuple[DayChange, ...]
    why: str


def decide_send(
    previous: Sequence[DayPlan] | None, plan: WeekPlan, today: date, *, callbacks: bool = False
) -> SendDecision:
    """First send while the week has a day left; afterwards only when a day from `today` on reads differently.

    A change to a day already past is no news for callers. Callback hours alone count only with `callbacks`.
    """
    ahead = [d for d in plan.days if d.day >= today]
    if previous is None:
        if not ahead:
            return SendDecision("none", (), "the week has no office day left")
        return SendDecision("first", (), "the week's first status")
    sent = {d.day: d for d in previous}
    changes = tuple(DayChange(sent.get(d.day), d) for d in ahead if _differs(sent.get(d.day), d, callbacks))
    if not changes:
        return SendDecision("none", (), "the week is as sent")
    return SendDecision("update", changes, f"{len(changes)} day(s) changed since the last status")


def _differs(before: DayPlan | None, after: DayPlan, callbacks: bool) -> bool:
    """A closed day's `back` follows from the days after it, which are compared themselves."""
    if before is None or before.kind != after.kind:
        return True
    if after.kind == "away":
        return before.back != after.back
    return callbacks and after.kind == "in" and before.callback != after.callback


def status_expires(plan: WeekPlan, calendar: BusinessCalendar) -> datetime:
    """When the status message lapses: midnight after the week's last day, in the office's timezone."""
    return datetime.combine(plan.start + timedelta(days=7), time(), tzinfo=calendar.tz)


def _midnight(day: date, calendar: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(), tzinfo=calendar.tz).astimezone(UTC)


def _wall(instant: datetime, calendar: BusinessCalendar) -> time:
    return instant.astimezone(calendar.tz).time().replace(second=0, microsecond=0)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"The time {at.isoformat()} has no timezone; the weekly status needs aware datetimes.")
    return at.astimezone(UTC)
