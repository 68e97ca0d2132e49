"""A fault-injecting HTTP proxy, run as its own process: `python -m tests.support.fault_proxy UPSTREAM PORT`.

It forwards requests to UPSTREAM unless told otherwise through POST /_fault:
  {"mode": "error", "count": 3}     answer 503 to the next 3 requests without forwarding them;
  {"mode": "slow", "delay": 3}      forward, then hold the upstream's answer for 3 s;
  {"mode": "hold", "delay": 60}     like slow, for tests that kill the client while it waits;
  {"mode": "pass"}                  forward normally.
GET /_fault reports the mode, how many requests were forwarded and refused, and how the upstream
answered the forwarded ones by status ("answered": {"201": 3, "200": 1}): the settlement service
answers a first registration 201 and a repeat 200, so a test sees redeliveries and their outcome.
"""
from __future__ import annotations

import json
import sys
import threading
import time

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_state = {"mode": "pass", "count": 0, "delay": 0.0, "forwarded": 0, "refused": 0, "answered": {}}
_lock = threading.Lock()


def _app(upstream: str):
    session = requests.Session()

    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/_fault":
            if request.method == "POST":
                with _lock:
                    _state.update({"count": 0, "delay": 0.0}, **request.get_json())
            with _lock:
                return Response(json.dumps(_state), content_type="application/json")
        with _lock:
            mode = _state["mode"]
            if mode == "error" and _state["count"] > 0:
                _state["count"] -= 1
                _state["refused"] += 1
                return Response('{"error": "injected"}', status=503, content_type="application/json")
            delay = _state["delay"] if mode in ("slow", "hold") else 0.0
        answer = session.request(request.method, upstream + request.full_path.rstrip("?"),
                                 data=request.get_data(), headers={k: v for k, v in request.headers
                                                                   if k.lower() not in ("host", "content-length")},
                                 timeout=30)
        with _lock:
            _state["forwarded"] += 1
            # Counted on arrival: a client killed while the answer is held still got it "sent".
            status = str(answer.status_code)
            _state["answered"][status] = _state["answered"].get(status, 0) + 1
        time.sleep(delay)
        return Response(answer.content, status=answer.status_code,
                        content_type=answer.headers.get("content-type", "application/json"))

    return app


if __name__ == "__main__":
    upstream_url, port = sys.argv[1].rstrip("/"), int(sys.argv[2])
    make_server("127.0.0.1", port, _app(upstream_url), threaded=True).serve_forever()
