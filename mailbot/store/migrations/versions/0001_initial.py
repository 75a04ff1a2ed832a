"""Initial schema: sync states, tracked messages, sent keys, OOF records, audit log, job runs.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("mailbox", "folder", name="pk_sync_state"),
    )
    op.create_table(
        "tracked",
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("conversation_id", sa.String(998), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("sender", sa.String(998), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _time("received_at"),
        _time("due_at"),
        _time("answered_at", nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "message_id", name="pk_tracked"),
    )
    op.create_index("ix_tracked_owner_id_due_at", "tracked", ["owner_id", "due_at"])
    op.create_index("ix_tracked_answered_at_due_at", "tracked", ["answered_at", "due_at"])
    op.create_table(
        "sent_key",
        sa.Column("key", sa.String(512), nullable=False),
        _time("claimed_at"),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sent_key"),
    )
    op.create_table(
        "oof_record",
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        _time("start", nullable=True),
        _time("end", nullable=True),
        _time("set_at"),
        sa.PrimaryKeyConstraint("person_id", name="pk_oof_record"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(255), nullable=False),
        _time("started_at"),
        _time("finished_at"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_run"),
    )
    op.create_index("ix_job_run_job_finished_at", "job_run", ["job", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_job_run_job_finished_at", table_name="job_run")
    op.drop_table("job_run")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("oof_record")
    op.drop_table("sent_key")
    op.drop_index("ix_tracked_answered_at_due_at", table_name="tracked")
    op.drop_index("ix_tracked_owner_id_due_at", table_name="tracked")
    op.drop_table("tracked")
    op.drop_table("sync_state")
