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


def _gunicorn_logger_base():
    try:
        from gunicorn.glogging import Logger
    except ImportError:  # gunicorn is only the production server; the app runs without it
        return object
    return Logger


class MaskingGunicornLogger(_gunicorn_logger_base()):
    """gunicorn's logger with the app's masking filter on its access and error logs.

    gunicorn writes its access log ("GET /api/v1/institutions?q=… HTTP/1.1") through handlers of its
    own, which the app's root-logger filter never sees; `make serve-prod` passes this class with
    --logger-class so both logs follow the same masking rule as the app's lines.
    """

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                    handler.addFilter(MaskingFilter())
