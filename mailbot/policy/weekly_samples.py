"""Sample weekly statuses for `TemplateRenderer.check_all`, built by the real context builders.

Between them they reach every branch: in with a window and with the fallback text, away with a known return,
an unknown one and none set, closed with and without a name and "I will return", a first send and an update,
each status message outcome.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.config.organisation import CallbackPolicy
from mailbot.domain import Person
from mailbot.policy.templates import organisation_context
from mailbot.policy.weekly_message import StatusMessage, script_context, weekly_context
from mailbot.policy.weekly_status import DayChange, DayPlan, WeekPlan

_NY = ZoneInfo("America/New_York")
_ORG = organisation_context("Riverside Members' Association", "+1 555 0100")
_NO_NUMBER = organisation_context("Riverside Members' Association", None)
_CALLBACK = CallbackPolicy()
LI = Person("lchen", "Li Chen", "li.chen@example.org", "Member Services", "main", _NY.key, phone="+1 555 0100 x215")
_LATE = (time(15, 30), time(17))


def _day(
    day: int, kind: Any, callback: tuple[time, time] | None = None, back: date | None = None, **more: Any
) -> DayPlan:
    # The sample weeks run from late November into early December: 21 and later is November.
    return DayPlan(date(2026, 11, day) if day > 20 else date(2026, 12, day), kind, callback, back, **more)


def plans() -> list[WeekPlan]:
    """Thanksgiving week with Monday off after the closed Friday, a Thursday-Friday absence back at noon, a week
    away with no return in sight, and one away on an own automatic reply with no end."""
    back: dict[str, Any] = {"back": date(2026, 12, 1), "back_at": time(8)}
    thanksgiving = WeekPlan("lchen", date(2026, 11, 23), (
        _day(23, "in", _LATE), _day(24, "in", (time(14), time(15, 30))), _day(25, "in"),
        _day(26, "closed", closure="Thanksgiving Day", **back),
        _day(27, "closed", closure="day after Thanksgiving", **back),
    ))  # fmt: skip
    thursday_friday = WeekPlan("lchen", date(2026, 11, 30), (
        *(_day(d, "in", _LATE) for d in (30, 1, 2)), _day(3, "away", back=date(2026, 12, 7), back_at=time(12)),
        _day(4, "away", back=date(2026, 12, 7), back_at=time(12)),
    ))  # fmt: skip
    away = WeekPlan("lchen", date(2026, 11, 23), (
        _day(23, "away"), _day(24, "away"), _day(25, "away"), _day(26, "closed"), _day(27, "closed"),
    ))  # fmt: skip
    unending = WeekPlan("lchen", date(2026, 11, 23), (
        _day(23, "in", _LATE), _day(24, "away", no_return=True), _day(25, "away", no_return=True),
        _day(26, "closed", closure="Thanksgiving Day", no_return=True), _day(27, "closed", no_return=True),
    ))  # fmt: skip
    return [thanksgiving, thursday_friday, away, unending]


def voicemail_script_samples() -> list[dict[str, Any]]:
    return [script_context(LI, plan, _CALLBACK, org) for plan in plans() for org in (_ORG, _NO_NUMBER)]


def status_text_samples() -> list[dict[str, Any]]:
    return [script_context(LI, plan, _CALLBACK, _ORG) for plan in plans()]


def weekly_status_samples() -> list[dict[str, Any]]:
    """A first send for each week and status message outcome, and an update after a cancelled absence."""
    outcomes: tuple[StatusMessage, ...] = ("set", "not_supported", "failed", "off")
    samples = [_weekly(plan, outcome) for plan, outcome in zip(plans(), outcomes, strict=False)]
    first = plans()[0]
    friday = DayPlan(date(2026, 11, 27), "closed", closure="day after Thanksgiving")
    changed = WeekPlan(first.person_id, first.start, (*first.days[:4], friday))
    monday = datetime(2026, 11, 23, 7, 30, tzinfo=_NY)
    samples.append(_weekly(changed, "off", (DayChange(first.days[4], friday),), monday + timedelta(days=2)))
    return samples


def _weekly(
    plan: WeekPlan, outcome: StatusMessage, changes: tuple[DayChange, ...] = (), previous: datetime | None = None
) -> dict[str, Any]:
    """The e-mail's context with a script and status text rendered from the shipped templates' own words."""
    script = "Hello, you have reached Li Chen at Riverside Members' Association."
    status = "Mon–Wed: in the office, calls 3:30–5:00 pm. Thu & Fri: office closed (Thanksgiving Day), back Tue Dec 1."
    return weekly_context(LI, plan, _CALLBACK, _ORG, script=script, status_text=status, status_message=outcome,
                          changes=changes, previous=previous)  # fmt: skip
