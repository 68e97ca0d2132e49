"""Write audit entries (inside the caller's transaction)."""
from __future__ import annotations

from backend.extensions import db
from backend.models import AuditEntry


def record(action: str, *, actor_kind: str, actor_id: int | None, principal_id: int | None = None,
           subject_type: str = "", subject_id: str = "", channel: str = "", **detail) -> AuditEntry:
    """Add an audit entry to the session; it commits with the act it records."""
    entry = AuditEntry(action=action, actor_kind=actor_kind, actor_id=actor_id, principal_person_id=principal_id,
                       subject_type=subject_type, subject_id=subject_id, channel=channel, detail=detail)
    db.session.add(entry)
    return entry
