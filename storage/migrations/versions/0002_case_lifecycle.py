"""case lifecycle

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:42:40.526348
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_subscribers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_case_subscribers_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_subscribers")),
        sa.UniqueConstraint("case_id", "citizen_id", name="uq_case_subscriber"),
    )
    with op.batch_alter_table("case_subscribers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_subscribers_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_subscribers_citizen_id"), ["citizen_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confidential", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("followup_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("related_case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_related_case_id_cases"), "cases", ["related_case_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_related_case_id_cases"), type_="foreignkey")
        batch_op.drop_column("related_case_id")
        batch_op.drop_column("followup_at")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("due_at")
        batch_op.drop_column("confidential")

    with op.batch_alter_table("case_subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_subscribers_citizen_id"))
        batch_op.drop_index(batch_op.f("ix_case_subscribers_case_id"))

    op.drop_table("case_subscribers")
