"""Requests in progress (touchpoints) as the digest lists them: whose they are and when the member's next status
update is due, overdue first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailbot.domain import Person, Touchpoint
from mailbot.policy.messages import moment_text, one_line, plural

if TYPE_CHECKING:  # type only: digest.py imports ProgressView from here
    from mailbot.policy.digest import DigestModel

__all__ = ["InProgress", "ProgressView", "progress_views", "with_progress"]

_SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class InProgress:
    """One request followed: its touchpoint, when the next update is due, who answers it, a shared mailbox's name."""

    touchpoint: Touchpoint
    due_at: datetime
    owners: tuple[Person, ...]
    mailbox_name: str = ""  # "" for a person's own mailbox

    def overdue(self, now: datetime) -> bool:
        """The member's update is due and not sent yet."""
        return now >= self.due_at


@dataclass(frozen=True)
class ProgressView:
    """One request in progress as the digest templates show it; every field is finished text."""

    state: str  # for styling: overdue or on_track
    state_label: str  # overdue, on track
    subject: str
    member: str  # Pat Member <pat.member@gmail.example>
    member_name: str  # may be empty
    member_email: str
    mailbox: str  # Li's mailbox, Member Help Desk
    owner: str  # Li Chen; James Okafor and Li Chen
    last_update: str  # 10:05 am yesterday
    due: str  # next update due by 10:05 am tomorrow; update overdue since 10:05 am today


def progress_views(entries: Sequence[InProgress], now: datetime, tz: ZoneInfo) -> tuple[ProgressView, ...]:
    """The requests as seen at `now` in the office zone `tz`: overdue updates first, then by due time."""
    ordered = sorted(entries, key=lambda e: (not e.overdue(now), e.due_at.astimezone(UTC), e.touchpoint.message_id))
    return tuple(_view(entry, now, tz) for entry in ordered)


def with_progress(model: DigestModel, views: Sequence[ProgressView]) -> DigestModel:
    """The digest with its team's requests in progress listed, and counted in the summary."""
    if not views:
        return model
    late = sum(view.state == "overdue" for view in views)
    sentence = f"{plural(len(views), 'request')} in progress, {late} overdue for a status update."
    return replace(model, in_progress=tuple(views), summary=f"{model.summary} {sentence}")


def _view(entry: InProgress, now: datetime, tz: ZoneInfo) -> ProgressView:
    tp, today = entry.touchpoint, now.astimezone(tz).date()
    name, email = one_line(tp.sender_name, _SUBJECT_LIMIT), one_line(tp.sender, _SUBJECT_LIMIT)
    names = [one_line(person.name) for person in entry.owners]
    owner = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    own = f"{names[0].split()[0]}'s mailbox" if len(names) == 1 else "their mailbox"
    due = moment_text(entry.due_at, today, tz)
    late = entry.overdue(now)
    return ProgressView(
        state="overdue" if late else "on_track",
        state_label="overdue" if late else "on track",
        subject=one_line(tp.subject, _SUBJECT_LIMIT) or "(no subject)",
        member=f"{name} <{email}>" if name else email,
        member_name=name,
        member_email=email,
        mailbox=one_line(entry.mailbox_name) or own,
        owner=owner,
        last_update=moment_text(tp.last_touch_at, today, tz),
        due=f"update overdue since {due}" if late else f"next update due by {due}",
    )
