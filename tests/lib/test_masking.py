import logging

from backend.lib.masking import MaskingFilter, mask_phone, mask_text


def test_it_masks_an_id_number_and_a_phone_in_the_same_text():
    text = "id=11010519491231002X phone=13812345678 ok"
    assert mask_text(text) == "id=1101**********002X phone=138****5678 ok"


def test_it_masks_phones_written_with_country_code_and_dashes():
    assert mask_text("+86 138-1234-5678") == "138****5678"


def test_it_leaves_ordinary_numbers_alone():
    assert mask_text("order 2026112200 costs 64.29") == "order 2026112200 costs 64.29"


def test_it_masks_a_phone_for_display():
    assert mask_phone("13812345678") == "138****5678"


def test_the_filter_rewrites_formatted_log_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s called", ("13812345678",), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "user 138****5678 called"


def test_it_masks_numbers_after_letters_chinese_and_percent_encoding_and_15_digit_ids():
    assert mask_text("q=%E5%8F%B7210102195803120023") == "q=号2101**********0023"
    assert mask_text("id210102195803120023 and 110105491231002") == "id2101**********0023 and 1101*******1002"
    assert mask_text("q=210102%20195803120023") == "q=2101**********0023"
    assert mask_text("/m/auth?code=abc&next=/m/") == "/m/auth?code=[redacted]&next=/m/"
