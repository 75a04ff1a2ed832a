"""The week for the weekly status: each office day in or away, when calls are returned, and what changed.

Pure: calendar events in, a WeekPlan out. Absences come from policy/absence.py (merged across nights, weekends
and holidays), days from the office's BusinessCalendar, callback windows from policy/callback.py. Instants are
compared in UTC (see business_time.py); a plan's days and callback times are local to the office, which is
what the script says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from mailbot.config.organisation import AbsencePolicy, CallbackPolicy, WeeklyStatusPolicy
from mailbot.domain import Absence, CalendarEvent
from mailbot.policy.absence import find_absences
from mailbot.policy.business_time import BusinessCalendar, parse_weekly_hours
from mailbot.policy.callback import callback_window, midnight, utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # as in service.yaml
DayKind = Literal["in", "away", "closed"]
# Microsoft Graph refuses a status message longer than this.
STATUS_MESSAGE_LIMIT = 280
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
    begin, end = midnight(day, calendar), midnight(day + _DAY, calendar)
    if not calendar.is_business_day(day):
        inside = any(utc(a.start) < end and utc(a.end) > begin for a in absences)
        return "away" if inside else "closed"
    away = sum((calendar.elapsed(max(utc(a.start), begin), min(utc(a.end), end)) for a in absences), _ZERO)
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


@dataclass(frozen=True)
class StatusMessageRequest:
    """The Teams/Outlook status message to set: one line within Graph's limit, lapsing when the week ends."""

    text: str
    expires: datetime


def status_message_request(
    plan: WeekPlan, text: str, calendar: BusinessCalendar, policy: WeeklyStatusPolicy
) -> StatusMessageRequest | None:
    """None when the policy keeps mailbot out of status messages; else the text, expiring at midnight after the
    week's last day (office time). A re-send replaces it, so a changed week never shows the old text for long."""
    if not policy.set_status_message:
        return None
    return StatusMessageRequest(status_message_text(text), datetime.combine(plan.start + timedelta(days=7), time(),
                                                                             tzinfo=calendar.tz))  # fmt: skip


def status_message_text(text: str) -> str:
    """The status text as one line short enough for Teams and Outlook."""
    line = " ".join(text.split())
    return line if len(line) <= STATUS_MESSAGE_LIMIT else line[: STATUS_MESSAGE_LIMIT - 1].rstrip() + "…"
