"""Weekly status: per person and week, the plan last sent (to spot changes), when, and whether the status was set.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "weekly_status",
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        _time("first_sent_at"),
        _time("last_sent_at"),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("status_message", sa.String(32), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "week_start", name="pk_weekly_status"),
    )
    op.create_index("ix_weekly_status_week_start", "weekly_status", ["week_start"])


def downgrade() -> None:
    op.drop_index("ix_weekly_status_week_start", table_name="weekly_status")
    op.drop_table("weekly_status")
