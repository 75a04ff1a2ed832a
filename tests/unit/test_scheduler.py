"""When the service runs its jobs: regular times across DST, catching up missed runs once, retrying failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.config import load_settings
from mailbot.service.scheduler import Outcome, Scheduler, Ticker
from mailbot.service.timing import At, Every, slots, timings

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
DIGEST = At(time(17, 15), NY)
SYNC = Every(5)


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def scheduler(outcomes: dict[str, Outcome] | None = None) -> tuple[Scheduler, list[tuple[str, datetime]]]:
    """A scheduler over sync_mail and digest whose runs are recorded (and fail as `outcomes` say)."""
    runs: list[tuple[str, datetime]] = []

    def run(name: str, now: datetime) -> Outcome:
        runs.append((name, now))
        return (outcomes or {}).get(name, Outcome.OK)

    return Scheduler({"sync_mail": SYNC, "digest": DIGEST}, run), runs


def test_digest_missed_today_is_caught_up_once() -> None:
    """Started at 18:00 after yesterday's digest, the service sends today's digest now, and only once."""
    plan, runs = scheduler()
    now = ny("2026-11-24T18:00")
    assert ["digest"] == plan.start(now, {"sync_mail": now, "digest": ny("2026-11-23T17:15")})
    plan.tick(now)
    plan.tick(now + timedelta(minutes=1))
    assert [("digest", now)] == runs


def test_digest_missed_yesterday_waits_for_today() -> None:
    """A digest missed yesterday is not sent the next morning; today's goes out at 17:15."""
    plan, _ = scheduler()
    now = ny("2026-11-24T09:00")
    assert [] == plan.start(now, {"sync_mail": now, "digest": ny("2026-11-22T17:15")})
    assert ny("2026-11-24T17:15") == plan.due_at("digest")


def test_a_first_start_at_night_sends_no_digest() -> None:
    """Started for the first time at 22:36, the service syncs at once; the digest, never run, waits for 17:15."""
    plan, _ = scheduler()
    now = ny("2026-11-24T22:36")
    assert ["sync_mail"] == plan.start(now, {"sync_mail": None, "digest": None}, live_since=None)
    assert ny("2026-11-25T17:15") == plan.due_at("digest")


def test_a_first_start_after_the_digest_time_sends_no_digest() -> None:
    """Going live at 18:00, after the day's 17:15, is no missed digest: the first one goes out tomorrow."""
    plan, _ = scheduler()
    now = ny("2026-11-24T18:00")
    assert ["sync_mail"] == plan.start(now, {"sync_mail": None, "digest": None})
    assert ny("2026-11-25T17:15") == plan.due_at("digest")


def test_a_digest_that_never_ran_is_caught_up_once_mailbot_is_live() -> None:
    """Live since yesterday (its first sync) and down at 17:15 today, the digest that never ran goes out at 18:00."""
    plan, _ = scheduler()
    now = ny("2026-11-24T18:00")
    assert ["digest"] == plan.start(now, {"sync_mail": now, "digest": None}, live_since=ny("2026-11-23T22:36"))


def test_a_digest_missed_hours_ago_waits_for_tomorrow() -> None:
    """Back at 22:36 after a day down, today's 17:15 digest is over four hours late: none is sent in the night."""
    plan, _ = scheduler()
    now = ny("2026-11-24T22:36")
    assert ["sync_mail"] == plan.start(now, {"sync_mail": ny("2026-11-24T08:00"), "digest": ny("2026-11-23T17:15")})
    assert ny("2026-11-25T17:15") == plan.due_at("digest")


def test_a_digest_missed_yesterday_is_not_sent_after_midnight() -> None:
    """Back at 00:30 after being down at 23:00, yesterday's late digest is not sent: today's comes at 23:00."""
    late = At(time(23, 0), NY)
    now = ny("2026-11-25T00:30")
    assert ny("2026-11-25T23:00") == late.first_due(ny("2026-11-23T23:00"), now, ny("2026-11-01T09:00"))


def test_interval_job_missed_many_times_runs_once() -> None:
    """After two hours down, the five-minute sync runs once now, then every five minutes."""
    plan, runs = scheduler()
    now = ny("2026-11-24T11:00")
    assert ["sync_mail"] == plan.start(now, {"sync_mail": ny("2026-11-24T09:00"), "digest": None})
    plan.tick(now)
    plan.tick(now + timedelta(minutes=4))
    plan.tick(now + timedelta(minutes=5))
    assert [("sync_mail", now), ("sync_mail", now + timedelta(minutes=5))] == runs


def test_nothing_missed_nothing_runs() -> None:
    """Restarted two minutes after a sync and after today's digest, nothing is due until the sync's time."""
    plan, _ = scheduler()
    now = ny("2026-11-24T17:30")
    assert [] == plan.start(now, {"sync_mail": ny("2026-11-24T17:28"), "digest": ny("2026-11-24T17:15")})
    assert {} == plan.tick(now)
    assert ("sync_mail", ny("2026-11-24T17:33")) == plan.next_due()


def test_digest_is_due_at_1715_new_york_time_across_the_end_of_dst() -> None:
    """The day DST ends, 17:15 in New York is 22:15 UTC instead of 21:15."""
    assert datetime(2026, 10, 31, 21, 15, tzinfo=UTC) == DIGEST.next_after(ny("2026-10-31T09:00"))
    assert datetime(2026, 11, 1, 22, 15, tzinfo=UTC) == DIGEST.next_after(ny("2026-10-31T17:15"))


def test_digest_is_due_at_1715_new_york_time_across_the_start_of_dst() -> None:
    """The day DST starts, 17:15 in New York is 21:15 UTC instead of 22:15."""
    assert datetime(2027, 3, 13, 22, 15, tzinfo=UTC) == DIGEST.next_after(ny("2027-03-13T09:00"))
    assert datetime(2027, 3, 14, 21, 15, tzinfo=UTC) == DIGEST.next_after(ny("2027-03-13T17:15"))


def test_a_time_skipped_by_dst_runs_an_hour_later() -> None:
    """A job at 02:30, a time that does not exist the day DST starts, runs at 03:30 that day."""
    assert ny("2027-03-14T03:30") == At(time(2, 30), NY).next_after(ny("2027-03-14T00:00"))


def test_weekly_job_waits_for_its_weekday() -> None:
    """A Monday 07:30 job planned on a Tuesday is next due the following Monday."""
    assert ny("2026-11-30T07:30") == At(time(7, 30), NY, weekday=0).next_after(ny("2026-11-24T08:00"))


def test_the_weekly_status_runs_every_morning_to_catch_changed_weeks() -> None:
    """service.yaml's Monday 07:30 weekly status is due each day at 07:30; the job decides what to send."""
    timing = timings(load_settings(ROOT / "service.yaml"), ["weekly_status"])["weekly_status"]
    assert ny("2026-11-25T07:30") == timing.next_after(ny("2026-11-24T08:00"))


def test_a_failing_job_does_not_stop_the_others_and_is_retried_next_tick() -> None:
    """The sync fails; the digest still runs in the same tick, and the sync is due again a minute later."""
    plan, _ = scheduler({"sync_mail": Outcome.ERROR})
    now = ny("2026-11-24T17:15")
    plan.start(now, {"sync_mail": None, "digest": None})
    assert {"sync_mail": Outcome.ERROR, "digest": Outcome.OK} == plan.tick(now)
    assert {"sync_mail": Outcome.ERROR} == plan.tick(now + timedelta(minutes=1))


def test_retries_back_off_but_never_beyond_the_regular_time() -> None:
    """A failing sync is retried after 1, 2, then 4 minutes, capped at its five-minute interval."""
    plan, runs = scheduler({"sync_mail": Outcome.ERROR})
    now = ny("2026-11-24T10:00")
    plan.start(now, {"sync_mail": None, "digest": now})
    for minutes in range(12):
        plan.tick(now + timedelta(minutes=minutes))
    assert [0, 1, 3, 7] == [int((at - now).total_seconds() // 60) for _, at in runs]


def test_a_stop_request_runs_no_further_job() -> None:
    """Asked to stop, the tick leaves the remaining due jobs alone."""
    plan, runs = scheduler()
    now = ny("2026-11-24T17:15")
    plan.start(now, {"sync_mail": None, "digest": None})
    plan.tick(now, stopping=lambda: len(runs) == 1)
    assert [("sync_mail", now)] == runs


def test_a_late_tick_does_not_shift_the_cadence() -> None:
    """A sync due at 10:05 but ticked at 10:05:04 is next due at 10:10, not 10:10:04."""
    plan, _ = scheduler()
    now = ny("2026-11-24T10:00")
    plan.start(now, {"sync_mail": now, "digest": now})
    plan.tick(ny("2026-11-24T10:05:04"))
    assert ny("2026-11-24T10:10") == plan.due_at("sync_mail")


def test_the_loop_survives_a_failing_chore_and_ends_when_asked() -> None:
    """A chore that raises runs again a second later; setting the stop event ends the loop."""
    stop, calls = threading.Event(), list[int]()

    def chore() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("boom")
        stop.set()

    ticker = Ticker()
    ticker.every(1, chore)
    ticker.run_until(stop)
    assert [0, 1] == calls


def test_jobs_at_a_time_of_day_run_at_that_time_in_each_office(two_offices: Path) -> None:
    """Berlin and Sydney: the 17:15 digest and the 07:30 weekly status run once per office, each at that time in
    the office's own zone (Sydney's digest is not sent at 03:15 in the night there); the rest run once."""
    plan = slots(load_settings(two_offices), ["sync_mail", "digest", "weekly_status"])
    after = datetime(2026, 11, 23, 12, tzinfo=UTC)  # Monday, 13:00 in Berlin, 23:00 in Sydney
    due = {slot.name: (slot.office, slot.timing.next_after(after).astimezone(slot.timing.zone or UTC)) for slot in plan}
    berlin, sydney = ZoneInfo("Europe/Berlin"), ZoneInfo("Australia/Sydney")
    assert {
        "sync_mail": (None, after + timedelta(minutes=5)),
        "digest@berlin": ("berlin", datetime(2026, 11, 23, 17, 15, tzinfo=berlin)),
        "digest@sydney": ("sydney", datetime(2026, 11, 24, 17, 15, tzinfo=sydney)),
        "weekly_status@berlin": ("berlin", datetime(2026, 11, 24, 7, 30, tzinfo=berlin)),
        "weekly_status@sydney": ("sydney", datetime(2026, 11, 24, 7, 30, tzinfo=sydney)),
    } == due
