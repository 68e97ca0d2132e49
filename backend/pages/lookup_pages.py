"""Institution search ("near me"), would my visit settle there, chronic-disease check, estimate."""
from __future__ import annotations

from dataclasses import asdict

from flask import request

from backend import messages
from backend.pages import (
    bp, current_identity, current_person, error_text, form_problem, language, large_text, person_required,
    render_page,
)
from backend.pages.forms import ChronicForm, EstimateForm, SearchForm, SettlementForm
from backend.services import eligibility, filings, institutions, profile, readiness
from backend.services.errors import DomainError, NotFound
from backend.services.institution_search import InvalidSearch, SearchFilters, get_institution, search


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _principal_choices(person) -> list[tuple[str, str, str]]:
    """(key, relation, masked name) for "为谁查": the person and the members who consented."""
    return [("self", "self", person.name_masked)] + [
        (f"member:{k.member_person_id}", k.relation, k.member.name_masked) for k in filings.consented_links(person)]


@bp.get("/institutions", endpoint="institutions")
def institutions_search():
    """Search networked institutions by city, service and name, or near the phone (public)."""
    form = SearchForm(request.args)
    hits, has_more, problem, area = [], False, None, None
    wants = any(request.args.get(k) for k in ("city", "q", "lat"))
    if wants and not form.validate():
        problem = form_problem(form)
    elif wants:
        lat, lon = _float(form.lat.data), _float(form.lon.data)
        if form.city.data:
            area = profile.find_area(form.city.data)
            if area is None:
                problem = messages.text("unknown_area", language())
        if problem is None:
            try:
                page = search(SearchFilters(
                    area_code=area[0] if area else None, service=form.service.data or None,
                    query=form.q.data or None, latitude=lat, longitude=lon,
                    sort="distance" if lat is not None and lon is not None else "level",
                    page=form.page.data or 1, per_page=3 if large_text() else 10))
                hits, has_more = [asdict(h) for h in page.hits], page.has_more
            except InvalidSearch as exc:
                problem = messages.text("invalid_search", language(), field=exc.field, reason=exc.code)
    return render_page("pages/institutions.html", form=form, hits=hits, has_more=has_more, problem=problem,
                       searched=wants, area=area, status=400 if problem else 200)


@bp.get("/institutions/<code>")
def institution_detail(code: str):
    """Show an institution; signed in, check whether a visit of a given kind would settle here."""
    inst = get_institution(code)
    if inst is None:
        raise NotFound("institution_not_found", institution=code)
    form = SettlementForm(request.args)
    identity = current_identity()
    person = identity.person if identity else None
    result, problem = None, None
    if person is not None and request.args.get("visit"):
        if form.validate():
            try:
                result = institutions.settlement_check(person, form.principal.data or "self", code, form.visit.data,
                                                       lang=language())
            except DomainError as exc:
                problem = error_text(exc)
        else:
            problem = form_problem(form)
    return render_page("pages/institution.html", inst=inst, form=form, result=result, problem=problem,
                       principals=_principal_choices(person) if person else [], status=403 if problem else 200)


@bp.get("/chronic")
@person_required
def chronic():
    """Check the four conditions for settling chronic-disease care directly (门诊慢特病)."""
    person = current_person()
    form = ChronicForm(request.args)
    result, problem = None, None
    if request.args.get("disease"):
        area = profile.find_area(form.city.data) if form.city.data else None
        if not form.validate():
            problem = form_problem(form)
        elif form.city.data and area is None:
            problem = messages.text("unknown_area", language())
        else:
            try:
                result = eligibility.chronic_eligibility(person, form.principal.data or "self", form.disease.data,
                                                         area=area[0] if area else None, lang=language())
            except DomainError as exc:
                problem = error_text(exc)
    return render_page("pages/chronic.html", form=form, result=result, problem=problem,
                       principals=_principal_choices(person), status=400 if problem else 200)


@bp.get("/estimate")
@person_required
def estimate():
    """Estimate roughly what the fund and the person pay for a visit (the settlement service's estimate)."""
    person = current_person()
    form = EstimateForm(request.args)
    result, problem = None, None
    if request.args.get("total"):
        principal = form.principal.data or "self"
        area = profile.find_area(form.city.data) if form.city.data else None
        if not form.validate():
            problem = form_problem(form)
        elif area is None and not form.city.data:
            filed = _filed_area(person, principal)
            area = (filed, "") if filed else None
        if problem is None and area is None:
            problem = messages.text("unknown_area", language())
        if problem is None:
            try:
                result = readiness.estimate_for(person, principal, area[0], form.visit.data or "inpatient",
                                                total=form.total.data.strip(), self_paid=(form.self_paid.data or "0").strip(),
                                                level=form.level.data or "3")
            except DomainError as exc:
                problem = error_text(exc)
    return render_page("pages/estimate.html", form=form, result=result, problem=problem,
                       principals=_principal_choices(person), status=400 if problem else 200)


def _filed_area(person, principal_key: str) -> str | None:
    try:
        principal, _ = filings.resolve_principal(person, principal_key)
    except DomainError:
        return None
    active = [f for f in filings.active_filings(principal.id) if f.status == "approved"]
    return active[0].treatment_area_code if active else None
