import pytest

from backend.lib import idnumber


def test_it_accepts_a_number_with_the_right_check_digit():
    assert idnumber.validate("11010519491231002X") == "11010519491231002X"


def test_it_accepts_a_lower_case_x_and_full_width_digits():
    assert idnumber.validate("１１０１０５１９４９１２３１００２x") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("110105194912310021", "id_number_checksum"),
        ("11010519491331002X", "id_number_birth_date"),
        ("1101051949123100", "id_number_shape"),
        ("", "id_number_shape"),
        ("abcdefghijklmnopqr", "id_number_shape"),
    ],
)
def test_it_refuses_bad_numbers_with_a_reason(raw, reason):
    with pytest.raises(idnumber.InvalidIdNumber) as info:
        idnumber.validate(raw)
    assert info.value.reason == reason


def test_it_masks_all_but_the_first_and_last_four():
    assert idnumber.mask("11010519491231002X") == "1101**********002X"
