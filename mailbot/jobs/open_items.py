"""Open member messages as the people who answer them see them: one per conversation, with its state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mailbot.config import Settings
from mailbot.domain import Person, Tracked
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.classify import SlaRules
from mailbot.policy.messages import OpenItem
from mailbot.policy.sla import age, state_of, tracked_deadline
from mailbot.store import StateStore


def open_items(settings: Settings, store: StateStore, now: datetime) -> list[OpenItem]:
    """Every open conversation once, represented by its oldest unanswered member message.

    A later member message in a conversation does not restart the clock: the oldest unanswered one sets
    the deadline, so a member who writes twice is not made to wait longer.
    """
    rules = SlaRules.from_settings(settings)
    oldest: dict[tuple[str, str], Tracked] = {}
    for t in store.open_tracked():
        key = (t.mailbox, t.conversation_id or t.message_id)
        if key not in oldest or t.received_at < oldest[key].received_at:
            oldest[key] = t
    return [open_item(settings, t, now, rules) for t in oldest.values()]


def open_item(settings: Settings, t: Tracked, now: datetime, rules: SlaRules | None = None) -> OpenItem:
    """One tracked message with its state and business-time age at `now`."""
    rules = rules or SlaRules.from_settings(settings)
    calendar = calendar_of(settings, t.mailbox)
    state = state_of(tracked_deadline(t, calendar, rules), now)
    return OpenItem(t, state, age(t.received_at, now, calendar), mailbox_name(settings, t.mailbox), t.sender_name)


def calendar_of(settings: Settings, mailbox: str) -> BusinessCalendar:
    person = person_by_email(settings, mailbox)
    if person is not None:
        return settings.calendar_for(person)
    box = next(b for b in settings.roster.shared_mailboxes if str(b.email).lower() == mailbox.lower())
    return settings.calendars[box.office]


def mailbox_name(settings: Settings, mailbox: str) -> str:
    """A shared mailbox's name; "" for a person's own mailbox."""
    box = next((b for b in settings.roster.shared_mailboxes if str(b.email).lower() == mailbox.lower()), None)
    return box.name if box else ""


def person_by_email(settings: Settings, email: str) -> Person | None:
    return next((p for p in settings.people() if p.email == email.lower()), None)


def answerers(settings: Settings, item: OpenItem) -> list[Person]:
    """Who answers an item: the mailbox's person, or every listed owner of a shared mailbox."""
    return answerers_of(settings, item.tracked.mailbox)


def answerers_of(settings: Settings, mailbox: str) -> list[Person]:
    """Who answers mail to `mailbox`: its person, or every listed owner of the shared mailbox."""
    person = person_by_email(settings, mailbox)
    if person is not None:
        return [person]
    box = next(b for b in settings.roster.shared_mailboxes if str(b.email).lower() == mailbox.lower())
    return [settings.person(owner) for owner in box.owners]


def for_people(items: Iterable[OpenItem], settings: Settings, people: set[str]) -> list[OpenItem]:
    return [i for i in items if any(p.id in people for p in answerers(settings, i))]
