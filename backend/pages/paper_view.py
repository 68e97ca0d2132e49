"""What a filing's page shows about its papers: each material the area accepts, what was sent, what is asked."""
from __future__ import annotations

from backend.models import Filing, Person
from backend.services.filing import documents, paper_requests


def papers_view(person: Person, filing: Filing, lang: str) -> dict | None:
    """Return the papers part of a filing's page, or None when the filing has nothing to do with papers."""
    codes = documents.filing_materials(filing)
    sent = documents.list_for_filing(person, filing.reference)
    for extra in dict.fromkeys(d.material_code for d in sent):
        if extra not in codes:
            codes.append(extra)
    is_open = filing.status in documents.OPEN_STATUSES
    if not sent and not (is_open and codes):
        return None
    asked = paper_requests.requested_material(filing)
    needed = paper_requests.needed_for_filing(filing)
    options = paper_requests.alternatives(paper_requests.policy_of(filing), filing.category)
    materials = []
    for code in codes:
        papers = [documents.summary(d, person, lang) | {"number": n}
                  for n, d in enumerate((d for d in sent if d.material_code == code), start=1)]
        for paper in papers:
            paper["deletable"] = is_open and paper["status"] == "uploaded" and not paper["deleted"]
        materials.append({"code": code, "name": documents.material_name(code, lang), "papers": papers,
                          "needed": code in needed, "asked": code == asked})
    # The asked paper comes first: it is what the person came for.
    materials.sort(key=lambda m: not m["asked"])
    dates = sorted({d.delete_after for d in sent if d.delete_after})
    return {
        "open": is_open, "asked": asked, "asked_name": documents.material_name(asked, lang) if asked else None,
        "materials": materials, "needed": needed,
        "alternatives": [[documents.material_name(c, lang) for c in o] for o in options] if len(options) > 1 else [],
        "delete_after": dates[0].isoformat() if dates else None,
        "names": {code: documents.material_name(code, lang) for code in codes},
    }
