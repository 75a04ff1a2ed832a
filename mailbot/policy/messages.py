"""What the nudge and the digest share: the finished Message, one open item, and the house style for its lines.

Pure: every time is shown relative to a day the caller passes, never to the wall clock. Subjects and sender
names come from members, so everything member-written passes through `one_line` before it reaches a template.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.domain import InlineImage, MessageKind, Person, Tracked, TrackState
from mailbot.policy.templates import date_text, person_context, time_text

_STATE_ORDER = {TrackState.OVERDUE: 0, TrackState.DUE_SOON: 1, TrackState.ON_TRACK: 2, TrackState.ANSWERED: 3}
_STATE_LABELS = {
    TrackState.OVERDUE: "overdue",
    TrackState.DUE_SOON: "due soon",
    TrackState.ON_TRACK: "on track",
    TrackState.ANSWERED: "answered",
}
# Bidi overrides and isolates can make "gpj.exe" read "exe.jpg"; they never belong in a one-line label.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class Message:
    """A message ready to send: its subject and both forms of its body."""

    subject: str
    html: str
    text: str
    inline: tuple[InlineImage, ...] = ()  # images the HTML shows by cid:, sent as inline attachments


@dataclass(frozen=True)
class OpenItem:
    """One unanswered member message: the oldest unanswered one of its conversation."""

    tracked: Tracked
    state: TrackState
    age: timedelta
    mailbox_name: str = ""
    sender_name: str = ""


@dataclass(frozen=True)
class ItemView:
    """One open item as the templates show it; every field is finished text, in the office's time."""

    state: str  # overdue, due_soon, on_track: for styling
    state_label: str  # overdue, due soon, on track: for reading
    kind: str  # e-mail or voicemail
    sender: str  # Jane Doe <jane@example.com>
    sender_name: str
    sender_email: str
    subject: str
    mailbox: str
    mailbox_email: str
    received: str  # 9:12 am today
    due: str  # due by 4:00 pm today / overdue since 4:00 pm yesterday
    age: str  # 5.5 business hours
    link: str = ""  # the message in Outlook on the web (digest only; policy/triage.item_link), or ''


def one_line(text: str, limit: int | None = None) -> str:
    """`text` as one clean line: control characters (CR, LF, ESC...), line separators and bidi overrides
    become spaces, so a subject can neither start a fake line in the text digest nor drive a terminal."""
    cleaned = "".join(" " if _unsafe(ch) else ch for ch in text)
    line = " ".join(cleaned.split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI


def age_text(age: timedelta) -> str:
    """Business time in one unit: '45 min', '1 business hour', '5.5 business hours', '27 business hours'.

    Hours only, never days: the digest has no calendar to know how long a business day is, and the state
    (overdue, due soon) already says how it stands against the promise.
    """
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    tenths = (minutes * 10 + 30) // 60  # rounded half up, in whole tenths, so no float surprises
    hours = f"{tenths // 10}.{tenths % 10}" if tenths < 100 and tenths % 10 else str((minutes + 30) // 60)
    return f"{hours} business hour{'' if hours == '1' else 's'}"


def moment_text(at: datetime, today: date, tz: ZoneInfo) -> str:
    """'4:00 pm today', '4:00 pm yesterday', '10:00 am tomorrow', else 'Tuesday, December 1 at 4:00 pm'."""
    local = at.astimezone(tz)
    near = {today: "today", today - timedelta(days=1): "yesterday", today + timedelta(days=1): "tomorrow"}
    word = near.get(local.date())
    return f"{time_text(local)} {word}" if word else f"{date_text(local)} at {time_text(local)}"


def due_text(due_at: datetime, state: TrackState, today: date, tz: ZoneInfo) -> str:
    """'overdue since 4:00 pm today' once the deadline has passed, else 'due by 10:00 am tomorrow'."""
    moment = moment_text(due_at, today, tz)
    return f"overdue since {moment}" if state is TrackState.OVERDUE else f"due by {moment}"


def sort_key(item: OpenItem) -> tuple[int, datetime, datetime, str]:
    """Overdue first, then due soon, then on track; within each the earliest deadline first."""
    tracked = item.tracked
    return _STATE_ORDER[item.state], _utc(tracked.due_at), _utc(tracked.received_at), tracked.message_id


def item_view(item: OpenItem, today: date, tz: ZoneInfo, own_mailbox: str) -> ItemView:
    """The item's lines in house style; `own_mailbox` names a personal mailbox, e.g. 'your mailbox'."""
    tracked = item.tracked
    name, email = one_line(item.sender_name, _SUBJECT_LIMIT), one_line(tracked.sender, _SUBJECT_LIMIT)
    return ItemView(
        state=item.state.value,
        state_label=_STATE_LABELS[item.state],
        kind="voicemail" if tracked.kind is MessageKind.VOICEMAIL else "e-mail",
        sender=f"{name} <{email}>" if name else email,
        sender_name=name,
        sender_email=email,
        subject=one_line(tracked.subject, _SUBJECT_LIMIT) or "(no subject)",
        mailbox=one_line(item.mailbox_name) or own_mailbox,
        mailbox_email=tracked.mailbox,
        received=moment_text(tracked.received_at, today, tz),
        due=due_text(tracked.due_at, item.state, today, tz),
        age=age_text(item.age),
    )


def person_view(person: Person) -> dict[str, Any]:
    """The shared person placeholders (name, first_name, email, phone), as in every other template."""
    return person_context(person) or {}


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 e-mail', '2 e-mails', '0 people' (with many='people')."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def _utc(at: datetime) -> datetime:
    # Deadlines from different zones must sort by instant, not by wall clock.
    return at.astimezone(UTC)


def standalone_html(message: Message) -> str:
    """The message as a whole HTML page (mail bodies are fragments; a file opened in a browser needs a head), its
    inline images as data: URLs in place of the cid: ones a mail client resolves from the attachments."""
    from base64 import b64encode
    from html import escape

    body = message.html
    for image in message.inline:
        data = f"data:{image.content_type};base64,{b64encode(image.content).decode('ascii')}"
        body = body.replace(f'src="cid:{escape(image.content_id)}"', f'src="{data}"')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(message.subject)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
