"""The area-policy edit form and its conversion to and from the import format (one document)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from backend.console.forms import MultiCheckboxField, options, say
from backend.console.labels import label
from backend.services.data.reference_data import disease_names
from dialogs.prompts import prompt_ids
from backend.models.filings import CATEGORIES
from backend.rules.filing_decision import CATEGORY_NAMES
from backend.rules.settlement import MAX_AMOUNT
from backend.rules.policy_validation import (
    BOUNDS, INSTITUTION_LEVELS, MONTH_FIELDS, PERSON_STATUSES, RULE_LEVELS, SCHEMES, VISIT_TYPES,
)

CATEGORY_CHOICES = options((c, CATEGORY_NAMES[c][0]) for c in CATEGORIES)


def _bounded(field: str) -> NumberRange:
    """The range a policy number must be in, with the same words every import uses (policy_validation.BOUNDS)."""
    low, high, message = BOUNDS[field]
    return NumberRange(low, high, message)


RATIO = NumberRange(Decimal(0), Decimal(1), say("a_ratio_between_0_and_1", " / "))
MONEY = NumberRange(Decimal(0), MAX_AMOUNT, say("an_amount_from_0_to_100_000_000", " / "))
NUMBER = say("enter_a_number", " / ")
WHOLE = say("enter_a_whole_number", " / ")
LABELS = {
    "change_lock_months": say("change_lock_months"),
    "commitment_lock_months": say("commitment_letter_lock_months"),
    "temporary_validity_months": say("temporary_validity_months"),
    "referral_validity_months": say("referral_validity_months"),
    "emergency_late_filing_days": say("emergency_late_filing_days"),
}


def _bilingual(field_class, message: str):
    """Return a field class whose "not a value" error is bilingual (WTForms says it in English only)."""

    class Field(field_class):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError:
                self.data = None
                raise ValueError(message) from None

        def pre_validate(self, form):
            # One clear message for a typed non-number, not also "out of range"; an empty entry is left
            # to Optional/InputRequired.
            if self.process_errors and self.raw_data and str(self.raw_data[0]).strip():
                raise StopValidation()
            self.process_errors = []

    Field.__name__ = field_class.__name__
    return Field


Money = _bilingual(DecimalField, NUMBER)
Whole = _bilingual(IntegerField, WHOLE)
Date = _bilingual(DateField, say("a_date_as_yyyy_mm_dd", " / "))


class RuleForm(Form):
    """One reimbursement rule row; a wholly blank row is ignored (rows to add)."""

    scheme = SelectField(choices=options((s, label(s, "scheme")) for s in SCHEMES))
    person_status = SelectField(choices=options((s, label(s, "person_status")) for s in PERSON_STATUSES))
    institution_level = SelectField(choices=options((s, label(s, "rule_level")) for s in RULE_LEVELS))
    visit_type = SelectField(choices=options((s, label(s, "visit")) for s in VISIT_TYPES))
    deductible = Money(places=2, validators=[Optional(), MONEY])
    ratio = Money(places=4, validators=[Optional(), RATIO])
    annual_cap = Money(places=2, validators=[Optional(), MONEY])
    remove = BooleanField(say("remove"))

    def blank(self) -> bool:
        return all(f.data is None for f in (self.deductible, self.ratio, self.annual_cap))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.remove.data or self.blank():
            return ok
        for field in (self.deductible, self.ratio, self.annual_cap):
            if field.data is None and not field.errors:
                field.errors.append(say("required", " / "))
                ok = False
        if ok and self.annual_cap.data < self.deductible.data:
            self.annual_cap.errors.append(say("the_annual_cap_must_be_the_deductible", " / "))
            ok = False
        return ok


class PolicyForm(FlaskForm):
    effective_from = Date(say("effective_from"), validators=[InputRequired(say("required", " / "))])
    note = StringField(say("policy_note"), validators=[Optional(), Length(max=500)])
    self_service_enabled = BooleanField(say("self_service_decisions"))
    categories_offered = MultiCheckboxField(say("categories_offered"), choices=CATEGORY_CHOICES)
    commitment_letter_categories = MultiCheckboxField(say("commitment_letter_accepted"), choices=CATEGORY_CHOICES)
    manual_review_categories = MultiCheckboxField(say("always_reviewed_by_staff"), choices=CATEGORY_CHOICES)
    change_lock_months = Whole(LABELS["change_lock_months"], validators=[InputRequired(WHOLE), _bounded("change_lock_months")])
    commitment_lock_months = Whole(LABELS["commitment_lock_months"], validators=[InputRequired(WHOLE), _bounded("commitment_lock_months")])
    temporary_validity_months = Whole(LABELS["temporary_validity_months"], validators=[InputRequired(WHOLE), _bounded("temporary_validity_months")])
    referral_validity_months = Whole(LABELS["referral_validity_months"], validators=[InputRequired(WHOLE), _bounded("referral_validity_months")])
    emergency_late_filing_days = Whole(LABELS["emergency_late_filing_days"],
                                       validators=[InputRequired(WHOLE), _bounded("emergency_late_filing_days")])
    max_institutions = Whole(say("max_institutions_empty_no_limit"),
                             validators=[Optional(), _bounded("max_institutions")])
    allowed_levels = MultiCheckboxField(say("allowed_levels_none_any"),
                                        choices=options((lv, lv) for lv in INSTITUTION_LEVELS))
    reduction_referral = Money(say("referral_reduction"), places=4, validators=[InputRequired(NUMBER), RATIO])
    reduction_emergency = Money(say("emergency_reduction"), places=4, validators=[InputRequired(NUMBER), RATIO])
    reduction_other_temporary = Money(say("other_temporary_reduction"), places=4,
                                             validators=[InputRequired(NUMBER), RATIO])
    materials = TextAreaField(say("papers_category_a_b_c"),
                              validators=[Optional(), Length(max=4000)])
    chronic_diseases = TextAreaField(say("chronic_diseases_disease_monthly_amount"),
                                     validators=[Optional(), Length(max=4000)])
    rules = FieldList(FormField(RuleForm), min_entries=0, max_entries=80)

    def validate_materials(self, field):
        parse_materials(field.data or "")

    def validate_chronic_diseases(self, field):
        parse_chronic(field.data or "")


_COLON = re.compile(r"[:：]")
_OR = re.compile(r"[|｜]")
_AND = re.compile(r"[+＋]")


def _material_codes() -> list[str]:
    return sorted(p.removeprefix("names.material_") for p in prompt_ids() if p.startswith("names.material_"))


def _lookup(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """name (Chinese, English, or the code itself) -> code, compared without case or spaces."""
    found = {}
    for code, words in names.items():
        for word in (code, *words):
            found[re.sub(r"\s+", "", word).lower()] = code
    return found


def _find(word: str, table: dict[str, str]) -> str | None:
    return table.get(re.sub(r"\s+", "", word).lower())


def _category_table() -> dict[str, str]:
    return _lookup({c: CATEGORY_NAMES[c] for c in CATEGORIES})


def _material_table() -> dict[str, str]:
    return _lookup({m: (label(m, "material"), label(m, "material", "en")) for m in _material_codes()})


def _disease_table() -> dict[str, str]:
    zh, en = disease_names("zh_CN"), disease_names("en")
    return _lookup({code: (zh[code], en.get(code, code)) for code in zh})


def parse_materials(text: str) -> dict[str, list[list[str]]]:
    """Parse '类别: 材料a + 材料b | 材料c' lines (names or codes) into the materials mapping (raises ValidationError)."""
    categories, materials = _category_table(), _material_table()
    result: dict[str, list[list[str]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        said, sep, rest = _split_line(line)
        category = _find(said, categories)
        if not sep or category is None:
            raise ValidationError(say("line_unknown_category", " / ").format(number=number, said=said))
        alternatives = []
        for alt in filter(None, (a.strip() for a in _OR.split(rest))):
            codes = []
            for word in (w.strip() for w in _AND.split(alt)):
                code = _find(word, materials)
                if code is None:
                    raise ValidationError(say("line_unknown_paper", " / ").format(number=number, said=word))
                codes.append(code)
            alternatives.append(codes)
        result[category] = alternatives
    return result


def _split_line(line: str) -> tuple[str, str, str]:
    parts = _COLON.split(line, maxsplit=1)
    return (parts[0].strip(), ":" if len(parts) == 2 else "", parts[1].strip() if len(parts) == 2 else "")


def parse_chronic(text: str) -> list[dict]:
    """Parse '病种' or '病种: 月定额' lines (names or codes) into the chronic-disease list (raises ValidationError)."""
    diseases = _disease_table()
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        said, sep, amount = _split_line(line)
        code = _find(said, diseases)
        if code is None:
            raise ValidationError(say("line_unknown_disease", " / ").format(number=number, said=said))
        item = {"code": code}
        if sep and amount:
            try:
                value = Decimal(amount)
            except ArithmeticError:
                value = None
            if value is None or not value.is_finite() or value <= 0:
                raise ValidationError(say("line_monthly_amount_positive", " / ").format(number=number))
            item["fixed_monthly_amount"] = str(value)
        items.append(item)
    return items


def form_data(doc: dict, *, effective_from: date) -> dict:
    """Return the form's initial data from a stored version's document."""
    filing = doc["filing"]
    reduction = doc["ratio_reduction"]
    return {
        "effective_from": effective_from, "note": "",
        "self_service_enabled": filing["self_service_enabled"],
        "categories_offered": filing["categories_offered"],
        "commitment_letter_categories": filing["commitment_letter_categories"],
        "manual_review_categories": filing["manual_review_categories"],
        **{f: filing[f] for f in MONTH_FIELDS},
        "max_institutions": filing["max_institutions"], "allowed_levels": filing["allowed_levels"] or [],
        "reduction_referral": Decimal(reduction["referral"]), "reduction_emergency": Decimal(reduction["emergency"]),
        "reduction_other_temporary": Decimal(reduction["other_temporary"]),
        "materials": "\n".join(f"{label(cat, 'category')}: " + " | ".join(
            " + ".join(label(m, "material") for m in alt) for alt in alts) for cat, alts in filing["materials"].items()),
        "chronic_diseases": "\n".join(label(c["code"], "disease")
                                      + (f": {c['fixed_monthly_amount']}" if "fixed_monthly_amount" in c else "")
                                      for c in doc["chronic_diseases"]),
        "rules": [{**r, "deductible": Decimal(r["deductible"]), "ratio": Decimal(r["ratio"]),
                   "annual_cap": Decimal(r["annual_cap"])} for r in doc["reimbursement"]],
    }


def to_document(form: PolicyForm, area_code: str, *, sample: bool) -> dict:
    """Return the import-format document a validated form describes."""
    rules = [row.form for row in form.rules if not row.form.remove.data and not row.form.blank()]
    return {
        "area": area_code, "effective_from": form.effective_from.data.isoformat(), "sample": sample,
        "note": form.note.data or "",
        "filing": {
            "categories_offered": list(form.categories_offered.data or []),
            "materials": parse_materials(form.materials.data or ""),
            "commitment_letter_categories": list(form.commitment_letter_categories.data or []),
            "self_service_enabled": bool(form.self_service_enabled.data),
            "manual_review_categories": list(form.manual_review_categories.data or []),
            **{f: getattr(form, f).data for f in MONTH_FIELDS},
            "max_institutions": form.max_institutions.data,
            "allowed_levels": list(form.allowed_levels.data) if form.allowed_levels.data else None,
        },
        "ratio_reduction": {"referral": str(form.reduction_referral.data), "emergency": str(form.reduction_emergency.data),
                            "other_temporary": str(form.reduction_other_temporary.data)},
        "reimbursement": [{"scheme": r.scheme.data, "person_status": r.person_status.data,
                           "institution_level": r.institution_level.data, "visit_type": r.visit_type.data,
                           "deductible": str(r.deductible.data), "ratio": str(r.ratio.data),
                           "annual_cap": str(r.annual_cap.data)} for r in rules],
        "chronic_diseases": parse_chronic(form.chronic_diseases.data or ""),
    }
