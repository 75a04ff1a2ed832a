"""The response promise as pure decisions: deadlines, states, whether a reply answered, who owns a message.

Instants are compared in UTC: aware datetimes sharing one ZoneInfo compare by wall clock, which is wrong in the
hour repeated when clocks go back. Classification lives in classify.py and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from mailbot.domain import Deadline, MailItem, MessageKind, Person, Tracked, TrackState
from mailbot.policy.automated import automated_reason
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.classify import (
    Classification,
    SlaRules,
    classify,
    has_category,
    is_voicemail,
)

__all__ = [
    "Answerable",
    "Classification",
    "SlaRules",
    "ThreadState",
    "Trackable",
    "age",
    "classify",
    "deadline_for",
    "find_answer",
    "first_answer",
    "owner_of",
    "reply_times",
    "state_of",
    "thread_state",
    "tracked_deadline",
]


class Answerable(Protocol):
    """What reply_times needs of a member message: MailItem, Tracked and Touchpoint provide it."""

    @property
    def mailbox(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...


class Trackable(Answerable, Protocol):
    """What find_answer needs of a member message; both MailItem and Tracked provide it."""

    @property
    def categories(self) -> tuple[str, ...]: ...


class SharedMailboxLike(Protocol):
    """A shared mailbox from people.yaml, read through the two fields ownership needs."""

    @property
    def email(self) -> str: ...
    @property
    def owners(self) -> Sequence[str]: ...


# --- Deadlines and states ------------------------------------------------------------------------------


def deadline_for(kind: MessageKind, received_at: datetime, calendar: BusinessCalendar, rules: SlaRules) -> Deadline:
    """E-mail is due `email_business_days` later; a phone message by the close of the workday it starts on."""
    if kind is MessageKind.VOICEMAIL:
        due_at, share = calendar.end_of_workday(received_at), rules.voicemail_due_soon
    else:
        due_at, share = calendar.add_business_days(received_at, rules.email_business_days), rules.email_due_soon
    return Deadline(due_at, _due_soon_at(received_at, due_at, share, calendar))


def tracked_deadline(tracked: Tracked, calendar: BusinessCalendar, rules: SlaRules) -> Deadline:
    """The stored due time of a tracked message, so a later config change never moves a promise already made."""
    share = rules.voicemail_due_soon if tracked.kind is MessageKind.VOICEMAIL else rules.email_due_soon
    return Deadline(tracked.due_at, _due_soon_at(tracked.received_at, tracked.due_at, share, calendar))


def _due_soon_at(received_at: datetime, due_at: datetime, share: float, calendar: BusinessCalendar) -> datetime:
    # The window is business time, so "75 % gone" skips nights and weekends like the deadline does.
    start = calendar.next_opening(received_at)
    return calendar.add_business_hours(start, calendar.elapsed(start, due_at) * share)


def state_of(deadline: Deadline, now: datetime, answered_at: datetime | None = None) -> TrackState:
    """Answered once an answer exists at `now`; otherwise overdue from due_at, due soon from due_soon_at."""
    at = _utc(now)
    if answered_at is not None and _utc(answered_at) <= at:
        return TrackState.ANSWERED
    if at >= _utc(deadline.due_at):
        return TrackState.OVERDUE
    if at >= _utc(deadline.due_soon_at):
        return TrackState.DUE_SOON
    return TrackState.ON_TRACK


def age(received_at: datetime, now: datetime, calendar: BusinessCalendar) -> timedelta:
    """How long a message has waited in business time, e.g. for "open 5.5 business hours" in the digest."""
    return calendar.elapsed(received_at, now)


# --- Answers --------------------------------------------------------------------------------------------


def find_answer(tracked: Trackable, candidates: Sequence[MailItem], rules: SlaRules, now: datetime) -> datetime | None:
    """When `tracked` was answered: the earliest staff reply in its thread, else `now` if marked done."""
    found = first_answer(tracked, candidates, rules, now)
    return None if found is None else found[0]


def first_answer(
    tracked: Trackable, candidates: Sequence[MailItem], rules: SlaRules, now: datetime
) -> tuple[datetime, str] | None:
    """When `tracked` was answered and by whom: the earliest staff reply in its thread and the mailbox whose Sent
    Items held it (lower case; of two copies at once, one not filed under the From address names the person
    who sent as a shared mailbox), else `now` and "" if marked done."""
    replies = [c for c in candidates if _in_thread(c, tracked) and _answers(c, tracked, rules)]
    if replies:
        first = min(replies, key=lambda c: (_utc(_reply_time(c)), _same(c.mailbox, c.sender)))
        return _reply_time(first), first.mailbox.strip().lower()
    # The owner may answer by phone or in person and mark it done. Only copies in the same mailbox: a
    # colleague on Cc filing their own copy as Done has not answered for the owner.
    copies = [
        c.categories for c in candidates if c.message_id == tracked.message_id and _same(c.mailbox, tracked.mailbox)
    ]
    if any(has_category(categories, rules.done_category) for categories in [tracked.categories, *copies]):
        return now, ""
    return None


def reply_times(message: Answerable, candidates: Sequence[MailItem], rules: SlaRules) -> list[datetime]:
    """When staff wrote to the member in `message`'s thread after it arrived, in the order of `candidates`."""
    return [_reply_time(c) for c in candidates if _in_thread(c, message) and _answers(c, message, rules)]


def _in_thread(candidate: MailItem, tracked: Answerable) -> bool:
    if tracked.conversation_id and candidate.conversation_id == tracked.conversation_id:
        return True
    wanted = _message_id(tracked.message_id)
    named = [candidate.in_reply_to or "", *candidate.references]
    return bool(wanted) and any(_message_id(ref) == wanted for ref in named)


def _answers(reply: MailItem, tracked: Answerable, rules: SlaRules) -> bool:
    """A person on staff wrote to the member after the message arrived.

    Addressed to the member, because an internal forward ("can you call him back?") shares the conversation
    but answers nobody. Auto-replies and phone messages from the internal phone system are not answers.
    """
    from_staff = rules.is_staff(reply.sender) or _same(reply.sender, tracked.mailbox)
    to_member = any(_same(r, tracked.sender) for r in reply.recipients)
    after = _utc(_reply_time(reply)) > _utc(tracked.received_at)
    human = automated_reason(reply, rules.automated) is None and not is_voicemail(reply, rules)
    return from_staff and to_member and after and human


def _reply_time(reply: MailItem) -> datetime:
    return reply.sent_at or reply.received_at


# --- Threads --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadState:
    """Where a conversation stands: the member messages still waiting and the one the clock runs from."""

    open_since: MailItem | None
    unanswered: tuple[MailItem, ...]
    last_answer_at: datetime | None


_EMPTY = ThreadState(None, (), None)


def thread_state(messages: Iterable[MailItem], rules: SlaRules) -> ThreadState:
    """Fold one conversation in arrival order: member messages open, a staff reply to them closes them.

    A later member message reopens the clock from the oldest message still unanswered. The same message seen
    in two mailboxes (To: help@, Cc: a colleague) is one message; one marked Done is settled.
    """
    state, seen = _EMPTY, set[str]()
    for message in sorted(messages, key=lambda m: _utc(m.received_at)):
        if message.message_id in seen:
            continue
        if classify(message, rules).counts:
            seen.add(message.message_id)
            # Marked Done: the owner answered it some other way (a call), so it no longer holds the clock.
            if not has_category(message.categories, rules.done_category):
                state = _opened(state, message)
        else:
            state = _replied(state, message, rules)
    return state


def _opened(state: ThreadState, message: MailItem) -> ThreadState:
    unanswered = (*state.unanswered, message)
    return ThreadState(unanswered[0], unanswered, state.last_answer_at)


def _replied(state: ThreadState, reply: MailItem, rules: SlaRules) -> ThreadState:
    remaining = tuple(m for m in state.unanswered if not _answers(reply, m, rules))
    if remaining == state.unanswered:
        return state
    return ThreadState(remaining[0] if remaining else None, remaining, _reply_time(reply))


# --- Ownership ------------------------------------------------------------------------------------------


def owner_of(item: MailItem, people: Iterable[Person], shared_mailboxes: Iterable[SharedMailboxLike]) -> list[str]:
    """Person ids who answer `item`: the mailbox's person (departed too; rerouting is the jobs' call) or the
    shared mailbox's owners; empty for a mailbox nobody is listed for."""
    for person in people:
        if _same(person.email, item.mailbox):
            return [person.id]
    for box in shared_mailboxes:
        if _same(box.email, item.mailbox):
            return list(box.owners)
    return []


# --- Small helpers --------------------------------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    return a.strip().strip("<>").lower() == b.strip().strip("<>").lower()


def _message_id(text: str) -> str:
    return text.strip().strip("<>").strip()


def _utc(at: datetime) -> datetime:
    # astimezone() would read a naive time as this machine's local time; a deadline must not depend on that.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"The time {at.isoformat()} has no timezone; deadlines need an aware datetime.")
    return at.astimezone(UTC)
