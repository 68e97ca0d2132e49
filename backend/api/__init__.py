"""The mini-program JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json)."""
from backend.api.blueprint import bp  # noqa: F401
from backend.api import dialog, eligibility, filings, institutions  # noqa: F401  (register the routes)
from backend.api import family, me  # noqa: F401  (family accounts, the signed-in person)
from backend.api import auth  # noqa: F401  (WeChat sign-in and binding)
from backend.api import settlement  # noqa: F401  (estimate and readiness)
from backend.api import documents  # noqa: F401  (papers for filings)
