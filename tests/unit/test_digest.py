"""The supervisor's digest: order, wording, who is out, what went wrong, and member text kept harmless."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.domain import MessageKind, Person, Tracked, TrackState
from mailbot.policy.digest import DigestModel, OpenItem, Presence, StaffSection, build_digest, render_digest
from mailbot.policy.message_samples import ANNA, JAMES, LI, MARIA, PETR
from mailbot.policy.messages import age_text, one_line
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 23)  # a Monday
ORG = "Riverside Members' Association"
IN = Presence(False, "none", None, None)
HOSTILE_SUBJECT = "</td><script>alert(1)</script>\r\nBcc: everyone"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


def open_item(
    subject: str,
    state: TrackState,
    due: datetime,
    *,
    received: datetime | None = None,
    kind: MessageKind = MessageKind.EMAIL,
    sender_name: str = "Jane Doe",
    hours: float = 3,
) -> OpenItem:
    received = received or due - timedelta(days=1)
    tracked = Tracked(
        "li.chen@example.org", f"<{subject}@x>", subject, "lchen", "jane@example.com", subject, kind, received, due
    )
    return OpenItem(tracked, state, timedelta(hours=hours), "", sender_name)


def digest(*sections: StaffSection) -> DigestModel:
    return build_digest(MARIA, sections, DAY, NY, ORG)


def section(
    person: Person = LI,
    emails: tuple[OpenItem, ...] = (),
    voicemails: tuple[OpenItem, ...] = (),
    presence: Presence = IN,
    problems: tuple[str, ...] = (),
) -> StaffSection:
    return StaffSection(person, emails, voicemails, presence, problems)


class Tags(HTMLParser):
    """Every start tag in a piece of HTML, as a browser's tokenizer would find them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def test_emails_are_listed_overdue_first_then_due_soon_then_on_track_each_by_deadline() -> None:
    """Within a person, overdue comes first, then due soon, then on track, and the earlier deadline first."""
    emails = (
        open_item("calm", TrackState.ON_TRACK, at(24, 15)),
        open_item("late-2", TrackState.OVERDUE, at(23, 11)),
        open_item("soon", TrackState.DUE_SOON, at(24, 9)),
        open_item("late-1", TrackState.OVERDUE, at(20, 16)),
    )
    view = digest(section(emails=emails)).sections[0]
    assert ["late-1", "late-2", "soon", "calm"] == [e.subject for e in view.emails]


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(seconds=20), "under a minute"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(minutes=60), "1 business hour"),
        (timedelta(hours=2), "2 business hours"),
        (timedelta(hours=5, minutes=30), "5.5 business hours"),
        (timedelta(hours=9, minutes=57), "10 business hours"),
        (timedelta(hours=27, minutes=10), "27 business hours"),
    ],
)
def test_age_reads_in_business_minutes_then_hours(age: timedelta, expected: str) -> None:
    """Under an hour in minutes, one decimal under ten hours, whole hours from ten on."""
    assert expected == age_text(age)


def test_times_show_in_the_office_zone_relative_to_the_digest_day() -> None:
    """A deadline stored in UTC reads as office time, with today and yesterday named."""
    item = open_item("x", TrackState.OVERDUE, datetime(2026, 11, 23, 21, tzinfo=UTC), received=at(22, 16))
    view = digest(section(emails=(item,))).sections[0].emails[0]
    assert ("4:00 pm yesterday", "overdue since 4:00 pm today") == (view.received, view.due)


def test_voicemails_not_returned_that_day_are_listed() -> None:
    """Overdue ones and ones left or due that day are listed; an answered one is not."""
    calls = (
        open_item("last week", TrackState.OVERDUE, at(17, 17), kind=MessageKind.VOICEMAIL),
        open_item("left last night", TrackState.DUE_SOON, at(23, 17), received=at(20, 18), kind=MessageKind.VOICEMAIL),
        open_item("returned", TrackState.ANSWERED, at(23, 17), received=at(23, 9), kind=MessageKind.VOICEMAIL),
    )
    view = digest(section(voicemails=calls)).sections[0]
    assert (["last week", "left last night"], 2, 1) == (
        [v.subject for v in view.voicemails],
        view.open_count,
        view.overdue_count,
    )


@pytest.mark.parametrize(
    ("presence", "expected"),
    [
        (
            Presence(True, "mailbot", at(24, 8), LI),
            "Away until 8:00 am tomorrow; mailbot's automatic reply is on; Li Chen covers.",
        ),
        (
            Presence(True, "own", at(30, 8), None),
            "Away until Monday, November 30 at 8:00 am; their own automatic reply is on.",
        ),
        (Presence(True, "missing", None, LI), "Away; no automatic reply is on; Li Chen covers."),
        (Presence(True, "own", None, LI), "Away (own automatic reply, no return date); Li Chen covers."),
        (IN, "In the office."),
    ],
)
def test_the_status_says_who_is_out_and_whose_reply_is_on(presence: Presence, expected: str) -> None:
    """Each person's status names mailbot's reply, their own, or none while away."""
    assert expected == digest(section(JAMES, presence=presence)).sections[0].status


def test_a_missing_reply_and_problems_need_attention() -> None:
    """Someone away with no reply, and what mailbot could not do, head the digest as sentences."""
    problem = "mailbot could not manage the automatic reply: the service account may not impersonate this mailbox"
    model = digest(section(ANNA, presence=Presence(True, "missing", None, None), problems=(problem,)), section(LI))
    expected = (
        "Anna Brandt is away with no automatic reply on.",
        f"Anna Brandt: {problem}.",
    )
    assert (expected, 2) == (model.attention, model.totals.attention)


def test_everyone_is_listed_the_most_overdue_first_then_staff_by_name_and_the_departed_last() -> None:
    """Sections with nothing open still appear after those with overdue mail, a departed colleague's marked."""
    left = open_item("Benefit claim", TrackState.OVERDUE, at(20, 16))
    model = digest(
        section(PETR, emails=(left,), presence=Presence(True, "none", None, ANNA)),
        section(LI),
        section(ANNA),
        section(JAMES, presence=Presence(False, "none", None, None)),
    )
    quiet = digest(section(PETR, presence=Presence(True, "none", None, ANNA)), section(LI), section(ANNA))
    rows = [(s.name, s.departed, s.nothing_open, len(s.emails)) for s in model.sections]
    assert (
        [("Petr Novak", True, False, 1), ("Anna Brandt", False, True, 0), ("James Okafor", False, True, 0),
         ("Li Chen", False, True, 0)],
        ["Anna Brandt", "Li Chen", "Petr Novak"],
    ) == (rows, [s.name for s in quiet.sections])  # fmt: skip


def test_a_person_with_nothing_open_still_gets_a_section() -> None:
    """The supervisor sees everyone: a quiet person's section says nothing is open, in both forms."""
    message = render_digest(digest(section(LI)), TemplateRenderer(SHIPPED))
    assert [True, True] == ["Li Chen" in form and "Nothing open." in form for form in (message.text, message.html)]


def test_the_departed_are_marked_in_both_forms() -> None:
    """The text and the HTML both say a departed colleague has left, and who covers."""
    left = open_item("Benefit claim", TrackState.OVERDUE, at(20, 16))
    model = digest(section(PETR, (left,), (), Presence(True, "none", None, ANNA)))
    message = render_digest(model, TemplateRenderer(SHIPPED))
    assert [True, True] == [
        "(departed)" in form and "Has left; Anna Brandt covers." in form for form in (message.text, message.html)
    ]


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ((TrackState.OVERDUE, TrackState.OVERDUE, TrackState.DUE_SOON), "Monday, November 23: 2 overdue, 3 open"),
        ((TrackState.ON_TRACK,), "Monday, November 23: 0 overdue, 1 open"),
        ((), "Monday, November 23: nothing open"),
    ],
)
def test_the_subject_counts_overdue_and_open(emails: tuple[TrackState, ...], expected: str) -> None:
    """The subject names the day and the counts, or says nothing is open."""
    items = tuple(open_item(f"m{n}", state, at(24, 9 + n)) for n, state in enumerate(emails))
    assert f"Service level digest for {expected}" == digest(section(emails=items)).subject


def test_the_summary_totals_e_mails_voicemails_and_people_away() -> None:
    """The summary counts every open message once, says how many are voicemails, and who is away."""
    call = open_item("call", TrackState.OVERDUE, at(23, 17), kind=MessageKind.VOICEMAIL)
    mail = open_item("mail", TrackState.DUE_SOON, at(24, 9))
    model = digest(section(LI, (mail,), (call,)), section(JAMES, presence=Presence(True, "mailbot", None, LI)))
    assert "2 member messages open (1 e-mail, 1 voicemail), 1 overdue. 1 person away." == model.summary


def test_hostile_subjects_and_names_never_become_markup() -> None:
    """Markup a member writes into a subject or their name is shown as text, not run as tags."""
    item = open_item(HOSTILE_SUBJECT, TrackState.OVERDUE, at(23, 9), sender_name=HOSTILE_NAME)
    html = render_digest(digest(section(emails=(item,))), TemplateRenderer(SHIPPED)).html
    assert (set(), True) == (Tags(html).tags & {"script", "img"}, "&lt;script&gt;alert(1)&lt;/script&gt;" in html)


def test_a_subject_cannot_start_a_line_of_its_own_in_the_text() -> None:
    """CR, LF and escape characters in a subject become spaces, so it cannot forge lines or drive a terminal."""
    item = open_item("Refund\r\n== Li Chen ==\x1b[2J\u2028Bcc: all", TrackState.OVERDUE, at(23, 9))
    text = render_digest(digest(section(emails=(item,))), TemplateRenderer(SHIPPED)).text
    headings = [line for line in text.splitlines() if line.startswith(("==", "Bcc"))]
    subjects = [line.strip() for line in text.splitlines() if "Refund" in line]
    assert (["== Li Chen, Member Services =="], ["OVERDUE   Refund == Li Chen == [2J Bcc: all"]) == (headings, subjects)


def test_one_line_shortens_very_long_subjects() -> None:
    """A subject beyond the limit is cut and ends with an ellipsis."""
    assert "aaaa…" == one_line("a" * 50, limit=5)


def test_the_shipped_templates_pass_the_check() -> None:
    """Every shipped template, the digest and nudge included, renders with all its samples."""
    assert [] == TemplateRenderer(SHIPPED).check_all()
