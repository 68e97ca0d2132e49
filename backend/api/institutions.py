"""Networked institutions: public search, details, and (signed in) would my visit settle there."""
from dataclasses import asdict

from backend.api.blueprint import bp
from backend.api.schemas import (
    NOT_FOR_MEMBER, RATE_LIMITED, UNBOUND, ChoiceIn, FilingOut, InstitutionOut, InstitutionPageOut, InstitutionQuery, SettlementOut, SettlementQuery,
)
from backend.auth import auth, current_person
from backend.extensions import db, limiter, public_rate_limit
from backend.models import Area
from backend.services.filing import filings, institutions
from backend.lib.errors import NotFound
from backend.services.filing.institution_search import InvalidSearch, SearchFilters, get_institution, search


# The service names SearchFilters fields; the client knows the query parameters.
PARAMETER_OF = {"area_code": "area", "district_code": "district", "query": "q", "latitude": "lat",
                "longitude": "lon"}


@bp.errorhandler(InvalidSearch)
def _invalid_search(exc: InvalidSearch):
    from backend.errors import error_body

    field = PARAMETER_OF.get(exc.field, exc.field)
    return error_body("invalid_search", field=field, reason=exc.code) | {"field": field, "reason": exc.code}, 400


@bp.get("/institutions")
@limiter.limit(public_rate_limit)
@bp.input(InstitutionQuery, location="query", arg_name="query")
@bp.output(InstitutionPageOut)
@bp.doc(summary="Search networked institutions", description="Public and rate-limited. 400 names the bad parameter.",
        responses={400: "Invalid search: `field` names the parameter, `reason` why", 429: RATE_LIMITED})
def search_institutions(query):
    """Search by area, district, service, disease, level, name (Chinese, pinyin, initials) and distance."""
    filters = SearchFilters(
        area_code=query.get("area"), district_code=query.get("district"), service=query.get("service"),
        disease=query.get("disease"), grade=query.get("grade"), first_class=query.get("first_class"),
        query=query.get("q"), latitude=query.get("lat"), longitude=query.get("lon"), sort=query["sort"],
        page=query["page"], per_page=query["per_page"],
    )
    page = search(filters)
    return {"institutions": [asdict(h) for h in page.hits], "page": page.page, "per_page": page.per_page,
            "has_more": page.has_more}


@bp.get("/institutions/<code>")
@limiter.limit(public_rate_limit)
@bp.output(InstitutionOut)
@bp.doc(summary="Show one institution", responses={404: "No such institution", 429: RATE_LIMITED})
def show_institution(code: str):
    """Show an institution with the services and diseases it is networked for."""
    inst = get_institution(code)
    if inst is None:
        raise NotFound("institution_not_found", institution=code)
    area, district = db.session.get(Area, inst.area_code), db.session.get(Area, inst.district_code or "")
    return {
        "code": inst.code, "name": inst.name, "area_code": inst.area_code, "district_code": inst.district_code,
        "level": inst.level, "kind": inst.kind, "services": inst.services, "latitude": inst.latitude,
        "longitude": inst.longitude, "distance_km": None, "area_name": area.name if area else None,
        "district_name": district.name if district else None, "diseases": [d.disease_code for d in inst.diseases],
    }


@bp.get("/institutions/<code>/settlement")
@bp.auth_required(auth)
@bp.input(SettlementQuery, location="query", arg_name="query")
@bp.output(SettlementOut)
@bp.doc(summary="Would my visit settle directly here?",
        description="Checks, on the visit `date`, the filing in force that day (naming one under review, starting "
                    "later or expired), the filed area, the networked service/disease, the chronic-disease "
                    "qualification, the area's level and choice rules and platform maintenance. Lists three that "
                    "would settle only when another institution would; nearest first only from `lat`/`lon`.",
        responses={403: NOT_FOR_MEMBER, 404: "No such institution"})
def settlement_at_institution(code: str, query):
    """Explain whether a visit of a given kind would settle directly at this institution."""
    person = current_person()
    return institutions.settlement_check(person, query["principal"], code, query["visit"],
                                         disease=query.get("disease"), on=query.get("date"),
                                         location=(query["lat"], query["lon"]) if "lat" in query and "lon" in query
                                         else None)


@bp.put("/filings/<reference>/institutions")
@bp.auth_required(auth)
@bp.input(ChoiceIn, arg_name="body")
@bp.output(FilingOut)
@bp.doc(summary="Choose the institutions of a filing (where the insured area requires a choice)",
        responses={400: "Not required by the area, or against its rule", 403: UNBOUND, 404: "Not found"})
def choose_institutions(reference: str, body):
    """Record the chosen institutions on a filing (checked against the area's number and level rule)."""
    person = current_person()
    filing = institutions.choose_institutions(person, reference, body["codes"], channel="miniprogram")
    return filings.summary(filing, viewer=person)
