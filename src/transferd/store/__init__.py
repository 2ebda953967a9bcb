"""Persistence: SQLAlchemy Core tables, Alembic migrations and one store class per aggregate."""
