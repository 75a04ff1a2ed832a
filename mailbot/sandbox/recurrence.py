"""Expanding calendar entries into the occurrences a calendar view shows.

Series are expanded in the event's own timezone on wall-clock times, then placed on the timeline: a weekly
09:00 meeting stays at 09:00 local across a DST change, as in Exchange.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr  # type: ignore[import-untyped]

from mailbot.sandbox.records import CalendarEntry, ItemNotFound, Occurrence

_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_OCCURRENCE_PREFIX = b"occ:"


def parse_rule(text: str, dtstart_local: datetime, timezone: str) -> rrule:
    """An RFC 5545 RRULE (with or without the `RRULE:` prefix) anchored at a naive local start."""
    body = text.strip().removeprefix("RRULE:")
    # dateutil refuses a UTC UNTIL with a naive DTSTART; move the UNTIL into the event's wall-clock time.
    match = _UNTIL_UTC.search(body)
    if match:
        until = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        local = until.astimezone(ZoneInfo(timezone)).strftime("%Y%m%dT%H%M%S")
        body = body[: match.start()] + f"UNTIL={local}" + body[match.end() :]
    rule = rrulestr(body, dtstart=dtstart_local)
    if not isinstance(rule, rrule):
        raise ValueError(f"{text!r} is not a single RRULE")
    return rule


def expand(entry: CalendarEntry, start: datetime, end: datetime) -> list[Occurrence]:
    """The entry's occurrences overlapping [start, end), ordered by start."""
    if entry.rrule is None:
        if _overlaps(entry.start, entry.end, start, end):
            return [Occurrence(entry, entry.item_id, entry.start, entry.end, "single")]
        return []
    tz = ZoneInfo(entry.timezone)
    first = _wall(entry.start, tz)
    length = _wall(entry.end, tz) - first
    rule = parse_rule(entry.rrule, first, entry.timezone)
    skipped = {_wall(x, tz) for x in entry.exdates}
    # Widen the search by a day each side: wall-clock bounds shift by the UTC offset, and a series member
    # that started before `start` may still be running.
    low = _wall(start, tz) - length - timedelta(days=1)
    high = _wall(end, tz) + timedelta(days=1)
    found = []
    for local in rule.between(low, high, inc=True):
        if local in skipped:
            continue
        occ_start, occ_end = local.replace(tzinfo=tz), (local + length).replace(tzinfo=tz)
        if _overlaps(occ_start, occ_end, start, end):
            found.append(Occurrence(entry, occurrence_id(entry.item_id, local), occ_start, occ_end, "occurrence"))
    return found


def occurrence_id(entry_id: str, local_start: datetime) -> str:
    raw = _OCCURRENCE_PREFIX + f"{entry_id}|{local_start.isoformat()}".encode()
    return base64.b64encode(raw).decode()


def split_occurrence_id(item_id: str) -> tuple[str, datetime] | None:
    """(series id, naive local start) for an occurrence id; None when the id names no occurrence."""
    try:
        raw = base64.b64decode(item_id.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_OCCURRENCE_PREFIX):
        return None
    try:
        entry_id, _, when = raw[len(_OCCURRENCE_PREFIX) :].decode().partition("|")
        return entry_id, datetime.fromisoformat(when)
    except (UnicodeDecodeError, ValueError):
        raise ItemNotFound(item_id) from None


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _overlaps(occ_start: datetime, occ_end: datetime, start: datetime, end: datetime) -> bool:
    if occ_end <= occ_start:  # a zero-length event sits at its start instant
        return start <= occ_start < end
    return occ_start < end and occ_end > start
