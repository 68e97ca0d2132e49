"""Chronic-disease eligibility: the four conditions for a person, disease, area, institution and date."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, Disease, Person, Qualification
from backend.rules import chronic_eligibility as rules
from backend.services.filing import filings
from backend.lib.errors import NotFound
from backend.services.filing.institution_search import SearchFilters, get_institution, search
from backend.services.filing.institutions import names_for
from backend.services.data.reference_data import current_policy


def resolve_disease(word: str) -> Disease:
    """Find a disease by code, name or a common word for it (longest match wins)."""
    diseases = list(db.session.scalars(select(Disease).where(Disease.active.is_(True))))
    exact = next((d for d in diseases if word in (d.code, d.name_zh, d.name_en)), None)
    if exact is not None:
        return exact
    best = None
    lowered = word.lower()
    for d in diseases:
        for synonym in (d.name_zh, *(d.synonyms or ())):
            if synonym and synonym.lower() in lowered and (best is None or len(synonym) > best[1]):
                best = (d, len(synonym))
    if best is None:
        raise NotFound("unknown_disease", word=word[:40],
                       examples="、".join(d.name_zh for d in sorted(diseases, key=lambda d: d.code)[:5]))
    return best[0]


def _area_rules(principal: Person, on: date) -> rules.AreaChronicRules | None:
    policy = current_policy(principal.insured_area_code, on)
    if policy is None:
        return None
    return rules.AreaChronicRules(principal.insured_area_code,
                                  {c.disease_code: c.fixed_monthly_amount for c in policy.chronic_diseases})


def chronic_eligibility(actor: Person, principal_key: str, disease_word: str, *, area: str | None = None,
                        institution_code: str | None = None, on: date | None = None, lang: str = "zh_CN") -> dict:
    """Evaluate the four conditions, failing ones first, each with what to do next."""
    on = on or clock.today()
    principal, _ = filings.resolve_principal(actor, principal_key)
    disease = resolve_disease(disease_word)
    approved = [f for f in filings.active_filings(principal.id) if f.status == "approved"]
    if area is None:
        area = approved[0].treatment_area_code if approved else None
    if area is None or db.session.get(Area, area) is None:
        raise NotFound("unknown_area", area=area)
    area = db.session.get(Area, area).pool_code or area
    institution = get_institution(institution_code) if institution_code else None
    if institution_code and institution is None:
        raise NotFound("institution_not_found", institution=institution_code)
    qualifications = [rules.QualificationView(q.disease_code, q.certified_on, q.valid_until)
                      for q in db.session.scalars(select(Qualification).where(Qualification.person_id == principal.id))]
    filing_views = [rules.FilingView(f.reference, f.status, f.category, f.treatment_area_code, f.start_date, f.end_date)
                    for f in approved]
    inst_view = rules.InstitutionView(institution.code, institution.name, institution.area_code,
                                      tuple(d.disease_code for d in institution.diseases)) if institution else None
    result = rules.evaluate(disease.code, area, on, qualifications=qualifications, filings=filing_views,
                            rules=_area_rules(principal, on), institution=inst_view)
    nearest = search(SearchFilters(
        area_code=area, disease=disease.code, per_page=3, sort="distance" if institution and institution.latitude
        else "level", latitude=institution.latitude if institution else None,
        longitude=institution.longitude if institution else None,
        exclude_codes=(institution.code,) if institution else ())).hits
    names = names_for(area, principal.insured_area_code, disease.code, *(f.treatment_area_code for f in approved),
                      lang=lang)
    names["insured_area"] = names.get(principal.insured_area_code, "")
    alternatives = "、".join(h.name for h in nearest) or "—"
    conditions = [
        {**asdict(c), "message": rules.explain(c, lang, names, alternatives=alternatives)}
        for c in result.failing_first() if c.reason != "institution_not_named"
    ]
    return {
        "eligible": result.eligible, "disease": {"code": disease.code, "name": disease.name_zh},
        "area": {"code": area, "name": names.get(area)}, "date": on.isoformat(),
        "institution": {"code": institution.code, "name": institution.name} if institution else None,
        "conditions": conditions,
        "fixed_monthly_amount": str(result.fixed_monthly_amount) if result.fixed_monthly_amount else None,
        "alternatives": [asdict(h) for h in nearest],
    }
