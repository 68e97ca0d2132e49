"""The settlement client port: the assistant reaches the settlement service only through this.

SETTLEMENT_URL empty: the service runs inside the app and is called in-process.
SETTLEMENT_URL set: it is another process, called over HTTP with the shared service token.
Both raise the same errors: SettlementUnavailable (down, slow, 5xx: worth retrying) and
SettlementRejected (a 4xx the service gave: retrying the same message would not help).
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod

import requests
from flask import current_app

from backend.lib.jsonable import jsonable
from backend.lib.errors import DomainError


class SettlementUnavailable(Exception):
    """The settlement service could not answer now (connection refused, timeout, 5xx)."""


class SettlementRejected(DomainError):
    """The settlement service refused the request (its error code and parameters are kept)."""

    code, status = "settlement_rejected", 400


class SettlementClient(ABC):
    """What the assistant asks of the settlement service."""

    @abstractmethod
    def register(self, message: dict) -> dict:
        """Hand off one filing version; idempotent by reference + version."""

    @abstractmethod
    def readiness(self, request: dict) -> dict:
        """Predict direct settlement for a person, institution, service and date."""

    @abstractmethod
    def estimate(self, request: dict) -> dict:
        """Estimate what the fund and the person pay."""


class InProcessSettlementClient(SettlementClient):
    """Call the embedded settlement service in this process (the default).

    Each call runs in its own app context, hence its own database session and transaction, as
    if the service were elsewhere: its commits never carry the caller's unfinished changes.
    """

    def _call(self, name: str, body: dict) -> dict:
        from backend.extensions import db
        from backend.settlement import service

        with current_app.app_context():
            try:
                return getattr(service, name)(body)
            finally:
                db.session.remove()

    def register(self, message: dict) -> dict:
        return self._call("register", message)

    def readiness(self, request: dict) -> dict:
        return self._call("readiness", request)

    def estimate(self, request: dict) -> dict:
        return self._call("estimate", request)


class HttpSettlementClient(SettlementClient):
    """Call the settlement service in another process over HTTP."""

    _local = threading.local()

    def __init__(self, base_url: str, token: str, timeout: float):
        self.base_url, self.token, self.timeout = base_url.rstrip("/"), token, timeout

    def _session(self) -> requests.Session:
        # One keep-alive session per thread: requests.Session is not thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _post(self, path: str, body: dict) -> dict:
        try:
            response = self._session().post(f"{self.base_url}/settlement/v1{path}", json=jsonable(body),
                                            headers={"Authorization": f"Bearer {self.token}"},
                                            timeout=self.timeout)
        except requests.RequestException as exc:
            raise SettlementUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise SettlementUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise SettlementUnavailable(f"HTTP {response.status_code} without JSON") from None
        if response.status_code >= 400:
            params = data.get("params") or {}
            if data.get("error") == "invalid_input":
                # The message names the fields ("fields"); callers that want one take "field".
                names = _field_names(data.get("detail") or {})
                params = {"field": names[0] if names else "?", "fields": ", ".join(names) or "?"}
            error = SettlementRejected(data.get("error") or "settlement_rejected", **params)
            error.status = response.status_code if response.status_code in (400, 404, 409) else 400
            raise error
        return data

    def register(self, message: dict) -> dict:
        return self._post("/registrations", message)

    def readiness(self, request: dict) -> dict:
        return self._post("/readiness", request)

    def estimate(self, request: dict) -> dict:
        return self._post("/estimate", request)


def _field_names(detail: dict) -> list[str]:
    return [str(name) for location in detail.values() if isinstance(location, dict) for name in location]


def client() -> SettlementClient:
    """Return the client the configuration asks for (in-process unless SETTLEMENT_URL is set)."""
    from backend.settlement.blueprint import api_token

    config = current_app.config
    if not config.get("SETTLEMENT_URL"):
        return InProcessSettlementClient()
    cached = current_app.extensions.get("settlement_client")
    if cached is None:
        cached = current_app.extensions["settlement_client"] = HttpSettlementClient(
            config["SETTLEMENT_URL"], api_token(config), config.get("SETTLEMENT_TIMEOUT", 5.0))
    return cached
