"""The go-live horizon: where tracking begins in each mailbox, and how a change of `tracking.since` moves it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain import TrackingStart
from mailbot.policy.horizon import (
    before,
    horizon,
    horizon_moves,
    horizon_text,
    left_out_line,
    left_out_view,
    since_date,
    tracking_start,
)

NY, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
FIRST_RUN = datetime(2026, 11, 23, 9, 0, tzinfo=NY)
LATER = FIRST_RUN + timedelta(days=40)
# Zones whose clocks have jumped at midnight (so that day has no 00:00), and some ordinary ones.
ZONES = [
    ZoneInfo(name)
    for name in ("America/Santiago", "America/Havana", "Asia/Beirut", "America/Asuncion", "America/New_York",
                 "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia")
]  # fmt: skip


def test_the_first_sync_starts_tracking_at_its_own_now() -> None:
    """With `first run` and nothing recorded, the horizon is the moment of this sync."""
    start = tracking_start(None, since_date("first run"), FIRST_RUN)
    assert FIRST_RUN == horizon(start, BERLIN)


def test_later_syncs_keep_the_recorded_first_run() -> None:
    """Forty days on, `first run` still means the first sync there ever was, not the current one."""
    recorded = TrackingStart(FIRST_RUN)
    assert FIRST_RUN == horizon(tracking_start(recorded, None, LATER), NY)


def test_a_date_is_the_start_of_that_day_in_the_mailboxs_office() -> None:
    """November 2 begins six hours earlier in Berlin than in New York."""
    start = tracking_start(TrackingStart(FIRST_RUN), date(2026, 11, 2), LATER)
    expected = (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), datetime(2026, 11, 1, 23, 0, tzinfo=UTC))
    assert expected == (horizon(start, NY), horizon(start, BERLIN))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31)), st.sampled_from(ZONES))
def test_a_date_horizon_is_the_first_instant_of_that_local_day(day: date, tz: ZoneInfo) -> None:
    """The horizon falls on the date in the office zone, and a microsecond earlier is still the day before."""
    at = horizon(TrackingStart(FIRST_RUN, day), tz)
    assert (day, day - timedelta(days=1)) == (
        at.astimezone(tz).date(),
        (at - timedelta(microseconds=1)).astimezone(tz).date(),
    )


def test_mail_is_older_than_the_horizon_by_the_instant_not_the_wall_clock() -> None:
    """08:59 in New York is before a 09:00 New York horizon; 14:30 in Berlin (08:30 in New York) is too."""
    got = [before(at, FIRST_RUN) for at in (FIRST_RUN - timedelta(minutes=1), FIRST_RUN,
                                            datetime(2026, 11, 23, 14, 30, tzinfo=BERLIN))]  # fmt: skip
    assert [True, False, True] == got


def test_a_later_date_moves_each_mailbox_forward_and_an_earlier_one_back() -> None:
    """From `first run` on November 23 to December 1 moves forward; to November 2, back; unchanged stays out."""
    recorded = TrackingStart(FIRST_RUN)
    zones = {"li@example.org": NY, "anna@example.org": BERLIN}
    forward = horizon_moves(recorded, TrackingStart(FIRST_RUN, date(2026, 12, 1)), zones)
    back = horizon_moves(recorded, TrackingStart(FIRST_RUN, date(2026, 11, 2)), zones)
    assert ([True, True], [False, False]) == ([m.later for m in forward], [m.later for m in back])
    assert [] == horizon_moves(recorded, recorded, zones)


def test_the_horizon_reads_as_a_moment_or_a_day() -> None:
    """The first run is told with its time; a date is told as the day alone."""
    first, dated = TrackingStart(FIRST_RUN), TrackingStart(FIRST_RUN, date(2026, 11, 2))
    expected = ("Monday, November 23, 2026 at 9:00 am", "Monday, November 2, 2026")
    assert expected == (horizon_text(first, NY), horizon_text(dated, NY))


def test_the_left_out_line_counts_messages_and_mailboxes() -> None:
    """One line for the whole run: how many older unanswered messages, in how many mailboxes."""
    line = left_out_line(
        TrackingStart(FIRST_RUN), NY, {"li@example.org": 30, "help@example.org": 2, "x@example.org": 0}
    )
    expected = ("left out 32 unanswered member messages received before Monday, November 23, 2026 at 9:00 am, "
                "when tracking starts (in 2 mailboxes); nobody is nudged about them")  # fmt: skip
    assert expected == line


def test_a_dry_run_says_what_it_would_leave_out() -> None:
    """A dry run speaks in the conditional and names no mailboxes when nothing is left out."""
    line = left_out_line(TrackingStart(FIRST_RUN, date(2026, 11, 2)), NY, {"li@example.org": 0}, dry_run=True)
    expected = ("would leave out 0 unanswered member messages received before Monday, November 2, 2026, "
                "when tracking starts; nobody is nudged about them")  # fmt: skip
    assert expected == line


def test_the_digest_view_names_the_mailbox_and_its_horizon() -> None:
    """The digest gets one finished sentence per mailbox, in that mailbox's office time."""
    view = left_out_view("Li Chen", 1, FIRST_RUN.astimezone(UTC), NY, NY)
    assert ("Li Chen", 1, "1 unanswered member message received before Monday, November 23, 2026 at 9:00 am") == (
        view.mailbox, view.count, view.text)  # fmt: skip


def test_a_supervisor_in_another_zone_reads_the_horizon_with_its_zone() -> None:
    """A Sydney mailbox in a Berlin supervisor's digest: the first run and a date's midnight are told in Sydney
    time, with the zone named."""
    sydney = ZoneInfo("Australia/Sydney")
    dated = horizon(TrackingStart(FIRST_RUN, date(2026, 11, 2)), sydney)
    texts = [left_out_view("Kai", 2, at, sydney, BERLIN).text for at in (FIRST_RUN, dated)]
    before = "2 unanswered member messages received before"
    assert [f"{before} Tuesday, November 24, 2026 at 1:00 am AEDT",
            f"{before} Monday, November 2, 2026 at 12:00 am AEDT"] == texts  # fmt: skip


def test_the_sync_line_names_the_zone_of_the_first_run_when_offices_differ() -> None:
    """With offices in several zones, the first run's moment carries its zone; a date is each office's own day."""
    first, dated = TrackingStart(FIRST_RUN), TrackingStart(FIRST_RUN, date(2026, 11, 2))
    expected = ("Monday, November 23, 2026 at 9:00 am EST", "Monday, November 2, 2026")
    assert expected == (horizon_text(first, NY, name_zone=True), horizon_text(dated, NY, name_zone=True))
