"""Uploads of a 3 MB photo through the API under gunicorn: latency and the workers' memory.

What is measured
  One insured person (Hefei, posted to Suzhou) with a filing waiting for review sends N photos
  (default 200) of about 3 MB each (4000 x 3000 JPEG) to `POST /api/v1/filings/<ref>/documents`,
  from --concurrency keep-alive connections, against gunicorn with 2 sync workers (APP_ENV=production)
  on a fresh SQLite or PostgreSQL database and the disk store under the instance folder. Each upload is
  checked by content, decoded, re-encoded without EXIF, encrypted and written.

  It prints p50/p95/p99 latency, the errors (anything but 201: must be 0), and each worker's RSS: after
  a warm-up of 10 uploads, its peak (sampled every 20 ms) and at the end. The bound: the workers' RSS at
  the end is within MAX_GROWTH (10%) of their RSS after the warm-up, i.e. nothing accumulates per
  upload; the peak over the idle worker is one decoded photo plus its re-encoding, well under
  MAX_PEAK_OVER_IDLE_MB. Only 127.0.0.1 is contacted; everything it made is removed at the end.

Run
  .venv/bin/python benchmarks/document_upload.py [--uploads 200] [--concurrency 4] [--backend sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dialog_turn as base  # noqa: E402  (servers, databases, cleanup)
from soak import rss_kb  # noqa: E402

MAX_GROWTH = 0.10
MAX_PEAK_OVER_IDLE_MB = 300
WARM_UP = 10

SETUP_SNIPPET = r"""
import json
from datetime import timedelta
from wsgi import app
from backend.auth import issue_token
from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import Person, WeChatIdentity
from backend.services.filing import filings

with app.app_context():
    first17 = "34010219920301017"
    person = Person(name="上传测试", insured_area_code="340100", scheme="employee", employment_status="working")
    person.set_id_number(first17 + idnumber.check_digit(first17))
    person.set_phone("13900001111")
    db.session.add(person)
    db.session.flush()
    identity = WeChatIdentity(app_id="dev", openid="bench-upload", person_id=person.id)
    db.session.add(identity)
    filing = filings.submit_filing(person, {
        "category": "posted_worker", "treatment_area": "320500", "materials": "documents", "phone": "profile",
        "start_date": (clock.today() + timedelta(days=9)).isoformat(), "principal": "self"},
        channel="bench", submit_key=None)
    db.session.commit()
    print("SETUP " + json.dumps({"token": issue_token(identity), "reference": filing.reference,
                                 "status": filing.status}))
"""


def photo(target_bytes: int = 3 * 1024 * 1024) -> bytes:
    """A 4000 x 3000 JPEG of about target_bytes: a gradient with noise, as a phone photo of a paper compresses."""
    import random

    from PIL import Image

    rng = random.Random(2026)
    small = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3))
    image = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    noise = Image.frombytes("L", (4000, 3000), rng.randbytes(4000 * 3000)).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    best = b""
    for quality in (95, 90, 85, 80, 75, 70, 60):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= target_bytes * 1.1:
            break
    return best


def multipart(material: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n{material}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run(backend: str, uploads: int, concurrency: int) -> bool:
    env, _tokens = base.prepare_database(backend, 1)
    out = base.run_cli(dict(env, APP_ENV="development"), sys.executable, "-c", SETUP_SNIPPET)
    setup = json.loads(next(ln for ln in out.splitlines() if ln.startswith("SETUP "))[len("SETUP "):])
    assert setup["status"] == "pending_review", setup
    env = dict(env, DOCUMENT_UPLOAD_RATE_LIMIT="100000/hour", DOCUMENT_STORE="disk")
    server = base.start_server("upload", ["wsgi:app"], env, "sync", 2, 1, env["INSTANCE_PATH"])
    body, content_type = multipart("posting_letter", photo())
    print(f"  {backend}: photo {len(body) / 2**20:.2f} MB, {uploads} uploads from {concurrency} connections")
    headers = {"Authorization": f"Bearer {setup['token']}", "Content-Type": content_type}
    path = f"/api/v1/filings/{setup['reference']}/documents"
    times, errors, lock = [], [], threading.Lock()
    done = [0]
    peak: dict[int, int] = {}
    idle = {pid: rss_kb(pid) for pid in server.worker_pids()}
    warm: dict[int, int] = {}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            for pid in server.worker_pids():
                try:
                    peak[pid] = max(peak.get(pid, 0), rss_kb(pid))
                except OSError:
                    pass
            time.sleep(0.02)

    def client(count: int) -> None:
        conn = base.http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        for _ in range(count):
            started = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError as exc:
                conn.close()
                conn = base.http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                status = f"socket {exc}"
            with lock:
                times.append(time.perf_counter() - started)
                if status != 201:
                    errors.append(status)
                done[0] += 1
                if done[0] == WARM_UP:
                    warm.update({pid: rss_kb(pid) for pid in server.worker_pids()})
        conn.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(uploads // concurrency + (i < uploads % concurrency),))
               for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    sampling.set()
    sampler.join()
    end = {pid: rss_kb(pid) for pid in server.worker_pids()}
    print(f"  {len(times)} uploads in {elapsed:.1f}s ({len(times) / elapsed:.1f}/s); latency p50 "
          f"{percentile(times, 0.50):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, "
          f"p99 {percentile(times, 0.99):.0f} ms;"
          f" errors {len(errors)}{' ' + str(errors[:5]) if errors else ''}")
    ok = not errors
    for pid in sorted(end):
        start, top, last = warm.get(pid) or idle.get(pid, 0), peak.get(pid, 0), end[pid]
        growth = (last - start) / start if start else 0.0
        over_idle = (top - idle.get(pid, top)) / 1024
        fine = growth <= MAX_GROWTH and over_idle <= MAX_PEAK_OVER_IDLE_MB
        ok &= fine
        print(f"  worker {pid}: RSS idle {idle.get(pid, 0) / 1024:.0f} MB, after warm-up {start / 1024:.0f} MB, "
              f"peak {top / 1024:.0f} MB (+{over_idle:.0f} MB over idle, bound {MAX_PEAK_OVER_IDLE_MB}), "
              f"end {last / 1024:.0f} MB (growth {growth:+.1%}, bound {MAX_GROWTH:.0%}) -> {'ok' if fine else 'MISS'}")
    base.stop_process(server.proc)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    try:
        ok = run(args.backend, args.uploads, args.concurrency)
    finally:
        base.cleanup()
    print("document upload: " + ("ok" if ok else "MISS"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
