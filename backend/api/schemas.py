"""Request and response shapes of the mini-program API (documented in the OpenAPI document)."""
from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from backend.services.filing import institution_search as search
from dialogs.categories import CATEGORIES

# Refusals the routes document with @bp.doc(responses=...); every error body is backend.errors.ERROR_SCHEMA.
UNBOUND = "The WeChat identity is not bound to an insured person yet (identity_required)"
NOT_FOR_MEMBER = "Not bound to an insured person yet, or not authorised for that member"
RATE_LIMITED = "Too many requests; try again later"
REFUSED = "Invalid input, or refused by a rule JSON Schema cannot state (the reason code is in `error`)"


class MessageIn(Schema):
    text = String(validate=Length(max=2000), metadata={"description": "What the person typed or said."})
    choice = Integer(validate=Range(min=1, max=99), metadata={"description": "A numbered choice (1, 2, ...)."})
    version = Integer(validate=Range(min=0), metadata={"description": "The session version the client last saw; "
                                                                         "a different one answers 409 stale_turn."})
    message_id = String(validate=Length(min=1, max=128),
                        metadata={"description": "Client message id: a repeat returns the same reply, applied once."})
    lat = Float(validate=Range(min=-90, max=90), metadata={"description": "the phone's latitude (for 'near me')"})
    lon = Float(validate=Range(min=-180, max=180), metadata={"description": "the phone's longitude"})

    @validates_schema
    def one_input(self, data, **_kwargs):
        if ("text" in data) == ("choice" in data):
            raise ValidationError("give exactly one of text or choice", "text")
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("give both lat and lon", "lat")


class ChoiceOut(Schema):
    number = Integer()
    label = String()
    value = String()
    irreversible = Boolean(metadata={"description": "Submits, signs or cancels: show it as its own clearly labelled "
                                                    "button that a tap must press deliberately (never a default)."})


class AreaOut(Schema):
    code = String()
    name = String(allow_none=True)


class CheckOut(Schema):
    code = String()
    passed = Boolean()
    effect = String()
    params = Dict()


class FilingOut(Schema):
    reference = String()
    status = String(metadata={"description": "pending_review | approved | rejected | info_requested | cancelled | superseded | expired"})
    category = String()
    insured_area = Nested(AreaOut)
    treatment_area = Nested(AreaOut)
    start_date = String()
    end_date = String(allow_none=True)
    lock_until = String(allow_none=True)
    filed_by = String(metadata={"description": "self, or the relation of the relative who filed it (son, ...)"})
    filed_by_name = String(allow_none=True, metadata={"description": "masked name of who filed it"})
    for_self = Boolean()
    submitted_at = String()
    decided_at = String(allow_none=True)
    decision_mode = String(allow_none=True)
    checks = List(Nested(CheckOut))
    reason = String(allow_none=True)
    decision_text = String(allow_none=True, metadata={
        "description": "a reviewer's reason as a sentence in the person's language (null for automatic decisions)"})
    decision_note = String(allow_none=True, metadata={"description": "the reviewer's own note to the person, if any"})
    contact_phone = String(allow_none=True, metadata={"description": "masked"})
    materials = List(String())
    handoff_status = String()
    channel = String()
    institutions = List(String(), metadata={"description": "chosen institutions, where the area requires a choice"})


class TurnOut(Schema):
    reply = String(metadata={"description": "The whole reply as text, choices included."})
    messages = List(String())
    choices = List(Nested(ChoiceOut))
    state = String(metadata={"description": "The dialog step now waiting for an answer."})
    flow = String(allow_none=True)
    version = Integer()
    large_text = Boolean()
    language = String()
    filing = Nested(FilingOut, allow_none=True)
    repeated = Boolean()


class FilingsOut(Schema):
    filings = List(Nested(FilingOut))


class CancelIn(Schema):
    reason = String(load_default="", validate=Length(max=200))


class ChangeIn(Schema):
    treatment_area = String(validate=Length(equal=6))
    category = String(validate=OneOf(CATEGORIES))
    start_date = Date()
    end_date = Date()
    materials = String(validate=OneOf(("commitment_letter", "documents")))
    phone = String(validate=Length(min=11, max=11))



class InstitutionQuery(Schema):
    # The ranges and choices are documented here (so clients and the fuzz tests know them) but
    # checked by the search service, whose 400 names the parameter and the reason in Chinese.
    area = String(metadata={"description": "co-ordination area code (6 digits), e.g. 440300"})
    district = String(metadata={"description": "county-level code inside the area"})
    service = String(metadata={"description": "inpatient | outpatient | chronic | pharmacy",
                               "enum": list(search.SERVICES)})
    disease = String(metadata={"description": "chronic disease code, e.g. diabetes"})
    grade = Integer(metadata={"description": "1, 2 or 3 (一/二/三级)", "minimum": 1, "maximum": 3})
    first_class = Boolean(metadata={"description": "甲等 only"})
    q = String(metadata={"description": "name: Chinese substring, full pinyin or initials "
                                        f"(at most {search.MAX_QUERY_CHARS} characters after spaces are removed)",
                         "minLength": 1})
    lat = Float(metadata={"description": "latitude of the user, for distance", "minimum": -90, "maximum": 90})
    lon = Float(metadata={"description": "longitude of the user, for distance", "minimum": -180, "maximum": 180})
    sort = String(load_default="level", metadata={"description": "level | distance (needs lat and lon) | name",
                                                  "enum": list(search.SORTS)})
    page = Integer(load_default=1, metadata={"minimum": 1, "maximum": search.MAX_PAGE})
    per_page = Integer(load_default=10, metadata={"minimum": 1, "maximum": search.MAX_PER_PAGE})


class HitOut(Schema):
    code = String()
    name = String()
    area_code = String()
    district_code = String(allow_none=True)
    level = String()
    kind = String()
    services = List(String())
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    distance_km = Float(allow_none=True)


class InstitutionPageOut(Schema):
    institutions = List(Nested(HitOut))
    page = Integer()
    per_page = Integer()
    has_more = Boolean()


class InstitutionOut(HitOut):
    area_name = String()
    district_name = String(allow_none=True)
    diseases = List(String())


class SettlementQuery(Schema):
    visit = String(required=True, validate=OneOf(("inpatient", "outpatient", "chronic", "pharmacy")))
    disease = String()
    date = Date(metadata={"description": "the visit date (default today): the filing in force that day decides"})
    principal = String(load_default="self", metadata={"description": "self, or member:<person id> you act for"})
    lat = Float(validate=Range(-90, 90), metadata={"description": "where the person is: alternatives nearest first"})
    lon = Float(validate=Range(-180, 180))


class SettlementCheckOut(Schema):
    code = String()
    passed = Boolean()
    params = Dict()
    message = String(allow_none=True)


class SettlementOut(Schema):
    institution = Dict()
    visit = String()
    disease = String(allow_none=True)
    date = String()
    settles = Boolean()
    filing = String(allow_none=True)
    filing_state = String(metadata={"description": "in_force, none, pending_review, not_started, expired, refused"})
    checks = List(Nested(SettlementCheckOut))
    alternatives = List(Nested(HitOut))
    next_steps = List(String(), metadata={"description": "file, estimate, another: what the person may do next"})


class ChoiceIn(Schema):
    codes = List(String(validate=Length(min=1, max=32)), required=True, validate=Length(min=1, max=10))


class ChronicIn(Schema):
    disease = String(required=True, validate=Length(min=1, max=40),
                     metadata={"description": "a disease code, name or common word (透析, 血糖高, ...)"})
    area = String(validate=Length(equal=6), metadata={"description": "treatment area; default: the approved filing's"})
    institution = String(validate=Length(min=1, max=32))
    date = Date()
    principal = String(load_default="self", metadata={"description": "self, or member:<person id> you act for"})


class ConditionOut(Schema):
    code = String(metadata={"description": "qualification | filing | opened | institution"})
    passed = Boolean()
    reason = String()
    params = Dict()
    message = String()


class ChronicOut(Schema):
    eligible = Boolean()
    disease = Dict()
    area = Dict()
    date = String()
    institution = Dict(allow_none=True)
    conditions = List(Nested(ConditionOut), metadata={"description": "failing conditions first"})
    fixed_monthly_amount = String(allow_none=True)
    alternatives = List(Nested(HitOut))
