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

REQUIRED = "必填 / required"


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
    username = StringField("用户名 Username", validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(REQUIRED), Length(max=256)])
    totp = StringField("动态验证码 One-time code (if enabled)", validators=[Optional(), Length(max=8)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class DecisionForm(FlaskForm):
    action = SelectField("决定 Decision", choices=options([("approve", "批准 Approve"), ("reject", "不予通过 Reject"),
                                                           ("request_info", "请补充材料 Ask for more")]),
                         validators=[InputRequired(REQUIRED)])
    reason = SelectField("理由模板 Reason", choices=options((code, f"{code} · {zh}") for code, (_, zh, _en) in REASONS.items()),
                         validators=[InputRequired(REQUIRED)])
    note = TextAreaField("补充说明（会发给申请人）Note to the person (optional)",
                         validators=[Optional(), Length(max=500, message="最多500字 / at most 500 characters")])


class BulkApproveForm(FlaskForm):
    references = MultiCheckboxField("案件 Cases", choices=[], validate_choice=False)


class QueueFilterForm(FlaskForm):
    """GET filters: no CSRF (reading only)."""

    class Meta:
        csrf = False

    area = SelectField("统筹区 Area", choices=[], validate_choice=False, validators=[Optional()])
    category = SelectField("人员类别 Category",
                           choices=options([("", "全部 all")] + [(c, CATEGORY_NAMES[c][0]) for c in CATEGORIES]),
                           validators=[Optional()])
    min_age_days = IntegerField("至少等待天数 Waiting at least (days)",
                                validators=[Optional(), NumberRange(0, 365, "0–365 天 / 0–365 days")])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)])


class PolicyImportForm(FlaskForm):
    file = FileField("YAML 文件 File", validators=[FileRequired("请选择文件 / choose a file")])


class ProofForm(FlaskForm):
    member_id_number = StringField("家人（被代办人）身份证号 Member's ID number",
                                   validators=[DataRequired(REQUIRED), Length(max=20)])
    agent_id_number = StringField("代办人身份证号 Agent's ID number", validators=[DataRequired(REQUIRED), Length(max=20)])
    relation = SelectField("家人是代办人的 Member is the agent's", choices=options((r, r) for r in MEMBER_RELATIONS))
    agent_relation = SelectField("代办人是家人的 Agent is the member's", choices=options((r, r) for r in AGENT_RELATIONS))
    document = SelectField("查验的证明 Proof checked",
                           choices=options((k, f"{zh} {en}") for k, (zh, en) in PROOF_DOCUMENTS.items()))
    seen_original = BooleanField("已查验原件 I saw the original",
                                 validators=[DataRequired("请确认已查验原件 / please confirm you saw the original")])
    note = StringField("备注 Note", validators=[Optional(), Length(max=150)])


class ProofSearchForm(FlaskForm):
    class Meta:
        csrf = False

    id_number = StringField("家人身份证号 Member's ID number",
                            validators=[Optional(), Regexp(r"^[0-9Xx]{15,18}$", message="身份证号格式不对 / not an ID number")])
