"""Persistence: SQLModel tables, the unit of work, the audit chain and Alembic migrations."""
