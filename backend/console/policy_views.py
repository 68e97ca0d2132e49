"""Area policy administration: versions, a new version from a form, import and export as YAML."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, flash, g, redirect, render_template, request, url_for

from backend import messages
from backend.console.base import bp
from backend.console.forms import PolicyImportForm
from backend.console.policy_form import PolicyForm, RuleForm, form_data, to_document
from backend.lib import clock
from backend.services.console import policy_admin
from backend.services.console.policy_admin import PolicyInvalid
from dialogs.prompts.catalogue import both

BLANK_RULE_ROWS = 2


def _version_arg() -> int | None:
    value = request.args.get("version", "")
    return int(value) if value.isdigit() else None


@bp.route("/policies")
def policies():
    """List the co-ordination areas the staff member sees, with the version in force."""
    return render_template("console/policies.html", areas=policy_admin.areas_overview(g.staff))


@bp.route("/policies/<area_code>")
def area_policy(area_code: str):
    """Show an area's versions (history) and one version's rules."""
    view = policy_admin.area_policies(g.staff, area_code, _version_arg())
    doc = policy_admin.policy_document(view.selected) if view.selected else None
    return render_template("console/policy.html", view=view, doc=doc, upload=PolicyImportForm())


def _blank_rows(form: PolicyForm) -> None:
    for _ in range(BLANK_RULE_ROWS):
        form.rules.append_entry()
        entry = form.rules.entries[-1].form
        for name in ("deductible", "ratio", "annual_cap"):
            getattr(entry, name).data = None


@bp.route("/policies/<area_code>/edit", methods=["GET", "POST"])
def edit_policy(area_code: str):
    """Edit a new version of an area's rules, starting from the chosen (or current) one."""
    view = policy_admin.area_policies(g.staff, area_code, _version_arg())
    if not view.can_edit:
        return render_template("console/error.html", code="staff_forbidden", status=403,
                               zh=messages.text("staff_forbidden", "zh_CN"), en=messages.text("staff_forbidden", "en"),
                               params={}), 403
    error = None
    if request.method == "GET":
        base = policy_admin.policy_document(view.selected) if view.selected else None
        start = clock.today() + timedelta(days=1)
        form = PolicyForm(data=form_data(base, effective_from=start)) if base else PolicyForm(
            data={"effective_from": start})
        _blank_rows(form)
    else:
        form = PolicyForm()
        if form.validate_on_submit():
            sample = bool(view.selected.is_sample) if view.selected else False
            try:
                saved = policy_admin.save_version(g.staff, area_code, to_document(form, area_code, sample=sample))
            except PolicyInvalid as exc:
                error = exc
            else:
                flash(messages.text("policy_saved", "zh_CN", area=area_code,
                                    effective_from=saved.effective_from.isoformat()), "ok")
                return redirect(url_for("console.area_policy", area_code=area_code))
        elif form.csrf_token.errors:
            error = PolicyInvalid([messages.text("form_expired", "zh_CN")])
        else:
            error = PolicyInvalid([messages.text("policy_form_errors", "zh_CN")])
    return render_template("console/policy_edit.html", view=view, form=form, error=error,
                           rule_form=RuleForm), 400 if error else 200


@bp.route("/policies/<area_code>/export.yaml")
def export_policy(area_code: str):
    """Download a version in the import format."""
    text = policy_admin.export_yaml(g.staff, area_code, _version_arg())
    return Response(text, mimetype="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="policy-{area_code}.yaml"'})


@bp.route("/policies/<area_code>/import", methods=["POST"])
def import_policy(area_code: str):
    """Import versions of this area from an uploaded YAML file; problems are listed by line."""
    form = PolicyImportForm()
    view = policy_admin.area_policies(g.staff, area_code)
    if not form.validate_on_submit():
        problem = messages.text("form_expired" if form.csrf_token.errors else "policy_import_no_file", "zh_CN")
        return _render_import(view, form, [(0, problem)], 0)
    raw = form.file.data.read(policy_admin.MAX_IMPORT_BYTES + 1)
    try:
        text = raw.decode("utf-8")
        result = policy_admin.import_yaml(g.staff, area_code, text)
    except UnicodeDecodeError:
        return _render_import(view, form, [(0, both("console", "the_file_must_be_utf_8", " / "))], 0)
    except PolicyInvalid as exc:
        return _render_import(view, form, [(0, p) for p in exc.problems], 0)
    if result.rejected:
        return _render_import(view, form, result.rejected, result.accepted)
    flash(messages.text("policy_imported", "zh_CN", accepted=result.accepted), "ok")
    return redirect(url_for("console.area_policy", area_code=area_code))


def _render_import(view, form, rejected, accepted):
    return render_template("console/policy.html", view=view, upload=form, import_rejected=rejected,
                           import_accepted=accepted,
                           doc=policy_admin.policy_document(view.selected) if view.selected else None), 400
