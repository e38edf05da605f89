"""Lapak Desa saved searches (🔔 Kabari saya) and their lookup words

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=60), nullable=False),
        sa.Column("normalised", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_saved_searches_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_saved_searches_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint(
            "citizen_id", "normalised", name="uq_saved_searches_citizen_normalised"
        ),
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_searches_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_saved_searches_village_id"), ["village_id"], unique=False
        )
    op.create_table(
        "saved_search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["saved_searches.id"],
            name=op.f("fk_saved_search_terms_search_id_saved_searches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_saved_search_terms_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search_terms")),
        sa.UniqueConstraint("search_id", "term", name="uq_saved_search_terms_search_term"),
    )
    with op.batch_alter_table("saved_search_terms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_saved_search_terms_village_term", ["village_id", "term"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("saved_search_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_search_terms_village_term")
    op.drop_table("saved_search_terms")
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_searches_village_id"))
        batch_op.drop_index(batch_op.f("ix_saved_searches_citizen_id"))
    op.drop_table("saved_searches")
