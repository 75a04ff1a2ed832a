"""The survey part of SqlStore: surveys asked (one per request) and members' answers (one score each).

A mixin like followups.py. Each write is one INSERT ... ON CONFLICT DO NOTHING or one conditional UPDATE, so two
runs (or two clicks) at once cannot both win: RETURNING says which did.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbot.store.models import Base, SurveyAnswerRow, SurveyRow, TouchpointRow, TrackedRow, to_utc
from mailbot.store.port import ScoreRecord, SurveyRecord

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


class SurveyStore:
    """Surveys and answers on SQLAlchemy; every time passed in must be aware, every one returned is UTC."""

    if TYPE_CHECKING:  # provided by SqlStore

        def _session(self) -> AbstractContextManager[Session]: ...
        def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert: ...

    def add_survey(self, survey: SurveyRecord) -> bool:
        values = {
            "id": survey.id, "request_key": survey.request_key, "mailbox": survey.mailbox,
            "message_id": survey.message_id, "owner_id": survey.owner_id, "delivered": survey.delivered,
            "sent_at": to_utc(survey.sent_at, "survey time"), "expires_at": to_utc(survey.expires_at, "expiry"),
        }  # fmt: skip
        statement = self._insert(SurveyRow).values(values).on_conflict_do_nothing().returning(SurveyRow.id)
        with self._session() as s:
            return s.execute(statement).first() is not None

    def survey_for(self, request_key: str) -> SurveyRecord | None:
        return self._one(SurveyRow.request_key == request_key)

    def get_survey(self, survey_id: str) -> SurveyRecord | None:
        return self._one(SurveyRow.id == survey_id)

    def answer_survey(self, survey_id: str, score: int, at: datetime) -> bool:
        values = {"survey_id": survey_id, "score": score, "comment": "", "answered_at": to_utc(at, "answer time")}
        statement = (
            self._insert(SurveyAnswerRow).values(values).on_conflict_do_nothing().returning(SurveyAnswerRow.survey_id)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def comment_survey(self, survey_id: str, comment: str, at: datetime) -> bool:
        statement = (
            update(SurveyAnswerRow)
            .where(SurveyAnswerRow.survey_id == survey_id, SurveyAnswerRow.commented_at.is_(None))
            .values(comment=comment, commented_at=to_utc(at, "comment time"))
            .returning(SurveyAnswerRow.survey_id)
        )
        with self._session() as s:
            return s.execute(statement).first() is not None

    def scores_since(self, since: datetime) -> list[ScoreRecord]:
        query = (
            select(SurveyRow.owner_id, SurveyRow.mailbox, TrackedRow.subject, SurveyAnswerRow.score,
                   SurveyAnswerRow.comment, SurveyAnswerRow.answered_at)
            .join(SurveyAnswerRow, SurveyAnswerRow.survey_id == SurveyRow.id)
            .outerjoin(TrackedRow, (TrackedRow.mailbox == SurveyRow.mailbox)
                       & (TrackedRow.message_id == SurveyRow.message_id))
            .where(SurveyAnswerRow.answered_at >= to_utc(since, "start"))
            .order_by(SurveyAnswerRow.answered_at, SurveyRow.id)
        )  # fmt: skip
        with self._session() as s:
            return [
                ScoreRecord(owner, mailbox, subject or "", score, comment, at)
                for owner, mailbox, subject, score, comment, at in s.execute(query)
            ]

    def requests_done(self, since: datetime) -> list[tuple[str, str]]:
        query = (
            select(TouchpointRow.mailbox, TouchpointRow.message_id)
            .where(TouchpointRow.ended_at >= to_utc(since, "start"),
                   TouchpointRow.end_reason.in_(("done", "conversation_done")))
            .order_by(TouchpointRow.ended_at, TouchpointRow.mailbox, TouchpointRow.message_id)
        )  # fmt: skip
        with self._session() as s:
            return [(mailbox, message_id) for mailbox, message_id in s.execute(query)]

    def _one(self, where: object) -> SurveyRecord | None:
        query = select(SurveyRow, SurveyAnswerRow).outerjoin(SurveyAnswerRow).where(where)  # type: ignore[arg-type]
        with self._session() as s:
            found = s.execute(query).first()
        if found is None:
            return None
        survey, answer = found
        return SurveyRecord(
            survey.id, survey.request_key, survey.mailbox, survey.message_id, survey.owner_id, survey.delivered,
            survey.sent_at, survey.expires_at, answer.score if answer else None, answer.comment if answer else "",
            answer.answered_at if answer else None, answer.commented_at if answer else None,
        )  # fmt: skip
