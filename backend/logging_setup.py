"""Request logging with personal numbers masked."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from backend.lib.masking import MaskingFilter, mask_text

log = logging.getLogger("backend.request")


def configure(app: Flask) -> None:
    """Attach the masking filter and a one-line-per-request access log."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    # The filter sits on the handler so records from every library are masked too.
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    if not any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(logging.INFO if not app.testing else logging.WARNING)

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        log.info(
            "%s %s %s %.1fms",
            request.method,
            # Masked here as well as by the handler filter: other handlers
            # (a log shipper, pytest's capture) see the record before any filter.
            mask_text(request.full_path.rstrip("?")),
            response.status_code,
            elapsed_ms,
        )
        return response
