"""Dialect-aware bulk upsert (INSERT ... ON CONFLICT) for SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert rows, updating every non-key column where the key already exists."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=updates) if updates else (
        stmt.on_conflict_do_nothing(index_elements=list(keys))
    )
    session.execute(stmt, list(rows))


def insert_ignore(session: Session, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert rows, skipping those whose key already exists."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=list(keys)), list(rows))
