"""Family accounts: invite a relative, accept an invitation, list and end links."""
from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from backend.api.blueprint import bp
from backend.api.schemas import REFUSED, UNBOUND
from backend.auth import auth, current_person
from backend.services.filing import family


class InviteIn(Schema):
    name = String(required=True, validate=Length(min=1, max=64), metadata={"description": "the member's name"})
    id_number = String(required=True, validate=Length(min=15, max=24),
                       metadata={"description": "the member's ID number (checked with the name; never returned)"})
    relation = String(required=True, validate=OneOf(family.MEMBER_RELATIONS),
                      metadata={"description": "who the member is to you"})
    agent_relation = String(required=True, validate=OneOf(family.AGENT_RELATIONS),
                            metadata={"description": "who you are to the member"})


class AcceptIn(Schema):
    code = String(required=True, validate=Length(min=1, max=32), metadata={"description": "the one-time code"})


class LinkOut(Schema):
    id = Integer()
    role = String(metadata={"description": "agent (you act for them) or member (they act for you)"})
    relation = String(metadata={"description": "who the other person is to you"})
    name = String(metadata={"description": "the other person's name, masked"})
    state = String(metadata={"description": "invited | consented | offline_proof | revoked"})
    consented_at = String(allow_none=True)
    invitation_expires_at = String(allow_none=True)
    person_key = String(allow_none=True, metadata={"description": "principal key for acting (member:<id>)"})


class FamilyOut(Schema):
    members = List(Nested(LinkOut), metadata={"description": "relatives you act for, or invited"})
    agents = List(Nested(LinkOut), metadata={"description": "relatives who act for you, or asked to"})
    max_members = Integer()


class InvitationOut(Schema):
    link = Nested(LinkOut)
    code = String(metadata={"description": "one-time code for the member; shown once"})
    accept_url = String()
    expires_at = DateTime()


def _family(person) -> dict:
    return {"members": [family.link_view(k, person) for k in family.members_of(person)],
            "agents": [family.link_view(k, person) for k in family.agents_of(person)],
            "max_members": family.MAX_MEMBERS}


@bp.get("/family")
@bp.auth_required(auth)
@bp.output(FamilyOut)
@bp.doc(summary="List my family links (both directions)", responses={403: UNBOUND})
def list_family():
    """List the relatives I act for and those who act for me."""
    return _family(current_person())


@bp.post("/family/invitations")
@bp.auth_required(auth)
@bp.input(InviteIn, arg_name="body")
@bp.output(InvitationOut, status_code=201)
@bp.doc(summary="Invite a relative to let me act for them",
        responses={400: REFUSED, 403: UNBOUND, 404: "No insured person with this name and ID number",
                   409: "Five members already, or already a member",
                   429: "Too many invitation attempts (FAMILY_INVITE_RATE_LIMIT, 10/hour;20/day)"})
def invite(body):
    """Create a one-time invitation code the member accepts from their own WeChat."""
    person = current_person()
    made = family.invite_member(person, channel="miniprogram", **body)
    return {"link": family.link_view(made.link, person), "code": made.code,
            "accept_url": f"/m/family/accept?code={made.code}", "expires_at": made.expires_at}


@bp.post("/family/invitations/accept")
@bp.auth_required(auth)
@bp.input(AcceptIn, arg_name="body")
@bp.output(LinkOut)
@bp.doc(summary="Accept an invitation (as the invited member)",
        responses={403: UNBOUND, 404: "Wrong or expired code"})
def accept(body):
    """Consent to the inviting relative acting for me."""
    person = current_person()
    return family.link_view(family.accept_invitation(person, body["code"], channel="miniprogram"), person)


@bp.post("/family/links/<int:link_id>/revoke")
@bp.auth_required(auth)
@bp.output(LinkOut)
@bp.doc(summary="End a family link (the member withdraws consent, or the agent stops)",
        responses={403: UNBOUND, 404: "Not a link of mine"})
def revoke(link_id: int):
    """End a link at once; the agent can no longer see or act for the member."""
    person = current_person()
    return family.link_view(family.revoke(person, link_id, channel="miniprogram"), person)
