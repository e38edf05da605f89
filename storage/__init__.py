"""Balai's persistence: typed SQLAlchemy models, sessions, repositories, migrations."""
