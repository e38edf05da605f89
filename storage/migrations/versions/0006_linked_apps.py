"""one person, two apps: link codes

A resident registered in one chat app links another with a one-time code (only its hash
is stored); wrong codes are counted per chat account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 03:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_in_window", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_link_codes_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_link_codes_identity_id_channel_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("citizen_id", name=op.f("uq_link_codes_citizen_id")),
    )
    op.create_index(op.f("ix_link_codes_code_hash"), "link_codes", ["code_hash"], unique=False)
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("link_failures_since", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("link_failures_since")
        batch_op.drop_column("link_failures")
    op.drop_index(op.f("ix_link_codes_code_hash"), table_name="link_codes")
    op.drop_table("link_codes")
