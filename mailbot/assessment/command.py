"""`mailbot report`: read the store for a period and write messages.csv, figures.csv, report.html and report.pdf."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.assessment import charts
from mailbot.assessment.annual import assessment
from mailbot.assessment.document import Document, Section, Table
from mailbot.assessment.figures import Counts, Owner, business_hours, figures
from mailbot.assessment.files import FIGURE_COLUMNS, figure_rows, local, write_csv
from mailbot.assessment.page import html_page
from mailbot.assessment.pdf import pdf_bytes
from mailbot.assessment.period import Period, local_midnight, parse_period, week_starts
from mailbot.assessment.query import MessageRow, messages, owner_counts
from mailbot.assessment.satisfaction import satisfaction, satisfaction_section
from mailbot.config import Settings
from mailbot.errors import MailbotError, UnknownNameError
from mailbot.policy.business_time import BusinessCalendar
from mailbot.store import SqlStore

MESSAGE_COLUMNS = (
    "mailbox", "owner", "kind", "received", "due", "first answer", "resolution", "business hours to answer",
    "within standard", "state", "answered by",
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
    calendars = _calendars(settings)
    keys = [owner.key for owner in owners]
    engine = store.engine
    rows = messages(engine, period.start, period.end, keys)
    hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    answer_hours: dict[int, float] = {}
    for index, row in enumerate(rows):
        if row.answered_at is not None and row.answered_at <= now:
            answer_hours[index] = business_hours(row.received_at, row.answered_at, calendars[row.owner])
            hours[(row.owner, row.kind)].append(answer_hours[index])
    counts = owner_counts(engine, period.start, period.end, now, keys)
    whole = settings.policy.organisation.name if team is None and person is None else None
    table = figures(owners, counts, hours, whole, teams=person is None)
    names = {owner.key: owner.name for owner in owners}
    # Who answered, by address: any colleague (also outside a --team or --person report) or a shared mailbox.
    names |= {p.email: p.name for p in settings.people()}
    names |= {str(box.email).lower(): box.name for box in settings.roster.shared_mailboxes}
    message_rows = [_message_row(row, names, answer_hours.get(i), now, tz) for i, row in enumerate(rows)]
    weekly = _weekly(store, period, now, keys)
    per_owner = [sum((counts.get((o.key, k), Counts()) for k in ("email", "voicemail")), Counts()) for o in owners]
    annual = period_text == "year"
    title = _title(settings, period, team, person, annual)
    drawn = [
        charts.weekly_on_time([w for w, _ in weekly], [r for _, r in weekly], f"On-time rate per week, {period.label}"),
        charts.person_on_time([o.name for o in owners], [c.on_time_percent for c in per_owner],
                              f"On-time rate per person, {period.label}"),
    ]  # fmt: skip
    scores = satisfaction(engine, period.start, period.end, keys, now)
    surveys = satisfaction_section(scores, names, tz)
    extra = assessment(settings, engine, period, now, owners, counts, hours, calendars, scores) if annual else []
    document = Document(title, _intro(settings, period, now), [*extra,
        Section("Figures", tables=[Table(FIGURE_COLUMNS, figure_rows(table), keys=3)]),
        surveys,
        Section("Charts", charts=drawn),
    ])  # fmt: skip
    return _write(out, {
        "messages.csv": lambda path: write_csv(path, _with_zone(MESSAGE_COLUMNS, str(tz)), message_rows),
        "figures.csv": lambda path: write_csv(path, FIGURE_COLUMNS, figure_rows(table)),
        "report.html": lambda path: path.write_text(html_page(document), encoding="utf-8"),
        "report.pdf": lambda path: path.write_bytes(pdf_bytes(document, now)),
    })  # fmt: skip


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
    answer = row.answered_at if row.answered_at is not None and row.answered_at <= now else None
    within = "yes" if answer is not None and answer <= row.due_at else "no" if row.due_at <= now or answer else ""
    state = "answered" if answer is not None else "overdue" if row.due_at <= now else "open"
    return [
        row.mailbox, names.get(row.owner, row.owner), row.kind, local(row.received_at, tz), local(row.due_at, tz),
        local(answer, tz), row.resolution if answer is not None else "", hours, within, state,
        names.get(row.answered_by, row.answered_by) if answer is not None else "",
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


def _intro(settings: Settings, period: Period, now: datetime) -> list[str]:
    tz = settings.first_office.tz
    days = settings.policy.email.business_days
    return [
        f"Member messages received from {period.first:%A %d %B %Y} to {period.last:%A %d %B %Y} "
        f"({tz.key} time), as they stood at {now.astimezone(tz):%Y-%m-%d %H:%M}.",
        f"The standard: e-mail answered within {days} business day{'s' if days != 1 else ''}, voicemail by the end of"
        " the workday it arrives. Answered within standard % is out of the messages answered or already past due; "
        "business hours count only the owner's office hours.",
    ]


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
