"""How long a decided filing's papers are kept, and dating them for deletion (documents.delete_expired deletes).

Its own module because deciding or cancelling a filing (filings.py, review.py) dates the papers, and the
papers' use cases (documents.py) build on filings.py.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from backend.extensions import db
from backend.lib import clock
from backend.models import AreaPolicy, Document, Filing


def retention_days(filing: Filing) -> int:
    """Return how many days a decided filing's papers are kept (the area's rule, else the setting, else 30)."""
    policy = db.session.get(AreaPolicy, filing.policy_id) if filing.policy_id else None
    if policy is not None and policy.document_retention_days is not None:
        return policy.document_retention_days
    return int(current_app.config["DOCUMENT_RETENTION_DAYS"])


def schedule_deletion(filing: Filing) -> None:
    """Date a decided (or cancelled) filing's papers for deletion, inside the caller's transaction.

    Papers already dated keep their date: a later cancellation does not extend it.
    """
    when = clock.today() + timedelta(days=retention_days(filing))
    db.session.execute(update(Document).where(Document.filing_id == filing.id, Document.deleted_at.is_(None),
                                              Document.delete_after.is_(None))
                       .values(delete_after=when).execution_options(synchronize_session=False))
