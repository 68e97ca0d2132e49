"""Papers through the mini-program API: upload per material, what is kept, refusals, listing and deleting.

The worker (insured in Hefei) is posted to Suzhou and files with papers instead of the promise letter;
Hefei's SAMPLE rules accept a posting letter, a work-unit proof or a labour contract for that category.
"""
import hashlib
import io
import random

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.adapters import storage
from backend.extensions import db
from backend.models import AuditEntry, Document, Filing
from tests.lib.test_uploads import jpeg_with_gps, png_bomb, small_pdf
from tests.services.test_document_store import s3_server  # noqa: F401  (the loopback S3 server)
from tests.support.console import ConsoleActions, create_staff, pending_filing, text


@pytest.fixture()
def case(app, people, today):
    """The worker's Hefei filing, waiting for review with papers to come."""
    with app.app_context():
        create_staff("reviewer-hefei", "reviewer-shenyang", "auditor")
        return pending_filing(people.worker)


def papers_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Document))


def test_a_posted_worker_uploads_his_posting_letter_and_the_hefei_reviewer_sees_it_on_the_case(
        app, as_person, case, client):
    worker = as_person("op-worker")
    answer = worker.upload(case, "posting_letter", jpeg_with_gps())
    assert answer.status_code == 201, answer.get_json()
    paper = answer.get_json()
    assert paper["material"] == "posting_letter" and paper["material_name"] == "单位派出证明"
    assert paper["status"] == "uploaded" and paper["content_type"] == "image/jpeg" and paper["delete_after"] is None
    listed = worker.papers(case).get_json()
    assert [m["code"] for m in listed["materials"]] == ["posting_letter", "work_unit_proof", "labour_contract"]
    assert [d["id"] for d in listed["documents"]] == [paper["id"]]

    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    page = text(console.case(case))
    assert "单位派出证明" in page and f"/console/documents/{paper['id']}/thumb" in page
    assert "这里没有上传的文件" not in page and "posting_letter</" not in page
    thumb = console.client.get(f"/console/documents/{paper['id']}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 320
    assert console.client.get(f"/console/documents/{paper['id']}?rotate=90").status_code == 200


def test_the_photo_kept_has_no_gps_and_is_encrypted_in_the_store(app, as_person, case):
    worker = as_person("op-worker")
    paper = worker.upload(case, "posting_letter", jpeg_with_gps(), filename="IMG_0001.JPG").get_json()
    read = worker.paper(paper["id"])
    assert read.status_code == 200 and read.mimetype == "image/jpeg"
    assert read.headers["Cache-Control"] == "no-store" and "sandbox" in read.headers["Content-Security-Policy"]
    image = Image.open(io.BytesIO(read.data))
    assert dict(image.getexif()) == {} and b"PhoneMaker" not in read.data
    with app.app_context():
        row = db.session.get(Document, paper["id"])
        raw = storage.raw_store(app.config).read(row.storage_key)
        read_by = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "document.read")).all()
        assert read_by == [row.owner_person_id]
        assert hashlib.sha256(read.data).hexdigest() == row.sha256
    assert raw.startswith(b"YDJYDOC1") and read.data not in raw


@pytest.mark.parametrize("payload,filename,code", [
    (png_bomb(), "bomb.png", "document_too_many_pixels"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000, "证明.jpg", "document_type"),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200, "IMG_0002.HEIC", "document_heic"),
])
def test_a_bomb_a_renamed_program_and_a_heic_photo_are_refused_in_plain_chinese(app, as_person, case,
                                                                                 payload, filename, code):
    answer = as_person("op-worker").upload(case, "posting_letter", payload, filename=filename)
    body = answer.get_json()
    assert answer.status_code == 400 and body["error"] == code
    assert body["message"] and body["message_en"] and "Traceback" not in answer.get_data(as_text=True)
    assert papers_stored(app) == 0


def test_an_oversize_upload_is_refused_from_its_declared_size_before_any_byte_is_read(app, as_person, case):
    from tests.lib.test_uploads import CountingStream

    app.config["DOCUMENT_MAX_BYTES"] = 1024 * 1024
    worker = as_person("op-worker")
    stream = CountingStream(b"--x\r\n", total=50 * 1024 * 1024)
    answer = worker.client.post(f"/api/v1/filings/{case}/documents", headers=worker.headers, input_stream=stream,
                                content_type="multipart/form-data; boundary=x", content_length=50 * 1024 * 1024)
    assert answer.status_code == 400 and answer.get_json()["error"] == "document_too_large"
    assert answer.get_json()["params"] == {"limit_mb": 1}
    assert stream.served == 0 and papers_stored(app) == 0


def test_a_file_a_little_over_the_limit_is_refused_while_it_is_read(app, as_person, case):
    app.config["DOCUMENT_MAX_BYTES"] = 200_000
    big = io.BytesIO()
    # Noise does not compress: a 300 x 250 picture is a PNG of about 226 KB.
    Image.frombytes("RGB", (300, 250), random.Random(20).randbytes(300 * 250 * 3)).save(big, "PNG")
    assert 200_000 < len(big.getvalue()) < 200_000 + 64 * 1024
    answer = as_person("op-worker").upload(case, "posting_letter", big.getvalue(), filename="big.png")
    assert answer.status_code == 400 and answer.get_json()["error"] == "document_too_large"


def test_a_pdf_is_kept_with_its_pages_and_a_paper_the_area_does_not_ask_for_is_refused(app, as_person, case):
    worker = as_person("op-worker")
    pdf = worker.upload(case, "labour_contract", small_pdf(2), filename="合同.pdf").get_json()
    assert (pdf["content_type"], pdf["pages"]) == ("application/pdf", 2)
    assert worker.paper(pdf["id"]).headers["Content-Disposition"].startswith("attachment")
    wrong = worker.upload(case, "referral_certificate", jpeg_with_gps())
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "document_material_unknown"


def test_the_person_deletes_a_paper_before_review_but_not_after_a_reviewer_looked_at_it(app, as_person, case):
    worker = as_person("op-worker")
    first = worker.upload(case, "posting_letter", jpeg_with_gps()).get_json()
    second = worker.upload(case, "posting_letter", jpeg_with_gps()).get_json()
    deleted = worker.delete_paper(first["id"])
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True
    assert worker.paper(first["id"]).status_code == 410
    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    assert console.mark_paper(case, second["id"], "accepted").status_code == 302
    refused = worker.delete_paper(second["id"])
    assert refused.status_code == 409 and refused.get_json()["error"] == "document_already_reviewed"
    with app.app_context():
        row = db.session.get(Document, first["id"])
        assert row.deleted_at is not None and not storage.store(app).exists(row.storage_key)
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "document")
                                     .order_by(AuditEntry.id)).all()
    assert actions.count("document.uploaded") == 2 and "document.deleted" in actions
    assert "document.reviewed" in actions


def test_a_decided_filing_takes_no_more_papers(app, as_person, people, today):
    worker = as_person("op-worker")
    reference = worker.file("公司派我去苏州工作一年", "下周一")["filing"]["reference"]
    answer = worker.upload(reference, "posting_letter", jpeg_with_gps())
    assert answer.status_code == 409 and answer.get_json()["error"] == "document_filing_closed"


def test_reviewers_of_another_area_and_the_auditor_cannot_open_a_paper(app, as_person, case):
    paper = as_person("op-worker").upload(case, "posting_letter", jpeg_with_gps()).get_json()
    for username in ("reviewer-shenyang", "auditor"):
        console = ConsoleActions(app.test_client())
        console.login(username)
        for path in (f"/console/documents/{paper['id']}", f"/console/documents/{paper['id']}/thumb"):
            assert console.client.get(path).status_code == 404, (username, path)
    auditor = ConsoleActions(app.test_client())
    auditor.login("auditor")
    page = text(auditor.case(case))
    assert "单位派出证明" in page and "只有本地区的审核员能打开材料" in page and "/thumb" not in page
    with app.app_context():
        reads = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "document.read"))
    assert reads == 0


def test_a_paper_sent_during_the_conversation_joins_the_filing_it_becomes(app, as_person, people, today):
    worker = as_person("op-worker")
    early = worker.upload(None, "posting_letter", jpeg_with_gps())
    assert early.status_code == 404 and "先说您要办备案" in early.get_json()["message"]
    summary = worker.answer_until_summary("公司派我去苏州工作一年", "下周一", materials="documents")
    sent = worker.upload(None, "posting_letter", jpeg_with_gps())
    assert sent.status_code == 201, sent.get_json()
    assert [d["id"] for d in worker.client.get("/api/v1/dialog/documents", headers=worker.headers)
            .get_json()["documents"]] == [sent.get_json()["id"]]
    submit = [c["number"] for c in summary["choices"] if c["value"] == "yes" and c["irreversible"]][0]
    reference = worker.conversation(submit)["filing"]["reference"]
    assert [d["id"] for d in worker.papers(reference).get_json()["documents"]] == [sent.get_json()["id"]]
    with app.app_context():
        assert db.session.scalar(select(Filing.status).where(Filing.reference == reference)) == "pending_review"


def test_uploads_are_limited_per_account_and_documented_as_multipart(app, as_person, case, client):
    app.config["DOCUMENT_UPLOAD_RATE_LIMIT"] = "2/hour"
    worker = as_person("op-worker")
    statuses = [worker.upload(case, "posting_letter", jpeg_with_gps()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/filings/{reference}/documents"]
    assert "multipart/form-data" in operation["post"]["requestBody"]["content"]
    assert {"400", "409", "413", "429"} <= set(operation["post"]["responses"])


def test_with_the_s3_store_the_paper_lands_encrypted_in_the_bucket(app, as_person, case, s3_server):
    import boto3

    app.config.update(DOCUMENT_STORE="s3", S3_BUCKET="papers", S3_ENDPOINT_URL=s3_server)
    app.extensions.pop("document_store", None)
    worker = as_person("op-worker")
    paper = worker.upload(case, "posting_letter", jpeg_with_gps()).get_json()
    with app.app_context():
        key = db.session.get(Document, paper["id"]).storage_key
    stored = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").get_object(
        Bucket="papers", Key=key)["Body"].read()
    read = worker.paper(paper["id"])
    assert stored.startswith(b"YDJYDOC1") and read.status_code == 200 and read.data not in stored
    assert Image.open(io.BytesIO(read.data)).format == "JPEG"
    assert worker.delete_paper(paper["id"]).status_code == 200
    with app.app_context():
        assert not storage.store(app).exists(key)
