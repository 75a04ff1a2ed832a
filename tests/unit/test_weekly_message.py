"""The weekly status in words: the voicemail script, the status text and the e-mail, from the shipped templates."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mailbot.config.organisation import CallbackPolicy
from mailbot.policy.templates import TemplateRenderer, organisation_context
from mailbot.policy.weekly_message import runs, script_context, weekly_context, weekly_subject
from mailbot.policy.weekly_samples import LI, plans
from mailbot.policy.weekly_status import STATUS_MESSAGE_LIMIT, DayChange, DayPlan, status_message_text

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
RENDERER = TemplateRenderer(ROOT / "message_templates")
ORG = organisation_context("Riverside Members' Association", "+1 555 0100")
THANKSGIVING, THURSDAY_FRIDAY, AWAY, UNENDING = plans()


def script(index: int) -> str:
    return RENDERER.render_text("voicemail_script", script_context(LI, plans()[index], CallbackPolicy(), ORG))


def test_the_script_for_a_thursday_friday_absence_reads_as_the_style_guide_asks() -> None:
    """In Monday to Wednesday with callback hours, away Thursday and Friday, returning on the Monday at noon."""
    expected = [
        "Hello, you have reached Li Chen at Riverside Members' Association.",
        "I am in the office from Monday to Wednesday and return calls between 3:30 and 5:00 pm.",
        "I am away on Thursday and Friday and will return on Monday, December 7 at 12:00 pm.",
        "Please leave your name, your number and a short message, or call our main number, +1 555 0100. Thank you.",
    ]
    assert expected == script(1).splitlines()


def test_thanksgiving_week_names_each_closure_and_when_li_returns() -> None:
    """Different windows each day, the fallback text on Wednesday, then the office closed on Thursday and Friday,
    each for its own reason, and Li returning on Tuesday at 8:00 am."""
    expected = [
        "I am in the office on Monday and return calls between 3:30 and 5:00 pm.",
        "On Tuesday I return calls between 2:00 and 3:30 pm.",
        "On Wednesday I return calls before the end of the day.",
        "The office is closed on Thursday for Thanksgiving Day and on Friday for the day after Thanksgiving, and I "
        "will return on Tuesday, December 1 at 8:00 am.",
    ]
    assert expected == script(0).splitlines()[1:-1]


def test_a_run_before_another_not_in_the_office_leaves_the_return_to_it() -> None:
    """Away Monday to Wednesday with no return set, then closed: only the closed sentence says there is none."""
    views = runs(UNENDING.days, CallbackPolicy())
    assert [("away", False), ("closed", True)] == [(v.kind, v.no_return) for v in views[-2:]]


def test_an_own_automatic_reply_with_no_end_gives_no_return_date() -> None:
    """Away on her own reply with no end, Li's script says she has set no return date, and so does the status."""
    context = script_context(LI, UNENDING, CallbackPolicy(), ORG)
    lines = RENDERER.render_text("voicemail_script", context).splitlines()
    assert ["I am away on Tuesday and Wednesday.",
            "The office is closed on Thursday for Thanksgiving Day and on Friday, and I have not set a return date."
            ] == lines[2:4]  # fmt: skip
    assert RENDERER.render_text("status_text", context).endswith(
        "Thu & Fri: office closed (Thanksgiving Day), no return date."
    )


def test_a_closure_in_lower_case_reads_with_an_article() -> None:
    """'staff training day' is no proper name: the office is closed for the staff training day; names stay bare."""
    days = [DayPlan(date(2026, 12, 3), "closed", closure="staff training day"),
            DayPlan(date(2026, 12, 4), "closed", closure="Christmas Eve")]  # fmt: skip
    expected = "on Thursday for the staff training day and on Friday for Christmas Eve"
    assert expected == runs(days, CallbackPolicy())[0].closed_phrase


def test_the_status_text_is_short_and_names_the_days() -> None:
    """The status text gives each run of days in a few words."""
    context = script_context(LI, THURSDAY_FRIDAY, CallbackPolicy(), ORG)
    expected = "Mon–Wed: in the office, calls 3:30–5:00 pm. Thu & Fri: away, back Mon Dec 7, 12:00 pm."
    assert expected == RENDERER.render_text("status_text", context)


def test_a_morning_window_shows_both_halves_of_the_day() -> None:
    """A window across noon writes am and pm."""
    day = DayPlan(date(2026, 12, 1), "in", (time(11, 30), time(13)))
    assert "between 11:30 am and 1:00 pm" == runs([day], CallbackPolicy())[0].callback_text


@given(st.text(max_size=600))
def test_a_status_message_is_one_line_within_the_limit(text: str) -> None:
    """Whatever the template writes, the status message is one line of at most 280 characters."""
    message = status_message_text(text)
    assert (True, False) == (len(message) <= STATUS_MESSAGE_LIMIT, "\n" in message)


def test_an_update_marks_what_changed() -> None:
    """The update e-mail lists the changed day, says what it was, and marks it in the week."""
    friday = DayPlan(date(2026, 11, 27), "closed", closure="day after Thanksgiving")
    change = DayChange(THANKSGIVING.days[4], friday)
    changed = THANKSGIVING.__class__(LI.id, THANKSGIVING.start, (*THANKSGIVING.days[:4], friday))
    context = weekly_context(LI, changed, CallbackPolicy(), ORG, script="Hello.", status_text="Thu & Fri: closed.",
                             status_message="not_supported", changes=[change],
                             previous=datetime(2026, 11, 23, 7, 30, tzinfo=NY))  # fmt: skip
    text = RENDERER.render("weekly_status", context).text
    assert ("Friday, November 27: office closed for the day after Thanksgiving (was: office closed for the day after "
            "Thanksgiving, back Tuesday, December 1 at 8:00 am)") in text  # fmt: skip
    assert "Friday, November 27          office closed for the day after Thanksgiving  (changed)" in text
    assert "mailbot cannot set status messages on this Exchange server" in text


def test_the_subject_says_whether_it_is_an_update() -> None:
    """First sends and updates have subjects that tell them apart."""
    subjects = [weekly_subject(THANKSGIVING, update=flag) for flag in (False, True)]
    assert [
        "Your weekly status and voicemail greeting for the week of November 23",
        "Updated: your weekly status and voicemail greeting for the week of November 23",
    ] == subjects


def test_the_script_and_status_text_are_text_only_templates() -> None:
    """check_all accepts voicemail_script and status_text without an HTML twin, and all samples render."""
    assert [] == RENDERER.check_all()


def test_the_html_e_mail_escapes_the_script_and_keeps_its_lines() -> None:
    """A name with markup is shown as text in the HTML e-mail, and each script line ends in a line break."""
    context = weekly_context(LI, THANKSGIVING, CallbackPolicy(), ORG, script="Hello, <b>Li</b>.\nThank you.",
                             status_text="Mon: in.", status_message="off")  # fmt: skip
    html = RENDERER.render("weekly_status", context).html
    assert "Hello, &lt;b&gt;Li&lt;/b&gt;.<br>\nThank you.\n</blockquote>" in html
