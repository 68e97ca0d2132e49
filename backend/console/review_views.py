"""The review queue, one case, decisions and bulk approval (thin: parse, one service call, render)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from backend import messages
from backend.console.base import bp
from backend.console.forms import BulkApproveForm, DecisionForm, QueueFilterForm, options
from backend.console.document_views import PaperRequestForm, PaperVerdictForm
from backend.services.console import review, review_documents
from backend.services.console.review import AlreadyDecided, DecisionInvalid
from backend.services.console.review_reasons import reasons_for
from backend.services.console.staff_accounts import can_decide
from dialogs.prompts.catalogue import both


def _filters(form: QueueFilterForm) -> review.QueueFilters:
    return review.QueueFilters(area=form.area.data or None, category=form.category.data or None,
                               min_age_days=form.min_age_days.data or None, page=form.page.data or 1)


@bp.route("/")
def queue():
    """Show the pending filings of the staff member's areas, oldest first, with the checks that failed."""
    form = QueueFilterForm(request.args)
    if not form.validate():
        # Bad filter values are dropped (and named), never a server error.
        for field in (form.min_age_days, form.page):
            if field.errors:
                field.data = None
    page = review.queue(g.staff, _filters(form))
    form.area.choices = options([("", both("console", "all"))] + [(c, f"{n} {c}") for c, n in page.areas])
    return render_template("console/queue.html", page=page, filters=form, bulk=BulkApproveForm())


@bp.route("/cases/<reference>")
def case(reference: str):
    """Show one case: the person, the materials, every check explained, the history, the decision form."""
    view = review.case(g.staff, reference)
    return _render_case(view, DecisionForm())


def _render_case(view, form, error: str | None = None, error_params: dict | None = None, status: int = 200):
    papers = review_documents.papers_for_case(g.staff, view.filing)
    return render_template("console/case.html", case=view, form=form, error=error, error_params=error_params or {},
                           reasons={a: reasons_for(a) for a in ("approve", "reject", "request_info")},
                           papers=papers, any_paper=any(m.papers for m in papers),
                           may_open_papers=can_decide(g.staff, view.filing.insured_area_code),
                           verdict_form=PaperVerdictForm(), paper_form=PaperRequestForm()), status


@bp.route("/cases/<reference>/decision", methods=["POST"])
def decide(reference: str):
    """Decide a case; if another reviewer was first, say who and when."""
    form = DecisionForm()
    if not form.validate_on_submit():
        error = "form_expired" if form.csrf_token.errors else "review_decision_invalid"
        return _render_case(review.case(g.staff, reference), form, error, status=400)
    try:
        outcome = review.decide(g.staff, reference, form.action.data, form.reason.data, form.note.data or "")
    except AlreadyDecided as exc:
        return _render_case(review.case(g.staff, reference), form, exc.code, exc.params, status=409)
    except DecisionInvalid as exc:
        return _render_case(review.case(g.staff, reference), form, exc.code, exc.params, status=400)
    flash(messages.text("review_decided", "zh_CN", reference=outcome.reference, status=outcome.status), "ok")
    return redirect(url_for("console.queue"))


@bp.route("/bulk-approve", methods=["POST"])
def bulk_approve():
    """Approve the ticked cases whose only open point is the document check."""
    form = BulkApproveForm()
    if not form.validate_on_submit():
        flash(messages.text("form_expired", "zh_CN"), "error")
        return redirect(url_for("console.queue"))
    result = review.bulk_approve(g.staff, form.references.data or [])
    flash(messages.text("review_bulk_done", "zh_CN", approved=len(result.approved), skipped=len(result.skipped)),
          "ok" if not result.skipped else "warn")
    for reference, code in result.skipped[:20]:
        flash(f"{reference}: {messages.text(code, 'zh_CN', reference=reference)}", "warn")
    return redirect(url_for("console.queue"))

