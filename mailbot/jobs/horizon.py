"""The go-live horizon while syncing: the start in force, what a changed `tracking.since` moves, and what a
mailbox's first read leaves out.

The start is recorded when the first sync that is not a dry run has read a mailbox: a first sync that reached
none (refused credentials, an unreachable server) leaves no horizon behind. A later change of `tracking.since`
moves each mailbox's horizon: forward, open mail now older stops being tracked (resolution before_horizon); back,
what the horizon had closed opens again and every mailbox is read again from the start, so the mail in between is
tracked and matched to the replies in sent items like on a first sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.domain import MailItem, TrackingStart
from mailbot.jobs.deps import Deps, JobResult
from mailbot.jobs.open_items import calendar_of
from mailbot.policy.classify import SlaRules, classify
from mailbot.policy.horizon import (
    HorizonMove,
    before,
    horizon,
    horizon_moves,
    horizon_text,
    since_date,
    tracking_start,
)
from mailbot.policy.horizon import left_out_line as policy_left_out_line
from mailbot.policy.messages import plural
from mailbot.policy.sla import find_answer
from mailbot.policy.time_words import same_clock

BEFORE_HORIZON = "before_horizon"  # the resolution of open mail a moved horizon left behind


def settle_start(deps: Deps, mailboxes: Sequence[str], now: datetime, result: JobResult) -> TrackingStart:
    """The start in force for this run, moved when policy.yaml's date changed; before the first sync, the one this
    run proposes (record_start records it)."""
    store = deps.store
    recorded = store.tracking_start()
    wanted = tracking_start(recorded, since_date(deps.settings.policy.tracking.since), now)
    if deps.dry_run or recorded is None or recorded == wanted:
        return wanted
    moves = horizon_moves(recorded, wanted, {m: zone_of(deps, m) for m in mailboxes})
    back = any(not move.later for move in moves)
    with store.transaction():
        stopped = sum(_move(deps, move, now) for move in moves)
        # Everything again, sent items too: a colleague's reply in their own mailbox may answer the mail between.
        for mailbox in mailboxes if back else ():
            store.forget_sync_states(mailbox)
        store.put_tracking_start(wanted, now)
    result.changes.append(
        f"tracking.since is now {deps.settings.policy.tracking.since}: tracking member mail received from "
        f"{_describe(deps, wanted)} on; stopped tracking {plural(stopped, 'older open member message')}"
        + ("; reading every mailbox again from the start" if back else "")
    )
    return wanted


def record_start(deps: Deps, start: TrackingStart, now: datetime) -> TrackingStart:
    """Record the first sync's start once it has read a mailbox; the start in force, which a first sync running at
    the same time in another process may have recorded first."""
    if deps.dry_run:
        return start
    recorded = deps.store.begin_tracking(start, now)
    deps.log.info("tracking starts", horizon=_describe(deps, recorded))
    return recorded


def zone_of(deps: Deps, mailbox: str) -> ZoneInfo:
    """The office timezone of a mailbox: its person's office, or the office a shared mailbox names."""
    return calendar_of(deps.settings, mailbox).tz


def mailbox_horizon(deps: Deps, start: TrackingStart, mailbox: str) -> datetime:
    return horizon(start, zone_of(deps, mailbox))


def count_left_out(
    deps: Deps,
    mailbox: str,
    older: Sequence[MailItem],
    horizon_at: datetime,
    replies: Sequence[MailItem],
    now: datetime,
) -> int | None:
    """How many of `older`, from a first read of the inbox, are member mail with no staff reply among `replies`
    (and not marked Done); None if this mailbox was counted before (a read from the start after that)."""
    if any(record.mailbox == mailbox for record in deps.store.left_out()):
        return None
    rules = SlaRules.from_settings(deps.settings)
    count = sum(classify(item, rules).counts and find_answer(item, replies, rules, now) is None for item in older)
    deps.log.info("older mail left out", mailbox=mailbox, messages=count, horizon=horizon_at.isoformat())
    return count


def left_out_line(deps: Deps, start: TrackingStart, counts: dict[str, int]) -> str:
    """The one line a run that read mailboxes for the first time says about the older mail it left out."""
    tz = deps.settings.first_office.tz
    return policy_left_out_line(start, tz, counts, dry_run=deps.dry_run, name_zone=_zones_differ(deps, start))


def _describe(deps: Deps, start: TrackingStart) -> str:
    """The horizon in words, in the first office's time (a date reads the same in every office), with the zone
    named when the offices' clocks differ (the reader may be in any of them)."""
    return horizon_text(start, deps.settings.first_office.tz, name_zone=_zones_differ(deps, start))


def _zones_differ(deps: Deps, start: TrackingStart) -> bool:
    """Whether the offices' clocks show different times at the first run (a horizon date is each office's own)."""
    tz = deps.settings.first_office.tz
    return any(not same_clock(start.first_run_at, tz, office.tz) for office in deps.settings.calendars.values())


def _move(deps: Deps, move: HorizonMove, now: datetime) -> int:
    """Carry out one mailbox's move; how many open messages it stopped tracking."""
    store, mailbox = deps.store, move.mailbox
    deps.log.info("tracking horizon moved", mailbox=mailbox, old=move.old.isoformat(), new=move.new.isoformat())
    if not move.later:
        for t in store.tracked_received(move.new, move.old):
            if t.mailbox == mailbox and t.resolution == BEFORE_HORIZON:
                store.reopen(t.mailbox, t.message_id, BEFORE_HORIZON)
        return 0
    why = f"received before the tracking horizon ({move.new.isoformat()})"
    for tp in store.touchpoints():
        if tp.mailbox == mailbox and before(tp.received_at, move.new):
            store.end_touchpoint(tp.mailbox, tp.message_id, now, BEFORE_HORIZON)
    stopped = 0
    for t in store.open_tracked():
        if t.mailbox == mailbox and before(t.received_at, move.new):
            store.mark_answered(t.mailbox, t.message_id, now, BEFORE_HORIZON)
            store.audit(now, "mailbot", "tracking_stopped", t.message_id, t.subject, None, why)
            stopped += 1
    return stopped
