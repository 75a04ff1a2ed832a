"""The nudge: one message per person, own items before covered ones, overdue first, member text kept harmless."""

from __future__ import annotations

from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.domain import MessageKind, Person, Tracked, TrackState
from mailbot.policy.message_samples import JAMES, LI, PETR
from mailbot.policy.nudge import NudgeLine, NudgeModel, OpenItem, build_nudge, render_nudge
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
ORG = "Riverside Members' Association"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=NY)  # Monday 2:00 pm
AWAY = "James Okafor is away until Tuesday, December 1"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


def open_item(
    subject: str,
    state: TrackState,
    due: datetime,
    *,
    owner: Person = LI,
    mailbox_name: str = "",
    kind: MessageKind = MessageKind.EMAIL,
    sender_name: str = "Jane Doe",
) -> OpenItem:
    mailbox = "help@example.org" if mailbox_name else owner.email
    tracked = Tracked(
        mailbox, f"<{subject}@x>", subject, owner.id, "jane@example.com", subject, kind, due - timedelta(days=1), due
    )
    return OpenItem(tracked, state, timedelta(hours=6), mailbox_name, sender_name)


def mine(
    subject: str, state: TrackState, due: datetime, mailbox_name: str = "", sender_name: str = "Jane Doe"
) -> NudgeLine:
    return NudgeLine(open_item(subject, state, due, mailbox_name=mailbox_name, sender_name=sender_name), LI, False)


def covering(owner: Person, subject: str, state: TrackState, due: datetime, reason: str = "") -> NudgeLine:
    return NudgeLine(open_item(subject, state, due, owner=owner), owner, True, reason)


def nudge(*lines: NudgeLine) -> NudgeModel:
    return build_nudge(LI, lines, NOW, NY, ORG)


def test_own_items_come_first_then_one_group_per_colleague_covered() -> None:
    """Li's own items head the nudge; James's and Petr's follow in groups titled by whom she covers."""
    model = nudge(
        covering(PETR, "claim", TrackState.OVERDUE, at(20, 16), "Petr Novak has left"),
        covering(JAMES, "renewal", TrackState.DUE_SOON, at(23, 16), AWAY),
        mine("address", TrackState.DUE_SOON, at(23, 15)),
        covering(JAMES, "refund", TrackState.OVERDUE, at(23, 9)),
    )
    groups = [(g.title, g.reason, [m.subject for m in g.messages]) for g in model.groups]
    assert [
        ("Your items", "", ["address"]),
        ("Covering for James Okafor", AWAY, ["refund", "renewal"]),
        ("Covering for Petr Novak", "Petr Novak has left", ["claim"]),
    ] == groups


def test_on_track_items_are_left_for_the_digest() -> None:
    """Only overdue and due-soon messages interrupt anyone."""
    model = nudge(mine("calm", TrackState.ON_TRACK, at(24, 15)), mine("soon", TrackState.DUE_SOON, at(23, 16)))
    assert ["soon"] == [m.subject for g in model.groups for m in g.messages]


def test_a_message_both_owned_and_covered_is_listed_once_as_own() -> None:
    """A shared mailbox can hand Li the same message twice; she sees it once, among her own."""
    shared = open_item("desk", TrackState.OVERDUE, at(23, 9), owner=JAMES, mailbox_name="Member Help Desk")
    model = nudge(NudgeLine(shared, JAMES, True, AWAY), NudgeLine(shared, LI, False))
    assert (1, ["Your items"]) == (model.count, [g.title for g in model.groups])


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((TrackState.OVERDUE, TrackState.DUE_SOON), "2 member messages need an answer (1 overdue)"),
        ((TrackState.OVERDUE,), "1 member message needs an answer (1 overdue)"),
        ((TrackState.DUE_SOON, TrackState.DUE_SOON), "2 member messages need an answer soon"),
    ],
)
def test_the_subject_counts_messages_and_overdue_ones(states: tuple[TrackState, ...], expected: str) -> None:
    """The subject says how many need an answer and how many are overdue, in the right number."""
    assert expected == nudge(*(mine(f"m{n}", s, at(23, 16 - n)) for n, s in enumerate(states))).subject


@pytest.mark.parametrize(
    ("state", "due", "expected"),
    [
        (TrackState.OVERDUE, at(23, 9), "overdue since 9:00 am today"),
        (TrackState.OVERDUE, at(22, 16), "overdue since 4:00 pm yesterday"),
        (TrackState.OVERDUE, at(19, 16), "overdue since Thursday, November 19 at 4:00 pm"),
        (TrackState.DUE_SOON, at(24, 10), "due by 10:00 am tomorrow"),
        (TrackState.DUE_SOON, at(25, 16, 30), "due by Wednesday, November 25 at 4:30 pm"),
    ],
)
def test_deadlines_read_relative_to_the_local_day(state: TrackState, due: datetime, expected: str) -> None:
    """Today, yesterday and tomorrow are named; other days are written out."""
    assert expected == nudge(mine("x", state, due)).groups[0].messages[0].due


def test_each_line_names_sender_mailbox_received_time_and_kind() -> None:
    """A line says who wrote, to which mailbox, when, and whether it was an e-mail or a voicemail."""
    shared = mine("desk", TrackState.OVERDUE, at(23, 9), mailbox_name="Member Help Desk")
    call = NudgeLine(
        open_item("call", TrackState.DUE_SOON, at(23, 17), owner=JAMES, kind=MessageKind.VOICEMAIL, sender_name=""),
        JAMES,
        True,
    )
    views = [m for g in nudge(shared, call).groups for m in g.messages]
    expected = [
        ("Jane Doe <jane@example.com>", "Member Help Desk", "9:00 am yesterday", "e-mail"),
        ("jane@example.com", "James Okafor's mailbox", "5:00 pm yesterday", "voicemail"),
    ]
    assert expected == [(v.sender, v.mailbox, v.received, v.kind) for v in views]


def test_the_text_form_lists_groups_in_order() -> None:
    """The plain text shows the greeting, the groups and each line with its deadline."""
    text = render_nudge(
        nudge(
            mine("address", TrackState.DUE_SOON, at(23, 15)),
            covering(JAMES, "refund", TrackState.OVERDUE, at(23, 9), AWAY),
        ),
        TemplateRenderer(SHIPPED),
    ).text
    expected = [
        "Hi Li,",
        "These 2 member messages need an answer; the overdue ones are at the top.",
        "Your items",
        "  * address: due by 3:00 pm today",
        "    E-mail from Jane Doe <jane@example.com> to your mailbox, received 3:00 pm yesterday.",
        "Covering for James Okafor",
        f"{AWAY}.",
        "  * refund: overdue since 9:00 am today",
        "    E-mail from Jane Doe <jane@example.com> to James Okafor's mailbox, received 9:00 am yesterday.",
    ]
    assert expected == [line for line in text.splitlines() if line][:9]


def test_hostile_subjects_and_names_are_escaped_in_html_and_one_line_in_text() -> None:
    """A member's markup shows as text in the HTML, and their line breaks cannot forge lines in the text."""
    line = mine(
        "</td><script>alert(1)</script>\r\nBcc: all",
        TrackState.OVERDUE,
        at(23, 9),
        sender_name="<img src=x onerror=alert(1)>",
    )
    message = render_nudge(nudge(line), TemplateRenderer(SHIPPED))
    parser = Tags()
    parser.feed(message.html)
    forged = [text_line for text_line in message.text.splitlines() if text_line.startswith("Bcc")]
    assert (set(), []) == (parser.tags & {"script", "img"}, forged)


class Tags(HTMLParser):
    """Collects every start tag, as a browser's tokenizer would find them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def test_a_colleague_away_with_only_their_own_reply_on_is_said_so_without_a_return() -> None:
    """James's own automatic reply is on with no end: the text says so plainly, without a return time."""
    reason = "James Okafor is away (own automatic reply, no return date)"
    text = render_nudge(nudge(covering(JAMES, "refund", TrackState.OVERDUE, at(23, 9), reason)),
                        TemplateRenderer(SHIPPED)).text  # fmt: skip
    lines = [line for line in text.splitlines() if line]
    assert ["Covering for James Okafor", f"{reason}."] == lines[2:4]
