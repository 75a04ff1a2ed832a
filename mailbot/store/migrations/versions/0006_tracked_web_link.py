"""Tracked messages remember Graph's webLink, so the digest can link each item to the message in Outlook.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch_alter_table lets SQLite, which cannot ALTER much, take the same migration as PostgreSQL.
    with op.batch_alter_table("tracked") as table:
        table.add_column(sa.Column("web_link", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tracked") as table:
        table.drop_column("web_link")
