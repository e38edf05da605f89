"""Lapak Desa's search index (storage/listing_search.py)

FTS5 virtual tables are SQLite's own DDL, so they are made only on SQLite: the listings'
trigram index, the vocabulary of words with its own trigram index, and the trigger that
keeps the two in step. On PostgreSQL nothing is made here: 0016 makes its pg_trgm
tables (plain tables with GIN trigram indexes). The tables are not in storage.models
(SQLAlchemy cannot describe virtual tables); Alembic's comparison skips them
(storage.listing_search.TABLES).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 03:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE listing_search USING fts5("
        "body, village_id UNINDEXED, tokenize = 'trigram')"
    )
    op.execute(
        "CREATE TABLE listing_search_terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE listing_search_terms_fts USING fts5("
        "term, content = 'listing_search_terms', content_rowid = 'id', tokenize = 'trigram')"
    )
    op.execute(
        "CREATE TRIGGER listing_search_terms_added AFTER INSERT ON listing_search_terms BEGIN "
        "INSERT INTO listing_search_terms_fts (rowid, term) VALUES (new.id, new.term); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER listing_search_terms_added")
    op.execute("DROP TABLE listing_search_terms_fts")
    op.execute("DROP TABLE listing_search_terms")
    op.execute("DROP TABLE listing_search")
