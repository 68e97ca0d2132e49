"""Institution search ("near me"), would my visit settle there, chronic-disease check, estimate."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from flask import request, url_for

from backend import messages
from backend.lib import clock
from backend.pages.base import (
    bp, current_identity, current_person, error_text, form_problem, language, large_text, person_required,
    render_page,
)
from backend.pages.forms import ChronicForm, EstimateForm, SearchForm, SettlementForm
from backend.pages.steps import QuerySteps
from backend.pages.words import word
from backend.services.filing import eligibility, filings, institutions, profile, readiness
from backend.lib.errors import DomainError, NotFound
from backend.services.filing.institution_search import InvalidSearch, SearchFilters, get_institution, search
from dialogs.nlu_numbers import parse_amount


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
    """Search networked institutions by city, service and name, or near the phone (public).

    Large text asks the city, then the kind of care, one per screen ("near me" needs neither).
    """
    form = SearchForm(request.args)
    hits, has_more, problem, area, bad = [], False, None, None, None
    steps = QuerySteps(("city", "service"), request.args) if large_text() else None
    if steps is not None and not request.args.get("lat"):
        wants = steps.done
        if wants and not (form.city.data or "").strip():
            problem, bad = word("need_city", language()), "city"
    else:
        wants = any(request.args.get(k) for k in ("city", "q", "lat"))
    if problem is None and wants and not form.validate():
        problem, bad = form_problem(form), next(iter(form.errors), None)
    elif problem is None and wants:
        lat, lon = _float(form.lat.data), _float(form.lon.data)
        if form.city.data:
            area = profile.find_area(form.city.data)
            if area is None:
                problem, bad = messages.text("unknown_area", language()), "city"
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
                       searched=wants, area=area, status=400 if problem else 200,
                       **_step_context(steps, bad, problem, True if wants and not problem else None))


@bp.get("/institutions/<code>")
def institution_detail(code: str):
    """Show an institution; signed in, check whether a visit of a given kind on a given day would settle here.

    The day defaults to today; the browser's location, only when the person shares it, orders the
    alternatives by distance. Large text asks for whom (when there is a choice), the kind of visit and
    the day, one per screen.
    """
    inst = get_institution(code)
    if inst is None:
        raise NotFound("institution_not_found", institution=code)
    form = SettlementForm(request.args)
    if form.date.data is None and not request.args.get("date"):
        form.date.data = clock.today()
    identity = current_identity()
    person = identity.person if identity else None
    principals = _principal_choices(person) if person else []
    steps = _steps(principals, ("visit", "date")) if person is not None else None
    result, problem, bad, status = None, None, None, 200
    if person is not None and (steps.done if steps is not None else request.args.get("visit")):
        if not form.validate():
            bad = next(iter(form.errors), None)
            problem = word("need_visit_date", language()) if bad == "date" else form_problem(form)
            status = 400
        else:
            try:
                result = institutions.settlement_check(person, form.principal.data or "self", code,
                                                       form.visit.data or "inpatient", on=form.date.data,
                                                       lang=language(), location=_location(form))
            except DomainError as exc:
                problem, status = error_text(exc), exc.status
    return render_page("pages/institution.html", inst=inst, form=form, result=result, problem=problem,
                       principals=principals, status=status, shown=_shown(result, form, principals),
                       **_step_context(steps, bad, problem, result))


def _location(form) -> tuple[float, float] | None:
    """The person's position when the browser gave both coordinates and they make sense, else None."""
    lat, lon = _float(form.lat.data), _float(form.lon.data)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _shown(result: dict | None, form, principals) -> dict | None:
    """What the answer says in words and where its next steps lead (the page only lays it out)."""
    if result is None:
        return None
    lang = language()
    day = date.fromisoformat(result["date"])
    said = day.strftime("%d %b %Y") if lang.startswith("en") else f"{day.month}月{day.day}日"
    visit = word("svc_" + ("chronic_care" if result["visit"] == "chronic" else result["visit"]), lang)
    filing = next((c for c in result["checks"] if c["code"] == "filing_valid"), None)
    principal = form.principal.data or "self"
    city = result["institution"].get("area_name") or ""
    links = {
        "file": url_for("pages.file"),
        "estimate": url_for("pages.estimate", city=city, principal=principal,
                            visit=result["visit"] if result["visit"] in ("inpatient", "outpatient", "chronic")
                            else "outpatient"),
        "another": url_for("pages.institutions", city=city, service=result["visit"]),
    }
    return {
        "verdict": word("settles_on" if result["settles"] else "settles_not_on", lang, date=said, visit=visit),
        "in_force": word("filing_in_force", lang, reference=result["filing"])
        if filing and filing["passed"] and result["filing"] else None,
        "reasons": [c["message"] for c in result["checks"] if not c["passed"]],
        "distances": _location(form) is not None,
        "next": [(step, word(f"next_{step}", lang), links[step]) for step in result["next_steps"] if step in links],
    }


@bp.get("/chronic")
@person_required
def chronic():
    """Check the four conditions for settling chronic-disease care directly (门诊慢特病).

    Large text asks for whom (when there is a choice), the disease and the city, one per screen.
    """
    person = current_person()
    form = ChronicForm(request.args)
    principals = _principal_choices(person)
    steps = _steps(principals, ("disease", "city"))
    result, problem, bad = None, None, None
    if steps is not None and steps.done and not (form.disease.data or "").strip():
        problem, bad = word("need_disease", language()), "disease"
    elif (steps.done if steps is not None else request.args.get("disease")):
        area = profile.find_area(form.city.data) if form.city.data else None
        if not form.validate():
            problem, bad = form_problem(form), next(iter(form.errors), None)
        elif form.city.data and area is None:
            problem, bad = messages.text("unknown_area", language()), "city"
        else:
            try:
                result = eligibility.chronic_eligibility(person, form.principal.data or "self", form.disease.data,
                                                         area=area[0] if area else None, lang=language())
            except DomainError as exc:
                problem = error_text(exc)
                bad = "city" if exc.code == "unknown_area" else "disease" if "disease" in exc.code else None
    return render_page("pages/chronic.html", form=form, result=result, problem=problem, principals=principals,
                       status=400 if problem else 200, **_step_context(steps, bad, problem, result))


@bp.get("/estimate")
@person_required
def estimate():
    """Estimate roughly what the fund and the person pay for a visit (the settlement service's estimate).

    Large text asks for whom (when there is a choice), the total, the city and the kind of visit, one per
    screen; the same estimate runs once all are answered.
    """
    person = current_person()
    form = EstimateForm(request.args)
    principals = _principal_choices(person)
    steps = _steps(principals, ("total", "city", "visit"))
    result, problem, bad = None, None, None
    if steps is not None and steps.done and not (form.total.data or "").strip():
        problem, bad = word("need_total", language()), "total"
    elif (steps.done if steps is not None else request.args.get("total")):
        principal = form.principal.data or "self"
        area = profile.find_area(form.city.data) if form.city.data else None
        if not form.validate():
            problem, bad = form_problem(form), next(iter(form.errors), None)
        elif area is None and not form.city.data:
            filed = _filed_area(person, principal)
            area = (filed, "") if filed else None
        if problem is None and area is None:
            problem, bad = messages.text("unknown_area", language()), "city"
        if problem is None:
            try:
                result = readiness.estimate_for(person, principal, area[0], form.visit.data or "inpatient",
                                                total=_amount(form.total.data), self_paid=_amount(form.self_paid.data) or "0",
                                                level=form.level.data or "3")
            except DomainError as exc:
                problem, bad = error_text(exc), exc.params.get("field")
    return render_page("pages/estimate.html", form=form, result=result, problem=problem, principals=principals,
                       status=400 if problem else 200, **_step_context(steps, bad, problem, result))


def _amount(text: str | None) -> str:
    """Return an amount as the settlement service reads it: "5万", "一万二" or "￥3000" as the chat reads them.

    What names no amount is passed on as typed, so the service's refusal names the field and the page keeps it.
    """
    typed = (text or "").strip()
    amount = parse_amount(typed)
    return typed if amount is None else str(amount)


def _steps(principals, questions: tuple[str, ...]) -> QuerySteps | None:
    """Large text's questions for a look-up: "for whom" first when there is a choice, then the page's own."""
    if not large_text():
        return None
    return QuerySteps((("principal",) if len(principals) > 1 else ()) + questions, request.args)


def _step_context(steps: QuerySteps | None, bad: str | None, problem, result) -> dict:
    """What a large-text look-up screen shows: the one question, the answers carried, the way back."""
    if steps is None:
        return {"step": None}
    step = None if result is not None else steps.step(bad, problem=bool(problem))
    back = steps.back(step)
    return {"step": step, "carried": steps.carried(step), "number": steps.number(step) if step else None,
            "total_steps": len(steps.order), "back": None if back is None else
            url_for(request.endpoint, **(request.view_args or {}), **back)}


def _filed_area(person, principal_key: str) -> str | None:
    # A principal the person may not act for is refused here (403), not answered as "which city?".
    principal, _ = filings.resolve_principal(person, principal_key)
    active = [f for f in filings.active_filings(principal.id) if f.status == "approved"]
    return active[0].treatment_area_code if active else None
