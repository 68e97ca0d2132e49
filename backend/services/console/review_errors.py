"""The review's refusals, shared by the decisions on cases (review.py) and on papers (review_documents.py)."""
from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, StaffUser
from backend.lib.errors import DomainError


class AlreadyDecided(DomainError):
    """Another reviewer decided the case first (or it is no longer pending)."""

    code, status = "review_already_decided", 409


class DecisionInvalid(DomainError):
    """The decision form does not name a usable reason."""

    code, status = "review_decision_invalid", 400


def already_decided(reference: str) -> AlreadyDecided:
    """The error that says who decided the case first, and when."""
    row = db.session.execute(
        select(Filing.status, Filing.decided_at, StaffUser.display_name)
        .outerjoin(StaffUser, StaffUser.id == Filing.decided_by_staff_id).where(Filing.reference == reference)
    ).one()
    decided_at = row.decided_at.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M") if row.decided_at else "-"
    return AlreadyDecided(reference=reference, status=row.status, decided_by=row.display_name or "系统 system",
                          decided_at=decided_at)
