"""inbound receipts, the phone number of a chat account

WhatsApp delivers a webhook again when it was not answered in time, and sometimes twice
anyway: each message id is recorded with the step it caused, so it is handled once.
WhatsApp people are keyed by their user id; the phone number, when given, is kept beside it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 02:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_receipts")),
        sa.UniqueConstraint("channel", "message_id", name="uq_inbound_receipts_channel_message"),
    )
    op.add_column("channel_identities", sa.Column("phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("phone")
    op.drop_table("inbound_receipts")
