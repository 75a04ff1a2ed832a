"""Touchpoints while syncing: follow requests marked in progress, restart their clock on replies, end them on Done.

follow_marks runs in each inbox page's transaction (with the sync state), record_touches after the run's
replies are read. Ending reasons: done (the request was marked Done), conversation_done (a later message in
its thread was), unmarked (the category was taken off), removed (it left the inbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailbot.domain import MailItem, Touchpoint, Tracked
from mailbot.jobs.deps import Deps
from mailbot.jobs.open_items import calendar_of
from mailbot.policy.classify import SlaRules, has_category
from mailbot.policy.touchpoint import TouchpointRules, touches, update_due

# An owner who sets the mark again, takes Done off again or moves the message back into the inbox means it:
# the clock restarts. One ended through another message of its thread stays ended when its own message is
# seen again (any change to it, or a full resync, shows the old mark once more).
_RESTARTABLE = ("", "unmarked", "done", "removed", "before_horizon")


def follow_marks(deps: Deps, items: Sequence[MailItem], counted: Sequence[Tracked], now: datetime) -> list[str]:
    """Start, keep or end touchpoints for the changed inbox `items`; what changed, in words."""
    rules = TouchpointRules.from_settings(deps.settings)
    members = {(t.mailbox, t.message_id): t for t in counted}
    changes: list[str] = []
    active = deps.store.touchpoints()
    for item in items:
        found = _follow(deps, item, members.get((item.mailbox, item.message_id)), active, now, rules)
        if found:
            changes += found
            active = deps.store.touchpoints()
    return changes


def _follow(
    deps: Deps, item: MailItem, tracked: Tracked | None, active: list[Touchpoint], now: datetime, rules: TouchpointRules
) -> list[str]:
    done = deps.settings.policy.categories.done
    thread = [tp for tp in active if _same_thread(tp, item)]
    if has_category(item.categories, done):
        reasons = ("done" if tp.message_id == item.message_id else "conversation_done" for tp in thread)
        return [
            c for tp, reason in zip(thread, reasons, strict=True) for c in _end(deps, tp, now, reason, f"marked {done}")
        ]
    if rules.marked(item.categories):
        return _start(deps, tracked, now, rules) if tracked is not None and not thread else []
    own = [tp for tp in thread if tp.message_id == item.message_id]
    return [c for tp in own for c in _end(deps, tp, now, "unmarked", f"no longer marked {rules.category}")]


def stop_removed(deps: Deps, mailbox: str, deleted: Sequence[str], now: datetime) -> list[str]:
    """Requests that left the inbox (deleted or filed elsewhere) are no longer followed."""
    gone = set(deleted)
    return [
        change
        for tp in deps.store.touchpoints()
        if tp.mailbox == mailbox and tp.item_id in gone
        for change in _end(deps, tp, now, "removed", "removed from the inbox")
    ]


def record_touches(deps: Deps, replies: Sequence[MailItem], now: datetime) -> list[str]:
    """Every reply to a member whose request is followed restarts its clock at the reply's time. For the report,
    the update that was due is noted with the first of those replies: also for a request this run ended (marked
    Done in the same run as its last reply was read), whose update _end noted as not given."""
    if deps.dry_run or not replies:
        return []
    sla = SlaRules.from_settings(deps.settings)
    rules = TouchpointRules.from_settings(deps.settings)
    changes = []
    for tp in deps.store.touchpoints():
        given = touches(tp, replies, sla)
        if not given:
            continue
        with deps.store.transaction():
            if deps.store.touch(tp.mailbox, tp.message_id, given[-1]):
                deps.store.note_update(tp, _due(deps, tp, rules), given[0], now)
                changes.append(f"{tp.sender} heard about {tp.subject!r}: the next update is due a full interval later")
    for tp in deps.store.touchpoints_ended_at(now):
        given = touches(tp, replies, sla)
        if given and _due(deps, tp, rules) <= now:
            deps.store.note_update(tp, _due(deps, tp, rules), given[0], now)
    return changes


def _due(deps: Deps, tp: Touchpoint, rules: TouchpointRules) -> datetime:
    return update_due(tp.last_touch_at, calendar_of(deps.settings, tp.mailbox), rules)


def _start(deps: Deps, tracked: Tracked, now: datetime, rules: TouchpointRules) -> list[str]:
    previous = deps.store.get_touchpoint(tracked.mailbox, tracked.message_id)
    if previous is not None and previous.end_reason not in _RESTARTABLE:
        return []
    if deps.dry_run:
        return [f"would follow {tracked.subject!r} in {tracked.mailbox}: marked {rules.category}"]
    touchpoint = Touchpoint(
        mailbox=tracked.mailbox, message_id=tracked.message_id, conversation_id=tracked.conversation_id,
        owner_id=tracked.owner_id, sender=tracked.sender, subject=tracked.subject, received_at=tracked.received_at,
        started_at=now, last_touch_at=now, item_id=tracked.item_id, sender_name=tracked.sender_name,
    )  # fmt: skip
    if not deps.store.start_touchpoint(touchpoint):
        return []
    deps.store.audit(now, "mailbot", "touchpoint_started", tracked.message_id, None, tracked.subject,
                     f"marked {rules.category} in {tracked.mailbox}")  # fmt: skip
    return [f"following {tracked.subject!r} in {tracked.mailbox}: marked {rules.category}"]


def _end(deps: Deps, tp: Touchpoint, now: datetime, reason: str, why: str) -> list[str]:
    if deps.dry_run:
        return [f"would stop following {tp.subject!r} in {tp.mailbox}: {why}"]
    if not deps.store.end_touchpoint(tp.mailbox, tp.message_id, now, reason):
        return []
    due = _due(deps, tp, TouchpointRules.from_settings(deps.settings))
    if due <= now:  # the member was owed an update when the request ended (record_touches fills in a last reply)
        deps.store.note_update(tp, due, None, now)
    deps.store.audit(now, "mailbot", "touchpoint_ended", tp.message_id, tp.subject, None, why)
    return [f"stopped following {tp.subject!r} in {tp.mailbox}: {why}"]


def _same_thread(tp: Touchpoint, item: MailItem) -> bool:
    if tp.mailbox.lower() != item.mailbox.lower():
        return False
    if item.message_id == tp.message_id:
        return True
    return bool(tp.conversation_id) and tp.conversation_id == item.conversation_id
