"""Workers no longer record what they sent in the last second: nothing read it (their
shares of the limit, `holds` and `wants`, are what the others go by)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("sent")


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("sent", sa.Integer(), server_default="0", nullable=False))
