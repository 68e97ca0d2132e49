"""The settlement service's message shapes (shared by its own API and the assistant's public routes).

The messages are flat JSON rather than FHIR resources; they carry what FHIR R4 puts in
CoverageEligibilityRequest/Response (readiness), Claim/ClaimResponse (estimate) and a
registration of coverage (the hand-off). Money is always a decimal string, never a float.
"""
from apiflask import Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

AREA = Regexp(r"^\d{6}$", error="a six-digit area code")
VISIT_TYPES = ("inpatient", "outpatient", "chronic")
READINESS_SERVICES = VISIT_TYPES + ("pharmacy",)  # a pharmacy settles outpatient purchases
from dialogs.categories import CATEGORIES
LEVELS = ("3A", "3B", "3", "2A", "2", "1", "none")
MAX_VERSION = 2**31 - 1  # versions are 32-bit integers in the database
# Every amount is a decimal string from 0 to rules.settlement.MAX_AMOUNT with at most two decimals;
# anything else answers 400 invalid_amount naming the field.
AMOUNT = "Decimal string in yuan, 0 to 100000000.00, at most two decimals"


class LineItemIn(Schema):
    code = String(required=True, validate=Length(min=1, max=32))
    name = String(load_default="", validate=Length(max=128))
    amount = String(required=True, metadata={"description": AMOUNT + ", e.g. \"32.52\""})
    category = String(validate=OneOf(("A", "B", "C")),
                      metadata={"description": "Overrides the treatment area's catalogue: A, B or C"})
    first_self_pay_ratio = String(metadata={"description": "Category B first self-pay share, e.g. \"0.10\""})


class YearToDateIn(Schema):
    deductible_met = String(load_default="0", metadata={"description": "Deductible already met this year; " + AMOUNT})
    fund_paid = String(load_default="0", metadata={"description": "What the fund already paid this year; " + AMOUNT})


class PolicyOverrideIn(Schema):
    deductible = String(metadata={"description": AMOUNT})
    ratio = String(metadata={"description": "Payment ratio between 0 and 1"})
    annual_cap = String(metadata={"description": AMOUNT})


class EstimateIn(Schema):
    insured_area = String(required=True, validate=AREA)
    treatment_area = String(required=True, validate=AREA)
    scheme = String(load_default="employee", validate=OneOf(("employee", "resident")))
    person_status = String(load_default="working", validate=OneOf(("working", "retired")),
                           metadata={"description": "working | retired"})
    category = String(load_default="long_term_resident", validate=OneOf(CATEGORIES))
    visit_type = String(required=True, validate=OneOf(VISIT_TYPES))
    institution_level = String(load_default="3", validate=OneOf(LEVELS))
    date = Date(metadata={"description": "The visit date (the policy in force then); default today"})
    year_to_date = Nested(YearToDateIn, load_default=lambda: {"deductible_met": "0", "fund_paid": "0"})
    items = List(Nested(LineItemIn), required=True, validate=Length(min=1, max=500))
    policy = Nested(PolicyOverrideIn, metadata={"description": "What-if override of the insured area's figures"})


class EstimateLineOut(Schema):
    code = String()
    name = String()
    amount = String()
    category = String()
    in_scope = String()
    first_self_pay = String()
    out_of_scope = String()
    explanation = String()
    explanation_en = String()


class EstimateOut(Schema):
    estimate_id = Integer(allow_none=True)
    total = String()
    in_scope = String()
    first_self_pay = String()
    out_of_scope = String()
    deductible_applied = String()
    ratio_applied = String()
    fund_pays = String()
    person_pays = String()
    cap_reached = Boolean()
    policy_source = String(metadata={"description": "area_policy | override; area policies shipped are SAMPLE data"})
    sample_policy = Boolean()
    sample_catalogue = Boolean(metadata={"description": "a line was priced from the treatment area's SAMPLE catalogue"})
    lines = List(Nested(EstimateLineOut))
    explanation = List(String())
    explanation_en = List(String())


class RegistrationIn(Schema):
    idempotency_key = String(required=True, validate=Length(min=1, max=128))
    event = String(required=True, validate=OneOf(("registered", "cancelled", "superseded")))
    reference = String(required=True, validate=Length(min=1, max=32))
    version = Integer(required=True, validate=Range(min=1, max=MAX_VERSION))
    category = String(required=True, validate=OneOf(CATEGORIES))
    insured_area = String(required=True, validate=AREA)
    treatment_area = String(required=True, validate=AREA)
    start_date = Date(required=True)
    end_date = Date(allow_none=True)
    person_id_hash = String(required=True, validate=Length(min=1, max=64))
    institutions = List(String(), load_default=list)


class RegistrationOut(Schema):
    reference = String()
    version = Integer()
    status = String(metadata={"description": "registered | cancelled | superseded (the settlement side)"})
    duplicate = Boolean(metadata={"description": "true when this reference+version was already received"})
    received_at = String()


class ReadinessIn(Schema):
    person_id_hash = String(required=True, validate=Length(min=1, max=64))
    institution = String(required=True, validate=Length(min=1, max=32))
    service = String(required=True, validate=OneOf(READINESS_SERVICES))
    # The assistant sends null when the visit is not for a chronic disease.
    disease = String(allow_none=True, validate=Length(max=64))
    date = Date(required=True)
    insurance_status = String(load_default="normal")
    contribution_status = String(load_default="paid")
    qualifications = List(String(), load_default=list)
    credential_activated = Boolean(allow_none=True)
    living_there = Boolean(allow_none=True)
    lang = String(load_default="zh_CN", validate=OneOf(("zh_CN", "en")))


class ReasonOut(Schema):
    code = String()
    reason = String()
    action = String()


class ReadinessCheckOut(Schema):
    code = String()
    passed = Boolean()


class ReadinessOut(Schema):
    ready = Boolean()
    filing_reference = String(allow_none=True)
    institution = String()
    institution_name = String()
    checks = List(Nested(ReadinessCheckOut))
    reasons = List(Nested(ReasonOut), metadata={"description": "Every failing check, with what to do"})
