"""The weekly status in words: the week's runs of days for the voicemail script and status text, and the e-mail.

Pure: a WeekPlan (policy/weekly_status.py) in, template contexts of finished text out, in the house style of
policy/templates.py. The contexts' fields are the templates' placeholders (message_templates/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mailbot.config.organisation import CallbackPolicy
from mailbot.domain import Person
from mailbot.policy.messages import Message
from mailbot.policy.templates import TemplateRenderer, date_text, person_context, time_text
from mailbot.policy.weekly_status import DayChange, DayPlan, WeekPlan

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
StatusMessage = Literal["set", "not_supported", "failed", "off"]


@dataclass(frozen=True)
class RunView:
    """Consecutive office days that read alike: in with one callback window, away until one moment, or closed."""

    kind: str  # in, away, closed
    days_text: str  # Monday to Wednesday
    days_phrase: str  # from Monday to Wednesday, on Thursday and Friday
    days_short: str  # Mon–Wed
    callback_text: str  # between 3:30 and 5:00 pm, or the policy's fallback text ("" unless in)
    callback_short: str  # 3:30–5:00 pm
    back_text: str  # Monday, November 30 at 8:00 am ("" when the next run says it, or unknown)
    back_short: str  # Mon Nov 30, 8:00 am
    no_return: bool = False  # away with no return date: their own automatic reply is on with no end
    closed_phrase: str = ""  # on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving
    closures_short: str = ""  # Thanksgiving Day, day after Thanksgiving ("" unless closed and named)


@dataclass(frozen=True)
class DayView:
    """One office day in the e-mail's overview."""

    day_text: str  # Monday, November 23
    kind: str
    label: str  # in the office, calls returned between 3:30 and 5:00 pm; office closed for Thanksgiving Day
    changed: bool


def runs(days: Sequence[DayPlan], callback: CallbackPolicy) -> tuple[RunView, ...]:
    """The week as runs of alike days; a non-office run says when the person is back only before an office day
    (or at the week's end), and a closed run names each day's closure."""
    groups: list[list[DayPlan]] = []
    for day in days:
        if groups and _key(groups[-1][-1]) == _key(day):
            groups[-1].append(day)
        else:
            groups.append([day])
    views = []
    for index, group in enumerate(groups):
        last = group[-1]
        following = groups[index + 1][0] if index + 1 < len(groups) else None
        says_back = last.kind != "in" and (following is None or following.kind == "in")
        back = last if says_back and last.back else None
        views.append(
            RunView(
                kind=last.kind, days_text=_days_text(group), days_phrase=_days_phrase(group),
                days_short=_days_short(group), callback_text=_callback(last, callback, short=False),
                callback_short=_callback(last, callback, short=True),
                back_text=_back_text(back) if back else "", back_short=_back_short(back) if back else "",
                no_return=says_back and last.no_return, closed_phrase=_closed_phrase(group),
                closures_short=", ".join(dict.fromkeys(d.closure for d in group if d.kind == "closed" and d.closure)),
            )
        )  # fmt: skip
    return tuple(views)


def script_context(
    person: Person, plan: WeekPlan, callback: CallbackPolicy, organisation: Mapping[str, Any]
) -> dict[str, Any]:
    """For voicemail_script and status_text: callers hear it, so no reasons, only in, away, closed and when."""
    return {
        "person": person_context(person),
        "organisation": dict(organisation),
        "week_text": date_text(_noon(plan.start)),
        "runs": [asdict(run) for run in runs(plan.days, callback)],
    }


def weekly_context(
    person: Person, plan: WeekPlan, callback: CallbackPolicy, organisation: Mapping[str, Any], *,
    script: str, status_text: str, status_message: StatusMessage, changes: Sequence[DayChange] = (),
    previous: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """For weekly_status, the e-mail to the person; `previous` (local) is when the last one went, for an update."""
    changed = {c.after.day for c in changes}
    return {
        "person": person_context(person),
        "organisation": dict(organisation),
        "week_text": date_text(_noon(plan.start)),
        "last_day_text": date_text(_noon(plan.start + timedelta(days=6))),
        "update": previous is not None,
        "previous_text": date_text(previous) if previous else "",
        "changes": [change_text(c, callback) for c in changes],
        "script": script.strip(),
        "script_lines": script.strip().splitlines(),
        "status_text": status_text,
        "status_message": status_message,
        "days": [
            asdict(DayView(date_text(_noon(d.day)), d.kind, day_label(d, callback), d.day in changed))
            for d in plan.days
        ],
    }


def status_note(outcome: StatusMessage, *, until: datetime | None = None, backend: str = "", problem: str = "") -> str:
    """The status message outcome in words, for the job's report and the audit; `until` in office time."""
    if outcome == "set" and until is not None:
        return f"status message set until the end of {date_text(until - timedelta(days=1))}"
    notes = {
        "off": "status message off in policy.yaml",
        "failed": f"status message could not be set: {problem}",
        "not_supported": f"status message not supported by the {backend} backend",
        "set": "status message set",
    }
    return notes[outcome]  # fmt: skip


def weekly_subject(plan: WeekPlan, *, update: bool) -> str:
    week = date_text(_noon(plan.start)).split(", ", 1)[1]
    return f"{'Updated: your' if update else 'Your'} weekly status and voicemail greeting for the week of {week}"


def render_weekly(subject: str, context: Mapping[str, Any], renderer: TemplateRenderer) -> Message:
    rendered = renderer.render("weekly_status", context)
    return Message(subject, rendered.html, rendered.text)


def digest_line(
    person: Person, tz: ZoneInfo, sent: tuple[datetime, datetime] | None, *, updates: int = 0,
    changes: Sequence[str] = (), status_set: bool = False,
) -> str:  # fmt: skip
    """'Li Chen: sent Monday, November 23 at 7:30 am; updated Wednesday, November 25 at 7:30 am (Friday ...)'.

    `sent` is when the week's status first and last went out (None: not yet); `changes` what the last update changed.
    """
    if sent is None:
        return f"{person.name}: not sent yet this week"
    first, last = (at.astimezone(tz) for at in sent)
    line = f"{person.name}: sent {date_text(first)} at {time_text(first)}"
    if updates:
        changed = f" ({'; '.join(changes)})" if changes else ""
        line += f"; updated {date_text(last)} at {time_text(last)}{changed}"
    return line + ("; status message set" if status_set else "")


def day_label(day: DayPlan, callback: CallbackPolicy) -> str:
    """'in the office, calls returned between 3:30 and 5:00 pm', 'away, back Monday, November 30 at 8:00 am',
    'away, no return date', 'office closed for Thanksgiving Day'."""
    if day.kind == "in":
        return f"in the office, calls returned {_callback(day, callback, short=False)}"
    back = f", back {_back_text(day)}" if day.back else ", no return date" if day.no_return else ""
    return f"away{back}" if day.kind == "away" else f"office closed{_for(day.closure)}{back}"


def change_text(change: DayChange, callback: CallbackPolicy) -> str:
    """'Friday, November 27: in the office, calls returned ... (was: away, back Tuesday, December 1)'."""
    after = day_label(change.after, callback)
    before = f" (was: {day_label(change.before, callback)})" if change.before else ""
    return f"{date_text(_noon(change.after.day))}: {after}{before}"


def _key(day: DayPlan) -> tuple[str, object]:
    if day.kind == "in":
        return day.kind, day.callback
    return (day.kind, (day.back, day.back_at, day.no_return)) if day.kind == "away" else (day.kind, None)


def _closed_phrase(group: Sequence[DayPlan]) -> str:
    """'on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving': each closure named once."""
    if group[-1].kind != "closed":
        return ""
    parts: list[list[DayPlan]] = []
    for day in group:
        if parts and parts[-1][-1].closure == day.closure:
            parts[-1].append(day)
        else:
            parts.append([day])
    phrases = [_days_phrase(part) + _for(part[0].closure) for part in parts]
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _for(closure: str) -> str:
    """' for Thanksgiving Day', ' for the day after Thanksgiving' (a name in lower case is no proper name)."""
    if not closure:
        return ""
    article = closure[0].islower() and not closure.lower().startswith(("the ", "a ", "an "))
    return f" for {'the ' if article else ''}{closure}"


def _back_text(day: DayPlan) -> str:
    """'Tuesday, December 1 at 8:00 am': the day and time `day` says the person returns (the day alone if unknown)."""
    assert day.back is not None
    if day.back_at is None:
        return date_text(_noon(day.back))
    back = datetime.combine(day.back, day.back_at)
    return f"{date_text(back)} at {time_text(back)}"


def _back_short(day: DayPlan) -> str:
    assert day.back is not None
    if day.back_at is None:
        return _short_date(day.back)
    return f"{_short_date(day.back)}, {time_text(datetime.combine(day.back, day.back_at))}"


def _callback(day: DayPlan, policy: CallbackPolicy, *, short: bool) -> str:
    if day.kind != "in":
        return ""
    if day.callback is None:
        return policy.fallback_text
    start, end = (_noon(day.day).replace(hour=t.hour, minute=t.minute) for t in day.callback)
    same_half = (start.hour < 12) == (end.hour < 12)
    first = time_text(start).rsplit(" ", 1)[0] if same_half else time_text(start)
    return f"{first}–{time_text(end)}" if short else f"between {first} and {time_text(end)}"


def _days_text(group: Sequence[DayPlan]) -> str:
    names = [_DAYS[d.day.weekday()] for d in group]
    if len(names) == 1:
        return names[0]
    return f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} to {names[-1]}"


def _days_phrase(group: Sequence[DayPlan]) -> str:
    return f"{'from' if len(group) > 2 else 'on'} {_days_text(group)}"


def _days_short(group: Sequence[DayPlan]) -> str:
    names = [_DAYS[d.day.weekday()][:3] for d in group]
    if len(names) == 1:
        return names[0]
    return f"{names[0]} & {names[1]}" if len(names) == 2 else f"{names[0]}–{names[-1]}"


def _short_date(day: date) -> str:
    return f"{_DAYS[day.weekday()][:3]} {_MONTHS[day.month - 1]} {day.day}"


def _noon(day: date) -> datetime:
    """A datetime for the date formatters; noon, because only the date is shown."""
    return datetime.combine(day, time(12))
