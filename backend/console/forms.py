"""Console forms (Flask-WTF: every form carries its own CSRF token); messages zh_CN first, then English."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, HiddenField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from backend.models.filings import CATEGORIES
from backend.rules.filing_decision import CATEGORY_NAMES
from backend.services.filing.family import AGENT_RELATIONS, MEMBER_RELATIONS
from backend.services.console.review_family import PROOF_DOCUMENTS
from backend.services.console.review_reasons import REASONS
from dialogs.prompts.catalogue import both


def say(key: str, sep: str = " ") -> str:
    """A console label or message from the words catalogue, Chinese first and English after."""
    return both("console", key, sep)


REQUIRED = say("required", " / ")


def options(pairs) -> list[SelectChoice]:
    """Return select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes sharing one name."""

    def pre_validate(self, form):
        # Choices are checked against the list only when there is one (the bulk form's are dynamic).
        if self.choices:
            super().pre_validate(form)


class LoginForm(FlaskForm):
    username = StringField(say("username"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(say("password"), validators=[DataRequired(REQUIRED), Length(max=256)])
    totp = StringField(say("one_time_code_if_enabled"), validators=[Optional(), Length(max=8)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class DecisionForm(FlaskForm):
    action = SelectField(say("decision"), choices=options([("approve", say("approve")), ("reject", say("reject")),
                                                           ("request_info", say("ask_for_more"))]),
                         validators=[InputRequired(REQUIRED)])
    reason = SelectField(say("reason"), choices=options((code, f"{code} · {zh}") for code, (_, zh, _en) in REASONS.items()),
                         validators=[InputRequired(REQUIRED)])
    note = TextAreaField(say("note_to_the_person_optional"),
                         validators=[Optional(), Length(max=500, message=say("at_most_500_characters", " / "))])


class BulkApproveForm(FlaskForm):
    references = MultiCheckboxField(say("cases"), choices=[], validate_choice=False)


class QueueFilterForm(FlaskForm):
    """GET filters: no CSRF (reading only)."""

    class Meta:
        csrf = False

    area = SelectField(say("area"), choices=[], validate_choice=False, validators=[Optional()])
    category = SelectField(say("category"),
                           choices=options([("", say("all"))] + [(c, CATEGORY_NAMES[c][0]) for c in CATEGORIES]),
                           validators=[Optional()])
    min_age_days = IntegerField(say("waiting_at_least_days"),
                                validators=[Optional(), NumberRange(0, 365, say("0_365_days", " / "))])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)])


class PolicyImportForm(FlaskForm):
    file = FileField(say("file"), validators=[FileRequired(say("choose_a_file", " / "))])


class ProofForm(FlaskForm):
    member_id_number = StringField(say("member_s_id_number"),
                                   validators=[DataRequired(REQUIRED), Length(max=20)])
    agent_id_number = StringField(say("agent_s_id_number"), validators=[DataRequired(REQUIRED), Length(max=20)])
    relation = SelectField(say("member_is_the_agent_s"), choices=options((r, r) for r in MEMBER_RELATIONS))
    agent_relation = SelectField(say("agent_is_the_member_s"), choices=options((r, r) for r in AGENT_RELATIONS))
    document = SelectField(say("proof_checked"),
                           choices=options((k, f"{zh} {en}") for k, (zh, en) in PROOF_DOCUMENTS.items()))
    seen_original = BooleanField(say("i_saw_the_original"),
                                 validators=[DataRequired(say("please_confirm_you_saw_the_original", " / "))])
    note = StringField(say("note"), validators=[Optional(), Length(max=150)])


class ProofSearchForm(FlaskForm):
    class Meta:
        csrf = False

    id_number = StringField(say("member_id_number_to_find"),
                            validators=[Optional(), Regexp(r"^[0-9Xx]{15,18}$", message=say("not_an_id_number", " / "))])
