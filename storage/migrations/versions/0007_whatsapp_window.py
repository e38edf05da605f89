"""WhatsApp's 24-hour window and delivery statuses

Each chat account remembers when the person last wrote (WhatsApp lets a business write
freely only within 24 hours of that). Outbox rows say what they are about (a case), and
keep the furthest delivery status the app reported (sent, delivered, read, failed).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "channel_identities",
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("outbox", sa.Column("topic", sa.String(length=40), nullable=True))
    op.add_column("outbox", sa.Column("delivery_state", sa.String(length=12), nullable=True))
    op.add_column("outbox", sa.Column("delivery_rank", sa.Integer(), nullable=True))
    op.add_column(
        "outbox", sa.Column("delivery_state_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_outbox_topic", "outbox", ["topic"])
    op.create_index("ix_outbox_external", "outbox", ["channel", "external_message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_external", table_name="outbox")
    op.drop_index("ix_outbox_topic", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("delivery_state_at")
        batch_op.drop_column("delivery_rank")
        batch_op.drop_column("delivery_state")
        batch_op.drop_column("topic")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("last_inbound_at")
