"""Nudge the people who answer member mail: one message per person per run, each item level once.

An item goes to its owner; to the owner's backup while the owner is away (their supervisor without one); for
departed staff to their successor, or the successor's backup while the successor is away (the supervisor sees
those items in the digest). Shared mailbox items go to every listed owner.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from mailbot.domain import Person, TrackState
from mailbot.jobs.deps import Deps, JobResult, duty_key, send_claimed, told
from mailbot.jobs.open_items import answerers, open_items
from mailbot.jobs.presence import Whereabouts, route
from mailbot.jobs.touchpoint_reminders import remind_touchpoints
from mailbot.policy.messages import Message, OpenItem
from mailbot.policy.nudge import NudgeLine, build_nudge, render_nudge
from mailbot.policy.templates import TemplateRenderer

JOB = "nudge"
_LEVELS = (TrackState.DUE_SOON, TrackState.OVERDUE)


def nudge(deps: Deps, now: datetime) -> JobResult:
    """Send this run's nudges; an item's due-soon and overdue levels are each announced once per owner."""
    result = JobResult(JOB)
    settings, store = deps.settings, deps.store
    places: dict[str, Whereabouts] = {}
    inbox: dict[str, list[tuple[NudgeLine, str]]] = defaultdict(list)
    for item in open_items(settings, store, now):
        if item.state not in _LEVELS:
            continue
        for owner in answerers(settings, item):
            # Keyed by the owner, not by who is told: an item's level is told once per owner, to them or to whoever
            # acts for them, so a backup's nudge is not repeated to the owner back from leave. Each owner of a shared
            # mailbox is told (once), and an owner out of office hours is not passed over because another was told.
            about = (item.tracked.mailbox, item.tracked.message_id, item.state.value)
            if not told(deps, "nudge", owner, *about):
                recipient, line = _route(deps, item, owner, now, places)
                inbox[recipient.id].append((line, duty_key("nudge", owner.id, *about)))
    renderer = TemplateRenderer(settings.templates_dir)
    for recipient_id, entries in sorted(inbox.items()):
        recipient = settings.person(recipient_id)
        if not settings.calendar_for(recipient).is_open(now):
            continue  # nudges wait for office hours; the items stay unclaimed until then
        compose = partial(_message, recipient, now, settings.policy.organisation.name, renderer)
        if deps.dry_run:
            result.changes.append(f"would nudge {recipient.name}: {compose([line for line, _ in entries]).subject}")
            continue
        send_claimed(deps, recipient, entries, compose, now, result, what="nudge", action="nudge_sent",
                     counted="item(s)")  # fmt: skip
    remind_touchpoints(deps, now, result)  # members whose request is in progress, due a status update
    return result


def _message(
    recipient: Person, now: datetime, organisation: str, renderer: TemplateRenderer, lines: list[NudgeLine]
) -> Message:
    model = build_nudge(recipient, lines, now, ZoneInfo(recipient.timezone), organisation)
    return render_nudge(model, renderer)


def _route(
    deps: Deps, item: OpenItem, owner: Person, now: datetime, places: dict[str, Whereabouts]
) -> tuple[Person, NudgeLine]:
    recipient, covering, reason = route(deps, owner, now, places)
    return recipient, NudgeLine(item, owner, covering, reason)
