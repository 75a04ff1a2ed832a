"""Calendar events -> absences -> the automatic reply mailbot wants, and what to do about the one in place.

Pure: everything takes `now`; the only I/O is the template renderer reading its files.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from mailbot.config.organisation import AbsencePolicy, OrganisationInfo
from mailbot.domain import Absence, CalendarEvent, ExternalAudience, OofSettings, OofState, Person, ShowAs
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.templates import (
    RenderedText,
    TemplateRenderer,
    departed_context,
    oof_context,
    organisation_context,
)

_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)
# Read a week back from the last open moment, so an absence under way keeps its real start (and its merge with a
# Friday off), and one whose reply runs on through a long closure after it is still seen.
_LOOKBACK = timedelta(days=7)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _Stretch(NamedTuple):
    start: datetime
    end: datetime
    subjects: tuple[str, ...]


def find_absences(
    events: Sequence[CalendarEvent], person_id: str, calendar: BusinessCalendar, policy: AbsencePolicy
) -> list[Absence]:
    """The person's absences, sorted: absence events merged across non-working time, short ones dropped.

    Merging comes before the threshold, so two half days around a weekend may together pass min_hours.
    An absence with no business time at all (a weekend away) needs no reply and is dropped too.
    """
    keywords = _keyword_pattern(policy.keywords)
    categories = {c.casefold() for c in policy.categories}
    marked = [e for e in events if _is_absence(e, keywords, categories)]
    # UTC throughout: aware datetimes sharing one zone compare by wall clock, wrong in a repeated hour.
    stretches = _merge(sorted((_utc(e.start), _utc(e.end), e.subject) for e in marked), calendar)
    minimum = max(timedelta(hours=policy.min_hours), _TICK)
    return [
        Absence(person_id, s.start.astimezone(calendar.tz), s.end.astimezone(calendar.tz), _reason(s.subjects))
        for s in stretches
        if calendar.elapsed(s.start, s.end) >= minimum
    ]


def calendar_span(now: datetime, calendar: BusinessCalendar, policy: AbsencePolicy) -> tuple[datetime, datetime]:
    """The part of a person's calendar that holds every absence that matters at `now`: from a week before the office
    was last open up to `window_days` ahead."""
    return calendar.last_open(now) - _LOOKBACK, now + timedelta(days=policy.window_days)


def returns_at(absence: Absence, calendar: BusinessCalendar) -> datetime:
    """The person's next working moment after the absence: the office's next opening once it has ended, so a day
    off before a weekend or a holiday lasts until the office opens again."""
    return calendar.next_opening(absence.end)


def _keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """Whole words, any case, any spacing, a plural s allowed: "Vacations" counts, "Checkout of office" not."""
    words = [r"\s+".join(map(re.escape, k.split())) for k in keywords if k.strip()]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})s?(?!\w)", re.IGNORECASE) if words else None


def _is_absence(event: CalendarEvent, keywords: re.Pattern[str] | None, categories: set[str]) -> bool:
    if event.cancelled:
        return False
    return (
        event.show_as is ShowAs.OOF
        or any(c.casefold() in categories for c in event.categories)
        or bool(keywords and keywords.search(event.subject))
    )


def _merge(spans: Sequence[tuple[datetime, datetime, str]], calendar: BusinessCalendar) -> list[_Stretch]:
    """Join spans that overlap or are separated only by closed time (nights, weekends, holidays)."""
    merged: list[_Stretch] = []
    for start, end, subject in spans:
        if merged and calendar.elapsed(merged[-1].end, start) == _ZERO:
            last = merged[-1]
            merged[-1] = _Stretch(last.start, max(last.end, end), (*last.subjects, subject))
        else:
            merged.append(_Stretch(start, end, (subject,)))
    return merged


def _reason(subjects: Sequence[str]) -> str:
    return "; ".join(dict.fromkeys(s.strip() for s in subjects if s.strip()))


PlanAction = Literal["schedule", "redirect", "clear"]


@dataclass(frozen=True)
class OofPlan:
    """The automatic reply mailbot wants for one person, before looking at what the mailbox has.

    schedule: a scheduled reply for `absence`; redirect: a permanent reply for departed staff naming the
    successor; clear: mailbot's reply, if any, should be off. `internal`/`external` hold both forms of the
    texts (settings carry the HTML) for previews.
    """

    person_id: str
    action: PlanAction
    settings: OofSettings | None
    absence: Absence | None
    return_at: datetime | None
    why: str
    internal: RenderedText | None = None
    external: RenderedText | None = None


def plan_oof(
    person: Person, absences: Sequence[Absence], now: datetime, calendar: BusinessCalendar, *,
    policy: AbsencePolicy, org: OrganisationInfo, backup: Person | None, successor: Person | None,
    renderer: TemplateRenderer, office_phone: str | None = None,
) -> OofPlan:  # fmt: skip
    """Plan the first absence the person has not come back from; later ones are planned once they are back.

    The reply runs from the absence start to the person's next working moment (returns_at), so it stays on
    through the weekend or holiday after a day off. It starts at the absence start even if that has passed:
    Exchange treats a past start as "on now", and a start that does not move with `now` keeps hourly reruns
    idempotent (on the closed days too: the plan, and so its fingerprint, is the same all along).
    """
    organisation = organisation_context(org.name, office_phone or org.main_number)
    if not person.active:
        return _redirect(person, successor, organisation, renderer)
    ahead = [(a, returns_at(a, calendar)) for a in sorted(absences, key=lambda a: _utc(a.start))]
    upcoming = [(a, back) for a, back in ahead if _utc(back) > _utc(now)]
    if not upcoming:
        return OofPlan(person.id, "clear", None, None, None, f"{person.name} has no absence ahead; no reply needed")
    absence, return_at = upcoming[0]
    context = oof_context(person, absence, return_at, backup, organisation)
    internal, external = renderer.render("oof_internal", context), renderer.render("oof_external", context)
    settings = OofSettings(
        OofState.SCHEDULED, internal.html, external.html, ExternalAudience(policy.external_audience),
        start=absence.start, end=return_at,
    )  # fmt: skip
    why = f"{absence.reason or 'Absence'} {_span(absence, calendar.tz)}; back {_when(return_at)}"
    return OofPlan(person.id, "schedule", settings, absence, return_at, why, internal, external)


def _redirect(
    person: Person, successor: Person | None, organisation: Mapping[str, Any], renderer: TemplateRenderer
) -> OofPlan:
    """A permanent reply to everyone, whatever external_audience says: members must learn where to write now."""
    texts = renderer.render("departed", departed_context(person, successor, organisation))
    settings = OofSettings(OofState.ENABLED, texts.html, texts.html, ExternalAudience.ALL)
    who = successor.name if successor else "the organisation's main number"
    return OofPlan(person.id, "redirect", settings, None, None, f"{person.name} has left; replies name {who}",
                   texts, texts)  # fmt: skip


def _span(absence: Absence, tz: ZoneInfo) -> str:
    """'Fri 27 Nov – Mon 30 Nov' for whole days (an end at midnight belongs to the day before)."""
    start, end = absence.start.astimezone(tz), absence.end.astimezone(tz)
    if start.time() == end.time() == datetime.min.time():
        first, last = _day(start), _day(end - _TICK)
        return first if first == last else f"{first} – {last}"
    if start.date() == end.date():
        return f"{_day(start)} {start:%H:%M}–{end:%H:%M}"
    return f"{_when(start)} – {_when(end)}"


def _day(at: datetime) -> str:
    return f"{_DAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]}"  # not %b: that follows the locale


def _when(at: datetime) -> str:
    return f"{_day(at)} {at:%H:%M}"


# --- What to do about the reply in place ---------------------------------------------------------------

DecisionAction = Literal["set", "clear", "leave_manual", "unchanged"]


@dataclass(frozen=True)
class Decision:
    """What the job should do: set `settings`, clear (write `settings`, the current reply turned off), or nothing."""

    action: DecisionAction
    settings: OofSettings | None
    why: str


def fingerprint(settings: OofSettings) -> str:
    """A stable sha256 of the reply's normalised form, so the server's rewriting does not count as a change.

    Normalised: start/end in UTC to the minute (only for scheduled replies; otherwise Exchange ignores
    them), texts reduced to their visible words (tags, head/style, entities and spacing removed).
    """
    scheduled = settings.state is OofState.SCHEDULED
    form = {
        "state": settings.state.value,
        "start": _minute(settings.start) if scheduled else "",
        "end": _minute(settings.end) if scheduled else "",
        "internal": _visible_text(settings.internal_reply),
        "external": _visible_text(settings.external_reply),
        "audience": settings.external_audience.value,
    }
    return hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()


def decide(plan: OofPlan, current: OofSettings, ours: str | None, *, now: datetime) -> Decision:
    """Compare the plan with the mailbox's reply; `ours` is the fingerprint mailbot recorded when it last set one.

    A reply that is not mailbot's and still on is the person's own and is never touched. A disabled
    reply, or a scheduled one whose end has passed, is nobody's and may be replaced.
    """
    is_ours = ours is not None and fingerprint(current) == ours
    live = _is_live(current, now)
    if plan.settings is not None:
        if fingerprint(current) == fingerprint(plan.settings):
            return Decision("unchanged", None, f"The reply in place is already the plan: {plan.why}.")
        if not is_ours and _own_reply_covered(plan, current, now):
            return Decision("unchanged", None, "The absence is over and the person's own automatic reply covered "
                            "it; mailbot does not run on a reply it did not set.")  # fmt: skip
        if is_ours or not live:
            return Decision("set", plan.settings, f"Set the automatic reply: {plan.why}.")
        return _leave_manual(plan)
    if is_ours and current.state is not OofState.DISABLED:
        turned_off = replace(current, state=OofState.DISABLED)
        what = "is still on" if live else "has ended but is still scheduled"
        return Decision("clear", turned_off, f"mailbot's automatic reply {what}; turn it off ({plan.why}).")
    if live:
        return _leave_manual(plan)
    return Decision("unchanged", None, f"No automatic reply is on, none needed ({plan.why}).")


def covers(reply: OofSettings, absence: Absence) -> bool:
    """Whether `reply` answers mail from the absence's start on: on, or scheduled from then (to the minute, as
    Exchange keeps it) or earlier to a later end. For the report's absences covered before they began."""
    if reply.state is OofState.ENABLED:
        return True
    if reply.state is not OofState.SCHEDULED or reply.start is None:
        return False
    start = _utc(absence.start)
    return _utc(reply.start) < start + timedelta(minutes=1) and (reply.end is None or _utc(reply.end) > start)


def _own_reply_covered(plan: OofPlan, current: OofSettings, now: datetime) -> bool:
    """After an absence ends, before the office opens again: the person's own scheduled reply ran during it.

    mailbot keeps its own reply on to the next working moment, but does not start one for those closed hours
    when the person chose where theirs ends (it would be on for a night, or an hour before opening).
    """
    absence = plan.absence
    if absence is None or _utc(absence.end) > _utc(now):
        return False
    own_end = current.end if current.state is OofState.SCHEDULED else None
    return own_end is not None and _utc(own_end) > _utc(absence.start)


def _leave_manual(plan: OofPlan) -> Decision:
    return Decision("leave_manual", None, f"The person's own automatic reply is on; mailbot leaves it ({plan.why}).")


def _is_live(settings: OofSettings, now: datetime) -> bool:
    if settings.state is OofState.SCHEDULED:
        return settings.end is None or _utc(settings.end) > _utc(now)
    return settings.state is OofState.ENABLED


_HIDDEN = re.compile(r"<(head|style|script)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _visible_text(markup: str) -> str:
    """The words a reader sees: Exchange re-wraps reply HTML in its own html/head/style and re-spaces it."""
    text = _TAG.sub(" ", _HIDDEN.sub(" ", markup))
    return " ".join(html.unescape(text).split())


def _minute(at: datetime | None) -> str:
    return "" if at is None else _utc(at).replace(second=0, microsecond=0).isoformat()


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"The time {at.isoformat()} has no timezone; absences need aware datetimes.")
    return at.astimezone(UTC)
