"""Lapak Desa's search index on PostgreSQL (storage/listing_search.py): pg_trgm tables

0009 made the FTS5 tables on SQLite only. On PostgreSQL the same index is two plain
tables with pg_trgm GIN indexes: each listing's normalised text (a LIKE '%word%' is
served by the trigram index) and the vocabulary of words (its trigram index gives a
slip's candidates; "C" collation so prefix ranges compare bytes, as SQLite does). On
SQLite this revision does nothing. The extension is left in place on downgrade: other
schemas of the database may use it. Like 0009's, these tables are not in
storage.models; Alembic's comparison skips them (storage.listing_search.TABLES).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE TABLE listing_search ("
        "id BIGINT PRIMARY KEY, village_id INTEGER NOT NULL, body TEXT NOT NULL)"
    )
    op.execute("CREATE INDEX listing_search_body ON listing_search USING gin (body gin_trgm_ops)")
    op.execute("CREATE INDEX listing_search_village ON listing_search (village_id, id)")
    op.execute('CREATE TABLE listing_search_terms (term TEXT COLLATE "C" PRIMARY KEY)')
    op.execute(
        "CREATE INDEX listing_search_terms_trigrams"
        " ON listing_search_terms USING gin (term gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE listing_search_terms")
    op.execute("DROP TABLE listing_search")
