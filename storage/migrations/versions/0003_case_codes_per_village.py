"""case codes unique per village

Tracking codes (ADU-7K3Q) were unique across the whole deployment, which a kabupaten of
hundreds of villages would run out of; now each village has its own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot drop a constraint, so the table is rebuilt there.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_code", type_="unique")
        batch_op.create_unique_constraint("uq_cases_village_code", ["village_id", "code"])


def downgrade() -> None:
    # Fails, changing nothing, once two villages have a case with the same code.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_village_code", type_="unique")
        batch_op.create_unique_constraint("uq_cases_code", ["code"])
