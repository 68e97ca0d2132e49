"""Papers on the H5 pages: a camera-opening file chooser per material, the kept photo, refusals that keep the page.

The worker (insured in Hefei, posted to Suzhou) files with papers; Hefei's SAMPLE rules accept a posting letter,
a work-unit proof or a labour contract for that category.
"""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import AuditEntry, Document, Person
from backend.services.filing import profile
from tests.lib.test_uploads import jpeg_with_gps
from tests.support.console import ConsoleActions, filing, text
from tests.support.pages import PageActions, questions

REASON = "照片太暗，看不清单位公章"


@pytest.fixture()
def worker(app, case):
    pages = PageActions(app.test_client())
    pages.sign_in("op-worker")
    return pages


def send(pages: PageActions, reference: str, material: str, data: bytes, *, filename="IMG_0001.JPG",
         screen: bool = False, follow: bool = True):
    """Choose a file for a material on the filing's page (or its large-text screen) and tap 上传."""
    query = f"?material={material}" + ("&screen=1" if screen else "")
    pages.last = pages.client.post(f"/m/filings/{reference}/papers{query}", content_type="multipart/form-data",
                                   data={"csrf_token": pages.token(f"/m/filings/{reference}"),
                                         "file": (io.BytesIO(data), filename)},
                                   follow_redirects=follow)
    return pages.last


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Document))


def test_each_material_has_a_file_chooser_that_opens_the_camera(worker, case):
    html = worker.open(f"/m/filings/{case}").get_data(as_text=True)
    choosers = re.findall(r'<input id="file-(\w+)" name="file" type="file" accept="image/\*,application/pdf" '
                          r'capture="environment">', html)
    assert choosers == ["posting_letter", "work_unit_proof", "labour_contract"]
    assert "单位派出证明" in html and "四个角都拍进去" in html and "还没有上传" in html


def test_a_photo_sent_from_the_page_is_shown_back_without_its_gps_and_the_reviewer_sees_it(app, worker, case):
    page = send(worker, case, "posting_letter", jpeg_with_gps())
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已收到“单位派出证明”" in html
    with app.app_context():
        paper = db.session.scalar(select(Document))
        assert (paper.channel, paper.material_code) == ("h5", "posting_letter")
    assert f'src="/m/papers/{paper.id}"' in html and "已上传，待审核" in html and "删除第1份" in html

    shown = worker.open(f"/m/papers/{paper.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store"
    assert dict(Image.open(io.BytesIO(shown.data)).getexif()) == {} and b"PhoneMaker" not in shown.data

    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    assert f"/console/documents/{paper.id}/thumb" in text(console.case(case))
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry.channel).where(AuditEntry.action == "document.read")).all()
    assert "h5" in reads


@pytest.mark.parametrize("payload,filename,words", [
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000, "证明.jpg", "只能上传照片"),
    (b"", "IMG_0003.JPG", "请先拍照或选择一个文件"),
])
def test_a_refused_file_is_said_in_chinese_on_the_filing_page_and_nothing_is_kept(app, worker, case, payload,
                                                                                   filename, words):
    page = send(worker, case, "posting_letter", payload, filename=filename if payload else "")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and words in html and 'role="alert"' in html
    assert case in html and "苏州市" in html and 'type="file"' in html  # the filing's page, as it was
    assert stored(app) == 0


def test_a_declared_oversize_upload_is_refused_before_it_is_read(app, worker, case):
    app.config["DOCUMENT_MAX_BYTES"] = 2 * 2**20
    page = send(worker, case, "posting_letter", b"\xff\xd8\xff" + b"\x00" * 3 * 2**20)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "文件太大了（最大2MB）" in html and case in html
    assert stored(app) == 0


def test_a_paper_can_be_deleted_before_review_and_not_after(app, worker, case):
    send(worker, case, "posting_letter", jpeg_with_gps())
    send(worker, case, "labour_contract", jpeg_with_gps())
    with app.app_context():
        first, second = db.session.scalars(select(Document.id).order_by(Document.id)).all()
    gone = worker.submit(f"/m/filings/{case}/papers/{first}/delete", token_from=f"/m/filings/{case}")
    assert gone.status_code == 200 and "已删除这份材料" in worker.html
    assert worker.open(f"/m/papers/{first}").status_code == 410

    reviewer = ConsoleActions(app.test_client())
    reviewer.login("reviewer-hefei")
    reviewer.mark_paper(case, second, "accepted")
    assert "删除第1份" not in worker.open(f"/m/filings/{case}").get_data(as_text=True)
    kept = worker.submit(f"/m/filings/{case}/papers/{second}/delete", token_from=f"/m/filings/{case}")
    assert kept.status_code == 409 and "不能再删除" in worker.html and case in worker.html
    assert worker.open(f"/m/papers/{second}").status_code == 200


def test_the_paper_a_reviewer_asks_for_comes_first_with_the_reason_and_sending_it_returns_the_case(
        app, worker, case):
    reviewer = ConsoleActions(app.test_client())
    reviewer.login("reviewer-hefei")
    reviewer.ask_for_paper(case, "labour_contract", REASON)
    html = worker.open(f"/m/filings/{case}").get_data(as_text=True)
    asked = html.index('data-testid="paper-asked"')
    assert asked < html.index("备案编号")  # above the filing's facts
    assert "工作人员请您补传：劳动合同" in html[asked:] and REASON in html[asked:]
    assert html.index('id="paper-labour_contract"') < html.index('id="paper-posting_letter"')

    send(worker, case, "labour_contract", jpeg_with_gps())
    with app.app_context():
        assert filing(case).status == "pending_review"
    assert 'data-testid="paper-asked"' not in worker.html


def test_large_text_asks_for_one_paper_a_screen(app, people, worker, case):
    with app.app_context():
        profile.update_settings(db.session.get(Person, people.worker), large_text=True)
    html = worker.open(f"/m/filings/{case}").get_data(as_text=True)
    assert 'type="file"' not in html and questions(html) == 0
    assert f'href="/m/filings/{case}/papers/posting_letter"' in html

    screen = worker.open(f"/m/filings/{case}/papers/posting_letter").get_data(as_text=True)
    assert questions(screen) == 1 and 'capture="environment"' in screen and "单位派出证明" in screen
    refused = send(worker, case, "posting_letter", b"MZ" + b"\x00" * 100, filename="a.jpg", screen=True)
    assert refused.status_code == 400 and "只能上传照片" in worker.html and questions(worker.html) == 1
    done = send(worker, case, "posting_letter", jpeg_with_gps(), screen=True)
    assert done.status_code == 200 and "已收到“单位派出证明”" in worker.html


def test_nobody_else_reads_a_paper_through_the_pages(app, worker, case):
    send(worker, case, "posting_letter", jpeg_with_gps())
    with app.app_context():
        paper = db.session.scalar(select(Document.id))
    neighbour = PageActions(app.test_client())
    neighbour.sign_in("op-neighbour")
    assert neighbour.open(f"/m/papers/{paper}").status_code == 404
    assert neighbour.open(f"/m/filings/{case}/papers/posting_letter").status_code == 404
    assert send(neighbour, case, "posting_letter", jpeg_with_gps()).status_code == 404
    assert stored(app) == 1
    assert PageActions(app.test_client()).open(f"/m/papers/{paper}").status_code == 302  # not signed in
