"""The /api/v1 blueprint the route modules register on."""
from apiflask import APIBlueprint

from backend.errors import refuse_nul_characters

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(refuse_nul_characters)
