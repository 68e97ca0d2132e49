"""Domain exceptions: raised by use cases and rules, mapped by each channel to its own answer.

One floor down (backend/lib) so that every layer, from the models to the channels, may import them.
"""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the person should understand: a reason code, an HTTP status and parameters."""

    code = "domain_error"
    status = 400

    def __init__(self, code: str | None = None, **params):
        super().__init__(code or self.code)
        self.code = code or self.code
        self.params = params


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it exists."""

    code, status = "not_found", 404


class NotAllowed(DomainError):
    """The actor may not act for this person (no consent, or consent revoked)."""

    code, status = "not_allowed", 403


class FilingLocked(DomainError):
    """The insured area's minimum period before a change or cancellation has not passed."""

    code, status = "change_lock", 409


class FilingNotActive(DomainError):
    """The filing is already cancelled, superseded, rejected or expired."""

    code, status = "filing_not_active", 409


class StaleTurn(DomainError):
    """The dialog moved on since the client last saw it."""

    code, status = "stale_turn", 409


class IdentityRequired(DomainError):
    """The WeChat identity is not bound to an insured person yet."""

    code, status = "identity_required", 403


class SettlementDown(DomainError):
    """The settlement service cannot answer now; nothing was lost, the person can try again."""

    code, status = "settlement_unavailable", 503
