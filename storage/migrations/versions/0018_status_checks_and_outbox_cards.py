"""Statuses get CHECK constraints; the outbox finds a card's messages, and an edit's newer
edits, by columns of their own (`card`, `replaces`) instead of LIKE prefixes on dedupe keys

The allowed values are storage.statuses' (one list for the code and the schema): a later
change to a set comes with a migration that drops and recreates its constraint. Case
statuses have none: each case kind declares its own. Existing rows get their `card` and
`replaces` from their keys and payloads, as storage.outbox.enqueue fills them now.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

from storage import statuses

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (table, column, allowed values): constraint ck_<table>_<column>.
CHECKS: tuple[tuple[str, str, Iterable[str]], ...] = (
    ("outbox", "status", statuses.MESSAGE_STATUSES),
    ("outbox", "delivery_state", statuses.DELIVERY_RANKS),
    ("case_subscribers", "role", statuses.SUBSCRIBER_ROLES),
    ("listings", "status", statuses.LISTING_STATUSES),
    ("contact_threads", "status", statuses.CONTACT_STATUSES),
    ("contact_threads", "ended_by", statuses.CONTACT_ENDED_BY),
    ("announcements", "status", statuses.ANNOUNCEMENT_STATUSES),
    ("announcements", "kind", statuses.ANNOUNCEMENT_KINDS),
    ("announcement_deliveries", "status", statuses.DELIVERY_STATUSES),
)
# As storage.outbox had them at this revision: the cards' keys, and the keys of messages
# that edit another (a case card's edits, an announcement's progress card, a resident's
# deleted card), whose payloads name the message they edit.
CARD_PREFIXES = ("case-card:", "citizen-card:")
EDIT_PREFIXES = ("case-card:", "ann-card:", "forget:")
BATCH = 1000

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("dedupe_key", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("card", sa.String),
    sa.column("replaces", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("card", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("replaces", sa.String(length=120), nullable=True))
        batch.create_index(op.f("ix_outbox_card"), ["card"])
        batch.create_index(op.f("ix_outbox_replaces"), ["replaces"])
    _backfill_outbox()
    for table in dict.fromkeys(table for table, _column, _values in CHECKS):
        with op.batch_alter_table(table) as batch:
            for name, condition in _checks_of(table):
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table in dict.fromkeys(table for table, _column, _values in CHECKS):
        with op.batch_alter_table(table) as batch:
            for name, _condition in _checks_of(table):
                batch.drop_constraint(name, type_="check")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_replaces"))
        batch.drop_index(op.f("ix_outbox_card"))
        batch.drop_column("replaces")
        batch.drop_column("card")


def _checks_of(table: str) -> list[tuple[str, str]]:
    return [
        (op.f(f"ck_{table}_{column}"), statuses.one_of(column, values))
        for name, column, values in CHECKS
        if name == table
    ]


def _backfill_outbox() -> None:
    """Fill `card` and `replaces` of the rows already there (a LIKE is fine here, once)."""
    connection = op.get_bind()
    prefixes = dict.fromkeys(CARD_PREFIXES + EDIT_PREFIXES)
    query = (
        sa.select(outbox.c.id, outbox.c.dedupe_key, outbox.c.payload)
        .where(sa.or_(*(outbox.c.dedupe_key.startswith(p, autoescape=True) for p in prefixes)))
        .order_by(outbox.c.id)
    )
    rows = connection.execute(query).all()
    fill = (
        sa.update(outbox)
        .where(outbox.c.id == sa.bindparam("row_id"))
        .values(card=sa.bindparam("row_card"), replaces=sa.bindparam("row_replaces"))
    )
    changes = []
    for row_id, key, payload in rows:
        replaces = (payload or {}).get("replaces_key")
        changes.append(
            {
                "row_id": row_id,
                "row_card": _card_of(key),
                "row_replaces": replaces if isinstance(replaces, str) else None,
            }
        )
    for start in range(0, len(changes), BATCH):
        connection.execute(fill, changes[start : start + BATCH])


def _card_of(key: str) -> str | None:
    for prefix in CARD_PREFIXES:
        if key.startswith(prefix):
            return prefix + key.removeprefix(prefix).partition(":")[0]
    return None
