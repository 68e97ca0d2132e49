"""Liveness and readiness: /healthz checks the database and the schema version."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend import messages
from backend.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable and migrated, else 503 with the reason."""
    try:
        db.session.execute(text("SELECT 1"))
        migrated = db.session.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = "database_not_migrated" if "alembic_version" in str(exc) else "database_unreachable"
        return jsonify(status="error", reason=reason, message=messages.text(reason)), 503
    if migrated is None:
        reason = "database_not_migrated"
        return jsonify(status="error", reason=reason, message=messages.text(reason)), 503
    return jsonify(status="ok", schema=migrated[0])
