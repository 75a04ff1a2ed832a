"""Member satisfaction for a period: the surveys asked, the scores members gave and their comments, counted in SQL.

A survey counts in the period it was asked in; its answer counts when it was given by `as_of` (the report's
moment). Only scores members gave through a valid link are in the store (the endpoint records nothing else), so
every figure here is a real score.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from mailbot.assessment.document import Section, Table
from mailbot.policy.satisfaction import SCORE_WORDS, SCORES
from mailbot.store.models import SurveyAnswerRow, SurveyRow

S, A = SurveyRow.__table__.c, SurveyAnswerRow.__table__.c


@dataclass(frozen=True)
class Comment:
    answered_at: datetime
    owner: str  # owner key: a person id, or a shared mailbox's address
    score: int
    text: str


@dataclass(frozen=True)
class Satisfaction:
    """Surveys asked in a period and what came back."""

    sent: int = 0
    answered: int = 0
    scores: tuple[int, ...] = (0, 0, 0, 0, 0)  # how many gave 1, 2, 3, 4 and 5
    average: float | None = None  # of the scores given, one decimal; None without any
    comments: tuple[Comment, ...] = ()

    @property
    def response_percent(self) -> float | None:
        return round(100 * self.answered / self.sent, 1) if self.sent else None


def satisfaction(
    engine: Engine, start: datetime, end: datetime, owners: Collection[str], as_of: datetime | None = None
) -> Satisfaction:
    """The surveys of `owners`' requests asked in [start, end), with the answers given by `as_of` (default: all)."""
    asked = (S.sent_at >= start, S.sent_at < end, S.owner_id.in_(list(owners)))
    given = [A.answered_at <= as_of] if as_of is not None else []
    answered = select(S.id).join(SurveyAnswerRow.__table__, A.survey_id == S.id).where(*asked, *given)
    with engine.connect() as connection:
        sent = connection.execute(select(func.count()).where(*asked)).scalar_one()
        ids = answered.subquery()
        grouped = select(A.score, func.count()).where(A.survey_id.in_(select(ids.c.id))).group_by(A.score)
        per_score = {int(score): int(count) for score, count in connection.execute(grouped)}
        average = connection.execute(select(func.avg(A.score)).where(A.survey_id.in_(select(ids.c.id)))).scalar()
        comments = connection.execute(
            select(A.answered_at, S.owner_id, A.score, A.comment)
            .join(SurveyRow.__table__, S.id == A.survey_id)
            .where(*asked, *given, A.comment != "")
            .order_by(A.answered_at, S.id)
        ).all()
    scores = tuple(int(per_score.get(score, 0)) for score in SCORES)
    return Satisfaction(
        sent=int(sent), answered=sum(scores), scores=scores,
        average=None if average is None else round(float(average), 1),
        comments=tuple(Comment(at, owner, score, text) for at, owner, score, text in comments),
    )  # fmt: skip


def satisfaction_section(figures: Satisfaction, names: Mapping[str, str], tz: ZoneInfo) -> Section:
    """The report's "Member satisfaction" section, for report.html and report.pdf alike."""
    if not figures.sent:
        return Section("Member satisfaction", ["No member was asked in this period."])
    average = "none yet" if figures.average is None else f"{figures.average:.1f} of 5"
    table = Table(["score", *(f"{score} {SCORE_WORDS[score]}" for score in SCORES)], [["members", *figures.scores]], 1)
    comments = [
        f"{c.answered_at.astimezone(tz):%Y-%m-%d}, {names.get(c.owner, c.owner)}, {c.score} of 5: \u201c{c.text}\u201d"
        for c in figures.comments
    ]
    return Section(
        "Member satisfaction",
        [f"Members asked \u201cHow did we do?\u201d once their request was answered: {figures.sent}; answered: "
         f"{figures.answered} ({figures.response_percent}%); average score {average}."],
        [table], subsections=[Section("Comments", items=comments)] if comments else (),
    )  # fmt: skip
