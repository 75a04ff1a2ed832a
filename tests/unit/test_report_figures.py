"""The report's pure parts: the period a report covers, answer times in business hours, and the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from mailbot.assessment.command import _by_team
from mailbot.assessment.document import Cell, Document, Section, Table
from mailbot.assessment.figures import (
    Counts,
    Figure,
    Hours,
    Owner,
    business_hours,
    change,
    figures,
    overdue_at_end_of_day,
    percentile,
    with_previous,
)
from mailbot.assessment.files import FIGURE_COLUMNS, figure_rows, figure_tables
from mailbot.assessment.page import html_page
from mailbot.assessment.period import parse_period, previous_period, week_starts
from mailbot.policy.business_time import BusinessCalendar

SYDNEY = ZoneInfo("Australia/Sydney")
BERLIN = BusinessCalendar.from_spec("Europe/Berlin", {"mon-fri": "09:00-17:00"})


def test_a_week_is_monday_to_sunday_in_the_office_timezone() -> None:
    """At 14:30 UTC on Sunday 29 November it is already Monday 30 November in Sydney: the week begins that day."""
    period = parse_period("week", datetime(2026, 11, 29, 14, 30, tzinfo=UTC), SYDNEY)
    assert (date(2026, 11, 30), date(2026, 12, 6)) == (period.first, period.last)
    assert datetime(2026, 11, 30, tzinfo=SYDNEY) == period.start
    assert datetime(2026, 12, 7, tzinfo=SYDNEY) == period.end


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("month", date(2026, 2, 1), date(2026, 2, 28)),
        ("quarter", date(2026, 1, 1), date(2026, 3, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-02-10..2026-03-02", date(2026, 2, 10), date(2026, 3, 2)),
    ],
)
def test_months_quarters_years_and_ranges_are_whole_days(text: str, first: date, last: date) -> None:
    """The month, quarter and year containing 14 February 2026, and a range with both days included."""
    period = parse_period(text, datetime(2026, 2, 14, 12, tzinfo=SYDNEY), SYDNEY)
    assert (first, last) == (period.first, period.last)


def test_the_fourth_quarter_ends_on_new_years_eve() -> None:
    """The quarter of 15 November is October to December, not into the next year."""
    period = parse_period("quarter", datetime(2026, 11, 15, 12, tzinfo=SYDNEY), SYDNEY)
    assert (date(2026, 10, 1), date(2026, 12, 31)) == (period.first, period.last)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("fortnight", "is not one of week"),
        ("2026-13-01..2026-12-31", "two ISO dates"),
        ("2026-12-02..2026-12-01", "ends before"),
    ],
)
def test_a_bad_period_is_one_sentence(text: str, words: str) -> None:
    """An unknown word, a date that does not exist and a backwards range are refused, saying why."""
    with pytest.raises(ValueError, match=words):
        parse_period(text, datetime(2026, 11, 15, tzinfo=UTC), SYDNEY)


def test_weeks_of_a_month_begin_on_the_monday_before_it() -> None:
    """December 2026 touches the weeks of Mondays 30 November to 28 December."""
    period = parse_period("month", datetime(2026, 12, 15, 12, tzinfo=SYDNEY), SYDNEY)
    assert [date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 28)] == (
        week_starts(period))  # fmt: skip


def test_business_hours_skip_the_night_and_the_weekend() -> None:
    """Mail at 16:00 on Friday in Berlin answered at 10:30 on Monday waited 1 + 1.5 business hours."""
    friday, monday = datetime(2026, 12, 4, 16, tzinfo=BERLIN.tz), datetime(2026, 12, 7, 10, 30, tzinfo=BERLIN.tz)
    assert 2.5 == business_hours(friday, monday, BERLIN)


def test_percentiles_interpolate_between_ranks() -> None:
    """Median and 90th percentile of 1, 2, 3, 4 hours; one value is its own percentile; none is None."""
    assert (2.5, 3.7) == (percentile([4, 1, 3, 2], 0.5), percentile([4, 1, 3, 2], 0.9))
    assert 7.0 == percentile([7.0], 0.9)
    assert percentile([], 0.5) is None


def test_on_time_is_out_of_the_messages_decided() -> None:
    """Three answered on time out of four decided is 75 %; none decided has no rate at all."""
    assert 75.0 == Counts(volume=6, decided=4, within=3, open=2, overdue=1).on_time_percent
    assert Counts(volume=2, open=2).on_time_percent is None


def test_figures_add_people_up_to_teams_and_the_organisation() -> None:
    """Two people in one team and a shared mailbox in another: each has its rows, teams and the organisation add
    them up, and the percentiles are taken over every answer of the group."""
    owners = [
        Owner("ada", "Ada", "person", "Front"),
        Owner("bo", "Bo", "person", "Front"),
        Owner("help@example.org", "Help", "shared mailbox", "Back"),
    ]
    counts = {
        ("ada", "email"): Counts(3, 3, 2, 0, 0),
        ("bo", "email"): Counts(2, 1, 1, 1, 0),
        ("help@example.org", "voicemail"): Counts(1, 1, 0, 1, 1),
    }
    hours = {("ada", "email"): [1.0, 2.0, 12.0], ("bo", "email"): [3.0]}
    rows = figures(owners, counts, hours, "Org")
    by_name = {(row.scope, row.name, row.kind): row for row in rows}
    assert Figure("organisation", "Org", "email", Counts(5, 4, 3, 1, 0), 2.5, 9.3) == by_name[
        ("organisation", "Org", "email")]  # fmt: skip
    assert Figure("team", "Front", "email", Counts(5, 4, 3, 1, 0), 2.5, 9.3) == by_name[("team", "Front", "email")]
    assert Figure("team", "Back", "voicemail", Counts(1, 1, 0, 1, 1), None, None) == by_name[
        ("team", "Back", "voicemail")]  # fmt: skip
    assert Figure("person", "Bo", "email", Counts(2, 1, 1, 1, 0), 3.0, 3.0) == by_name[("person", "Bo", "email")]
    assert Counts() == by_name[("person", "Ada", "voicemail")].counts
    assert 3 * (1 + 2 + 3) == len(rows)


def test_a_report_on_part_of_the_organisation_has_no_organisation_row() -> None:
    """Without an organisation name only the team and its people have rows; without teams only the people."""
    owners = [Owner("ada", "Ada", "person", "Front")]
    assert ["team"] * 3 + ["person"] * 3 == [row.scope for row in figures(owners, {}, {}, None)]
    assert ["person"] * 3 == [row.scope for row in figures(owners, {}, {}, None, teams=False)]


def test_the_page_escapes_names_and_titles() -> None:
    """A team named with markup is shown as text, in the title and the table, never as HTML."""
    row = Figure("team", "<b>R&D</b>", "email", Counts(1, 1, 1, 0, 0), 1.0, 1.0)
    table = Table(FIGURE_COLUMNS, figure_rows([row]), keys=3)
    page = html_page(Document("Report: <b>R&D</b>", ["Intro & more"], [Section("Figures", tables=[table])]))
    assert "<b>" not in page
    assert "<title>Report: &lt;b&gt;R&amp;D&lt;/b&gt;</title>" in page
    assert "<td>&lt;b&gt;R&amp;D&lt;/b&gt;</td>" in page and "<p>Intro &amp; more</p>" in page


@pytest.mark.parametrize(
    ("text", "now", "first", "last"),
    [
        ("week", date(2026, 11, 25), date(2026, 11, 16), date(2026, 11, 22)),
        ("month", date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),
        ("month", date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ("quarter", date(2026, 2, 14), date(2025, 10, 1), date(2025, 12, 31)),
        ("year", date(2026, 6, 1), date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-03-10..2026-03-16", date(2026, 6, 1), date(2026, 3, 3), date(2026, 3, 9)),
    ],
)
def test_the_previous_period_is_the_one_just_before(text: str, now: date, first: date, last: date) -> None:
    """The week, month, quarter or year before, across a year's end; a range's previous is as many days before."""
    period = parse_period(text, datetime(now.year, now.month, now.day, 12, tzinfo=SYDNEY), SYDNEY)
    previous = previous_period(text, period, SYDNEY)
    assert (first, last) == (previous.first, previous.last)
    assert period.start == previous.end


def test_the_close_of_the_day_a_message_fell_due() -> None:
    """Due at 10:00 on a Tuesday: that day's 17:00 close; due at the close itself: that close; on a Saturday (a
    closed day): Friday's close."""
    tz = BERLIN.tz
    assert datetime(2026, 12, 8, 17, tzinfo=tz) == BERLIN.close_of_day(datetime(2026, 12, 8, 10, tzinfo=tz))
    assert datetime(2026, 12, 8, 17, tzinfo=tz) == BERLIN.close_of_day(datetime(2026, 12, 8, 17, tzinfo=tz))
    assert datetime(2026, 12, 11, 17, tzinfo=tz) == BERLIN.close_of_day(datetime(2026, 12, 12, 10, tzinfo=tz))


def test_overdue_at_end_of_day_is_unanswered_when_the_due_day_closed() -> None:
    """Answered after its due time but before the office closed: not overdue at end of day; answered after the
    close, unanswered, or answered only after the report's moment: overdue, once the close has passed."""
    close = datetime(2026, 12, 8, 16, tzinfo=UTC)
    evening, night, next_day = close.replace(hour=15), close.replace(hour=18), close.replace(day=9)
    assert not overdue_at_end_of_day(close, evening, night)
    assert overdue_at_end_of_day(close, night, next_day)
    assert overdue_at_end_of_day(close, None, night)
    assert overdue_at_end_of_day(close, next_day, night)
    assert not overdue_at_end_of_day(close, None, evening)


def test_each_row_carries_the_previous_periods_row_and_the_change() -> None:
    """figures.csv: the figures, the same row of the period before, and the change (in points for a %); a row
    the period before did not have, or a figure it could not have, leaves the previous and change empty."""
    now = Figure("person", "Ada", "email", Counts(4, 4, 3, 0, 1, overdue_end_of_day=1, complaints=1), 2.0, 5.0, 3.0)
    before = Figure("person", "Ada", "email", Counts(2, 2, 1, 0, 1), 4.5, 6.0, None)
    [row] = figure_rows(with_previous([now], [before]))
    line = dict(zip(FIGURE_COLUMNS, row, strict=True))
    assert (75.0, 50.0, 25.0) == (line["within standard %"], line["previous period: within standard %"],
                                  line["change: within standard %"])  # fmt: skip
    assert (2.0, 4.5, -2.5) == (line["median business hours to first answer"],
                                line["previous period: median business hours to first answer"],
                                line["change: median business hours to first answer"])  # fmt: skip
    assert (3.0, None, None) == (line["median business hours to answer a complaint"],
                                 line["previous period: median business hours to answer a complaint"],
                                 line["change: median business hours to answer a complaint"])  # fmt: skip
    assert (1, 0, 1) == (line["complaints"], line["previous period: complaints"], line["change: complaints"])
    [alone] = figure_rows(with_previous([now], []))
    figures_per_period = (len(FIGURE_COLUMNS) - 3) // 3
    assert [None] * 2 * figures_per_period == alone[3 + figures_per_period :]
    assert change(None, 1.0) is None


def test_the_all_row_adds_both_kinds_and_the_owners_own_figures() -> None:
    """Kind 'all' adds e-mail and voicemail with what is counted per owner whatever the kind (absences), and its
    percentiles and the complaint median are over every answer of both kinds."""
    owners = [Owner("ada", "Ada", "person", "Front")]
    counts = {("ada", "email"): Counts(2, 2, 2, 0, 0), ("ada", "voicemail"): Counts(1, 1, 0, 0, 1),
              ("ada", "all"): Counts(absences=2, absences_covered=1)}  # fmt: skip
    hours = Hours({("ada", "email"): [1.0, 3.0], ("ada", "voicemail"): [8.0]}, {("ada", "voicemail"): [8.0]})
    every = {row.kind: row for row in figures(owners, counts, hours, None, teams=False)}
    assert Figure("person", "Ada", "all", Counts(3, 3, 2, 0, 1, absences=2, absences_covered=1), 3.0, 7.0, 8.0) == (
        every["all"])  # fmt: skip
    assert (None, 8.0) == (every["email"].complaint_median_hours, every["voicemail"].complaint_median_hours)
    assert 66.7 == every["all"].counts.on_time_percent and 50.0 == every["all"].counts.absences_covered_percent


def test_the_page_tables_note_the_previous_period_and_the_change_under_each_figure() -> None:
    """Answers and complaints in two tables; under each value the previous period's and the change; a figure
    neither period has is one dash without a note; a row without a previous period has no notes."""
    now = Figure("person", "Ada", "email", Counts(4, 4, 3, 0, 1, complaints=1), 2.0, 5.0, None)
    before = Figure("person", "Ada", "email", Counts(2, 2, 1, 0, 1), 4.5, 6.0, None)
    answers, follow_up = figure_tables(with_previous([now], [before]))
    line = dict(zip(answers.header, answers.rows[0], strict=True))
    assert Cell("75", "was 50 (+25)") == line["within standard %"]
    assert Cell("2", "was 4.5 (-2.5)") == line["median business hours to first answer"]
    extra = dict(zip(follow_up.header, follow_up.rows[0], strict=True))
    assert Cell("1", "was 0 (+1)") == extra["complaints"]
    assert Cell("–") == extra["median business hours to answer a complaint"]
    [[*_, last]] = figure_tables(with_previous([now], []))[1].rows
    assert Cell("–") == last


def test_per_person_charts_take_whole_teams_up_to_a_page_and_split_only_a_larger_team() -> None:
    """Six teams of ten and one of 30, by name: whole teams packed up to 20 bars a chart, the team of 30 split (its
    last ten sharing a chart with the team after it); a single chart needs no part in its title."""
    owners = [Owner(f"p{t}{n}", f"Person {t}{n}", "person", f"Team {t}") for t in "ABCDEF" for n in range(10)]
    owners += [Owner(f"big{n}", f"Big {n}", "person", "Team Big") for n in range(30)]
    groups = _by_team(owners)
    assert [len(group) for _, group in groups] == [20, 20, 20, 20, 10]  # A+B, Big, the rest of Big+C, D+E, F
    assert [part for part, _ in groups] == [
        " (Team A to Team B; chart 1 of 5)",
        " (Team Big; chart 2 of 5)",
        " (Team Big to Team C; chart 3 of 5)",
        " (Team D to Team E; chart 4 of 5)",
        " (Team F; chart 5 of 5)",
    ]
    assert sorted(o.key for _, group in groups for o in group) == sorted(o.key for o in owners)
    assert _by_team(owners[:10]) == [("", owners[:10])]
