"""`mailbot report`: read the store for a period and write messages.csv, figures.csv, report.html and report.pdf."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from mailbot.assessment import charts
from mailbot.assessment.annual import assessment
from mailbot.assessment.document import Chart, Document, Section
from mailbot.assessment.figures import (
    OVERDUE_AT_END_OF_DAY,
    Counts,
    Figure,
    Hours,
    Owner,
    business_hours,
    figures,
    overdue_at_end_of_day,
    with_previous,
)
from mailbot.assessment.files import FIGURE_COLUMNS, figure_rows, figure_tables, local, write_csv
from mailbot.assessment.page import html_page
from mailbot.assessment.pdf import pdf_bytes
from mailbot.assessment.period import Period, local_midnight, parse_period, previous_period, week_starts
from mailbot.assessment.query import (
    MessageRow,
    absences,
    messages,
    open_touchpoints,
    owner_counts,
    touchpoint_updates,
)
from mailbot.assessment.satisfaction import satisfaction, satisfaction_section
from mailbot.config import Settings
from mailbot.errors import MailbotError, UnknownNameError
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.touchpoint import TouchpointRules, update_due
from mailbot.store import SqlStore

MESSAGE_COLUMNS = (
    "mailbox", "owner", "kind", "received", "due", "first answer", "resolution", "business hours to answer",
    "within standard", "state", "answered by", "complaint",
)  # fmt: skip


class ReportError(MailbotError):
    """The report cannot be made as asked: a bad period, or a folder it cannot write."""


def write_report(
    settings: Settings, store: SqlStore, now: datetime, period_text: str, team: str | None, person: str | None,
    out: Path,
) -> list[Path]:  # fmt: skip
    """Write the report of `period_text` (as it stands at `now`) into `out`; the files written."""
    tz = settings.first_office.tz
    try:
        period = parse_period(period_text, now, tz)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    owners = _owners(settings, team, person)
    whole = settings.policy.organisation.name if team is None and person is None else None
    rules = TouchpointRules.from_settings(settings)
    measure = _Measure(store.engine, now, owners, _calendars(settings), rules, whole, teams=person is None)
    current, before = measure(period), measure(previous_period(period_text, period, tz))
    table = with_previous(current.table, before.table)
    # Who answered, by address: any colleague (also outside a --team or --person report) or a shared mailbox.
    names = _names(settings)
    listed = zip(current.rows, current.hours, strict=True)
    message_rows = [_message_row(row, names, hours, now, tz) for row, hours in listed]
    annual = period_text == "year"
    title = _title(settings, period, team, person, annual)
    drawn = _charts(settings, store, period, now, owners, current)
    intro = _intro(settings, period, previous_period(period_text, period, tz), now)
    keys = [owner.key for owner in owners]
    scores = satisfaction(store.engine, period.start, period.end, keys, now)
    surveys = satisfaction_section(scores, names, tz)
    extra = (
        assessment(settings, store.engine, period, now, owners, current.counts, current.answers, measure.calendars,
                   scores)
        if annual else []
    )  # fmt: skip
    document = Document(title, intro, [*extra,
        Section("Figures", tables=figure_tables(table)),
        surveys,
        Section("Charts", charts=drawn),
    ])  # fmt: skip
    return _write(out, {
        "messages.csv": lambda path: write_csv(path, _with_zone(MESSAGE_COLUMNS, str(tz)), message_rows),
        "figures.csv": lambda path: write_csv(path, FIGURE_COLUMNS, figure_rows(table)),
        "report.html": lambda path: path.write_text(html_page(document), encoding="utf-8"),
        "report.pdf": lambda path: path.write_bytes(pdf_bytes(document, now)),
    })  # fmt: skip


@dataclass(frozen=True)
class _Measured:
    """One period's figures, its message rows and each row's business hours to the first answer (None: none)."""

    table: list[Figure]
    rows: list[MessageRow]
    hours: list[float | None]
    counts: dict[tuple[str, str], Counts]  # per (owner, kind), for the annual assessment
    answers: dict[tuple[str, str], list[float]]  # business hours to each first answer, per (owner, kind)


@dataclass(frozen=True)
class _Measure:
    """Measures a period as it stands at `now`: counts grouped in SQL, answer times and overdue at end of day
    from the period's message rows (one pass, the office close of each due day looked up once)."""

    engine: Engine
    now: datetime
    owners: list[Owner]
    calendars: dict[str, BusinessCalendar]
    rules: TouchpointRules
    organisation: str | None
    teams: bool

    def __call__(self, period: Period) -> _Measured:
        keys = [owner.key for owner in self.owners]
        rows = messages(self.engine, period.start, period.end, keys, self.now)
        counts = _add(
            owner_counts(self.engine, period.start, period.end, self.now, keys),
            touchpoint_updates(self.engine, period.start, period.end, self.now, keys),
            absences(self.engine, period.start, period.end, self.now, keys),
            self._overdue_updates(period, keys),
        )
        answers: dict[tuple[str, str], list[float]] = defaultdict(list)
        complaints: dict[tuple[str, str], list[float]] = defaultdict(list)
        late: Counter[tuple[str, str]] = Counter()
        hours: list[float | None] = []
        for row in rows:
            answered = row.answered_at if row.answered_at is not None and row.answered_at <= self.now else None
            calendar = self.calendars[row.owner]
            hours.append(None if answered is None else business_hours(row.received_at, answered, calendar))
            if answered is not None:
                answers[(row.owner, row.kind)].append(hours[-1] or 0.0)
                if row.complaint:
                    complaints[(row.owner, row.kind)].append(hours[-1] or 0.0)
            # Each day's opening instants are cached by the calendar, so the close of the due day is a lookup.
            late[(row.owner, row.kind)] += overdue_at_end_of_day(calendar.close_of_day(row.due_at), answered, self.now)
        counts = _add(counts, {key: Counts(overdue_end_of_day=number) for key, number in late.items()})
        table = figures(self.owners, counts, Hours(answers, complaints), self.organisation, teams=self.teams)
        return _Measured(table, rows, hours, counts, answers)

    def _overdue_updates(self, period: Period, keys: list[str]) -> dict[tuple[str, str], Counts]:
        """Updates due in the period on requests still followed at `now` that have not been given: late."""
        late: Counter[tuple[str, str]] = Counter()
        for owner, kind, last_touch in open_touchpoints(self.engine, keys):
            due = update_due(last_touch, self.calendars[owner], self.rules)
            late[(owner, kind)] += period.start <= due < period.end and due <= self.now
        return {key: Counts(updates_due=number) for key, number in late.items() if number}


def _add(*parts: dict[tuple[str, str], Counts]) -> dict[tuple[str, str], Counts]:
    total: dict[tuple[str, str], Counts] = {}
    for part in parts:
        for key, counts in part.items():
            total[key] = total[key] + counts if key in total else counts
    return total


def _names(settings: Settings) -> dict[str, str]:
    """Names by person id, person address and shared mailbox address (lower case), for the message rows."""
    names = {p.id: p.name for p in settings.people()} | {p.email: p.name for p in settings.people()}
    return names | {str(box.email).lower(): box.name for box in settings.roster.shared_mailboxes}


def _charts(
    settings: Settings, store: SqlStore, period: Period, now: datetime, owners: list[Owner], measured: _Measured
) -> list[Chart]:
    """The report's charts: on-time per week, per person, the response-time distribution, volume by hour."""
    tz = settings.first_office.tz
    keys = [owner.key for owner in owners]
    weekly = _weekly(store, period, now, keys)
    per_owner = {f.name: f.counts.on_time_percent for f in measured.table
                 if f.scope in ("person", "shared mailbox") and f.kind == "all"}  # fmt: skip
    by_kind: dict[str, list[float]] = {"email": [], "voicemail": []}
    volume: Counter[tuple[int, int]] = Counter()
    for row, hours in zip(measured.rows, measured.hours, strict=True):
        if hours is not None:
            by_kind[row.kind].append(hours)
        local_time = row.received_at.astimezone(tz)
        volume[(local_time.weekday(), local_time.hour)] += 1
    label = period.label
    return [
        charts.weekly_on_time([w for w, _ in weekly], [r for _, r in weekly], f"On-time rate per week, {label}"),
        charts.person_on_time([o.name for o in owners], [per_owner.get(o.name) for o in owners],
                              f"On-time rate per person, {label}"),
        charts.response_times(by_kind["email"], by_kind["voicemail"], _limits(settings),
                              f"Business hours to first answer, {label}"),
        charts.volume_by_weekday_hour(volume, _open_hours(settings.first_office),
                                      tz.key, f"Messages received by weekday and hour, {label}"),
    ]  # fmt: skip


def _owners(settings: Settings, team: str | None, person: str | None) -> list[Owner]:
    people = settings.people()
    team_of = {p.id: p.team for p in people}
    owners = [Owner(p.id, p.name, "person", p.team) for p in people]
    owners += [
        Owner(str(box.email).lower(), box.name, "shared mailbox", team_of.get(box.owners[0], ""))
        for box in settings.roster.shared_mailboxes
    ]
    if person is not None:
        if person not in team_of:
            raise UnknownNameError("person", person, list(team_of))
        owners = [owner for owner in owners if owner.key == person]
    if team is not None:
        if team not in set(team_of.values()):
            raise UnknownNameError("team", team, list(set(team_of.values())))
        owners = [owner for owner in owners if owner.team == team]
    return owners


def _calendars(settings: Settings) -> dict[str, BusinessCalendar]:
    found = {p.id: settings.calendar_for(p) for p in settings.people()}
    found.update({str(b.email).lower(): settings.calendars[b.office] for b in settings.roster.shared_mailboxes})
    return found


def _message_row(
    row: MessageRow, names: dict[str, str], hours: float | None, now: datetime, tz: ZoneInfo
) -> list[object]:
    """messages.csv's row of one message, as it stood at `now`."""
    answer = row.answered_at if row.answered_at is not None and row.answered_at <= now else None
    within = "yes" if answer is not None and answer <= row.due_at else "no" if row.due_at <= now or answer else ""
    state = "answered" if answer is not None else "overdue" if row.due_at <= now else "open"
    return [
        row.mailbox, names.get(row.owner, row.owner), row.kind, local(row.received_at, tz), local(row.due_at, tz),
        local(answer, tz), row.resolution if answer is not None else "", hours, within, state,
        names.get(row.answered_by, row.answered_by) if answer is not None else "",
        "yes" if row.complaint else "",
    ]  # fmt: skip


def _weekly(store: SqlStore, period: Period, now: datetime, keys: list[str]) -> list[tuple[str, float | None]]:
    """The on-time rate of each week the period touches (e-mail and voicemail together), counted in SQL."""
    tz = period.start.tzinfo
    assert isinstance(tz, ZoneInfo)
    rates = []
    for monday in week_starts(period):
        start = max(local_midnight(monday, tz), period.start)
        end = min(local_midnight(monday + timedelta(days=7), tz), period.end)
        counts = owner_counts(store.engine, start, end, now, keys)
        rates.append((monday.isoformat(), sum(counts.values(), Counts()).on_time_percent))
    return rates


def _title(settings: Settings, period: Period, team: str | None, person: str | None, annual: bool) -> str:
    who = settings.person(person).name if person else team or settings.policy.organisation.name
    return f"{'Annual assessment' if annual else 'Service level report'}: {who}, {period.label}"


def _intro(settings: Settings, period: Period, previous: Period, now: datetime) -> list[str]:
    tz = settings.first_office.tz
    days = settings.policy.email.business_days
    return [
        f"Member messages received from {period.first:%A %d %B %Y} to {period.last:%A %d %B %Y} "
        f"({tz.key} time), as they stood at {now.astimezone(tz):%Y-%m-%d %H:%M}.",
        f"The standard: e-mail answered within {days} business day{'s' if days != 1 else ''}, voicemail by the end of"
        " the workday it arrives. Answered within standard % is out of the messages answered or already past due; "
        "business hours count only the owner's office hours.",
        OVERDUE_AT_END_OF_DAY,
        f"Under each figure: the previous period ({previous.first:%d %B %Y} to {previous.last:%d %B %Y}) as it "
        "stands at the same moment (its late answers since counted), and the change (in points for a %). Kind "
        "'all' is e-mail and voicemail together.",
    ]


def _limits(settings: Settings) -> list[tuple[float, str]]:
    """The standard in business hours, for the response-time chart: e-mail's N business days of a full day of
    the first office, and voicemail's at most one day."""
    day = _day_hours(settings.first_office)
    days = settings.policy.email.business_days
    plural = "s" if days != 1 else ""
    return [
        (days * day, f"E-mail standard: {days} business day{plural} ({days * day:g} business hours)"),
        (day, f"Voicemail standard: by the close of its workday (at most {day:g} business hours)"),
    ]


def _day_hours(calendar: BusinessCalendar) -> float:
    """The longest opening of a weekday, in hours: a full business day."""
    return max(sum(_hours(start, end) for start, end in spans) for spans in calendar.hours.values() if spans)


def _hours(start: time, end: time) -> float:
    minutes = 24 * 60 if end == time.max else end.hour * 60 + end.minute
    return round((minutes - start.hour * 60 - start.minute) / 60, 2)


def _open_hours(calendar: BusinessCalendar) -> set[tuple[int, int]]:
    """(weekday, hour) cells the office is open in for at least part of the hour."""
    return {
        (weekday, hour)
        for weekday, spans in calendar.hours.items()
        for start, end in spans
        for hour in range(start.hour, 24 if end == time.max else end.hour + (end.minute > 0))
    }


def _with_zone(columns: tuple[str, ...], zone: str) -> list[str]:
    timed = ("received", "due", "first answer")
    return [f"{name} ({zone})" if name in timed else name for name in columns]


def _write(out: Path, files: dict[str, Callable[[Path], object]]) -> list[Path]:
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, write in files.items():
            write(out / name)
            written.append(out / name)
    except OSError as exc:
        raise ReportError(f"Cannot write the report into {out}: {exc.strerror or exc}.") from None
    return written
