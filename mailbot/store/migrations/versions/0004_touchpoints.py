"""Touchpoints (member requests marked in progress, with their last touch) and complaints (with their escalation).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "touchpoint",
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("conversation_id", sa.String(998), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("sender", sa.String(998), nullable=False),
        sa.Column("sender_name", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("item_id", sa.String(512), nullable=False),
        _time("received_at"),
        _time("started_at"),
        _time("last_touch_at"),
        _time("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "message_id", name="pk_touchpoint"),
    )
    op.create_index("ix_touchpoint_ended_at", "touchpoint", ["ended_at"])
    op.create_index("ix_touchpoint_conversation_id", "touchpoint", ["conversation_id"])
    op.create_table(
        "complaint",
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        _time("noted_at"),
        sa.Column("reason", sa.Text(), nullable=False),
        _time("escalated_at", nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "message_id", name="pk_complaint"),
    )


def downgrade() -> None:
    op.drop_table("complaint")
    op.drop_index("ix_touchpoint_conversation_id", table_name="touchpoint")
    op.drop_index("ix_touchpoint_ended_at", table_name="touchpoint")
    op.drop_table("touchpoint")
