"""Member surveys: one per answered request (its id is what the signed links carry), and the member's answer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False),
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("delivered", sa.String(16), nullable=False),
        _time("sent_at"),
        _time("expires_at"),
        sa.PrimaryKeyConstraint("id", name="pk_survey"),
        sa.UniqueConstraint("request_key", name="uq_survey_request_key"),
    )
    op.create_index("ix_survey_sent_at", "survey", ["sent_at"])
    op.create_table(
        "survey_answer",
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        _time("answered_at"),
        _time("commented_at", nullable=True),
        sa.PrimaryKeyConstraint("survey_id", name="pk_survey_answer"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name="fk_survey_answer_survey_id_survey"),
    )
    op.create_index("ix_survey_answer_answered_at", "survey_answer", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_survey_answer_answered_at", table_name="survey_answer")
    op.drop_table("survey_answer")
    op.drop_index("ix_survey_sent_at", table_name="survey")
    op.drop_table("survey")
