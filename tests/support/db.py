"""Database helpers for tests: migrate a URL, load reference data, clear tables."""
from __future__ import annotations

from sqlalchemy import Engine, text

# Loaded once per session and never modified by tests.
REFERENCE_TABLES = {"areas", "diseases", "alembic_version"}


def migrate_and_load(url: str) -> None:
    """Run every migration on url and load the shipped areas and diseases."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db
    from backend.services.data import reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        clear_tables(db.engine, keep={"alembic_version"})
        reference_data.load_areas()
        reference_data.load_diseases()
        db.session.commit()
        db.engine.dispose()


def clear_tables(engine: Engine, keep: set[str]) -> None:
    """Delete all rows from every table except those in keep."""
    from backend.extensions import db

    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in keep]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
