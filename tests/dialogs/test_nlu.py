"""Tests for dialogs.nlu: slot extraction from chat messages."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.nlu import (
    AreaEntry,
    Extraction,
    Gazetteer,
    derive_short_name,
    detect_command,
    extract,
    parse_choice,
    parse_date,
    parse_phone,
    parse_yes_no,
)

TODAY = date(2026, 11, 22)  # a Sunday
AREAS_CSV = Path(__file__).resolve().parents[2] / "backend" / "data" / "areas.csv"


def _e(code, name, short, level, pool=None, province=None):
    return AreaEntry(code=code, name=name, short_name=short, pool_code=pool or code,
                     level=level, province_code=province or code[:2] + "0000")


FIXTURE_ENTRIES = [
    _e("110000", "北京市", "北京", "province"),
    _e("110105", "朝阳区", "朝阳", "county", pool="110000"),
    _e("110108", "海淀区", "海淀", "county", pool="110000"),
    _e("310000", "上海市", "上海", "province"),
    _e("310101", "黄浦区", "黄浦", "county", pool="310000"),
    _e("130000", "河北省", "河北", "province"),
    _e("131000", "廊坊市", "廊坊", "prefecture"),
    _e("210000", "辽宁省", "辽宁", "province"),
    _e("210100", "沈阳市", "沈阳", "prefecture"),
    _e("211300", "朝阳市", "朝阳", "prefecture"),
    _e("320000", "江苏省", "江苏", "province"),
    _e("320100", "南京市", "南京", "prefecture"),
    _e("320106", "鼓楼区", "鼓楼", "county", pool="320100"),
    _e("320500", "苏州市", "苏州", "prefecture"),
    _e("340000", "安徽省", "安徽", "province"),
    _e("340100", "合肥市", "合肥", "prefecture"),
    _e("440000", "广东省", "广东", "province"),
    _e("440300", "深圳市", "深圳", "prefecture"),
    _e("440305", "南山区", "南山", "county", pool="440300"),
    _e("460000", "海南省", "海南", "province"),
    _e("460200", "三亚市", "三亚", "prefecture", pool="460000"),
    _e("140000", "山西省", "山西", "province"),
    _e("140302", "城区", "城区", "county", pool="140300"),
]


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer(FIXTURE_ENTRIES)


def codes(entries):
    return [e.code for e in entries]


# --- the headline sentences ------------------------------------------------

def test_it_fills_four_slots_from_the_mothers_one_sentence(g):
    ex = extract("我妈退休后住在深圳，参保在沈阳", today=TODAY, gazetteer=g)
    assert ex.principal == "relative"
    assert ex.relation == "mother"
    assert ex.category == "retiree_resettled"
    assert ex.treatment_area.code == "440300"
    assert ex.insured_area.code == "210100"
    assert ex.unassigned_areas == []


def test_a_company_posting_to_suzhou_is_a_posted_worker_treated_in_suzhou(g):
    ex = extract("公司派我去苏州工作一年", today=TODAY, gazetteer=g)
    assert ex.category == "posted_worker"
    assert ex.treatment_area.code == "320500"


def test_an_emergency_on_a_business_trip_is_treated_where_the_trip_went(g):
    ex = extract("出差在北京，急诊住院了", today=TODAY, gazetteer=g)
    assert ex.category == "emergency"
    assert ex.treatment_area.code == "110000"


def test_insurance_and_dialysis_places_are_told_apart(g):
    ex = extract("我在沈阳参保，在深圳透析", today=TODAY, gazetteer=g)
    assert ex.insured_area.code == "210100"
    assert ex.treatment_area.code == "440300"


def test_a_bare_city_name_is_left_for_the_dialog_to_ask_about(g):
    ex = extract("合肥", today=TODAY, gazetteer=g)
    assert ex.insured_area is None and ex.treatment_area is None
    assert codes(ex.unassigned_areas) == ["340100"]


def test_a_retiree_moving_to_sanya_to_live_with_a_daughter_is_resettled(g):
    ex = extract("医保在上海，退休了搬去三亚跟女儿住", today=TODAY, gazetteer=g)
    assert ex.insured_area.code == "310000"
    assert ex.treatment_area.code == "460200"
    assert ex.category == "retiree_resettled"
    # The daughter is who she lives with, not who the filing is for.
    assert ex.relation is None


# --- gazetteer ---------------------------------------------------------------

@pytest.mark.parametrize("text, code, surface", [
    ("北京", "110000", "北京"),
    ("北京市", "110000", "北京市"),
    ("北京的", "110000", "北京"),
    ("沈阳市区", "210100", "沈阳市"),
    ("深圳那边", "440300", "深圳"),
    ("去深圳", "440300", "深圳"),
    ("苏州这边", "320500", "苏州"),
    ("广东", "440000", "广东"),
    ("广东省", "440000", "广东省"),
    ("朝阳", "211300", "朝阳"),
    ("朝阳区", "110105", "朝阳区"),
    ("北京朝阳", "110105", "北京朝阳"),
    ("海淀", "110108", "海淀"),
    ("上海黄浦区", "310101", "上海黄浦区"),
    ("在南京鼓楼区", "320106", "南京鼓楼区"),
    ("三亚", "460200", "三亚"),
])
def test_find_resolves_each_way_people_write_a_place(g, text, code, surface):
    matches = g.find(text)
    assert [(m.entry.code, m.surface) for m in matches] == [(code, surface)]
    m = matches[0]
    assert text[m.start:m.end] == m.surface


def test_find_returns_mentions_in_text_order_with_offsets(g):
    matches = g.find("从沈阳搬到深圳")
    assert [(m.entry.code, m.start, m.end) for m in matches] == [
        ("210100", 1, 3), ("440300", 5, 7)]


def test_a_beijing_mention_pulls_an_ambiguous_chaoyang_to_the_district(g):
    assert codes(m.entry for m in g.find("北京的朝阳")) == ["110000", "110105"]


@pytest.mark.parametrize("text", ["城区", "我住城区", "", "你好", "阳"])
def test_generic_words_and_fragments_are_not_places(g, text):
    assert g.find(text) == []


def test_lookup_accepts_string_or_integer_codes(g):
    assert g.lookup("210100").name == "沈阳市"
    assert g.lookup(210100).name == "沈阳市"
    assert g.lookup("999999") is None


@pytest.mark.parametrize("name, short", [
    ("广东省", "广东"),
    ("沈阳市", "沈阳"),
    ("朝阳区", "朝阳"),
    ("延边朝鲜族自治州", "延边"),
    ("黔东南苗族侗族自治州", "黔东南"),
    ("广西壮族自治区", "广西"),
    ("西藏自治区", "西藏"),
    ("内蒙古自治区", "内蒙古"),
    ("和县", "和县"),
])
def test_short_names_drop_the_administrative_suffix(name, short):
    assert derive_short_name(name) == short


def test_from_csv_reads_the_area_table_and_derives_missing_short_names(tmp_path):
    csv_path = tmp_path / "areas.csv"
    csv_path.write_text(
        "code,name,short_name,level,parent_code,province_code,pool_code,is_pool,"
        "files_at_province_level,latitude,longitude\n"
        "220000,吉林省,吉林,province,,220000,220000,0,0,43.8,125.3\n"
        "222400,延边朝鲜族自治州,,prefecture,220000,220000,222400,1,0,42.9,129.5\n"
        "210000,辽宁省,辽宁,province,,210000,210000,0,0,41.8,123.4\n"
        "210100,沈阳市,沈阳,prefecture,210000,210000,210100,1,0,41.8,123.4\n",
        encoding="utf-8")
    gz = Gazetteer.from_csv(csv_path)
    assert len(gz) == 4
    assert gz.lookup("222400").pool_code == "222400"
    assert codes(m.entry for m in gz.find("我妈在延边，医保在沈阳")) == ["222400", "210100"]


@pytest.mark.skipif(not AREAS_CSV.exists(), reason="backend/data/areas.csv not built")
def test_the_real_area_table_resolves_the_big_cities():
    gz = Gazetteer.from_csv(AREAS_CSV)
    found = {m.surface: m.entry.name for m in gz.find("沈阳、深圳、北京")}
    assert found == {"沈阳": "沈阳市", "深圳": "深圳市", "北京": "北京市"}


# --- area roles ----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "参保在沈阳", "在沈阳参保", "沈阳参保", "医保在沈阳", "医保是沈阳的", "社保在沈阳",
    "在沈阳交医保", "在沈阳交社保", "参保地沈阳", "参保地：沈阳", "沈阳的医保", "医保也在沈阳",
])
def test_insurance_cues_mark_the_insured_area(g, text):
    ex = extract(text, today=TODAY, gazetteer=g)
    assert ex.insured_area.code == "210100"
    assert ex.treatment_area is None and ex.unassigned_areas == []


@pytest.mark.parametrize("text", [
    "住在深圳", "在深圳住", "搬去深圳", "搬到深圳", "去深圳", "到深圳", "来深圳",
    "在深圳看病", "在深圳就医", "在深圳工作", "在深圳生活", "在深圳住院", "在深圳急诊",
    "深圳那边", "深圳这边", "就医地深圳", "派我去深圳", "住在广东省的深圳",
])
def test_treatment_cues_mark_the_treatment_area(g, text):
    ex = extract(text, today=TODAY, gazetteer=g)
    assert ex.treatment_area.code == "440300"
    assert ex.insured_area is None and ex.unassigned_areas == []


@pytest.mark.parametrize("text, insured, treatment, unassigned", [
    ("户口在沈阳", None, None, ["210100"]),
    ("沈阳、深圳", None, None, ["210100", "440300"]),
    ("住在深圳参保在沈阳", "210100", "440300", []),
    ("我住在海淀，医保是河北廊坊的", "131000", "110108", []),
    ("北京朝阳", None, None, ["110105"]),
    ("从沈阳搬到深圳", None, "440300", ["210100"]),
    ("住在深圳，后来又去了苏州", None, "440300", ["320500"]),
])
def test_cues_apply_only_to_the_nearest_area_in_their_clause(g, text, insured, treatment,
                                                            unassigned):
    ex = extract(text, today=TODAY, gazetteer=g)
    assert (ex.insured_area.code if ex.insured_area else None) == insured
    assert (ex.treatment_area.code if ex.treatment_area else None) == treatment
    assert codes(ex.unassigned_areas) == unassigned


# --- who -------------------------------------------------------------------------

@pytest.mark.parametrize("text, principal, relation", [
    ("我妈", "relative", "mother"), ("我母亲", "relative", "mother"),
    ("妈妈", "relative", "mother"), ("我老妈", "relative", "mother"),
    ("我爸", "relative", "father"), ("父亲", "relative", "father"),
    ("爸爸", "relative", "father"), ("我老婆", "relative", "spouse"),
    ("妻子", "relative", "spouse"), ("爱人", "relative", "spouse"),
    ("老公", "relative", "spouse"), ("丈夫", "relative", "spouse"),
    ("儿子", "relative", "child"), ("女儿", "relative", "child"),
    ("孩子", "relative", "child"), ("爷爷", "relative", "grandparent"),
    ("奶奶", "relative", "grandparent"), ("外公", "relative", "grandparent"),
    ("外婆", "relative", "grandparent"), ("姥姥", "relative", "grandparent"),
    ("姥爷", "relative", "grandparent"), ("我父母", "relative", "parent"),
    ("帮我家人办", "relative", "other"), ("替家里人问问", "relative", "other"),
    ("帮别人问的", "relative", "other"), ("我姨妈", "relative", "other"),
    ("for my mom", "relative", "mother"),
    ("我自己", "self", None), ("本人", "self", None), ("给自己办", "self", None),
    ("我", None, None), ("我想办备案", None, None),
])
def test_who_the_filing_is_for_comes_from_relation_words(g, text, principal, relation):
    ex = extract(text, today=TODAY, gazetteer=g)
    assert (ex.principal, ex.relation) == (principal, relation)


# --- category --------------------------------------------------------------------

@pytest.mark.parametrize("text, category", [
    ("我妈退休后住在深圳", "retiree_resettled"),
    ("退休了，随子女去深圳生活", "retiree_resettled"),
    ("退休以后去三亚养老", "retiree_resettled"),
    ("退休了去深圳", "retiree_resettled"),
    ("在深圳住了好几年了", "long_term_resident"),
    ("我有居住证", "long_term_resident"),
    ("常住苏州", "long_term_resident"),
    ("单位派我去北京", "posted_worker"),
    ("外派到深圳工作", "posted_worker"),
    ("我在外地工作", "posted_worker"),
    ("医院让我转到上海看病", "referral"),
    ("需要转诊到北京", "referral"),
    ("出差在北京，急诊住院了", "emergency"),
    ("旅游的时候住院了", "emergency"),
    ("出差去南京", "other_temporary"),
    ("回老家探亲", "other_temporary"),
    ("临时去几天", "other_temporary"),
    ("退休了，去深圳旅游", "other_temporary"),
    ("退休了跟儿子住，这次是转院", "referral"),
    ("你好", None),
    ("我妈在深圳", None),
])
def test_category_follows_plain_words_and_the_more_specific_wins(g, text, category):
    assert extract(text, today=TODAY, gazetteer=g).category == category


# --- dates -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("今天", date(2026, 11, 22)),
    ("明天", date(2026, 11, 23)),
    ("后天", date(2026, 11, 24)),
    ("大后天", date(2026, 11, 25)),
    ("下周一", date(2026, 11, 23)),
    ("下周五", date(2026, 11, 27)),
    ("下周日", date(2026, 11, 29)),
    ("下星期三", date(2026, 11, 25)),
    ("这周五", date(2026, 11, 20)),
    ("本周五", date(2026, 11, 20)),
    ("下个月1号", date(2026, 12, 1)),
    ("下月1日", date(2026, 12, 1)),
    ("下个月一号", date(2026, 12, 1)),
    ("12月1日", date(2026, 12, 1)),
    ("12月1号", date(2026, 12, 1)),
    ("十二月一日", date(2026, 12, 1)),
    ("11月1日", date(2026, 11, 1)),   # 21 days ago: inside the grace window
    ("10月20日", date(2027, 10, 20)),  # 33 days ago: read as next year
    ("3月1日", date(2027, 3, 1)),
    ("明年3月1日", date(2027, 3, 1)),
    ("2026-12-01", date(2026, 12, 1)),
    ("2026/12/1", date(2026, 12, 1)),
    ("2026年12月1日", date(2026, 12, 1)),
    ("2026.12.1", date(2026, 12, 1)),
    ("２０２６年１２月１日", date(2026, 12, 1)),
    ("二〇二六年十二月一日", date(2026, 12, 1)),
    ("1号", date(2026, 12, 1)),
    ("22号", date(2026, 11, 22)),
    ("30号", date(2026, 11, 30)),
    ("三十一号", date(2026, 12, 31)),
    ("三天后", date(2026, 11, 25)),
    ("3天后", date(2026, 11, 25)),
    ("一个月后", date(2026, 12, 22)),
    ("两周后", date(2026, 12, 6)),
    ("tomorrow", date(2026, 11, 23)),
    ("打算12月1日过去", date(2026, 12, 1)),
    ("2月30日", None),
    ("2026-02-30", None),
    ("13月1日", None),
    ("32号", None),
    ("", None),
    ("你好", None),
])
def test_parse_date_reads_colloquial_dates_relative_to_today(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_a_sentence_with_two_dates_fills_start_and_end(g):
    ex = extract("从12月1日到明年3月1日", today=TODAY, gazetteer=g)
    assert (ex.start_date, ex.end_date) == (date(2026, 12, 1), date(2027, 3, 1))


def test_an_end_date_before_the_start_rolls_into_next_year(g):
    ex = extract("11月25日到11月1日", today=TODAY, gazetteer=g)
    assert (ex.start_date, ex.end_date) == (date(2026, 11, 25), date(2027, 11, 1))


def test_a_lone_date_after_until_is_the_end_date(g):
    ex = extract("住到明年3月", today=TODAY, gazetteer=g)
    assert ex.start_date is None and ex.end_date == date(2027, 3, 1)


# --- yes / no, choice, phone, commands -------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("是", True), ("是的", True), ("对", True), ("对的", True), ("好", True),
    ("好的！", True), ("嗯", True), ("嗯嗯", True), ("可以", True), ("没问题", True),
    ("确认", True), ("行", True), ("yes", True), ("Y", True), ("OK", True),
    ("对对对", True), ("是的，我妈退休后住在深圳", True), ("那好吧", True),
    ("不是", False), ("不对", False), ("不", False), ("不用", False), ("不要", False),
    ("否", False), ("没有", False), ("no", False), ("N", False), ("不是我", False),
    ("不用了谢谢", False), ("不对，是深圳", False),
    ("不是不行", None), ("是我妈", None), ("可以吗？", None), ("不知道", None),
    ("深圳", None), ("", None), ("我妈退休后住在深圳，参保在沈阳", None),
])
def test_parse_yes_no_reads_short_answers_and_negation_wins(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize("text, n, expected", [
    ("1", None, 1), ("１", None, 1), ("第二个", None, 2), ("选2", None, 2),
    ("二", None, 2), ("选择3", None, 3), ("2.", None, 2), ("第十个", None, 10),
    ("4", 3, None), ("3", 3, 3), ("最后一个", 3, 3), ("0", None, None),
    ("我妈", None, None), ("12月1日", None, None), ("13812345678", None, None),
])
def test_parse_choice_reads_a_message_that_is_only_an_option_number(text, n, expected):
    assert parse_choice(text, n) == expected


@pytest.mark.parametrize("text, expected", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("我的电话是13812345678谢谢", "13812345678"),
    ("12345678901", None),
    ("1381234567", None),
    ("138123456789", None),
    ("23812345678", None),
])
def test_parse_phone_normalises_mainland_mobiles(text, expected):
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("返回", "back"), ("上一步", "back"), ("BACK", "back"), ("返回。", "back"),
    ("重新开始", "restart"), ("重来", "restart"), ("restart", "restart"),
    ("帮助", "help"), ("help", "help"), ("怎么用？", "help"),
    ("取消", "cancel"), ("不办了", "cancel"), ("cancel", "cancel"), ("退出", "cancel"),
    ("人工", "human"), ("转人工", "human"), ("客服", "human"), ("human", "human"),
    ("我要转人工", "human"),
    ("大字", "large_text"), ("长辈模式", "large_text"), ("大字版", "large_text"),
    ("Large Text", "large_text"),
    ("正常模式", "normal_text"), ("标准模式", "normal_text"), ("小字", "normal_text"),
    ("normal text", "normal_text"),
    ("我想返回沈阳", None), ("深圳", None), ("", None),
])
def test_detect_command_needs_the_whole_message_to_be_the_command(text, expected):
    assert detect_command(text) == expected


def test_a_command_message_fills_nothing_else(g):
    assert extract("取消", today=TODAY, gazetteer=g).filled() == {"command": "cancel"}


def test_a_choice_message_is_not_read_as_a_date_or_an_answer(g):
    assert extract("第二个", today=TODAY, gazetteer=g).filled() == {"choice": 2}


def test_filled_keeps_false_answers_and_drops_empty_slots(g):
    ex = extract("不是，电话13812345678，明天去深圳", today=TODAY, gazetteer=g)
    assert ex.filled() == {
        "yes_no": False, "phone": "13812345678", "start_date": date(2026, 11, 23),
        "treatment_area": g.lookup("440300"),
    }
    assert Extraction().filled() == {}


# --- robustness --------------------------------------------------------------------

_NASTY = st.lists(st.sampled_from(
    list("我妈爸在去到住参保医保深圳沈阳北京朝阳区市省的那边退休转诊急诊出差不是好对号月日天周下个")
    + list("0123456789１２，,。、；？!  \n\t\x00\x1b\u200b😀") + ["+86", "138", "12月", "明年"]),
    max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=200), _NASTY))
def test_extract_never_raises_on_any_text(g, text):
    ex = extract(text, today=TODAY, gazetteer=g)
    assert isinstance(ex, Extraction)
    assert parse_date(text, today=TODAY) is None or isinstance(parse_date(text, today=TODAY), date)
    parse_yes_no(text), parse_choice(text, 3), parse_phone(text), detect_command(text)


@pytest.mark.parametrize("text", [
    "", "   ", "😀😀😀", "\x00\x01\x02\x7f", "深圳" * 5000, "我" * 10000,
    "1" * 10000, "12月" * 3000, "\u202e沈阳\u200b参保",
])
def test_extract_survives_empty_emoji_control_and_huge_messages(g, text):
    assert isinstance(extract(text, today=TODAY, gazetteer=g), Extraction)


