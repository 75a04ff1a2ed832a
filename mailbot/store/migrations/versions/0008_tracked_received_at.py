"""Reports select tracked messages by when they arrived (and whose they are): an index on (received_at, owner_id)
lets a week's or a month's report read only that stretch of a year's messages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tracked_received_at_owner_id", "tracked", ["received_at", "owner_id"])


def downgrade() -> None:
    op.drop_index("ix_tracked_received_at_owner_id", "tracked")
