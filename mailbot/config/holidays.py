"""Closed days of an office: all-day events in an .ics file and/or a country's public holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays as holidays_lib
import icalendar
import recurring_ical_events


class IcsHolidays:
    """All-day events of an iCalendar file, recurring ones expanded lazily one year at a time."""

    def __init__(self, calendar: icalendar.Calendar) -> None:
        self._calendar = calendar
        self._years: dict[int, frozenset[date]] = {}

    @classmethod
    def from_file(cls, path: Path) -> IcsHolidays:
        """Parse an .ics file; ValueError carries a sentence naming the file."""
        try:
            return cls(icalendar.Calendar.from_ical(path.read_bytes()))
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise ValueError(f"{path} is not a valid iCalendar file: {exc}") from None

    def _year(self, year: int) -> frozenset[date]:
        if year not in self._years:
            self._years[year] = frozenset(self._expand(year))
        return self._years[year]

    def _expand(self, year: int) -> set[date]:
        days: set[date] = set()
        for event in recurring_ical_events.of(self._calendar).between(date(year, 1, 1), date(year + 1, 1, 1)):
            start, end = event.start, event.end
            # Timed events (a half-day closure) do not close the whole day; only all-day events do.
            if isinstance(start, datetime) or not isinstance(start, date):
                continue
            end = end if isinstance(end, date) and not isinstance(end, datetime) and end > start else start
            day = start
            while day < max(end, start + timedelta(days=1)):
                if day.year == year:
                    days.add(day)
                day += timedelta(days=1)
        return days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self._year(day.year)


class OfficeHolidays:
    """Union of the sources configured for one office; behaves as a Container[date] for the calendar."""

    def __init__(self, *sources: Any) -> None:
        self._sources = [s for s in sources if s is not None]

    def __contains__(self, day: object) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        return any(day in source for source in self._sources)


def country_holidays(country: str, subdivision: str | None) -> Any:
    """The `holidays` package's calendar for a country (and subdivision); ValueError names what is valid."""
    try:
        return holidays_lib.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        # The package names the unknown part: "Country ZZ not available", "... does not have subdivision XX".
        raise ValueError(f"{str(exc).rstrip('.')}; use ISO codes such as US/NY or DE/BY") from None
