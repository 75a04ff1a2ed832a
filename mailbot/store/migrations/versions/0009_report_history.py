"""What the report needs that was not kept: who sent a message's first answer, each touchpoint update as it fell due
(and when it was given), and each absence with when an automatic reply covering it was first in place.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    # Stored as UTC; mailbot.store.models.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("tracked") as table:
        table.add_column(sa.Column("answered_by", sa.String(320), nullable=False, server_default=""))
    op.create_table(
        "touchpoint_update",
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        _time("due_at"),
        sa.Column("owner_id", sa.String(255), nullable=False),
        _time("given_at", nullable=True),
        _time("noted_at"),
        sa.PrimaryKeyConstraint("mailbox", "message_id", "due_at", name="pk_touchpoint_update"),
    )
    op.create_index("ix_touchpoint_update_due_at", "touchpoint_update", ["due_at"])
    op.create_table(
        "absence",
        sa.Column("person_id", sa.String(255), nullable=False),
        _time("start"),
        _time("end"),
        _time("noted_at"),
        _time("covered_at", nullable=True),
        sa.PrimaryKeyConstraint("person_id", "start", name="pk_absence"),
    )
    op.create_index("ix_absence_start", "absence", ["start"])


def downgrade() -> None:
    op.drop_index("ix_absence_start", table_name="absence")
    op.drop_table("absence")
    op.drop_index("ix_touchpoint_update_due_at", table_name="touchpoint_update")
    op.drop_table("touchpoint_update")
    with op.batch_alter_table("tracked") as table:
        table.drop_column("answered_by")
