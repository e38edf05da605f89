"""Lapak Desa listings

One row per listing as buyers browse and search it; its moderation is a case (1:1).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 03:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("contact_mode", sa.String(length=10), nullable=False),
        sa.Column("whatsapp", sa.String(length=20), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("dusun", sa.String(length=60), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewal_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_listings_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_listings_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_listings_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_listings_case_id")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listings_village_id"), ["village_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("listings")
