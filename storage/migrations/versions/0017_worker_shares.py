"""Workers' shares of the bot's one flood limit: what each holds and wants

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("holds", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("wants", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("wants")
        batch.drop_column("holds")
