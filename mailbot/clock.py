"""Time as a dependency: the service entry point picks a Clock, everything below receives it or `now`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Protocol

from mailbot.errors import ClockError


class Clock(Protocol):
    """Something that tells the current time, always timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock; constructed only at the service entry point (cli.py)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still (for --now and tests); `advance` moves it on explicitly."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = require_aware(at)

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self._at = self._at + timedelta(**delta)
        return self._at


class OffsetClock:
    """Starts at `start` and moves on with the wall clock (`mailbot run --now`): a fixed start, real pace."""

    def __init__(self, start: datetime, wall: Clock) -> None:
        self._start, self._wall = require_aware(start), wall
        self._origin = wall.now()

    def now(self) -> datetime:
        return self._start + (self._wall.now() - self._origin)


def require_aware(at: datetime) -> datetime:
    """Naive datetimes are ambiguous across offices and DST, so they are refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ClockError(f"The time {at.isoformat()} has no timezone; add one, e.g. {at.isoformat()}+00:00.")
    return at


def parse_now(text: str) -> datetime:
    """Parse a --now value (ISO-8601 with an offset or Z) into an aware datetime."""
    return parse_time(text, "--now")


def parse_time(text: str, option: str, zone: tzinfo | None = None, zone_name: str = "") -> datetime:
    """Parse an ISO-8601 time given to `option`; without an offset it is read in `zone` when one is given.

    A time of day that the zone skips (a DST gap) or repeats (a DST fold) has no single meaning and is refused.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ClockError(f"{option} {text!r} is not an ISO-8601 time; use e.g. 2026-11-20T16:00:00+01:00.") from None
    if value.tzinfo is not None:
        return value
    if zone is None:
        raise ClockError(f"{option} {text!r} has no timezone offset; add one, e.g. {text}+00:00 or {text}Z.")
    early, late = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    name = zone_name or str(zone)
    if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
        raise ClockError(f"{option} {text!r} does not exist in {name}: the clocks skip that hour; add an offset.")
    raise ClockError(
        f"{option} {text!r} happens twice in {name} (the clocks go back); add an offset: "
        f"{text}{_offset(early)} for the first, {text}{_offset(late)} for the second."
    )


def _offset(at: datetime) -> str:
    minutes = int(at.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
