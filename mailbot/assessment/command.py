"""`mailbot report`: read the store for a period and write messages.csv, figures.csv, report.html and report.pdf."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial
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
from mailbot.assessment.workers import Workers
from mailbot.config import Settings
from mailbot.errors import MailbotError, UnknownNameError
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.touchpoint import TouchpointRules, update_due
from mailbot.store import SqlStore
from mailbot.store.engine import open_engine, sqlite_file

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
    measure = _Measure(now, owners, _calendars(settings), rules, whole, teams=person is None)
    # Who answered, by address: any colleague (also outside a --team or --person report) or a shared mailbox.
    names = _names(settings)
    with Workers(__name__) as workers:
        # The previous period is measured by another process (with its own connections), and the charts drawn,
        # while this one measures the period, writes messages.csv and reads the rest.
        before = previous_period(period_text, period, tz)
        url = store.engine.url
        if url.get_backend_name() == "sqlite" and sqlite_file(url) is None:  # a database only this process sees
            previous: Callable[[], list[Figure]] = partial(list, measure(store.engine, before).table)
        else:
            previous = workers.start(_previous_figures, url.render_as_string(hide_password=False), measure, before)
        current = measure(store.engine, period)
        pending = _charts(workers, settings, period, now, owners, current)
        written = _write(out, {
            "messages.csv": lambda path: write_csv(path, _with_zone(MESSAGE_COLUMNS, str(tz)), (
                _message_row(row, names, hours, now, tz) for row, hours in zip(current.rows, current.hours,
                                                                                strict=True)
            )),
        })  # fmt: skip
        document, table = _document(settings, store, period_text, period, before, now, team, person, owners, names,
                                    current, previous, pending, measure.calendars)  # fmt: skip
    return written + _write(out, {
        "figures.csv": lambda path: write_csv(path, FIGURE_COLUMNS, figure_rows(table)),
        "report.html": lambda path: path.write_text(html_page(document), encoding="utf-8"),
        "report.pdf": lambda path: path.write_bytes(pdf_bytes(document, now)),
    })  # fmt: skip


def _document(
    settings: Settings, store: SqlStore, period_text: str, period: Period, before: Period, now: datetime,
    team: str | None, person: str | None, owners: list[Owner], names: dict[str, str], current: _Measured,
    previous: Callable[[], list[Figure]], pending: list[Callable[[], Chart]], calendars: dict[str, BusinessCalendar],
) -> tuple[Document, list[Figure]]:  # fmt: skip
    """The report's content and its figures with the previous period's (`before`), which (as the charts) are
    waited for only once the rest is read."""
    tz = settings.first_office.tz
    annual = period_text == "year"
    title = _title(settings, period, team, person, annual)
    intro = _intro(settings, period, before, now)
    keys = [owner.key for owner in owners]
    scores = satisfaction(store.engine, period.start, period.end, keys, now)
    surveys = satisfaction_section(scores, names, tz)
    extra = (
        assessment(settings, store.engine, period, now, owners, current.counts, current.answers, calendars, scores)
        if annual else []
    )  # fmt: skip
    table = with_previous(current.table, previous())
    document = Document(title, intro, [*extra,
        Section("Figures", tables=figure_tables(table)),
        surveys,
        Section("Charts", charts=[drawn() for drawn in pending]),
    ])  # fmt: skip
    return document, table


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

    now: datetime
    owners: list[Owner]
    calendars: dict[str, BusinessCalendar]
    rules: TouchpointRules
    organisation: str | None
    teams: bool

    def __call__(self, engine: Engine, period: Period) -> _Measured:
        keys = [owner.key for owner in self.owners]
        rows = messages(engine, period.start, period.end, keys, self.now)
        counts = _add(
            owner_counts(engine, period.start, period.end, self.now, keys),
            touchpoint_updates(engine, period.start, period.end, self.now, keys),
            absences(engine, period.start, period.end, self.now, keys),
            self._overdue_updates(engine, period, keys),
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

    def _overdue_updates(self, engine: Engine, period: Period, keys: list[str]) -> dict[tuple[str, str], Counts]:
        """Updates due in the period on requests still followed at `now` that have not been given: late."""
        late: Counter[tuple[str, str]] = Counter()
        for owner, kind, last_touch in open_touchpoints(engine, keys):
            due = update_due(last_touch, self.calendars[owner], self.rules)
            late[(owner, kind)] += period.start <= due < period.end and due <= self.now
        return {key: Counts(updates_due=number) for key, number in late.items() if number}


def _previous_figures(url: str, measure: _Measure, period: Period) -> list[Figure]:
    """The previous period's figures, measured by a worker process on connections of its own."""
    engine = open_engine(url, migrate=False)  # as the command's own: SQLite's busy wait, PostgreSQL's pre-ping
    try:
        return measure(engine, period).table
    finally:
        engine.dispose()


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
    workers: Workers, settings: Settings, period: Period, now: datetime, owners: list[Owner],
    measured: _Measured,
) -> list[Callable[[], Chart]]:  # fmt: skip
    """The report's charts, handed to `workers`: on-time per week, the response-time distribution, volume by hour,
    then on-time per person (a chart per few teams in a large organisation). The week of each message is found
    in the same pass over the period's rows as its hour; its decision as in the figures' SQL."""
    tz = settings.first_office.tz
    mondays = week_starts(period)
    bounds = [local_midnight(monday, tz) for monday in mondays[1:]]
    decided, within = [0] * len(mondays), [0] * len(mondays)
    per_owner = {f.name: f.counts.on_time_percent for f in measured.table
                 if f.scope in ("person", "shared mailbox") and f.kind == "all"}  # fmt: skip
    by_kind: dict[str, list[float]] = {"email": [], "voicemail": []}
    volume: Counter[tuple[int, int]] = Counter()
    for row, hours in zip(measured.rows, measured.hours, strict=True):
        if hours is not None:
            by_kind[row.kind].append(hours)
        local_time = row.received_at.astimezone(tz)
        volume[(local_time.weekday(), local_time.hour)] += 1
        answered = row.answered_at is not None and row.answered_at <= now
        if answered or row.due_at <= now:
            week = bisect_right(bounds, row.received_at)
            decided[week] += 1
            within[week] += answered and row.answered_at <= row.due_at  # type: ignore[operator]
    weekly = [Counts(decided=d, within=w).on_time_percent for d, w in zip(decided, within, strict=True)]
    label = period.label
    return [
        workers.start(charts.weekly_on_time, [monday.isoformat() for monday in mondays], weekly,
                     f"On-time rate per week, {label}"),
        workers.start(charts.response_times, by_kind["email"], by_kind["voicemail"], _limits(settings),
                     f"Business hours to first answer, {label}"),
        workers.start(charts.volume_by_weekday_hour, volume, _open_hours(settings.first_office), tz.key,
                     f"Messages received by weekday and hour, {label}"),
        *(workers.start(charts.person_on_time, [o.name for o in group], [per_owner.get(o.name) for o in group],
                       f"On-time rate per person, {label}{part}") for part, group in _by_team(owners)),
    ]  # fmt: skip


PEOPLE_PER_CHART = 20  # bars on one per-person chart: it then fits a landscape page of the PDF at full width


def _by_team(owners: list[Owner]) -> list[tuple[str, list[Owner]]]:
    """The owners in groups for the per-person charts: whole teams (alphabetical, roster order within) packed
    together up to PEOPLE_PER_CHART, a larger team split; each group with what its title adds ('' when one is
    enough)."""
    teams: dict[str, list[Owner]] = defaultdict(list)
    for owner in owners:
        teams[owner.team].append(owner)
    groups: list[list[Owner]] = []
    for team in sorted(teams):
        members = teams[team]
        if groups and len(groups[-1]) + len(members) <= PEOPLE_PER_CHART:
            groups[-1].extend(members)
        else:
            groups += [members[n : n + PEOPLE_PER_CHART] for n in range(0, len(members), PEOPLE_PER_CHART)]
    if len(groups) <= 1:
        return [("", groups[0] if groups else [])]
    parts = []
    for number, group in enumerate(groups, 1):
        first, last = group[0].team or "no team", group[-1].team or "no team"
        named = first if first == last else f"{first} to {last}"
        parts.append((f" ({named}; chart {number} of {len(groups)})", group))
    return parts


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
