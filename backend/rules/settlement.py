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

from dialogs.prompts.catalogue import word

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

    def say(key: str, **params) -> str:
        return word("rule.estimate", key, lang, **params)

    lines = []
    for line in result.lines:
        kind = {"C": "line_outside", "B": "line_category_b"}.get(line.category, "line_category_a")
        text = say(kind, name=line.name, amount=line.amount, first_self_pay=line.first_self_pay,
                   first_self_pay_ratio=_pct(line.first_self_pay_ratio), in_scope=line.in_scope)
        if line.category != "C" and line.out_of_scope:
            text += say("line_over_ceiling", out_of_scope=line.out_of_scope)
        lines.append(text)
    summary = [
        say("in_scope", in_scope=result.in_scope, first_self_pay=result.first_self_pay,
            out_of_scope=result.out_of_scope),
        say("deductible", deductible_applied=result.deductible_applied, ratio=_pct(result.ratio_applied)),
    ]
    if result.cap_reached:
        summary.append(say("cap_reached"))
    summary.append(say("fund_pays", fund_pays=result.fund_pays, person_pays=result.person_pays))
    return lines, summary
