"""Photos sent to the official account: fetched through wechatpy's media API from the fake WeChat and kept
as the paper asked for; the reply says what was received and what is still missing.

The worker (insured in Hefei, posted to Suzhou) follows the account; his filing waits for papers.
"""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Document
from tests.lib.test_uploads import jpeg_with_gps
from tests.support.console import ConsoleActions, create_staff, filing, pending_filing, text
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

WORKER = dict(name="李强", id_number="340102199001150033", area="340100")


@pytest.fixture()
def follower(wechat, people, today):
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", WORKER["name"],
                                       WORKER["id_number"], WORKER["area"])
    return user


@pytest.fixture()
def case(app, people, follower):
    with app.app_context():
        create_staff("reviewer-hefei")
        return pending_filing(people.worker)


def papers(app) -> list[Document]:
    with app.app_context():
        rows = db.session.scalars(select(Document).order_by(Document.id)).all()
        db.session.expunge_all()
        return rows


def test_a_photo_sent_to_the_account_is_kept_as_the_paper_the_filing_waits_for(app, wechat, follower, case,
                                                                                 as_person):
    wechat.fake.add_media("media-letter", jpeg_with_gps((640, 480)))
    reply = follower.send_image("media-letter")
    assert "收到了“单位派出证明”的照片" in reply and "材料齐了" in reply
    [paper] = papers(app)
    assert (paper.material_code, paper.channel, paper.status) == ("posting_letter", "wechat", "uploaded")
    with app.app_context():
        assert paper.filing_id == filing(case).id
    fetched = wechat.fake.received("/cgi-bin/media/get")
    assert [r["query"]["media_id"] for r in fetched] == ["media-letter"] and fetched[0]["query"]["access_token"]

    kept = as_person("op-worker").paper(paper.id)
    assert kept.status_code == 200 and dict(Image.open(io.BytesIO(kept.data)).getexif()) == {}
    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    assert f"/console/documents/{paper.id}/thumb" in text(console.case(case))


def test_the_paper_a_reviewer_asked_for_is_what_the_next_photo_is_and_the_case_returns(app, wechat, follower,
                                                                                        case):
    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    console.ask_for_paper(case, "labour_contract", "请补一份劳动合同")
    wechat.fake.add_media("media-contract", jpeg_with_gps())
    reply = follower.send_image("media-contract")
    assert "收到了“劳动合同”的照片" in reply and "工作人员会接着审核" in reply
    assert [p.material_code for p in papers(app)] == ["labour_contract"]
    with app.app_context():
        assert filing(case).status == "pending_review"


def test_a_retried_image_message_is_kept_once(app, wechat, follower, case):
    wechat.fake.add_media("media-twice", jpeg_with_gps())
    assert "单位派出证明" in follower.send_image("media-twice", msg_id=9001)
    assert follower.send_image("media-twice", msg_id=9001) is None  # WeChat's retry: "success", nothing stored
    assert len(papers(app)) == 1 and len(wechat.fake.received("/cgi-bin/media/get")) == 1


def test_a_program_sent_as_a_picture_is_refused_in_chinese_and_nothing_is_kept(app, wechat, follower, case):
    wechat.fake.add_media("media-exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000)
    assert "只能上传照片" in follower.send_image("media-exe")
    assert papers(app) == []


def test_an_expired_media_id_asks_to_send_the_picture_again(app, wechat, follower, case):
    reply = follower.send_image("media-unknown")
    assert "没有收到，请再发一次" in reply and papers(app) == []


def test_a_photo_when_no_filing_waits_for_a_paper_says_so_and_fetches_nothing(app, wechat, follower):
    wechat.fake.add_media("media-idle", jpeg_with_gps())
    reply = follower.send_image("media-idle")
    assert "没有要交材料的备案" in reply and "打字" in reply
    assert wechat.fake.received("/cgi-bin/media/get") == [] and papers(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def _to_summary(follower) -> str:
    """Talk until the summary (请核对): posted to Suzhou from December 1st, with papers, the phone on file."""
    reply = follower.conversation("公司派我去苏州工作一年", "12月1日")
    assert "承诺书" in reply
    papers_said = follower.say("我有证明材料")
    assert "单位派出证明" in papers_said and "四个角都拍进去" in papers_said and "公众号" in papers_said
    return papers_said


def test_a_photo_sent_while_the_chat_prepares_the_filing_joins_it_when_submitted(app, wechat, follower):
    _to_summary(follower)
    wechat.fake.add_media("media-draft", jpeg_with_gps())
    reply = follower.send_image("media-draft")
    assert "收到了“单位派出证明”的照片" in reply and "请接着回答上面的问题" in reply
    [paper] = papers(app)
    assert paper.filing_id is None and paper.dialog_session_id is not None and paper.material_code == "posting_letter"
    summary = follower.say("1")  # the phone on file
    assert "请核对" in summary
    outcome = follower.say("1")  # 确认提交
    assert "工作人员审核" in outcome and "还差这些材料" not in outcome
    [paper] = papers(app)
    with app.app_context():
        submitted = db.session.get(type(paper), paper.id)
        assert submitted.filing_id is not None
        assert filing_status(submitted.filing_id) == "pending_review"


def test_a_filing_sent_without_its_papers_says_how_to_send_them_and_a_photo_then_joins_it(app, wechat, follower):
    _to_summary(follower)
    follower.say("1")
    outcome = follower.say("1")
    assert "还差这些材料：“单位派出证明”" in outcome and "公众号的聊天" in outcome and "我的备案" in outcome
    wechat.fake.add_media("media-later", jpeg_with_gps())
    reply = follower.send_image("media-later")
    assert "收到了“单位派出证明”的照片" in reply and "材料齐了" in reply
    [paper] = papers(app)
    assert paper.filing_id is not None and paper.channel == "wechat"


def filing_status(filing_id: int) -> str:
    from backend.models import Filing

    return db.session.get(Filing, filing_id).status


def test_asking_whether_the_papers_are_in_says_what_was_received_and_what_is_missing(app, wechat, follower):
    _to_summary(follower)
    follower.say("1")
    follower.say("1")
    before = follower.say("材料齐了没")
    assert "还没有收到照片" in before and "还差“单位派出证明”" in before and "公众号的聊天" in before, before
    wechat.fake.add_media("media-asked", jpeg_with_gps())
    follower.send_image("media-asked")
    after = follower.say("我传的派遣函收到没")
    assert "已收到“单位派出证明”" in after and "材料齐了，等工作人员审核" in after, after
    assert "还差" not in after
