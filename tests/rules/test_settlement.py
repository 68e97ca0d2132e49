"""Settlement arithmetic (DOMAIN.md 4.2): the published worked example to the fen, and the edge cases."""
from decimal import Decimal as D

import pytest

from backend.rules.settlement import InvalidAmount, Item, Policy, YearToDate, estimate, money, ratio, split

NO_DEDUCTIBLE_80 = Policy(deductible=D("0"), ratio=D("0.80"), annual_cap=D("50000"))


def test_the_langfang_retiree_in_beijing_pays_15_40_of_64_29():
    # Published case: acarbose (A) 32.52 + repaglinide (B, 10% first self-pay) 31.77; ratio 80%.
    result = estimate([Item("acarbose", "阿卡波糖", D("32.52"), "A"),
                       Item("repaglinide", "瑞格列奈", D("31.77"), "B", D("0.10"))], NO_DEDUCTIBLE_80)
    assert result.total == D("64.29")
    assert result.first_self_pay == D("3.18") and result.in_scope == D("61.11")
    assert result.fund_pays == D("48.89") and result.person_pays == D("15.40")


@pytest.mark.parametrize("met, applied, fund", [
    (D("0"), D("300.00"), D("560.00")),    # deductible fully due: (1000 - 300) x 0.8
    (D("200"), D("100.00"), D("720.00")),  # partly met already
    (D("300"), D("0.00"), D("800.00")),    # fully met already
])
def test_the_deductible_applies_only_for_what_remains_this_year(met, applied, fund):
    policy = Policy(deductible=D("300"), ratio=D("0.80"), annual_cap=D("100000"))
    result = estimate([Item("x", "x", D("1000.00"))], policy, YearToDate(deductible_met=met))
    assert (result.deductible_applied, result.fund_pays) == (applied, fund)
    assert result.person_pays == D("1000.00") - fund


def test_a_deductible_larger_than_the_in_scope_amount_leaves_the_fund_nothing():
    result = estimate([Item("x", "x", D("100.00"))], Policy(D("1200"), D("0.85"), D("300000")))
    assert result.deductible_applied == D("100.00") and result.fund_pays == D("0.00")


def test_the_annual_cap_reached_mid_visit_limits_the_fund():
    result = estimate([Item("x", "x", D("10000.00"))], Policy(D("0"), D("0.90"), D("300000")),
                      YearToDate(fund_paid=D("295000")))
    assert result.fund_pays == D("5000.00") and result.cap_reached is True
    assert result.person_pays == D("5000.00")


def test_the_amount_over_a_price_ceiling_is_self_paid():
    line = split(Item("stent", "支架", D("12000.00"), "A", price_ceiling=D("8000.00")))
    assert (line.in_scope, line.out_of_scope) == (D("8000.00"), D("4000.00"))
    b = split(Item("drug", "药", D("150.00"), "B", D("0.10"), price_ceiling=D("100.00")))
    assert (b.in_scope, b.first_self_pay, b.out_of_scope) == (D("90.00"), D("10.00"), D("50.00"))


def test_category_c_is_fully_self_paid():
    result = estimate([Item("c", "自费药", D("88.88"), "C")], NO_DEDUCTIBLE_80)
    assert result.out_of_scope == D("88.88") and result.fund_pays == D("0.00") and result.person_pays == D("88.88")


@pytest.mark.parametrize("reduction, fund", [(D("0.10"), D("700.00")), (D("0.20"), D("600.00")), (D("0"), D("800.00"))])
def test_temporary_categories_get_the_ratio_lowered_by_10_or_20_points(reduction, fund):
    policy = Policy(D("0"), D("0.80"), D("100000"), ratio_reduction=reduction)
    result = estimate([Item("x", "x", D("1000.00"))], policy)
    assert result.fund_pays == fund and result.ratio_applied == D("0.80") - reduction


def test_resident_and_employee_ratios_give_different_figures():
    items = [Item("x", "x", D("2000.00"))]
    employee = estimate(items, Policy(D("1200"), D("0.85"), D("400000")))
    resident = estimate(items, Policy(D("1200"), D("0.60"), D("200000")))
    assert employee.fund_pays == D("680.00") and resident.fund_pays == D("480.00")


def test_a_zero_amount_costs_nothing():
    result = estimate([Item("x", "x", D("0.00"))], NO_DEDUCTIBLE_80)
    assert result.total == result.fund_pays == result.person_pays == D("0.00")


@pytest.mark.parametrize("raw, reason", [("-1.00", "negative"), ("abc", "not_a_decimal"), ("NaN", "not_finite"),
                                         ("Infinity", "not_finite"), ("1.005", "more_than_two_decimals")])
def test_bad_amounts_are_refused_naming_the_field(raw, reason):
    with pytest.raises(InvalidAmount) as info:
        money(raw, "items[0].amount")
    assert (info.value.field, info.value.reason) == ("items[0].amount", reason)


def test_a_ratio_outside_0_to_1_is_refused():
    with pytest.raises(InvalidAmount):
        ratio("1.2", "policy.ratio")
    assert ratio("0.8", "policy.ratio") == D("0.8")


def test_an_unknown_category_is_refused():
    with pytest.raises(InvalidAmount):
        split(Item("x", "x", D("1.00"), "D"))
