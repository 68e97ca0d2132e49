"""H5 pages under /m/: the blueprint and its shared helpers are in base.py; importing this package
registers every page module's routes on it."""
from backend.pages.base import bp  # noqa: F401
from backend.pages import account, family_pages, filing_pages, lookup_pages, paper_pages  # noqa: F401,I001  (routes)
