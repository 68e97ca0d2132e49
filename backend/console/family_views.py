"""Offline proof of a family relation, for members who cannot consent in WeChat themselves."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from backend import messages
from backend.console.base import bp
from backend.console.forms import ProofForm, ProofSearchForm
from backend.services.console import review_family
from backend.lib.errors import DomainError


@bp.route("/family", methods=["GET", "POST"])
def family_proofs():
    """List invitations waiting for consent and record a proof checked at the counter."""
    search = ProofSearchForm(request.args)
    id_number = search.id_number.data if search.validate() else ""
    form = ProofForm()
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                review_family.record_offline_proof(
                    g.staff, member_id_number=form.member_id_number.data, agent_id_number=form.agent_id_number.data,
                    relation=form.relation.data, agent_relation=form.agent_relation.data,
                    document=form.document.data, note=form.note.data or "")
            except DomainError as exc:
                error = exc
            else:
                flash(messages.text("proof_recorded", "zh_CN"), "ok")
                return redirect(url_for("console.family_proofs"))
        elif form.csrf_token.errors:
            error = DomainError("form_expired")
    links = review_family.waiting_links(g.staff, id_number or "")
    status = error.status if error else 400 if form.errors else 200
    return render_template("console/family.html", links=links, form=form, search=search, error=error), status
