"""Go-live horizon: where tracking began (tracking_start) and the older mail each mailbox's first read left out.

A database that was already in use keeps tracking everything it tracks: its horizon becomes the start of its own
history (the oldest message it tracked or sync it ran), and every mailbox it has read counts as read already, so
nothing is reported as left out.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL that SQLite and PostgreSQL both run; times stay in the columns' own representation.
_HISTORY = """
    SELECT received_at AS at FROM tracked
    UNION ALL SELECT started_at FROM job_run WHERE job = 'sync_mail'
    UNION ALL SELECT updated_at FROM sync_state
"""
_KEEP_HORIZON = f"""
    INSERT INTO tracking_start (id, first_run_at, since, updated_at)
    SELECT 1, first, NULL, first FROM (SELECT MIN(at) AS first FROM ({_HISTORY}) AS history) AS found
    WHERE first IS NOT NULL
"""
_ALREADY_READ = """
    INSERT INTO left_out (mailbox, horizon, messages, counted_at)
    SELECT sync_state.mailbox, tracking_start.first_run_at, 0, tracking_start.first_run_at
    FROM sync_state JOIN tracking_start ON tracking_start.id = 1
    WHERE sync_state.folder = 'inbox'
"""


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tracking_start",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        _time("first_run_at"),
        sa.Column("since", sa.Date(), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_start"),
    )
    op.create_table(
        "left_out",
        sa.Column("mailbox", sa.String(320), nullable=False),
        _time("horizon"),
        sa.Column("messages", sa.Integer(), nullable=False),
        _time("counted_at"),
        sa.PrimaryKeyConstraint("mailbox", name="pk_left_out"),
    )
    op.execute(_KEEP_HORIZON)
    op.execute(_ALREADY_READ)


def downgrade() -> None:
    op.drop_table("left_out")
    op.drop_table("tracking_start")
