"""The nudge: one message per person per run listing the member messages they should answer now.

Their own items come first, then one group per colleague they cover for (away or departed), overdue first in
each. build_nudge makes a NudgeModel of finished text whose fields are the nudge templates' placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.domain import Person, TrackState
from mailbot.policy.messages import ItemView, Message, OpenItem, item_view, one_line, person_view, plural, sort_key
from mailbot.policy.templates import TemplateRenderer, date_text, time_text

__all__ = [
    "Message",
    "NudgeGroup",
    "NudgeLine",
    "NudgeModel",
    "OpenItem",
    "build_nudge",
    "nudge_context",
    "render_nudge",
]

# Only these are worth interrupting someone for; on-track items wait for the digest.
_NUDGED = (TrackState.OVERDUE, TrackState.DUE_SOON)


@dataclass(frozen=True)
class NudgeLine:
    """One item for the recipient: their own, or a colleague's they cover (`reason` says why)."""

    item: OpenItem
    owner: Person
    covering: bool
    reason: str = ""


@dataclass(frozen=True)
class NudgeGroup:
    """'Your items', or 'Covering for James Okafor' with the reason underneath."""

    title: str
    reason: str  # James Okafor is away until Tuesday, December 1 ("" for your own items)
    covering: bool
    owner_name: str
    messages: tuple[ItemView, ...]  # not `items`: templates see a dict, whose .items is a method


@dataclass(frozen=True)
class NudgeModel:
    """The whole nudge as finished text; asdict(model) is the template context."""

    subject: str
    recipient: dict[str, Any]  # name, first_name, email, phone
    organisation: dict[str, str]
    now_text: str  # Tuesday, December 1 at 2:00 pm
    count: int
    overdue: int
    groups: tuple[NudgeGroup, ...]


def build_nudge(
    recipient: Person, lines: Sequence[NudgeLine], now: datetime, tz: ZoneInfo, organisation_name: str
) -> NudgeModel:
    """The nudge for `recipient` at `now`; on-track items and repeats of one message are left out."""
    today = now.astimezone(tz).date()
    wanted = _unique(sorted((line for line in lines if line.item.state in _NUDGED), key=_line_order))
    groups = tuple(_group(list(chunk), today, tz) for _, chunk in groupby(wanted, key=_group_key))
    count = len(wanted)
    overdue = sum(line.item.state is TrackState.OVERDUE for line in wanted)
    local = now.astimezone(tz)
    return NudgeModel(
        subject=_subject(count, overdue),
        recipient=person_view(recipient),
        organisation={"name": organisation_name},
        now_text=f"{date_text(local)} at {time_text(local)}",
        count=count,
        overdue=overdue,
        groups=groups,
    )


def nudge_context(model: NudgeModel) -> dict[str, Any]:
    """The nudge templates' context: the model as plain dicts, so a misspelt placeholder lists the known."""
    return asdict(model)


def render_nudge(model: NudgeModel, renderer: TemplateRenderer) -> Message:
    """The nudge message from the nudge.html.j2 and nudge.txt.j2 templates."""
    rendered = renderer.render("nudge", nudge_context(model))
    return Message(model.subject, rendered.html, rendered.text)


def _line_order(line: NudgeLine) -> tuple[bool, str, str, tuple[Any, ...]]:
    # Own items first, then each covered colleague by name; inside a group overdue first, earliest deadline first.
    owner = (line.owner.name.casefold(), line.owner.id) if line.covering else ("", "")
    return line.covering, *owner, sort_key(line.item)


def _unique(lines: Sequence[NudgeLine]) -> list[NudgeLine]:
    """Each message once, in its first place: a shared mailbox can make one message both own and covered."""
    seen: set[tuple[str, str]] = set()
    kept: list[NudgeLine] = []
    for line in lines:
        key = (line.item.tracked.mailbox.casefold(), line.item.tracked.message_id)
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def _own_mailbox(line: NudgeLine) -> str:
    return f"{line.owner.name}'s mailbox" if line.covering else "your mailbox"


def _group_key(line: NudgeLine) -> tuple[bool, str]:
    return line.covering, line.owner.id if line.covering else ""


def _group(lines: list[NudgeLine], today: date, tz: ZoneInfo) -> NudgeGroup:
    """One group's items; the first reason given stands for the group (the jobs give one per owner)."""
    first = lines[0]
    items = tuple(item_view(line.item, today, tz, _own_mailbox(line)) for line in lines)
    if not first.covering:
        return NudgeGroup("Your items", "", False, "", items)
    reason = next((one_line(line.reason) for line in lines if line.reason.strip()), "")
    return NudgeGroup(f"Covering for {first.owner.name}", reason, True, first.owner.name, items)


def _subject(count: int, overdue: int) -> str:
    """'2 member messages need an answer (1 overdue)'; with none overdue, '... need an answer soon'."""
    verb = "needs" if count == 1 else "need"
    tail = f" ({overdue} overdue)" if overdue else " soon"
    return f"{plural(count, 'member message')} {verb} an answer{tail}"
