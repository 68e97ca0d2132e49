"""A case's papers in the console: view (thumbnail, full, turned), a verdict per paper, ask for another paper."""
from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from backend import messages
from backend.api.documents import paper_response
from backend.console.base import bp
from backend.console.forms import options, say
from backend.lib import uploads
from backend.services.filing import documents
from backend.services.console import review_documents
from backend.services.console.review_documents import VERDICT_LABELS

VERDICTS = [(v, f"{VERDICT_LABELS[v][0]} {VERDICT_LABELS[v][1]}") for v in ("accepted", "unreadable", "wrong")]
TURNS = (0, 90, 180, 270)


class PaperVerdictForm(FlaskForm):
    verdict = SelectField(say("verdict"), choices=options(VERDICTS), validators=[InputRequired()])
    note = TextAreaField(say("note_on_a_paper"), validators=[Optional(), Length(max=500)])


class PaperRequestForm(FlaskForm):
    material = SelectField(say("paper_to_ask_for"), choices=[], validate_choice=False,
                           validators=[InputRequired()])
    reason = TextAreaField(say("reason_the_person_reads_it"),
                           validators=[InputRequired(), Length(max=300)])


@bp.route("/documents/<int:document_id>")
def paper(document_id: int):
    """Show one paper in full (a reviewer of its insured area only; every look is recorded)."""
    turn = request.args.get("rotate", 0, type=int)
    document, contents = documents.open_for_staff(g.staff, document_id, purpose="full")
    if turn in TURNS[1:] and document.content_type == "image/jpeg":
        return _jpeg(uploads.rotated(b"".join(contents), turn))
    return paper_response(document, contents)


@bp.route("/documents/<int:document_id>/thumb")
def paper_thumbnail(document_id: int):
    """Send a small picture of a photo for the case page."""
    document, contents = documents.open_for_staff(g.staff, document_id, purpose="thumbnail")
    if document.content_type != "image/jpeg":
        return Response(status=204)
    return _jpeg(uploads.thumbnail(b"".join(contents)))


def _jpeg(data: bytes) -> Response:
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<reference>/documents/<int:document_id>/verdict", methods=["POST"])
def paper_verdict(reference: str, document_id: int):
    """Record whether one paper is usable, unreadable or the wrong paper."""
    form = PaperVerdictForm()
    if not form.validate_on_submit():
        flash(messages.text("form_expired" if form.csrf_token.errors else "document_verdict_invalid", "zh_CN"),
              "error")
        return redirect(url_for("console.case", reference=reference))
    document = review_documents.mark(g.staff, reference, document_id, form.verdict.data, form.note.data or "")
    flash(messages.text("document_verdict_saved", "zh_CN", material=documents.material_name(document.material_code),
                        page=document.id, verdict=VERDICT_LABELS[document.status][0]), "ok")
    return redirect(url_for("console.case", reference=reference) + "#papers")


@bp.route("/cases/<reference>/ask-for-paper", methods=["POST"])
def ask_for_paper(reference: str):
    """Ask the person for another paper; the case waits for them outside the queue."""
    form = PaperRequestForm()
    if not form.validate_on_submit():
        flash(messages.text("form_expired" if form.csrf_token.errors else "paper_request_invalid", "zh_CN"), "error")
        return redirect(url_for("console.case", reference=reference) + "#papers")
    try:
        review_documents.ask_for_paper(g.staff, reference, form.material.data, form.reason.data)
    except review_documents.PaperRequestInvalid as exc:
        flash(messages.text(exc.code, "zh_CN"), "error")
        return redirect(url_for("console.case", reference=reference) + "#papers")
    flash(messages.text("paper_requested", "zh_CN", material=documents.material_name(form.material.data)), "ok")
    return redirect(url_for("console.queue"))
