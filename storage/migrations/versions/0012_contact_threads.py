"""Lapak Desa: buyers' conversations with sellers, blocks, and the daily cap on new ones

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("ended_by", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("sent_on_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_contact_threads_listing_id_listings")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["citizens.id"], name=op.f("fk_contact_threads_seller_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["citizens.id"], name=op.f("fk_contact_threads_buyer_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_threads")),
        sa.UniqueConstraint("listing_id", "buyer_id", name="uq_contact_threads_listing_buyer"),
    )
    with op.batch_alter_table("contact_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_threads_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_threads_seller_id"), ["seller_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contact_threads_buyer_id"), ["buyer_id"], unique=False)
    op.create_table(
        "contact_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["citizens.id"], name=op.f("fk_contact_blocks_seller_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["citizens.id"], name=op.f("fk_contact_blocks_buyer_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_blocks")),
        sa.UniqueConstraint("seller_id", "buyer_id", name="uq_contact_blocks_seller_buyer"),
    )
    op.create_table(
        "contact_quotas",
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_contact_quotas_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_contact_quotas")),
    )


def downgrade() -> None:
    op.drop_table("contact_quotas")
    op.drop_table("contact_blocks")
    with op.batch_alter_table("contact_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_threads_buyer_id"))
        batch_op.drop_index(batch_op.f("ix_contact_threads_seller_id"))
        batch_op.drop_index(batch_op.f("ix_contact_threads_listing_id"))
    op.drop_table("contact_threads")
