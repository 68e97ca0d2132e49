"""Papers on a filing's page: send a photo or PDF per material (the phone's camera opens), see it, delete it.

Large text asks one question a screen: the filing's page lists the materials with a button each, and each
material has its own screen with one file chooser. A refusal (type, size, pixels) is said on the page the
person came from, with everything else as it was.
"""
from __future__ import annotations

from flask import g, redirect, request, url_for

from backend import messages
from backend.api.documents import paper_response
from backend.pages.base import bp, current_person, error_text, form_problem, language, person_required, render_page
from backend.pages.filing_pages import render_filing
from backend.pages.forms import PaperDeleteForm, PaperForm
from backend.pages.paper_view import papers_view
from backend.pages.words import word
from backend.services.filing import documents, filings
from backend.lib.errors import DomainError, NotFound

CHANNEL = "h5"


def _material_of(person, filing, material: str) -> dict:
    view = papers_view(person, filing, language()) or {"materials": []}
    found = next((m for m in view["materials"] if m["code"] == material), None)
    if found is None:
        raise NotFound("document_material_unknown", material=material)
    return found


def _screen(person, filing, material: str, *, problem: str | None = None, status: int = 200):
    """Large text: one material, one file chooser, send and back."""
    entry = _material_of(person, filing, material)
    view = papers_view(person, filing, language())
    return render_page("pages/paper.html", status=status, reference=filing.reference, material=entry,
                       asked=view["asked"] == material, asked_note=filing.decision_note if view["asked"] else None,
                       form=PaperForm(formdata=None), problem=problem)


@bp.get("/filings/<reference>/papers/<material>")
@person_required
def paper_screen(reference: str, material: str):
    """Show the screen that sends one paper (large text reaches it from the filing's page)."""
    person = current_person()
    return _screen(person, filings.get_filing(person, reference), material)


@bp.post("/filings/<reference>/papers")
@person_required
def paper_upload(reference: str):
    """Check and keep one paper for a material of the filing; back to the page that sent it."""
    person = current_person()
    filing = filings.get_filing(person, reference)
    material = request.args.get("material", "")[:64]
    on_screen = request.args.get("screen") == "1"
    status = 400
    if g.get("upload_too_large"):
        problem = messages.text("document_too_large", language(), limit_mb=documents.limits().max_bytes // 2**20)
    else:
        form = PaperForm()
        if not form.validate_on_submit():
            problem = form_problem(form)
        elif not form.file.data:
            problem = word("paper_no_file", language())
        else:
            try:
                documents.save(person, reference, material, form.file.data.stream, channel=CHANNEL,
                               content_length=request.content_length)
                return redirect(url_for("pages.filing_detail", reference=reference, sent=material, _anchor="papers"))
            except DomainError as exc:
                problem, status = error_text(exc), exc.status
    if on_screen and material in documents.filing_materials(filing):
        return _screen(person, filing, material, problem=problem, status=status)
    return render_filing(person, filing, status=status, problem=problem, problem_material=material)


@bp.post("/filings/<reference>/papers/<int:document_id>/delete")
@person_required
def paper_delete(reference: str, document_id: int):
    """Delete a paper nobody has reviewed yet; its record stays."""
    person = current_person()
    filing = filings.get_filing(person, reference)
    form = PaperDeleteForm()
    if not form.validate_on_submit():
        return render_filing(person, filing, status=400, problem=form_problem(form))
    try:
        documents.delete(person, document_id, channel=CHANNEL)
    except DomainError as exc:
        return render_filing(person, filing, status=exc.status, problem=error_text(exc))
    return redirect(url_for("pages.filing_detail", reference=reference, deleted="1", _anchor="papers"))


@bp.get("/papers/<int:document_id>")
@person_required
def paper_file(document_id: int):
    """Show a paper to its owner or the relative who sent it; every read is recorded."""
    document, contents = documents.open_for_person(current_person(), document_id, channel=CHANNEL)
    return paper_response(document, contents)
