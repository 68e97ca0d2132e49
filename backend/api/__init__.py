"""The mini-program JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json)."""
from apiflask import APIBlueprint

from backend.errors import refuse_nul_characters

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(refuse_nul_characters)

from backend.api import dialog, eligibility, filings, institutions  # noqa: E402,F401  (register the routes)
from backend.api import family, me  # noqa: E402,F401  (family accounts, the signed-in person)
from backend.api import auth  # noqa: E402,F401  (WeChat sign-in and binding)
from backend.api import settlement  # noqa: E402,F401  (estimate and readiness)
from backend.api import documents  # noqa: E402,F401  (papers for filings)
