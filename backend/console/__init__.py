"""The staff console under /console: the blueprint and its shared helpers are in base.py; importing
this package registers every view module's routes on it."""
from backend.console.base import bp  # noqa: F401
from backend.console import auth, dashboard_views, family_views, policy_views, review_views  # noqa: F401,I001
