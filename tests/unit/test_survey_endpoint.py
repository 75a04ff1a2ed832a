"""The survey endpoint: one click records a score once; forged, reused and expired links record nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.test import Client, TestResponse

from mailbot.clock import FixedClock
from mailbot.policy.satisfaction import SurveyKeys
from mailbot.service.survey import SurveyApp
from mailbot.store import SqlStore, SurveyRecord, open_store

NY = ZoneInfo("America/New_York")
SENT = datetime(2026, 11, 23, 12, 0, tzinfo=NY)
KEYS = SurveyKeys("the organisation's key", "https://members.example.org/survey")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    with open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}") as opened:
        opened.add_survey(SurveyRecord("s-1", "request-1", "li.chen@example.org", "<1@x>", "lchen", "message", SENT,
                                       SENT + timedelta(days=14)))  # fmt: skip
        yield opened


def client(store: SqlStore, now: datetime = SENT + timedelta(hours=2), comment_max: int = 40) -> Client:
    return Client(SurveyApp(KEYS, store, FixedClock(now), "Riverside & <Co>", comment_max))


def click(web: Client, score: int | str, token: str | None = None, method: str = "GET") -> TestResponse:
    """The link as a member's mail program opens it, under the proxy's path prefix."""
    return web.open(f"/survey/{token or KEYS.token('s-1')}/{score}", method=method)


def test_one_click_records_the_score_and_offers_a_comment(store: SqlStore) -> None:
    """The page thanks the member for the score and shows the comment form; the store has the score."""
    page = click(client(store), 4)
    survey = store.get_survey("s-1")
    assert (200, 4) == (page.status_code, survey.score if survey else None)
    assert "You gave us 4 of 5 (very good)." in page.text and 'name="comment"' in page.text
    assert "Riverside &amp; &lt;Co&gt;" in page.text and "no-referrer" == page.headers["Referrer-Policy"]


def test_a_forged_link_is_refused_and_records_nothing(store: SqlStore) -> None:
    """A token signed with another key, or no token at all, is a 400 page; the survey stays unanswered."""
    forged = SurveyKeys("a guessed key", "").token("s-1")
    answers = [click(client(store), 5, forged).status_code, click(client(store), 5, "s-1").status_code]
    survey = store.get_survey("s-1")
    assert ([400, 400], None) == (answers, survey.score if survey else "missing")


def test_a_second_different_score_is_refused_and_the_first_kept(store: SqlStore) -> None:
    """Reusing the link with another score is a 409 page; the same score again shows the thanks once more."""
    web = client(store)
    statuses = [click(web, 5).status_code, click(web, 1).status_code, click(web, 5).status_code]
    page = click(web, 2)
    survey = store.get_survey("s-1")
    assert ([200, 409, 200], 5) == (statuses, survey.score if survey else None)
    assert "already answered with 5 of 5" in page.text


def test_an_expired_link_is_refused_and_records_nothing(store: SqlStore) -> None:
    """After the policy's days the page says the survey closed (410) and nothing is recorded."""
    page = click(client(store, now=SENT + timedelta(days=14)), 3)
    survey = store.get_survey("s-1")
    assert (410, None) == (page.status_code, survey.score if survey else "missing")


def test_a_mail_scanners_head_request_records_nothing(store: SqlStore) -> None:
    """HEAD (a link checker's probe) answers without recording a score."""
    survey_before = click(client(store), 5, method="HEAD").status_code, store.get_survey("s-1")
    assert (200, None) == (survey_before[0], survey_before[1].score if survey_before[1] else "missing")


def test_the_comment_is_kept_once_bounded_and_escaped_back(store: SqlStore) -> None:
    """A comment needs a score first, is refused over the policy's length (shown back escaped) or the request size
    limit, and is kept once."""
    web = client(store)
    early = web.post(f"/survey/{KEYS.token('s-1')}/comment", data={"comment": "Hi"}).status_code
    click(web, 4)
    long = web.post(f"/survey/{KEYS.token('s-1')}/comment", data={"comment": "<script>alert(1)</script>" * 3})
    huge = web.post(f"/survey/{KEYS.token('s-1')}/comment", data={"comment": "x" * 70_000}).status_code
    kept = web.post(f"/survey/{KEYS.token('s-1')}/comment", data={"comment": "Quick & kind."}).status_code
    again = web.post(f"/survey/{KEYS.token('s-1')}/comment", data={"comment": "More."}).status_code
    survey = store.get_survey("s-1")
    assert [409, 400, 413, 200, 409] == [early, long.status_code, huge, kept, again]
    assert "&lt;script&gt;" in long.text and "<script>" not in long.text
    assert "Quick & kind." == (survey.comment if survey else None)
