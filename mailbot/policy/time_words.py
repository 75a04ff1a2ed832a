"""Times for people to read, in the house style: in an office's timezone, with the zone named where the reader
may be elsewhere. Mail wording (dates and times written out) is date_text and time_text in templates.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def zone_text(at: datetime) -> str:
    """The zone of the aware `at` as a reader knows it: 'CET', 'AEDT', 'EST'; 'UTC+03:00' where the zone has no
    abbreviation of its own (the tz database then gives '+03')."""
    name = at.tzname() or ""
    if name.isalpha():
        return name
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def when(at: datetime) -> str:
    """'Tue 8 Dec 2026 16:00 EST': a moment for a terminal, unambiguous for a reader anywhere, in the zone `at`
    carries (turn it into the office's first)."""
    return f"{_DAYS[at.weekday()]} {at.day} {at:%b %Y %H:%M} {zone_text(at)}"


def same_clock(at: datetime, zone: ZoneInfo, reader: ZoneInfo) -> bool:
    """Whether a reader in `reader` sees the same wall-clock time as `zone` shows at that moment (then naming the
    zone adds nothing)."""
    return at.astimezone(zone).utcoffset() == at.astimezone(reader).utcoffset()
