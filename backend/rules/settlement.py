"""Estimate a direct settlement (DOMAIN.md section 4.2): pure Decimal arithmetic, no I/O.

The treatment area's catalogue says how each item counts (A: fully in scope; B: a first
self-pay share, the rest in scope; C: self-paid; a price ceiling makes the excess self-paid).
The insured area's policy gives the deductible, the ratio and the annual cap; temporary
categories get the ratio lowered by the area's reduction. Every line's split and every
final figure is rounded to the fen, half up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0")
# The largest amount anything accepts: one hundred million yuan, far above any visit, deductible or
# annual cap, and well inside the Numeric(14, 2) columns and Decimal's 28-digit arithmetic (1e26
# and above could not even be rounded to the fen).
MAX_AMOUNT = Decimal("100000000.00")
CATEGORIES = ("A", "B", "C")


def fen(value: Decimal) -> Decimal:
    """Round to the fen, half up (DOMAIN.md 4.2)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


class InvalidAmount(ValueError):
    """A money or ratio value cannot be used; field names it (e.g. "items[2].amount")."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def money(raw, field: str, *, allow_zero: bool = True) -> Decimal:
    """Parse a decimal string into money; refuse floats' cousins: NaN, infinities, negatives, sub-fen."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(field, "not_a_decimal") from None
    if not value.is_finite():
        raise InvalidAmount(field, "not_finite")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(field, "negative" if value < 0 else "zero")
    if value > MAX_AMOUNT:
        raise InvalidAmount(field, "too_large")
    if value != value.quantize(FEN):
        raise InvalidAmount(field, "more_than_two_decimals")
    return value


def ratio(raw, field: str) -> Decimal:
    """Parse a ratio between 0 and 1."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(field, "not_a_decimal") from None
    if not value.is_finite() or not ZERO <= value <= 1:
        raise InvalidAmount(field, "ratio_out_of_range")
    return value


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    amount: Decimal
    category: str = "A"
    first_self_pay_ratio: Decimal = ZERO
    price_ceiling: Decimal | None = None


@dataclass(frozen=True)
class Policy:
    deductible: Decimal
    ratio: Decimal
    annual_cap: Decimal
    ratio_reduction: Decimal = ZERO  # points off the ratio for temporary categories


@dataclass(frozen=True)
class YearToDate:
    deductible_met: Decimal = ZERO
    fund_paid: Decimal = ZERO


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    amount: Decimal
    in_scope: Decimal
    first_self_pay: Decimal
    out_of_scope: Decimal
    category: str = "A"
    first_self_pay_ratio: Decimal = ZERO


@dataclass(frozen=True)
class Estimate:
    total: Decimal
    in_scope: Decimal
    first_self_pay: Decimal
    out_of_scope: Decimal
    deductible_applied: Decimal
    ratio_applied: Decimal
    fund_pays: Decimal
    person_pays: Decimal
    cap_reached: bool
    lines: tuple[Line, ...] = field(default_factory=tuple)


def split(item: Item) -> Line:
    """Split one item into in-scope, first self-pay and out-of-scope parts."""
    if item.category not in CATEGORIES:
        raise InvalidAmount(f"item {item.code}.category", "unknown_category")
    base = item.amount if item.price_ceiling is None else min(item.amount, item.price_ceiling)
    over = item.amount - base
    if item.category == "C":
        return Line(item.code, item.name, item.amount, ZERO, ZERO, item.amount, "C")
    first = fen(base * item.first_self_pay_ratio) if item.category == "B" else ZERO
    return Line(item.code, item.name, item.amount, base - first, first, over, item.category,
                item.first_self_pay_ratio if item.category == "B" else ZERO)


def estimate(items: list[Item], policy: Policy, ytd: YearToDate = YearToDate()) -> Estimate:
    """Compute what the fund and the person pay for one visit or admission."""
    lines = tuple(split(i) for i in items)
    total = sum((line.amount for line in lines), ZERO)
    in_scope = sum((line.in_scope for line in lines), ZERO)
    first_self = sum((line.first_self_pay for line in lines), ZERO)
    out_of_scope = sum((line.out_of_scope for line in lines), ZERO)
    remaining_deductible = max(ZERO, policy.deductible - ytd.deductible_met)
    deductible_applied = min(in_scope, remaining_deductible)
    ratio_applied = max(ZERO, policy.ratio - policy.ratio_reduction)
    computed = fen((in_scope - deductible_applied) * ratio_applied)
    remaining_cap = max(ZERO, policy.annual_cap - ytd.fund_paid)
    fund = min(computed, remaining_cap)
    return Estimate(
        total=fen(total), in_scope=fen(in_scope), first_self_pay=fen(first_self), out_of_scope=fen(out_of_scope),
        deductible_applied=fen(deductible_applied), ratio_applied=ratio_applied, fund_pays=fen(fund),
        person_pays=fen(total - fund), cap_reached=computed > remaining_cap, lines=lines,
    )


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def explain(result: Estimate, lang: str = "zh_CN") -> tuple[list[str], list[str]]:
    """Explain each line and the totals in plain words: (line sentences, summary sentences)."""
    en = lang.startswith("en")
    lines = []
    for line in result.lines:
        if line.category == "C":
            text = (f"{line.name} {line.amount}: outside the catalogue, paid by you in full." if en else
                    f"{line.name} {line.amount}元：不在医保目录内（自费），全部由个人支付。")
        elif line.category == "B":
            text = (f"{line.name} {line.amount}: category B, you first pay {line.first_self_pay} "
                    f"({_pct(line.first_self_pay_ratio)}), {line.in_scope} is in scope." if en else
                    f"{line.name} {line.amount}元：乙类，先自付{line.first_self_pay}元（{_pct(line.first_self_pay_ratio)}），"
                    f"{line.in_scope}元纳入报销范围。")
        else:
            text = (f"{line.name} {line.amount}: category A, {line.in_scope} in scope." if en else
                    f"{line.name} {line.amount}元：甲类，{line.in_scope}元纳入报销范围。")
        if line.category != "C" and line.out_of_scope:
            text += (f" {line.out_of_scope} over the price ceiling is yours to pay." if en else
                     f"超过限价的{line.out_of_scope}元由个人支付。")
        lines.append(text)
    summary = [
        (f"In scope {result.in_scope}; first self-pay {result.first_self_pay}; outside the catalogue or over "
         f"ceilings {result.out_of_scope}." if en else
         f"纳入报销范围{result.in_scope}元，乙类先自付{result.first_self_pay}元，自费和超限价{result.out_of_scope}元。"),
        (f"Deductible applied {result.deductible_applied}; ratio {_pct(result.ratio_applied)}." if en else
         f"本次扣除起付线{result.deductible_applied}元，报销比例{_pct(result.ratio_applied)}。"),
    ]
    if result.cap_reached:
        summary.append("The annual cap is reached: the fund pays only what is left under it." if en else
                       "已达到年度最高支付限额，医保基金只支付限额内剩余的部分。")
    summary.append(f"The fund pays {result.fund_pays}; you pay {result.person_pays}." if en else
                   f"医保基金支付{result.fund_pays}元，个人支付{result.person_pays}元。")
    return lines, summary
