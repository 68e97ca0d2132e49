"""Migrations: the same schema on SQLite and PostgreSQL, and in step with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import Float, create_engine, inspect

from backend import create_app
from backend.extensions import db


def _schema(url: str) -> dict:
    engine = create_engine(url)
    insp = inspect(engine)
    schema = {}
    for table in sorted(insp.get_table_names()):
        columns = {}
        for col in insp.get_columns(table):
            # Float before Numeric: PostgreSQL reports double precision as Float(53).
            kind = "Float" if isinstance(col["type"], Float) else col["type"]._type_affinity.__name__
            length = getattr(col["type"], "length", None)
            numeric = (getattr(col["type"], "precision", None), getattr(col["type"], "scale", None))
            columns[col["name"]] = (kind, length, numeric if kind == "Numeric" else None, col["nullable"])
        schema[table] = {
            "columns": columns,
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted((tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in insp.get_foreign_keys(table)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]))
                for i in insp.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL lists unique constraints here too
            ),
        }
    engine.dispose()
    return schema


def _upgrade(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def test_upgrade_creates_the_same_schema_on_sqlite_and_postgresql(tmp_path, postgres_schema_factory):
    sqlite_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    pg_url = postgres_schema_factory("mig").url
    _upgrade(sqlite_url)
    _upgrade(pg_url)
    sqlite_schema, pg_schema = _schema(sqlite_url), _schema(pg_url)
    assert sqlite_schema.keys() == pg_schema.keys()
    for table in sqlite_schema:
        assert sqlite_schema[table] == pg_schema[table], table
    assert "filings" in sqlite_schema and "outbox" in sqlite_schema


def test_the_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == []
