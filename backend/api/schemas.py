"""Request and response shapes of the mini-program API (documented in the OpenAPI document)."""
from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

CATEGORIES = ("retiree_resettled", "long_term_resident", "posted_worker", "referral", "emergency", "other_temporary")


class MessageIn(Schema):
    text = String(validate=Length(max=2000), metadata={"description": "What the person typed or said."})
    choice = Integer(validate=Range(min=1, max=99), metadata={"description": "A numbered choice (1, 2, ...)."})
    version = Integer(validate=Range(min=0), metadata={"description": "The session version the client last saw; "
                                                                         "a different one answers 409 stale_turn."})
    message_id = String(validate=Length(min=1, max=128),
                        metadata={"description": "Client message id: a repeat returns the same reply, applied once."})

    @validates_schema
    def one_input(self, data, **_kwargs):
        if ("text" in data) == ("choice" in data):
            raise ValidationError("give exactly one of text or choice", "text")


class ChoiceOut(Schema):
    number = Integer()
    label = String()
    value = String()


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
    status = String(metadata={"description": "pending_review | approved | rejected | cancelled | superseded | expired"})
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
    contact_phone = String(allow_none=True, metadata={"description": "masked"})
    materials = List(String())
    handoff_status = String()
    channel = String()


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

