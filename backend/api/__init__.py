"""The mini-program JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json)."""
from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")

from backend.api import dialog, eligibility, filings, institutions  # noqa: E402,F401  (register the routes)
