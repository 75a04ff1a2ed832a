"""Closed days of an office: all-day events in an .ics file and/or a country's public holidays, with their names."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays as holidays_lib
import icalendar
import recurring_ical_events

# "Office closed (day after Thanksgiving)", "Closed: staff day", "Closed for Christmas", "Christmas Eve - office
# closed": the words saying the office is closed, around the closure's own name.
_CLOSED_BEFORE = re.compile(r"^(?:the\s+)?(?:[\w'’]+\s+)?closed\b\s*(?:for\b|[:(–—-])?\s*", re.IGNORECASE)
_CLOSED_AFTER = re.compile(r"\s*[(:,–—-]?\s*(?:the\s+)?(?:[\w'’]+\s+)?closed\)?$", re.IGNORECASE)


class IcsHolidays:
    """All-day events of an iCalendar file, recurring ones expanded lazily one year at a time."""

    def __init__(self, calendar: icalendar.Calendar) -> None:
        self._calendar = calendar
        self._years: dict[int, dict[date, str]] = {}

    @classmethod
    def from_file(cls, path: Path) -> IcsHolidays:
        """Parse an .ics file; ValueError carries a sentence naming the file."""
        try:
            return cls(icalendar.Calendar.from_ical(path.read_bytes()))
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise ValueError(f"{path} is not a valid iCalendar file: {exc}") from None

    def _year(self, year: int) -> dict[date, str]:
        if year not in self._years:
            self._years[year] = self._expand(year)
        return self._years[year]

    def _expand(self, year: int) -> dict[date, str]:
        days: dict[date, str] = {}
        for event in recurring_ical_events.of(self._calendar).between(date(year, 1, 1), date(year + 1, 1, 1)):
            start, end = event.start, event.end
            # Timed events (a half-day closure) do not close the whole day; only all-day events do.
            if isinstance(start, datetime) or not isinstance(start, date):
                continue
            end = end if isinstance(end, date) and not isinstance(end, datetime) and end > start else start
            day = start
            while day < max(end, start + timedelta(days=1)):
                if day.year == year:
                    days[day] = days.get(day) or closure_name(str(event.get("SUMMARY", "")))
                day += timedelta(days=1)
        return days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self._year(day.year)

    def name(self, day: date) -> str:
        """The closure's name from its event's summary ('day after Thanksgiving'); '' if none or not closed."""
        return self._year(day.year).get(day, "")


class OfficeHolidays:
    """Union of the sources configured for one office; behaves as a Container[date] for the calendar."""

    def __init__(self, *sources: Any) -> None:
        self._sources = [s for s in sources if s is not None]

    def __contains__(self, day: object) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        return any(day in source for source in self._sources)

    def name(self, day: date) -> str:
        """What closes the office on `day`: the organisation's own name for it first, else the public holiday's
        ('Thanksgiving Day'); '' when the day is open or its closure has no name."""
        for source in self._sources:
            if day in source:
                found = source.name(day) if isinstance(source, IcsHolidays) else " and ".join(source.get_list(day))
                if found:
                    return str(found)
        return ""


def closure_name(summary: str) -> str:
    """A closing day's name from its calendar entry, without the words saying the office is closed: 'Office closed
    (day after Thanksgiving)' gives 'day after Thanksgiving', 'Office closed' alone gives ''."""
    text = " ".join(summary.split())
    before = _CLOSED_BEFORE.match(text)
    if before is None:
        return _CLOSED_AFTER.sub("", text, count=1).strip(" -–—:,")
    rest = text[before.end() :]
    return (rest.removesuffix(")") if before.group(0).rstrip().endswith("(") else rest).strip(" -–—:,")


def country_holidays(country: str, subdivision: str | None) -> Any:
    """The `holidays` package's calendar for a country (and subdivision); ValueError names what is valid."""
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        # The package names the unknown part: "Country ZZ not available", "... does not have subdivision XX".
        raise ValueError(f"{str(exc).rstrip('.')}; use ISO codes such as US/NY or DE/BY") from None
    # The names go into English messages: the country's own language only where the package has no English ones.
    if (found.default_language or "").startswith("en"):
        return found
    english = next((lang for lang in ("en_US", "en_GB") if lang in (found.supported_languages or ())), None)
    return found if english is None else holidays_lib.country_holidays(country, subdiv=subdivision, language=english)
