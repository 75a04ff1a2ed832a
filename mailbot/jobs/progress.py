"""Requests in progress as the digest and `mailbot status` list them: every followed touchpoint with its next
update's due time and who answers it (from the state database alone)."""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.config import Settings
from mailbot.jobs.open_items import answerers_of, calendar_of, mailbox_name
from mailbot.policy.progress import InProgress
from mailbot.policy.touchpoint import TouchpointRules, update_due
from mailbot.store import StateStore


def in_progress(settings: Settings, store: StateStore) -> list[InProgress]:
    """Every request followed now, with when its member is due the next status update."""
    rules = TouchpointRules.from_settings(settings)
    found = []
    for tp in store.touchpoints():
        due = update_due(tp.last_touch_at, calendar_of(settings, tp.mailbox), rules)
        found.append(InProgress(tp, due, tuple(answerers_of(settings, tp.mailbox)), mailbox_name(settings, tp.mailbox)))
    return found


def for_team(entries: Iterable[InProgress], people: set[str]) -> list[InProgress]:
    """The requests that one of `people` (ids) answers: in their own mailbox, or a shared one they own."""
    return [entry for entry in entries if any(owner.id in people for owner in entry.owners)]
