"""Times on Microsoft Graph's wire: dateTimeTimeZone objects, UTC timestamps, and time zones named either way.

Graph names zones the Windows way ("Eastern Standard Time") or the IANA way ("America/New_York"); the sandbox
takes both, using the CLDR map tzlocal ships.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from mailbot.sandbox.graph_wire import GraphError

_WINDOWS_TO_IANA: dict[str, str] = {str(k).lower(): str(v) for k, v in win_tz.items()}
# How Graph writes "never": a status message without expiry, for instance.
NEVER = {"dateTime": "9999-12-31T23:59:59.9999999", "timeZone": "UTC"}


def zone(name: str) -> ZoneInfo:
    """The zone a Graph client names, by Windows or IANA name; anything else is refused as Graph refuses it."""
    text = name.strip()
    try:
        return ZoneInfo(_WINDOWS_TO_IANA.get(text.lower(), text))
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphError(400, "TimeZoneNotSupportedException", "A valid TimeZone value must be specified. The "
                         f"following TimeZone value is not supported: '{name}'.") from None  # fmt: skip


def windows_name(iana: str) -> str:
    """The Windows name of an IANA zone (Graph's default way of naming one), "UTC" when CLDR has none."""
    return str(tz_win.get(iana, "UTC"))


def wall(moment: datetime) -> str:
    """A wall-clock time as Graph writes dateTime: seven fractional digits, no offset."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0"


def date_time_zone(moment: datetime, label: str) -> dict[str, str]:
    """A dateTimeTimeZone for `moment` in the zone `label` names, labelled as the client named it."""
    return {"dateTime": wall(moment.astimezone(zone(label))), "timeZone": label}


def floating(moment: datetime, label: str) -> dict[str, str]:
    """An all-day event's boundary: its own wall-clock midnight whatever zone was asked for, as Graph shows it."""
    return {"dateTime": wall(moment.replace(tzinfo=None)), "timeZone": label}


def timestamp(moment: datetime) -> str:
    """A DateTimeOffset property (receivedDateTime, createdDateTime, ...): always UTC, like 2026-11-21T15:15:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date_time_zone(value: Any, what: str) -> datetime:
    """An aware datetime from a dateTimeTimeZone object a client sent; its timeZone defaults to UTC."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise GraphError(400, "RequestBodyRead", f"{what} must be a dateTimeTimeZone object with a dateTime.")
    moment = _parse(value["dateTime"], what)
    label = value.get("timeZone") or "UTC"
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone(str(label)))


def parse_instant(text: str, what: str) -> datetime:
    """A query-string time such as startDateTime: an offset or Z is honoured, without one it is UTC."""
    # A "+05:00" offset sent without URL-encoding arrives as " 05:00"; read it as the client meant it.
    moment = _parse(text.strip().replace(" ", "+"), what)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "ErrorInvalidParameter", f"The value '{text}' of {what} is not a valid date and "
                         "time.") from None  # fmt: skip
