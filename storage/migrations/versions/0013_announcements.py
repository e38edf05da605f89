"""Pengumuman: announcements, one delivery per resident, topic subscriptions

Existing residents are subscribed to Umum and Darurat, as new residents are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 05:59:00.240410
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
# What a new resident subscribes to (flows/announce/topics.py), fixed here as it was then.
DEFAULT_TOPICS = ("umum", "darurat")


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("village_ids", sa.JSON(), nullable=False),
        sa.Column("admin_chat_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("approver_id", sa.String(length=64), nullable=True),
        sa.Column("approver_name", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_ref", sa.String(length=40), nullable=True),
        sa.Column("media_kind", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_code"), ["code"], unique=False)
        batch_op.create_index("ix_announcements_due", ["status", "send_at"], unique=False)

    op.create_table(
        "announcement_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("dusun", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_deliveries_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_announcement_deliveries_citizen_id_citizens"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_announcement_deliveries_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_deliveries")),
        sa.UniqueConstraint("announcement_id", "citizen_id", name="uq_announcement_deliveries"),
    )
    with op.batch_alter_table("announcement_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_deliveries_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            "ix_announcement_deliveries_state", ["announcement_id", "status"], unique=False
        )

    op.create_table(
        "topic_subscriptions",
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_topic_subscriptions_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("citizen_id", "topic", name=op.f("pk_topic_subscriptions")),
    )
    # Residents registered before topics existed take what a new resident takes.
    for topic in DEFAULT_TOPICS:
        op.execute(
            sa.text(
                "INSERT INTO topic_subscriptions (citizen_id, topic, created_at) "
                "SELECT id, :topic, CURRENT_TIMESTAMP FROM citizens WHERE deleted_at IS NULL"
            ).bindparams(topic=topic)
        )


def downgrade() -> None:
    op.drop_table("topic_subscriptions")
    with op.batch_alter_table("announcement_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_announcement_deliveries_state")
        batch_op.drop_index(batch_op.f("ix_announcement_deliveries_citizen_id"))

    op.drop_table("announcement_deliveries")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_due")
        batch_op.drop_index(batch_op.f("ix_announcements_code"))

    op.drop_table("announcements")
