"""Nudge the people who answer member mail: one message per person per run, each item level once.

An item goes to its owner; to the owner's backup while the owner is away (their supervisor without one); for
departed staff to their successor, or the successor's backup while the successor is away (the supervisor sees
those items in the digest). Shared mailbox items go to every listed owner.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.domain import Person, TrackState
from mailbot.jobs.deps import Deps, JobResult, send_claimed
from mailbot.jobs.open_items import answerers, open_items
from mailbot.jobs.presence import Whereabouts, route
from mailbot.jobs.touchpoint_reminders import remind_touchpoints
from mailbot.policy.messages import OpenItem
from mailbot.policy.nudge import NudgeLine, build_nudge, render_nudge
from mailbot.policy.templates import TemplateRenderer

JOB = "nudge"
_LEVELS = (TrackState.DUE_SOON, TrackState.OVERDUE)


def nudge(deps: Deps, now: datetime) -> JobResult:
    """Send this run's nudges; an item's due-soon and overdue levels are each announced once per person."""
    result = JobResult(JOB)
    settings, store = deps.settings, deps.store
    places: dict[str, Whereabouts] = {}
    inbox: dict[str, list[tuple[NudgeLine, str]]] = defaultdict(list)
    for item in open_items(settings, store, now):
        if item.state not in _LEVELS:
            continue
        for owner in answerers(settings, item):
            recipient, line = _route(deps, item, owner, now, places)
            key = f"nudge:{recipient.id}:{item.tracked.mailbox}:{item.tracked.message_id}:{item.state.value}"
            if not store.was_claimed(key):
                inbox[recipient.id].append((line, key))
    renderer = TemplateRenderer(settings.templates_dir)
    for recipient_id, entries in sorted(inbox.items()):
        recipient = settings.person(recipient_id)
        if not settings.calendar_for(recipient).is_open(now):
            continue  # nudges wait for office hours; the items stay unclaimed until then
        tz = ZoneInfo(recipient.timezone)
        model = build_nudge(recipient, [line for line, _ in entries], now, tz, settings.policy.organisation.name)
        message = render_nudge(model, renderer)
        if deps.dry_run:
            result.changes.append(f"would nudge {recipient.name}: {message.subject}")
            continue
        keys = [key for _, key in entries]
        send_claimed(deps, recipient, message, keys, now, result, what="nudge", action="nudge_sent",
                     detail=f"{len(keys)} item(s)")  # fmt: skip
    remind_touchpoints(deps, now, result)  # members whose request is in progress, due a status update
    return result


def _route(
    deps: Deps, item: OpenItem, owner: Person, now: datetime, places: dict[str, Whereabouts]
) -> tuple[Person, NudgeLine]:
    recipient, covering, reason = route(deps, owner, now, places)
    return recipient, NudgeLine(item, owner, covering, reason)
