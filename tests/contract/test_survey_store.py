"""Surveys in the state store, on SQLite and PostgreSQL: one per request, one score each, and the report's feed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailbot.assessment.satisfaction import satisfaction
from mailbot.store import SqlStore, SurveyRecord

SENT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def survey(survey_id: str, owner: str = "lchen", sent: datetime = SENT) -> SurveyRecord:
    return SurveyRecord(survey_id, f"request-{survey_id}", "li.chen@example.org", f"<{survey_id}@x>", owner,
                        "message", sent, sent + timedelta(days=14))  # fmt: skip


def test_a_request_has_one_survey_and_a_survey_one_score(store: SqlStore) -> None:
    """A second survey for the same request, a second score and a second comment are all refused."""
    first = store.add_survey(survey("a"))
    again = store.add_survey(replace(survey("a"), id="b"))  # another run, the same request
    scores = [store.answer_survey("a", 4, SENT), store.answer_survey("a", 1, SENT)]
    comments = [store.comment_survey("a", "Quick.", SENT), store.comment_survey("a", "Slow.", SENT)]
    kept = store.get_survey("a")
    assert ([True, False], [True, False], [True, False]) == ([first, again], scores, comments)
    assert kept is not None and (4, "Quick.", None) == (kept.score, kept.comment, store.get_survey("b"))


def test_the_feed_counts_the_periods_real_scores_per_owner(store: SqlStore) -> None:
    """Surveys asked in the period for the owners asked about: sent, answered, the 1-5 spread, average, comments;
    unanswered surveys, other owners, other periods and answers after `as_of` do not count."""
    for survey_id, owner, sent in [
        ("a", "lchen", SENT),
        ("b", "lchen", SENT),
        ("c", "help@example.org", SENT),
        ("d", "lchen", SENT),
        ("e", "jokafor", SENT),
        ("f", "lchen", SENT - timedelta(8)),
    ]:
        store.add_survey(survey(survey_id, owner, sent))  # fmt: skip
    for survey_id, score in [("a", 5), ("b", 2), ("c", 5), ("e", 1), ("f", 1)]:
        store.answer_survey(survey_id, score, SENT + timedelta(hours=1))
    store.answer_survey("d", 3, SENT + timedelta(days=3))  # after the report's moment
    store.comment_survey("b", "Took a while.", SENT + timedelta(hours=2))
    figures = satisfaction(store.engine, SENT - timedelta(days=1), SENT + timedelta(days=6),
                           ["lchen", "help@example.org"], as_of=SENT + timedelta(days=1))  # fmt: skip
    assert (4, 3, (0, 1, 0, 0, 2), 4.0) == (figures.sent, figures.answered, figures.scores, figures.average)
    assert [("lchen", 2, "Took a while.")] == [(c.owner, c.score, c.text) for c in figures.comments]
