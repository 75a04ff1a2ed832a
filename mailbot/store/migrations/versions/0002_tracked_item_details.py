"""Tracked messages remember their Exchange item id, the sender's name, and how they were resolved.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch_alter_table lets SQLite, which cannot ALTER much, take the same migration as PostgreSQL.
    with op.batch_alter_table("tracked") as table:
        table.add_column(sa.Column("item_id", sa.String(512), nullable=False, server_default=""))
        table.add_column(sa.Column("sender_name", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("resolution", sa.String(32), nullable=False, server_default=""))
        table.create_index("ix_tracked_mailbox_item_id", ["mailbox", "item_id"])
        table.create_index("ix_tracked_conversation_id", ["conversation_id"])


def downgrade() -> None:
    with op.batch_alter_table("tracked") as table:
        table.drop_index("ix_tracked_conversation_id")
        table.drop_index("ix_tracked_mailbox_item_id")
        table.drop_column("resolution")
        table.drop_column("sender_name")
        table.drop_column("item_id")
