"""The settlement service: its own records and HTTP API, embedded in the app or run as its own process.

Embedded (the default), the blueprint is served by the app and the assistant calls the service
in-process. As its own process:

    flask --app "backend:create_settlement_app()" run --port 5100
    gunicorn "backend:create_settlement_app()"

with its own DATABASE_URL; the assistant then sets SETTLEMENT_URL to its base URL.
"""
from backend.settlement.blueprint import api_token, bp, service_auth  # noqa: F401
from backend.settlement import routes  # noqa: F401  (register the routes)
