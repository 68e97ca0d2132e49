"""The signed-in person: profile (masked), settings, and who viewed or acted on their business."""
from apiflask import Schema
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length, OneOf

from backend.api.blueprint import bp
from backend.api.schemas import REFUSED, UNBOUND
from backend.auth import auth, current_person
from backend.services.filing import activity, profile


class ProfileOut(Schema):
    name = String()
    id_number = String(metadata={"description": "masked"})
    phone = String(allow_none=True, metadata={"description": "masked"})
    insured_area = String()
    large_text = Boolean()
    language = String()


class SettingsIn(Schema):
    large_text = Boolean()
    language = String(validate=OneOf(profile.LANGUAGES))
    phone = String(validate=Length(max=20))


class ActivityItem(Schema):
    at = String()
    action = String()
    actor = String(metadata={"description": "self | relative | staff | system"})
    text = String(metadata={"description": "e.g. 您的儿子 张* 于 11月20日 为您办理了备案"})
    subject = String(allow_none=True)
    channel = String()


class ActivityOut(Schema):
    activity = List(Nested(ActivityItem))


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(ProfileOut)
@bp.doc(summary="My profile (ID number and phone masked)", responses={403: UNBOUND})
def me():
    """Show the signed-in person's profile."""
    return profile.view(current_person())


@bp.patch("/me/settings")
@bp.auth_required(auth)
@bp.input(SettingsIn, arg_name="body")
@bp.output(ProfileOut)
@bp.doc(summary="Change my text size, language or phone", responses={400: REFUSED, 403: UNBOUND})
def settings(body):
    """Change large-text mode, language or phone number."""
    return profile.view(profile.update_settings(current_person(), channel="miniprogram", **body))


@bp.get("/me/activity")
@bp.auth_required(auth)
@bp.output(ActivityOut)
@bp.doc(summary="Who viewed or acted on my business (谁看过/办过我的业务)", responses={403: UNBOUND})
def my_activity():
    """List who viewed or acted on the person's business, newest first."""
    return {"activity": activity.activity_for(current_person())}
