"""The digest for triage: the scoreboard leads, items link to the message, IT problems show once, and the HTML
keeps to what Outlook renders on a 390 px phone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from digest_layout import HOSTILE_NAMES, HOSTILE_SUBJECTS, RTL, hostile_digest, outlook_problems
from lxml import html as lxml_html

from mailbot.domain import MessageKind, Person, Tracked, TrackState
from mailbot.policy.digest import (
    DigestModel,
    OpenItem,
    Presence,
    StaffSection,
    build_digest,
    render_digest,
    with_chart,
)
from mailbot.policy.message_samples import ANNA, JAMES, LI, MARIA, PETR, digest_samples
from mailbot.policy.messages import one_line, standalone_html
from mailbot.policy.templates import TemplateRenderer
from mailbot.policy.triage import WeekAnswers, item_link, rate_text

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 23)  # a Monday
IN = Presence(False, "none", None, None)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=NY)


def item(subject: str, state: TrackState, *, sender_name: str = "Jane Doe", **tracked: str) -> OpenItem:
    due = at(23, 11) if state is TrackState.OVERDUE else at(24, 11)
    message = Tracked("li.chen@example.org", f"<{subject}@x>", subject, "lchen", "jane@example.com", subject,
                      MessageKind.EMAIL, due - timedelta(days=1), due, **tracked)  # type: ignore[arg-type]  # fmt: skip
    return OpenItem(message, state, timedelta(hours=3), "", sender_name)


NONE_ANSWERED = WeekAnswers()


def section(
    person: Person, *states: TrackState, week: WeekAnswers = NONE_ANSWERED, problems: tuple[str, ...] = ()
) -> StaffSection:
    emails = tuple(item(f"{person.id}-{n}", state) for n, state in enumerate(states))
    return StaffSection(person, emails, (), IN, problems, week)


def digest(*sections: StaffSection, shown_before: frozenset[str] = frozenset()) -> DigestModel:
    return build_digest(MARIA, sections, DAY, NY, "Riverside", shown_before=shown_before)


OVERDUE, SOON, CALM = TrackState.OVERDUE, TrackState.DUE_SOON, TrackState.ON_TRACK


def test_the_scoreboard_puts_the_most_overdue_first_with_open_overdue_due_soon_and_the_week_on_time() -> None:
    """One line per person, the most overdue first, then most due soon, then most open; quiet people last by name."""
    model = digest(
        section(LI, SOON, CALM, week=WeekAnswers(5, 4)),
        section(ANNA),
        section(JAMES, OVERDUE, OVERDUE, SOON, week=WeekAnswers(3, 1)),
        section(PETR, OVERDUE),
    )
    rows = [(s.name, s.overdue, s.due_soon, s.open, s.on_time) for s in model.scoreboard]
    expected = [("James Okafor", 2, 1, 3, "33% (1 of 3)"), ("Petr Novak", 1, 0, 1, "—"),
                ("Li Chen", 0, 1, 2, "80% (4 of 5)"), ("Anna Brandt", 0, 0, 0, "—")]  # fmt: skip
    assert (expected, [r[0] for r in expected]) == (rows, [s.name for s in model.sections])


def test_the_on_time_rate_is_answered_within_the_standard_out_of_answered_this_week() -> None:
    """A dash when nothing was answered this week, else the share rounded, with the counts."""
    assert ["—", "100% (2 of 2)", "67% (2 of 3)"] == [rate_text(WeekAnswers(*w)) for w in ((0, 0), (2, 2), (3, 2))]


def test_the_scoreboard_comes_first_and_it_problems_last_in_both_forms() -> None:
    """The scoreboard is right after the summary, before anyone's items; what needs attention closes the digest."""
    problem = "mailbot could not read the mailbox: access denied"
    message = render_digest(digest(section(LI, OVERDUE, problems=(problem,))), TemplateRenderer(SHIPPED))
    marks = ("On time this week", f"{LI.id}-0", "Needs your attention", "Times are the office's")
    positions = [[form.index(mark) for mark in marks] for form in (message.text, message.html)]
    assert [True, True] == [p == sorted(p) for p in positions]


def test_an_it_problem_shown_in_the_last_digest_is_not_repeated_unchanged() -> None:
    """A problem the last digest showed is left out; a changed one, and a missing reply, still show."""
    old, new = "mailbot could not read the mailbox: access denied", "mailbot could not read the mailbox: timed out"
    first = digest(section(LI, problems=(old,)))
    again = digest(section(LI, problems=(old,)), shown_before=frozenset(first.problems_today))
    changed = digest(section(LI, problems=(new,)), shown_before=frozenset(first.problems_today))
    away = StaffSection(ANNA, (), (), Presence(True, "missing", None, None))
    missing = digest(away, shown_before=frozenset({"Anna Brandt is away with no automatic reply on."}))
    assert (
        (f"Li Chen: {old}.",),
        (),
        (f"Li Chen: {new}.",),
        ("Anna Brandt is away with no automatic reply on.",),
    ) == (first.attention, again.attention, changed.attention, missing.attention)


def test_each_item_links_to_the_message_as_the_server_gave_it_at_sync_time() -> None:
    """The link synced with the message (Graph's webLink, EWS's read form), none for a row synced without one, and
    nothing but a web address ever becomes a link."""
    graph = item("a", OVERDUE, web_link="https://outlook.office365.com/owa/?ItemID=AAMk%2B&exvsurl=1").tracked
    ews = item("b", OVERDUE, item_id="AAMkA+b/c==", web_link="https://mail.example.org/owa/?ItemID=AAMkA%2Bb").tracked
    old, hostile = (
        item("c", OVERDUE, item_id="AAMkA+b/c==").tracked,
        item("d", OVERDUE, web_link="javascript:x").tracked,
    )
    expected = ["https://outlook.office365.com/owa/?ItemID=AAMk%2B&exvsurl=1",
                "https://mail.example.org/owa/?ItemID=AAMkA%2Bb", "", ""]  # fmt: skip
    assert expected == [item_link(t) for t in (graph, ews, old, hostile)]


def test_the_link_is_on_the_subject_in_html_and_on_its_own_line_in_text() -> None:
    """Both forms carry the item's link; an item synced without one shows its subject unlinked."""
    link = "https://mail.example.org/owa/?ItemID=X%3D&exvsurl=1&viewmodel=ReadMessageItem"
    one = StaffSection(LI, (item("Refund", OVERDUE, web_link=link), item("Old", OVERDUE)), (), IN)
    message = render_digest(digest(one), TemplateRenderer(SHIPPED))
    anchors = [(a.get("href"), a.text_content()) for a in lxml_html.fromstring(message.html).iter("a")]
    unlinked = [href for href, text in anchors if text == "Old"]
    in_text = f"            {link}" in message.text.splitlines()
    assert ((link, "Refund") in anchors, in_text, [], "Old" in message.html) == (True, True, unlinked, True)


def test_markup_in_a_subject_or_name_is_escaped_in_html_and_plain_in_text() -> None:
    """A subject and a sender name with <script> and & show as text in the HTML, and unchanged in the text."""
    subject, name = "<script>alert(1)</script> Tom & Jerry", "<b>Bad</b> & Co"
    hostile = StaffSection(LI, (item(subject, OVERDUE, sender_name=name),), (), IN)
    message = render_digest(digest(hostile), TemplateRenderer(SHIPPED))
    tree = lxml_html.fromstring(message.html)
    assert (
        [],
        [],
        True,
        True,
        True,
    ) == (
        tree.findall(".//script"),
        tree.findall(".//b"),
        "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry" in message.html,
        "&lt;b&gt;Bad&lt;/b&gt; &amp; Co" in message.html,
        subject in message.text and name in message.text,
    )


def test_every_shipped_digest_sample_is_outlook_safe_and_fits_a_phone() -> None:
    """No <style> block or class, no flex, grid, position or float, no background image, every table cell styled
    inline and breaking long strings, no fixed width above 390 px."""
    renderer = TemplateRenderer(SHIPPED)
    found = [problem for ctx in digest_samples() for problem in outlook_problems(renderer.render("digest", ctx).html)]
    assert [] == found


def test_a_digest_of_hostile_member_text_stays_outlook_safe() -> None:
    """Markup, quotes, right-to-left text and unbroken strings in subjects and names change nothing in the layout."""
    assert [] == outlook_problems(render_digest(hostile_digest(), TemplateRenderer(SHIPPED)).html)


def test_the_outlook_check_finds_what_outlook_drops() -> None:
    """The check itself catches each thing Outlook drops or a phone cannot fit."""
    bad = ('<style>.x{}</style><div class="x" style="display: flex"></div><table width="600"><tr><td>a</td>'
           '<td style="padding: 1px">member-written-subject</td></tr></table>'
           '<div style="max-width: 300px; float: left"></div>'
           '<p style="position: absolute; background: url(x.png)" onclick="x()"></p>')  # fmt: skip
    assert [
        "<style> block: .x{}", "div has a class", "div uses flex or grid", "table is 600px wide",
        "td without inline style", "td does not break long strings", "div uses float", "div uses max-width",
        "p has onclick", "p uses position", "p has a background image",
    ] == outlook_problems(bad)  # fmt: skip


def test_member_text_is_escaped_as_text_and_never_becomes_markup() -> None:
    """Every hostile subject and name reads as itself (bidi overrides taken out, long ones shortened); no script,
    no event attribute, and every link is a web or mail address."""
    message = render_digest(hostile_digest(), TemplateRenderer(SHIPPED))
    tree = lxml_html.fromstring(message.html)
    text = " ".join(tree.text_content().split())
    shown = [one_line(t, 200) for t in (*HOSTILE_SUBJECTS, *HOSTILE_NAMES)]
    hrefs = {a.get("href", "").partition(":")[0] for a in tree.iter("a")}
    attributes = [name for e in tree.iter() for name in e.attrib if name.lower().startswith("on")]
    assert ([], [], [], {"https", "mailto"}, False, True) == (
        [t for t in shown if t not in text],
        tree.findall(".//script"),
        attributes,
        hrefs,
        "\u202e" in message.html + message.text,
        RTL in text,
    )


def test_items_are_stacked_in_one_column_so_the_due_time_is_never_cut_off() -> None:
    """Each item is one cell holding its state, subject, sender and due time, so a phone wraps it, not crops it."""
    model = digest(section(LI, OVERDUE))
    tree = lxml_html.fromstring(render_digest(model, TemplateRenderer(SHIPPED)).html)
    cells = [td for td in tree.iter("td") if f"{LI.id}-0" in td.text_content() and not td.findall(".//td")]
    [due] = [view.due for view in model.sections[0].emails]
    assert [1, True] == [len(cells), due in cells[0].text_content()]


def test_the_chart_shows_by_cid_with_alt_text_and_a_saved_file_shows_it_in_place() -> None:
    """The HTML names the chart's inline image by cid:, 360 px wide with its alt text; the message carries the image;
    a digest written to a file (--html, the demo) has the picture itself as a data: URL."""
    charted, images = with_chart(digest(section(LI, OVERDUE, week=WeekAnswers(5, 4))), DAY)
    message = render_digest(charted, TemplateRenderer(SHIPPED), images)
    [img] = lxml_html.fromstring(message.html).iter("img")
    saved = standalone_html(message)
    assert charted.chart is not None
    assert (f"cid:{images[0].content_id}", charted.chart.alt, "360", images, "cid:" in saved, True) == (
        img.get("src"), img.get("alt"), img.get("width"), message.inline, "cid:" in saved,
        'src="data:image/png;base64,' in saved,
    )  # fmt: skip
