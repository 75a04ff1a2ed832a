"""The annual assessment (`mailbot report --period year`): the sections the standards ask for, ahead of the
report's figures and charts, in report.html and report.pdf alike.

Services and members served; how satisfaction is measured and its results; comparison with the standard and
with policy.yaml's `assessment.benchmarks`; complaints and how they were resolved; next year's targets.
read_year gathers the data (the report's counts plus annual_query's); the rest only formats it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from mailbot.assessment.annual_query import Channel, ComplaintLine, channels, complaints, members_writing, monthly
from mailbot.assessment.document import Section, Table
from mailbot.assessment.figures import KINDS, Counts, Owner, business_hours, percentile
from mailbot.assessment.period import Period, local_midnight
from mailbot.assessment.targets import Key, comparisons, next_targets
from mailbot.config import Settings
from mailbot.config.assessment import MEASURES, Benchmark
from mailbot.policy.business_time import BusinessCalendar

CHANNELS = {"email": "e-mail", "voicemail": "voicemail", "all": "all member messages"}
RESOLUTIONS = {"reply": "answered by a reply", "done": "marked Done (settled another way, e.g. by phone)",
               "no_reply_needed": "marked No reply needed"}  # fmt: skip
TARGET_RULE = (
    "Each target closes half the gap between this year's result and the best in view (the standard for the share "
    "answered on time; otherwise the best target or peer figure entered in policy.yaml), rounded towards better to "
    "one decimal. A target is never worse than this year's result; a result already as good as the best in view "
    "is to be held."
)


class Scores(Protocol):
    """Member satisfaction in the period (the survey's figures), as far as the assessment needs them."""

    @property
    def sent(self) -> int: ...
    @property
    def answered(self) -> int: ...
    @property
    def scores(self) -> tuple[int, ...]: ...  # how many members gave 1, 2, 3, 4 and 5
    @property
    def average(self) -> float | None: ...


@dataclass(frozen=True)
class Year:
    """What the assessment is made of: the report's counts and answer hours, and what annual_query reads."""

    period: Period
    owners: Sequence[Owner]
    counts: Mapping[tuple[str, str], Counts]
    hours: Mapping[tuple[str, str], Sequence[float]]
    channels: Sequence[Channel]
    members: tuple[int, int]  # distinct members writing by e-mail, and of them those writing more than once
    months: Mapping[tuple[int, str], int]
    complaints: Sequence[ComplaintLine]
    complaint_hours: Sequence[float]
    satisfaction: Scores | None


def assessment(
    settings: Settings, engine: Engine, period: Period, now: datetime, owners: Sequence[Owner],
    counts: Mapping[tuple[str, str], Counts], hours: Mapping[tuple[str, str], Sequence[float]],
    calendars: Mapping[str, BusinessCalendar], satisfaction: Scores | None = None,
) -> list[Section]:  # fmt: skip
    """The assessment's sections for the owners of the report, from its counts and answer hours."""
    year = read_year(engine, period, now, owners, counts, hours, calendars, satisfaction)
    days = settings.policy.email.business_days
    standard = (
        f"The standard: every member e-mail answered within {_count(days, 'business day', 'business days')} and "
        "every voicemail by the end of the workday it arrives, that is 100 % answered on time. The share on time "
        "is of the messages answered or already past due at the report's moment."
    )
    return sections(year, settings.policy.assessment.benchmarks, standard)


def read_year(
    engine: Engine, period: Period, now: datetime, owners: Sequence[Owner], counts: Mapping[tuple[str, str], Counts],
    hours: Mapping[tuple[str, str], Sequence[float]], calendars: Mapping[str, BusinessCalendar],
    satisfaction: Scores | None,
) -> Year:  # fmt: skip
    """Read what the assessment needs beyond the report's figures (all counted by the database)."""
    keys = [owner.key for owner in owners]
    start, end = period.start, period.end
    found = complaints(engine, start, end, now, keys)
    answered = [business_hours(c.received_at, c.answered_at, calendars[c.owner]) for c in found if c.answered_at]
    return Year(
        period, owners, counts, hours, channels(engine, start, end, keys), members_writing(engine, start, end, keys),
        monthly(engine, month_bounds(period), keys), found, answered, satisfaction,
    )  # fmt: skip


def month_bounds(period: Period) -> list[datetime]:
    """Local midnights: the period's start, each first of a month inside it, and its end."""
    tz = period.start.tzinfo
    assert isinstance(tz, ZoneInfo)
    bounds, day = [period.start], date(period.first.year, period.first.month, 1)
    while (day := date(day.year + day.month // 12, day.month % 12 + 1, 1)) <= period.last:
        bounds.append(local_midnight(day, tz))
    return [*bounds, period.end]


def sections(year: Year, benchmarks: Sequence[Benchmark], standard: str) -> list[Section]:
    """The assessment, in the order the standards ask for it; `standard` says the standard in a sentence."""
    results = _results(year)
    return [
        _served(year),
        _satisfaction(year),
        _comparison(results, benchmarks, standard),
        _complaints(year),
        Section("Next year's targets", [TARGET_RULE], [_targets(results, benchmarks)]),
    ]


def _total(year: Year, kinds: Sequence[str], owners: Sequence[Owner] | None = None) -> Counts:
    chosen = year.owners if owners is None else owners
    return sum((year.counts.get((o.key, kind), Counts()) for o in chosen for kind in kinds), Counts())


def _results(year: Year) -> dict[Key, float | None]:
    """This year's figure for each (figure, channel) the assessment compares."""
    results: dict[Key, float | None] = {}
    for channel, kinds in (("email", ("email",)), ("voicemail", ("voicemail",)), ("all", KINDS)):
        counts = _total(year, kinds)
        hours = [value for o in year.owners for kind in kinds for value in year.hours.get((o.key, kind), ())]
        complained = sum(1 for c in year.complaints if c.kind in kinds)
        results[("on_time_percent", channel)] = counts.on_time_percent
        results[("median_hours", channel)] = percentile(hours, 0.5)
        results[("p90_hours", channel)] = percentile(hours, 0.9)
        results[("complaints_per_1000", channel)] = (
            round(1000 * complained / counts.volume, 2) if counts.volume else None
        )
    scores = year.satisfaction
    results[("satisfaction", "all")] = scores.average if scores is not None else None
    return results


def _served(year: Year) -> Section:
    email = next((c for c in year.channels if c.kind == "email"), Channel("email", 0, 0))
    voicemail = next((c for c in year.channels if c.kind == "voicemail"), Channel("voicemail", 0, 0))
    people = sum(o.scope == "person" for o in year.owners)
    shared = len(year.owners) - people
    teams = sorted({o.team for o in year.owners})
    members, again = year.members
    lines = [
        f"From {year.period.first:%d %B %Y} to {year.period.last:%d %B %Y}, {_count(people, 'person', 'people')} "
        f"and {_count(shared, 'shared mailbox', 'shared mailboxes')} in {_count(len(teams), 'team', 'teams')} "
        f"answered {email.messages + voicemail.messages} member messages: {email.messages} e-mails and "
        f"{voicemail.messages} voicemails.",
        f"{_count(members, 'member', 'members')} wrote by e-mail ({again} of them more than once), counted by "
        "address. Voicemail callers are not counted apart: the phone system sends every voicemail, so each is "
        "counted as a call.",
    ]
    monthly = Table(["month", "e-mail", "voicemail", "all"], _month_rows(year), keys=1)
    per_team = Table(["team", "e-mail", "voicemail", "all", "answered within the standard %"], [
        [team, *_team_row(year, [o for o in year.owners if o.team == team])] for team in teams
    ], keys=1)  # fmt: skip
    return Section("Services and members served", lines, [monthly, per_team])


def _month_rows(year: Year) -> list[list[object]]:
    starts = month_bounds(year.period)[:-1]
    rows: list[list[object]] = []
    for index, start in enumerate(starts):
        email, voicemail = (year.months.get((index, kind), 0) for kind in KINDS)
        label = start.astimezone(year.period.start.tzinfo).strftime("%B %Y")
        rows.append([label, email, voicemail, email + voicemail])
    return rows


def _team_row(year: Year, owners: Sequence[Owner]) -> list[object]:
    email, voicemail = (_total(year, (kind,), owners) for kind in KINDS)
    return [email.volume, voicemail.volume, email.volume + voicemail.volume, (email + voicemail).on_time_percent]


def _satisfaction(year: Year) -> Section:
    heading = "How satisfaction is measured and its results"
    scores = year.satisfaction
    if scores is None or not scores.sent:
        return Section(heading, [
            f"No survey scores are recorded for {year.period.label}: mailbot asked members no satisfaction "
            "question in the period (the survey is optional), so this assessment has no satisfaction results and "
            "any satisfaction benchmark shows no result this year."
        ])  # fmt: skip
    average = "none yet" if scores.average is None else f"{scores.average:.1f} of 5"
    share = f"{100 * scores.answered / scores.sent:.1f} %"
    lines = [
        "When a member's request is answered, mailbot asks one question, \u201cHow did we do?\u201d, with five "
        "one-click answers from 1 (poor) to 5 (excellent). Each link is signed, works once and expires; only "
        "answers given through such a link are counted.",
        f"Members asked: {scores.sent}; answered: {scores.answered} ({share}); average score: {average}.",
    ]
    table = Table(["score", *(str(score) for score in range(1, 6))], [["members", *scores.scores]], keys=1)
    return Section(heading, lines, [table])


def _comparison(results: Mapping[Key, float | None], benchmarks: Sequence[Benchmark], standard: str) -> Section:
    header = ["compared with", "kind", "figure", "channel", "their figure", "ours this year", "difference", "verdict",
              "source"]  # fmt: skip
    rows = [[row.against, row.kind, MEASURES[row.figure].label, CHANNELS[row.channel], _number(row.theirs),
             _number(row.ours), _signed(row.difference), row.verdict, row.source]
            for row in comparisons(results, benchmarks)]  # fmt: skip
    lines = [standard]
    if not benchmarks:
        lines.append("policy.yaml lists no benchmarks (assessment.benchmarks): only the standard is compared.")
    return Section("Comparison with the standard and with benchmarks", lines, [Table(header, rows, keys=1)])


def _complaints(year: Year) -> Section:
    found = year.complaints
    answered = [c for c in found if c.answered_at is not None]
    within = sum(1 for c in answered if c.answered_at is not None and c.answered_at <= c.due_at)
    median = percentile(year.complaint_hours, 0.5)
    if not found:
        return Section("Complaints and how they were resolved", [
            "No complaints in the period: no member message was marked or worded as a complaint (policy.yaml "
            "categories.complaint and complaint.keywords)."
        ])  # fmt: skip
    lines = [
        f"{_count(len(found), 'complaint', 'complaints')} in the period; "
        f"{sum(c.escalated for c in found)} escalated to a supervisor as soon as found; {len(answered)} answered, "
        f"{within} of them within the standard; {len(found) - len(answered)} still open at the report's moment.",
    ]
    if median is not None:
        lines.append(f"Median time to the first answer: {median:g} business hours.")
    rows: list[list[object]] = [[RESOLUTIONS.get(r, r), sum(1 for c in answered if c.resolution == r)]
                                for r in dict.fromkeys([*RESOLUTIONS, *(c.resolution for c in answered)])]  # fmt: skip
    rows.append(["still open", len(found) - len(answered)])
    return Section("Complaints and how they were resolved", lines, [Table(["how resolved", "complaints"], rows, 1)])


def _targets(results: Mapping[Key, float | None], benchmarks: Sequence[Benchmark]) -> Table:
    header = ["figure", "channel", "this year", "best in view", "from", "target for next year"]
    rows = [[MEASURES[t.figure].label, CHANNELS[t.channel], _number(t.this_year), _number(t.best), t.best_from,
             "no result to go on" if t.target is None else _number(t.target)]
            for t in next_targets(results, benchmarks)]  # fmt: skip
    return Table(header, rows, keys=2)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _signed(value: float | None) -> str:
    return "" if value is None else ("+" if value > 0 else "") + _number(value)
