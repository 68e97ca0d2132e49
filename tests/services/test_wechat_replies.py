"""Splitting chat replies: WeChat shows one passive reply of at most 2,048 bytes."""
from backend.services.wechat.wechat_replies import LARGE_MAX_CHARS, MAX_CHARS, MAX_PARTS, chat_parts, split_text


def test_a_short_reply_is_one_message_unchanged():
    assert split_text("您好！\n\n1 办备案\n2 找医院", MAX_CHARS) == ["您好！\n\n1 办备案\n2 找医院"]


def test_a_long_reply_is_split_at_paragraphs_and_no_part_exceeds_the_cap():
    paragraphs = [f"第{i}段。" + "说明" * 120 for i in range(4)]
    parts = split_text("\n\n".join(paragraphs), MAX_CHARS)
    assert len(parts) == 2 and all(len(p) <= MAX_CHARS for p in parts)
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert parts[0].startswith("第0段") and parts[1].startswith("第2段")


def test_one_overlong_paragraph_is_cut_at_sentence_ends():
    sentence = "这是一句完整的话，" + "内容" * 20 + "。"
    parts = split_text(sentence * 30, MAX_CHARS)
    assert all(len(p) <= MAX_CHARS for p in parts) and all(p.endswith("。") for p in parts)
    assert "".join(parts) == sentence * 30


def test_large_text_mode_has_a_much_shorter_cap_and_keeps_the_numbered_choices_last():
    text = "请核对：" + "参保地 合肥 · 就医地 苏州 · " * 12 + "\n1 确认提交\n2 修改"
    parts = chat_parts(text, large=True)
    assert all(len(p) <= LARGE_MAX_CHARS for p in parts) and LARGE_MAX_CHARS < MAX_CHARS / 3
    assert parts[-1].endswith("1 确认提交\n2 修改")


def test_more_than_the_allowed_parts_end_with_a_pointer_to_the_mini_program():
    parts = chat_parts("\n\n".join("段落" * 290 for _ in range(10)), large=False)
    assert len(parts) == MAX_PARTS and parts[-1].endswith("完整内容请在小程序里查看。")
    assert all(len(p) <= MAX_CHARS for p in parts)
