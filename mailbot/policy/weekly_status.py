"""The week for the weekly status: each office day in or away, when calls are returned, and what changed.

Pure: calendar events in, a WeekPlan out. Absences come from policy/absence.py (merged across nights, weekends
and holidays) and from the person's own automatic reply (policy/weekly_away.py), days from the office's
BusinessCalendar, callback windows from policy/callback.py. Instants are compared in UTC (see business_time.py); a
plan's days, return and callback times are local to the office, which is what the script says.
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
from mailbot.policy.weekly_away import OwnReply, return_time, with_own_reply

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # as in service.yaml
DayKind = Literal["in", "away", "closed"]
# Microsoft Graph refuses a status message longer than this.
STATUS_MESSAGE_LIMIT = 280
_DAY = timedelta(days=1)
_ZERO = timedelta(0)


@dataclass(frozen=True)
class DayPlan:
    """One office day of the week. in: `callback` is the local window promised (None: the fallback text).
    away, closed: `back` is the person's next day in the office and `back_at` the local time they return then, for
    a closed day only if it is not the office's next business day (None: not within the calendar read, or never
    with `no_return`: their own automatic reply is on with no end). closed: `closure` names the holiday ('' if
    unnamed)."""

    day: date
    kind: DayKind
    callback: tuple[time, time] | None = None
    back: date | None = None
    back_at: time | None = None
    closure: str = ""
    no_return: bool = False

    def as_json(self) -> dict[str, str]:
        window = f"{self.callback[0]:%H:%M}-{self.callback[1]:%H:%M}" if self.callback else ""
        return {"day": self.day.isoformat(), "kind": self.kind, "callback": window,
                "back": self.back.isoformat() if self.back else "", "back_at": f"{self.back_at:%H:%M}" if self.back_at
                else "", "closure": self.closure, "no_return": "yes" if self.no_return else ""}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, str]) -> DayPlan:
        """A day as stored; a plan stored before return times and closures were kept has neither."""
        window = parse_weekly_hours({"mon": data["callback"]})[0][0] if data.get("callback") else None
        back = date.fromisoformat(data["back"]) if data.get("back") else None
        back_at = time.fromisoformat(data["back_at"]) if data.get("back_at") else None
        return cls(date.fromisoformat(data["day"]), data["kind"], window, back, back_at,  # type: ignore[arg-type]
                   data.get("closure", ""), bool(data.get("no_return")))  # fmt: skip


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
    absence: AbsencePolicy, callback: CallbackPolicy, own: OwnReply | None = None,
) -> WeekPlan:  # fmt: skip
    """The week from `start`; `events` should reach back a week (absences under way) and ahead window_days.

    `own` is the person's own automatic reply (weekly_away.own_reply), an absence like those in the calendar.
    """
    horizon = start + timedelta(days=max(absence.window_days, 7))
    calendar_absences = find_absences(events, person_id, calendar, absence)
    absences = with_own_reply(calendar_absences, own, person_id, calendar, until=midnight(horizon + _DAY, calendar))
    days = []
    for day in (start + timedelta(days=n) for n in range(7)):
        if not calendar.hours.get(day.weekday()):
            continue  # a weekend is no news to callers
        kind = day_kind(day, absences, calendar)
        if kind == "in":
            days.append(DayPlan(day, kind, callback_window(day, events, absences, calendar, callback)))
        else:
            after_away = bool(days) and (days[-1].kind == "away" or days[-1].back is not None)
            days.append(_out(day, kind, absences, calendar, horizon, own, after_away))
    return WeekPlan(person_id, start, tuple(days))


def _out(
    day: date, kind: DayKind, absences: Sequence[Absence], calendar: BusinessCalendar, horizon: date,
    own: OwnReply | None, after_away: bool,
) -> DayPlan:  # fmt: skip
    """An away or closed day: when the person returns, whether nobody can say (own reply with no end), the closure.
    A closed day right after the person's days away says when they return even if the office reopens with them."""
    back = _back(day, "away" if after_away else kind, absences, calendar, horizon)
    unending = own is not None and own.end is None and utc(own.start) < midnight(day + _DAY, calendar)
    closure = calendar.holiday_name(day) if kind == "closed" else ""
    back_at = return_time(back, absences, calendar) if back else None
    return DayPlan(day, kind, back=back, back_at=back_at, closure=closure, no_return=back is None and unending)


def day_kind(day: date, absences: Sequence[Absence], calendar: BusinessCalendar) -> DayKind:
    """Closed when the office is (whoever is away then: callers hear why); else away when absences take at least
    half the day's open time, or in."""
    begin, end = midnight(day, calendar), midnight(day + _DAY, calendar)
    if not calendar.is_business_day(day):
        return "closed"
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
    sent, last = {d.day: d for d in previous}, plan.days[-1].day
    changes = tuple(
        DayChange(sent.get(d.day), d) for d in ahead if _differs(sent.get(d.day), d, callbacks, last=d.day == last)
    )
    if not changes:
        return SendDecision("none", (), "the week is as sent")
    return SendDecision("update", changes, f"{len(changes)} day(s) changed since the last status")


def urgent(decision: SendDecision, today: date, calendar: BusinessCalendar) -> bool:
    """Whether an update changes today or the office's next business day: callers would hear the old script
    before the next morning's run could tell the person."""
    if decision.action != "update":
        return False
    following = calendar.next_opening(midnight(today + _DAY, calendar)).astimezone(calendar.tz).date()
    return any(change.after.day <= following for change in decision.changes)


def _differs(before: DayPlan | None, after: DayPlan, callbacks: bool, *, last: bool) -> bool:
    """A closed day's return follows from the days after it, which are compared themselves, unless it ends the
    week. A return time counts where the sent plan had one (older plans kept only the day)."""
    if before is None or before.kind != after.kind or before.no_return != after.no_return:
        return True
    if after.kind == "away" or (after.kind == "closed" and last):
        return before.back != after.back or (before.back_at is not None and before.back_at != after.back_at)
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
