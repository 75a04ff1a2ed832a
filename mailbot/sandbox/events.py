"""Calendar entries and automatic-reply settings: building, changing and validating them like Exchange does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.sandbox import ids
from mailbot.sandbox.records import (
    SHOW_AS,
    CalendarEntry,
    InvalidOofDuration,
    ItemNotFound,
    Mailbox,
    Occurrence,
    OofConfig,
)
from mailbot.sandbox.recurrence import parse_rule

When = date | datetime
_CHANGEABLE = {
    "subject", "start", "end", "all_day", "show_as", "categories", "rrule", "exdates", "timezone", "cancelled",
    "location", "body_text",
}  # fmt: skip


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA timezone (e.g. America/New_York).") from None
    return name


def build_entry(
    owner: Mailbox,
    subject: str,
    start: When,
    end: When,
    now: datetime,
    *,
    all_day: bool = False,
    show_as: str = "busy",
    categories: Iterable[str] = (),
    rrule: str | None = None,
    exdates: Iterable[When] = (),
    timezone: str | None = None,
    cancelled: bool = False,
    location: str = "",
    body_text: str = "",
    seed: str | None = None,
) -> CalendarEntry:
    """A new entry, made at `now`. Dates (not datetimes) make an all-day event, end exclusive; naive times are in
    `timezone` (default: the mailbox's). Its ids derive from `seed` (a scenario's entry), else they are random."""
    tz_name = check_timezone(timezone or owner.timezone)
    tz = ZoneInfo(tz_name)
    all_day = all_day or not isinstance(start, datetime)
    first, last = _place(start, tz, all_day, is_end=False), _place(end, tz, all_day, is_end=True)
    if last < first:
        raise ValueError(f"The event {subject!r} ends ({last.isoformat()}) before it starts ({first.isoformat()}).")
    if show_as not in SHOW_AS:
        raise ValueError(f"show_as {show_as!r} is not one of {', '.join(SHOW_AS)}.")
    if rrule is not None:
        parse_rule(rrule, first.astimezone(tz).replace(tzinfo=None), tz_name)  # refuse a broken rule now
    skipped = tuple(_exdate(x, first, tz) for x in exdates)
    item_id = ids.item_id(seed, owner.email, "calendar")
    return ids.stamped(CalendarEntry(
        item_id=item_id, change_key="", mailbox=owner.email, uid=ids.calendar_uid(item_id), subject=subject,
        start=first, end=last, timezone=tz_name, created_at=now, modified_at=now, all_day=all_day, show_as=show_as,
        categories=tuple(categories), rrule=rrule, exdates=skipped, cancelled=cancelled, location=location,
        body_text=body_text,
    ))  # fmt: skip


def change_entry(entry: CalendarEntry, now: datetime, **changes: Any) -> CalendarEntry:
    """The entry with some fields changed, re-validated; it keeps its id and gets a new change key."""
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}; changeable: {', '.join(sorted(_CHANGEABLE))}.")
    fields: dict[str, Any] = {name: getattr(entry, name) for name in _CHANGEABLE} | changes
    owner = Mailbox(entry.mailbox, "", timezone=fields.pop("timezone"))
    rebuilt = build_entry(owner, fields.pop("subject"), fields.pop("start"), fields.pop("end"), now, **fields)
    return replace(
        rebuilt, item_id=entry.item_id, uid=entry.uid, created_at=entry.created_at, change_key=ids.new_change_key()
    )


def occurrence_at(entry: CalendarEntry, local_start: datetime, item_id: str) -> Occurrence:
    """The occurrence of a series starting at a naive local time; ItemNotFound if the series has none there."""
    tz = ZoneInfo(entry.timezone)
    first = entry.start.astimezone(tz).replace(tzinfo=None)
    length = entry.end.astimezone(tz).replace(tzinfo=None) - first
    skipped = {x.astimezone(tz).replace(tzinfo=None) for x in entry.exdates}
    if entry.rrule is None or local_start in skipped:
        raise ItemNotFound(item_id)
    if local_start not in parse_rule(entry.rrule, first, entry.timezone).between(local_start, local_start, inc=True):
        raise ItemNotFound(item_id)
    return Occurrence(entry, item_id, local_start.replace(tzinfo=tz), (local_start + length).replace(tzinfo=tz),
                      "occurrence")  # fmt: skip


def validate_oof(config: OofConfig, now: datetime) -> OofConfig:
    """Exchange refuses a scheduled reply without both times, with start not before end, or already over."""
    if config.state not in ("disabled", "enabled", "scheduled"):
        raise ValueError(f"OOF state {config.state!r} is not disabled, enabled or scheduled.")
    if config.external_audience not in ("none", "known", "all"):
        raise ValueError(f"External audience {config.external_audience!r} is not none, known or all.")
    start = config.start.astimezone(UTC) if config.start else None
    end = config.end.astimezone(UTC) if config.end else None
    if config.state == "scheduled":
        if start is None or end is None:
            raise InvalidOofDuration("A scheduled automatic reply needs a start and an end time.")
        if start >= end:
            raise InvalidOofDuration("The scheduled automatic reply must start before it ends.")
        if end <= now:
            raise InvalidOofDuration("The scheduled automatic reply ends in the past.")
    return replace(config, start=start, end=end)


def oof_active(config: OofConfig, at: datetime) -> bool:
    """Whether automatic replies go out at `at`."""
    if config.state == "enabled":
        return True
    if config.state == "scheduled" and config.start is not None and config.end is not None:
        return config.start <= at < config.end
    return False


def _place(value: When, tz: ZoneInfo, all_day: bool, *, is_end: bool) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=tz)
    placed = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if not all_day:
        return placed
    local = placed.astimezone(tz)
    day = local.date() + timedelta(days=1 if is_end and local.time() != time(0) else 0)
    return datetime.combine(day, time(0), tzinfo=tz)


def _exdate(value: When, first: datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # a date skips the occurrence at the series' usual time that day
        return datetime.combine(value, first.astimezone(tz).time(), tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def parse_when(text: object, timezone: str) -> When:
    """A scenario or admin-API time: a date ("2026-11-27"), or a datetime whose missing offset means
    `timezone`."""
    if isinstance(text, datetime):
        return text if text.tzinfo is not None else text.replace(tzinfo=ZoneInfo(timezone))
    if isinstance(text, date):
        return text
    value = str(text).strip()
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(timezone))


def parse_moment(text: object, timezone: str) -> datetime:
    """Like parse_when, but a date means its midnight in `timezone`."""
    return at_midnight(parse_when(text, timezone), timezone)


def at_midnight(value: When, timezone: str) -> datetime:
    """A point in time: a date means its midnight in `timezone`."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(0), tzinfo=ZoneInfo(timezone))
