"""What four people trying the assistant in their own words ran into on 2026-12-07, as classes of messages.

A grandmother typing "俺", a son who first asked for his father, a worker who changes his mind, an English
speaker. Each test holds a class: several wordings, not the one sentence the person typed.
"""
from datetime import date

import pytest

from dialogs import intents
from dialogs.types import ChangeFiling, ShowFilings
from tests.dialogs.support import Chat, context, existing_filing, start_flow, suzhou_filing
from tests.dialogs.test_cancel_change_flows import chat_with, effects


def understood(text: str) -> intents.Understanding:
    ctx = context()
    return intents.understand(text, today=ctx.today, gazetteer=ctx.gazetteer)


def to_summary_of_a_business_trip(chat: Chat) -> None:
    for said in ("我要办备案", "北京", "2", "3", "1月10号", "1月24号", "1"):
        chat.say(said)


@pytest.mark.parametrize("said", ["switch to chinese please", "can you switch to Chinese", "换成中文吧",
                                  "reply in english please"])
def test_asking_for_another_language_mid_filing_changes_nothing_else(said):
    chat = Chat()
    for line in ("我要办备案", "苏州", "下个月1号", "公司派我去的"):
        chat.say(line)
    before = dict(chat.slots), chat.state.step
    step = chat.say(said)
    assert chat.prompts(step)[0] == "common.language_switched"
    assert "filing.which_field" not in chat.prompts(step)
    assert (dict(chat.slots), chat.state.step) == before


@pytest.mark.parametrize("said", ["umm neither really? my employer is sending me but its temporary",
                                  "都不是吧 单位派我去 但是临时的", "说不好 公司派的 也就几个月"])
def test_an_answer_not_understood_never_settles_its_own_question_in_silence(said):
    chat = Chat()
    chat.say("我要办备案")
    chat.say("成都")
    assert chat.state.step == "category_group"
    chat.say(said)
    assert chat.state.step == "category_group"
    assert not chat.slots.get("category")


@pytest.mark.parametrize("said", ["wait, if my trip gets moved can I change the date later?",
                                  "以后日期还能改吗？", "要是行程变了 日期能改不"])
def test_a_question_about_changing_later_changes_nothing_and_says_how_changes_work(said):
    chat = Chat()
    to_summary_of_a_business_trip(chat)
    assert chat.state.step == "confirmed"
    before = dict(chat.slots)
    step = chat.say(said)
    assert dict(chat.slots) == before and chat.state.step == "confirmed"
    assert "common.explain_lock_period" in chat.prompts(step)
    assert "临时备案没有锁定期" in chat.text(step)


def test_the_lock_explained_at_a_long_term_summary_is_this_filings_own_date():
    chat = Chat()
    for said in ("我要办备案", "苏州", "下个月1号", "公司派我去的", "1", "1", "1"):
        chat.say(said)
    assert chat.state.step == "confirmed"
    step = chat.say("锁定是啥意思? 以后还能改吗")
    text = chat.text(step)
    assert "这份备案提交后" in text and "临时备案" not in text and not effects(step, ChangeFiling)


@pytest.mark.parametrize("said", ["俺儿子张伟以前是不是帮俺办过备案", "我闺女小丽之前是不是给我办过备案",
                                  "不是俺给他办 是他给俺办 有人替俺办过没"])
def test_asking_whether_a_relative_filed_for_me_is_who_filed_for_me(said):
    heard = understood(said)
    assert heard.intent == "who_filed"
    assert heard.slots.get("principal") != "relative"


def test_an_elder_who_asks_about_her_son_is_shown_her_own_filings_not_told_about_consent():
    chat = Chat(context(filings={"self": [existing_filing()]}))
    step = chat.say("俺儿子张伟以前是不是帮俺办过备案")
    assert "common.relative_not_linked" not in chat.prompts(step)
    shown = effects(step, ShowFilings)
    assert shown and shown[0].who and shown[0].principal in (None, "self")


@pytest.mark.parametrize("said", ["我没说要办啊", "俺没说要办", "我没想办 就问问", "我不办 就看看"])
def test_saying_one_never_asked_to_file_stops_the_filing(said):
    chat = Chat()
    chat.say("我要办备案")
    chat.say("苏州")
    step = chat.say(said)
    assert chat.state.flow is None and not effects(step, ChangeFiling)
    assert chat.prompts(step) == ["filing.cancelled"]


@pytest.mark.parametrize("said", ["等等 先别撤", "别撤了", "还是留着吧"])
def test_keep_it_said_when_nothing_is_being_cancelled_says_nothing_changed(said):
    chat = chat_with(suzhou_filing())
    step = chat.say(said)
    assert chat.prompts(step)[0] == "cancel.stopped"


@pytest.mark.parametrize("said", ["把苏州那个撤了", "把去苏州的撤了吧", "把苏州的那份取消"])
def test_naming_the_filing_to_cancel_by_its_city_is_a_cancellation_request(said):
    assert understood(said).intent == "cancel_filing"


@pytest.mark.parametrize("said", ["我交的材料够不够", "还用补交啥材料吗", "派出证明要不要给", "材料够了吗"])
def test_asking_whether_the_papers_are_enough_is_a_papers_question(said):
    heard = understood(said)
    assert heard.intent == "my_filings" and heard.slots.get("papers"), heard
    chat = chat_with(suzhou_filing())
    shown = effects(chat.say(said), ShowFilings)
    assert shown and shown[0].papers


@pytest.mark.parametrize("said", ["有人审核没", "谁审核的", "审核了吗"])
def test_asking_whether_anyone_reviewed_it_is_a_status_question(said):
    assert understood(said).intent == "my_filings"


@pytest.mark.parametrize("said, end", [("24号", date(2027, 1, 24)), ("二十四号回来", date(2027, 1, 24)),
                                       ("1月24号", date(2027, 1, 24)), ("到2月3号", date(2027, 2, 3))])
def test_a_bare_day_for_the_end_of_a_stay_is_after_its_start(said, end):
    chat = Chat()
    for line in ("我要办备案", "北京", "2", "3", "1月10号"):
        chat.say(line)
    assert chat.state.step == "end_date"
    chat.say(said)
    assert chat.slots.get("end_date") == end.isoformat()


def test_that_fridays_end_is_the_friday_of_the_week_the_stay_starts():
    chat = Chat()
    for line in ("我要办备案", "上海", "2", "3"):
        chat.say(line)
    chat.say("下周一去 待5天 到那周五")
    assert chat.slots.get("start_date") == "2026-11-23" and chat.slots.get("end_date") == "2026-11-27"


def test_moving_a_start_to_a_bare_day_means_the_day_near_the_current_start():
    january = suzhou_filing(start_date=date(2027, 1, 10), lock_until=None)
    chat = chat_with(january)
    start_flow(chat, "change", "备案要改一下")
    chat.say("2")
    chat.say("12号")
    assert "开始日期：2027年1月10日 → 2027年1月12日" in chat.text().splitlines()


def test_filing_for_oneself_after_asking_for_a_relative_drops_what_was_said_about_the_relative():
    chat = Chat()
    chat.say("你好 我想给我爸办个异地安置备案，他退休了要搬到杭州跟我住")
    assert chat.slots.get("treatment_area") == "330100"
    chat.say("1")  # 为我自己办
    assert chat.slots.get("principal") == "self" and not chat.slots.get("treatment_area")
    assert not chat.slots.get("category")
    chat.say("那先给我自己办一个，我下个月要去北京出差两个礼拜")
    assert chat.slots.get("treatment_area") == "110000" and chat.slots.get("category") == "other_temporary"


@pytest.mark.parametrize("said", ["能不能改成12号开始", "能不能改到1月12号", "can you move it to Jan 12?"])
def test_asking_whether_it_can_be_changed_to_a_value_is_a_change_request(said):
    assert understood(said).intent == "change_filing"


@pytest.mark.parametrize("said", ["以后日期还能改吗？", "要是行程变了 日期能改不", "提交了还能改吗"])
def test_asking_whether_it_could_change_some_day_is_a_question_about_the_lock(said):
    assert understood(said) == understood(said) and understood(said).intent == "explain"
    assert understood(said).slots == {"term": "lock_period"}


@pytest.mark.parametrize("said, day", [("the 5th of next month", date(2026, 12, 5)),
                                       ("starting the 5th of next month", date(2026, 12, 5)),
                                       ("next month on the 5th", date(2026, 12, 5)), ("on the 30th", date(2026, 11, 30))])
def test_an_english_day_of_the_month_is_read(said, day):
    ctx = context()
    assert intents.nlu.extract(said, today=ctx.today, gazetteer=ctx.gazetteer).start_date == day


@pytest.mark.parametrize("said, name", [("fine. 林凯文", "林凯文"), ("我的名字？陈志远", "陈志远"), ("好的 王秀英", "王秀英"),
                                        ("陈志远 就是我", "陈志远"), ("哦 那先弄我的 我叫周建国", "周建国"),
                                        ("sure, it's 林凯文", "林凯文")])
def test_a_name_said_after_a_word_of_talk_is_the_name(said, name):
    chat = Chat(context(bound=False))
    chat.say("绑定身份")
    assert chat.state.step == "name"
    chat.say(said)
    assert chat.slots.get("name") == name


@pytest.mark.parametrize("said", ["我不想说", "嗯嗯", "你猜"])
def test_talk_that_holds_no_name_is_asked_again(said):
    chat = Chat(context(bound=False))
    chat.say("绑定身份")
    step = chat.say(said)
    assert chat.prompts(step)[0] == "bind.bad_name" and not chat.slots.get("name")


@pytest.mark.parametrize("said", ["算了 不去了 帮我撤了吧", "备案能改一下吗 改到苏州"])
def test_a_locked_filing_is_refused_without_first_saying_it_will_be_done(said):
    from tests.dialogs.test_cancel_change_flows import LOCKED

    chat = chat_with(LOCKED)
    step = chat.say(said)
    assert not chat.prompts(step)[0].endswith(".intro"), chat.prompts(step)
    assert "不能" in chat.text(step)


def test_a_long_short_name_is_found_without_its_yiyuan_but_a_two_character_one_is_not():
    from dialogs.nlu_institutions import InstitutionNames

    names = InstitutionNames([("H1", "北京大学深圳医院", "440300", None, "3A", ["北大深圳医院"]),
                              ("H2", "上海交通大学医学院附属瑞金医院", "310000", None, "3A", ["瑞金医院"])])
    assert [c.code for m in names.find("下礼拜三上北大深圳看门诊") for c in m.candidates] == ["H1"]
    assert not names.find("我在瑞金住")  # 瑞金 alone is a town, never the hospital


TRIP = suzhou_filing(start_date=date(2027, 1, 8), end_date=date(2027, 1, 20), lock_until=None,
                     category="other_temporary")


@pytest.mark.parametrize("question", ["回来那天还是20号对吧？", "结束还是20号吗", "the end is still the 20th, right?"])
def test_a_question_at_the_change_confirmation_changes_nothing_and_says_what_stays(question):
    chat = chat_with(TRIP)
    chat.say("备案要改一下")
    chat.say("2")
    chat.say("10号")
    before = dict(chat.slots)
    step = chat.say(question)
    assert dict(chat.slots) == before and chat.state.step == "confirmed"
    assert chat.prompts(step)[0] == "change.rest_unchanged" and "2027年1月20日" in chat.text(step)


def test_moving_a_trips_start_keeps_its_end_shown_and_sent():
    chat = chat_with(TRIP)
    chat.say("备案要改一下")
    chat.say("2")
    step = chat.say("10号")
    assert "结束日期：2027年1月20日（不变）" in chat.text(step).splitlines()
    changed = effects(chat.say("1"), ChangeFiling)[0].changes
    assert changed == {"start_date": "2027-01-10", "end_date": "2027-01-20"}


@pytest.mark.parametrize("said", ["我那个苏州的备案想改一下 晚两天开始", "备案能不能往后推两天", "能不能改成晚两天开始",
                                  "can you push my filing back 2 days"])
def test_moving_a_start_by_some_days_counts_from_the_current_start(said):
    chat = chat_with(TRIP)
    chat.say(said)
    assert chat.state.step == "confirmed" and chat.slots.get("start_date") == "2027-01-10"


@pytest.mark.parametrize("said", ["my company is sending me to Chengdu for like 2 months, i want to file",
                                  "公司派我去成都出差两个月 要办备案", "单位派我去成都待三周 办个备案"])
def test_a_posting_that_sounds_short_is_never_taken_as_long_term_in_silence(said):
    chat = Chat()
    step = chat.say(said)
    assert chat.state.step == "category_group" and not chat.slots.get("category")
    assert "filing.group_unclear" in chat.prompts(step)


@pytest.mark.parametrize("said", ["公司派我去苏州工作一年", "我退休了 搬去深圳住 在那边看病"])
def test_a_long_stay_said_plainly_is_still_read_at_once(said):
    chat = Chat()
    chat.say(said)
    assert chat.slots.get("category_group") == "long_term"


@pytest.mark.parametrize("said, intent", [("back to English", "language"), ("ok back to english pls", "language"),
                                          ("has anyone reviewed it? like a real person?", "my_filings"),
                                          ("i don't need anyone to call me", "chitchat"),
                                          ("不用给我打电话", "chitchat"), ("我要人工", "human"),
                                          ("do I need to send any documents? like my company letter", "my_filings"),
                                          ("俺再想想", "chitchat")])
def test_english_and_negated_requests_are_read_as_meant(said, intent):
    assert understood(said).intent == intent


@pytest.mark.parametrize("said", ["那俺回沈阳看病还能报不", "在沈阳住院能报销吗", "if I go back to Shenyang for treatment, is it covered?"])
def test_care_in_ones_own_insured_city_needs_no_filing_and_starts_none(said):
    chat = Chat(context(filings={"self": [existing_filing()]}))
    step = chat.say(said)
    assert chat.prompts(step)[0] == "common.home_area_care" and chat.state.flow is None


@pytest.mark.parametrize("said", ["深圳住院能报销吗", "我妈在沈阳住院能报吗", "我要办沈阳的备案"])
def test_care_elsewhere_or_for_someone_else_is_not_taken_as_home_care(said):
    chat = Chat(context(filings={"self": [existing_filing()]}))
    assert "common.home_area_care" not in chat.prompts(chat.say(said))


@pytest.mark.parametrize("said", ["do i need a filing for a 2 month work trip to chengdu?", "我去北京出差半个月 需要备案吗",
                                  "ok but do i NEED it, is it required or optional?", "备案是必须的吗"])
def test_whether_a_filing_is_needed_is_answered_and_filing_is_offered_not_started(said):
    chat = Chat()
    step = chat.say(said)
    assert chat.prompts(step)[0] == "common.explain_need_filing" and chat.state.flow is None
    assert "filing" in chat.state.offered


def test_after_the_answer_filing_starts_from_what_was_said():
    chat = Chat()
    chat.say("我去北京出差半个月 需要备案吗")
    chat.say(chat.state.offered.index("filing") + 1)
    assert chat.state.flow == "filing" and chat.slots.get("treatment_area") == "110000"


@pytest.mark.parametrize("said", ["她不会用微信咋办 她老人机", "我妈没有智能手机", "我爸不会用微信怎么授权",
                                  "my mom doesn't use wechat"])
def test_consent_without_wechat_is_answered_with_what_can_be_done(said):
    heard = understood(said)
    assert (heard.intent, heard.slots.get("term")) == ("explain", "consent_no_wechat")


@pytest.mark.parametrize("said", ["不用手机号了 用座机", "用微信办备案"])
def test_other_talk_of_phones_and_wechat_is_not_about_consent(said):
    assert understood(said).slots.get("term") != "consent_no_wechat"
