"""The page forms: each a FlaskForm with its own CSRF token (no global CSRFProtect)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from backend.services.filing import family


class PageForm(FlaskForm):
    """A CSRF-protected form whose token lives as long as the sign-in (no timed steps for elders)."""

    class Meta:
        csrf_time_limit = None


class QueryForm(FlaskForm):
    """A read-only GET form: nothing to protect, so no CSRF token in the URL."""

    class Meta:
        csrf = False


class TextSizeForm(PageForm):
    large = HiddenField()
    next = HiddenField()


class MessageForm(PageForm):
    text = StringField(validators=[Optional(), Length(max=500)])
    choice = IntegerField(validators=[Optional(), NumberRange(min=1, max=99)])
    version = IntegerField(validators=[Optional(), NumberRange(min=0)])
    message_id = HiddenField(validators=[Optional(), Length(max=64)])


class StartForm(PageForm):
    pass


class DevLoginForm(PageForm):
    openid = StringField(validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class SignOutForm(PageForm):
    pass


class CancelForm(PageForm):
    reason = TextAreaField(validators=[Optional(), Length(max=200)])


class ChangeForm(PageForm):
    treatment = StringField(validators=[Optional(), Length(max=40)])
    start_date = DateField(validators=[Optional()])


class PaperForm(PageForm):
    # The material and the screen it came from travel in the form's address, so an upload refused for its
    # size (before its body is read) can still be answered on the page it came from.
    file = FileField()


class PaperDeleteForm(PageForm):
    pass


class InviteForm(PageForm):
    name = StringField(validators=[DataRequired(), Length(max=64)])
    id_number = StringField(validators=[DataRequired(), Length(max=24)])
    relation = SelectField(choices=[SelectChoice(r) for r in family.MEMBER_RELATIONS], validators=[DataRequired()])
    agent_relation = SelectField(choices=[SelectChoice(r) for r in family.AGENT_RELATIONS], validators=[DataRequired()])


class AcceptForm(PageForm):
    code = StringField(validators=[DataRequired(), Length(max=32)])


class RevokeForm(PageForm):
    pass


class SettingsForm(PageForm):
    language = RadioField(choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")],
                          validators=[DataRequired()])
    large_text = BooleanField()
    phone = StringField(validators=[Optional(), Length(max=20)])


class SearchForm(QueryForm):
    city = StringField(validators=[Optional(), Length(max=40)])
    service = SelectField(choices=[SelectChoice(v) for v in ("", "inpatient", "outpatient", "chronic", "pharmacy")],
                          validators=[Optional()], default="")
    q = StringField(validators=[Optional(), Length(max=40)])
    lat = StringField(validators=[Optional(), Length(max=20)])
    lon = StringField(validators=[Optional(), Length(max=20)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1000)], default=1)


class SettlementForm(QueryForm):
    visit = SelectField(choices=[SelectChoice(v) for v in ("inpatient", "outpatient", "chronic", "pharmacy")],
                        validators=[Optional()])
    principal = StringField(validators=[Optional(), Length(max=32)])
    # The day of the visit (2026-12-15, as the browser's date picker sends it); empty means today.
    date = DateField(validators=[Optional()])
    # Where the person is, only when they let the browser tell: alternatives then say how far.
    lat = StringField(validators=[Optional(), Length(max=20)])
    lon = StringField(validators=[Optional(), Length(max=20)])


class EstimateForm(QueryForm):
    city = StringField(validators=[Optional(), Length(max=40)])
    visit = SelectField(choices=[SelectChoice(v) for v in ("inpatient", "outpatient", "chronic")],
                        validators=[Optional()], default="inpatient")
    level = SelectField(choices=[SelectChoice(v) for v in ("3", "2", "1")], validators=[Optional()], default="3")
    total = StringField(validators=[Optional(), Length(max=16)])
    self_paid = StringField(validators=[Optional(), Length(max=16)])
    principal = StringField(validators=[Optional(), Length(max=32)])


class ChronicForm(QueryForm):
    disease = StringField(validators=[Optional(), Length(max=40)])
    city = StringField(validators=[Optional(), Length(max=40)])
    principal = StringField(validators=[Optional(), Length(max=32)])
