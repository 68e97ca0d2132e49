"""The persona matrix: every route that takes an identifier, and the request each persona makes to it.

A route "takes an identifier" when its URL has a converter (<reference>, <int:link_id>) or its view reads
a parameter that names somebody's data (principal, code, link, reference, token, person_id_hash), found in
the view's source and in the form or schema classes it uses. Each such endpoint must be either in COVERED
(how to call it, and who may) or in NOT_PERSONAL (why its identifier names nobody's data); a new route is
in neither until someone decides, and the url_map test fails until then.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from marshmallow import Schema
from wtforms import Form

PREFIXES = ("/api/v1", "/m", "/settlement/v1")
IDENTIFIER_PARAMETERS = frozenset({"principal", "code", "link", "link_id", "reference", "token", "person_id_hash"})

OWNERS = ("op-retiree", "op-son")
OUTSIDERS = ("op-neighbour", "op-revoked")


@dataclass(frozen=True)
class Probe:
    """One request of the matrix; `may` are the personas who reach the retiree's data through it."""

    channel: str  # "api" (bearer token), "pages" (page session and CSRF) or "settlement" (bearer token)
    method: str
    path: str
    body: dict | None = None
    may: tuple[str, ...] = OWNERS
    multipart: bool = False  # the body goes as a form with a small photo in its "file" field


def _api(method, path, body=None, may=OWNERS):
    return Probe("api", method, path, body, may)


def _page(method, path, body=None, may=OWNERS):
    return Probe("pages", method, path, body, may)


def _settlement(method, path, body=None):
    # The settlement service answers only the assistant's service token: no person's token, not even hers.
    return Probe("settlement", method, path, body, may=())


# Each builder takes the persona's keys (see keys_for) and returns its requests, reads before writes.
COVERED = {
    "api.get_filing": lambda k: [_api("get", f"/api/v1/filings/{k['ref']}")],
    "api.settlement_at_institution": lambda k: [
        _api("get", f"/api/v1/institutions/{k['elsewhere']}/settlement?visit=inpatient&principal={k['member']}")],
    "api.chronic": lambda k: [_api("post", "/api/v1/eligibility/chronic",
                                   {"disease": "高血压", "principal": k["member"]})],
    "api.my_readiness": lambda k: [_api("post", "/api/v1/settlement/readiness", {
        "principal": k["member"], "institution": k["elsewhere"], "service": "inpatient"})],
    "api.choose_institutions": lambda k: [_api("put", f"/api/v1/filings/{k['ref']}/institutions",
                                               {"codes": [k["inst"]]})],
    "api.change_filing": lambda k: [_api("post", f"/api/v1/filings/{k['ref']}/change", {"start_date": "2026-12-07"})],
    "api.cancel_filing": lambda k: [_api("post", f"/api/v1/filings/{k['ref']}/cancel", {"reason": "test"})],
    # Her papers: she reads all; her son reads the one he uploaded (with her consent); the one her daughter
    # uploaded before revoking is hers alone. Her filing is decided, so uploads and deletions are refused
    # by its state (409) for the two who may act, and as not found for everybody else.
    "api.list_documents": lambda k: [_api("get", f"/api/v1/filings/{k['ref']}/documents")],
    "api.read_document": lambda k: [_api("get", f"/api/v1/documents/{k['doc']}"),
                                    _api("get", f"/api/v1/documents/{k['doc_by_revoked']}", may=("op-retiree",))],
    "api.upload_document": lambda k: [Probe("api", "post", f"/api/v1/filings/{k['ref']}/documents",
                                            {"material": "household_register"}, multipart=True)],
    "api.delete_document": lambda k: [_api("delete", f"/api/v1/documents/{k['doc']}")],
    # Consent comes from the member's own identity (DOMAIN.md 5): her son cannot accept for her.
    "api.accept": lambda k: [_api("post", "/api/v1/family/invitations/accept", {"code": k["code"]},
                                  may=("op-retiree",))],
    "api.revoke": lambda k: [_api("post", f"/api/v1/family/links/{k['link']}/revoke")],
    "settlement.get_registration": lambda k: [_settlement("get", f"/settlement/v1/registrations/{k['ref']}")],
    "settlement.readiness": lambda k: [_settlement("post", "/settlement/v1/readiness", {
        "person_id_hash": k["person_hash"], "institution": k["inst"], "service": "inpatient", "date": "2026-12-01"})],
    "settlement.register": lambda k: [_settlement("post", "/settlement/v1/registrations", {"reference": k["ref"]})],
    "pages.filing_detail": lambda k: [_page("get", f"/m/filings/{k['ref']}")],
    "pages.institution_detail": lambda k: [
        _page("get", f"/m/institutions/{k['elsewhere']}?visit=inpatient&principal={k['member']}")],
    # No city: the page then takes the city of her filing, which must not show to an outsider.
    "pages.chronic": lambda k: [_page("get", f"/m/chronic?disease=高血压&principal={k['member']}")],
    "pages.estimate": lambda k: [_page("get", f"/m/estimate?total=20000&visit=inpatient&principal={k['member']}")],
    "pages.family_accept": lambda k: [_page("get", f"/m/family/accept?code={k['code']}", may=("op-retiree",)),
                                      _page("post", "/m/family/accept", {"code": k["code"]}, may=("op-retiree",))],
    "pages.filing_change": lambda k: [_page("get", f"/m/filings/{k['ref']}/change"),
                                      _page("post", f"/m/filings/{k['ref']}/change", {"start_date": "2026-12-07"})],
    "pages.filing_cancel": lambda k: [_page("get", f"/m/filings/{k['ref']}/cancel"),
                                      _page("post", f"/m/filings/{k['ref']}/cancel", {"reason": "test"})],
    # Her papers on the pages, as through the API: the screen for one material, the photo itself, and
    # sending or deleting one (her filing is decided, so the two who may act are told so, not refused).
    "pages.paper_screen": lambda k: [_page("get", f"/m/filings/{k['ref']}/papers/household_register")],
    "pages.paper_file": lambda k: [_page("get", f"/m/papers/{k['doc']}"),
                                   _page("get", f"/m/papers/{k['doc_by_revoked']}", may=("op-retiree",))],
    "pages.paper_upload": lambda k: [_page("post", f"/m/filings/{k['ref']}/papers?material=household_register")],
    "pages.paper_delete": lambda k: [_page("post", f"/m/filings/{k['ref']}/papers/{k['doc']}/delete")],
    # The token is the identifier: each owner brings their own; an outsider brings one forged for her.
    "pages.token_signin": lambda k: [_page("get", f"/m/auth?code={k['page_code']}")],
    "pages.family_revoke": lambda k: [_page("post", f"/m/family/links/{k['link']}/revoke")],
}

NOT_PERSONAL = {
    "pages.static": "the app's own files (CSS, the near-me script)",
    "api.show_institution": "public reference data: an institution's page is the same for everyone",
    "api.wx_login": "WeChat's one-time login code, exchanged for the caller's own session only",
    "api.page_code": "issues a one-time page sign-in code for the caller's own identity; reads no identifier",
    "api.phone": "WeChat's one-time phone code, for the caller's own number only",
    "api.invite": "names a relative by name and ID number, shows nothing of theirs, and waits for their consent",
}


def probes(keys: dict) -> list[Probe]:
    """Every request of the matrix for one persona, reads before writes and revoking last."""
    return [probe for build in COVERED.values() for probe in build(keys)]


def _declared_names(thing: type) -> set[str]:
    """Field names of a marshmallow schema or a WTForms form class (else nothing)."""
    if issubclass(thing, Schema):
        return set(thing._declared_fields)
    if issubclass(thing, Form):
        return {n for n in dir(thing) if hasattr(getattr(thing, n, None), "field_class")}
    return set()


def parameters_of(view) -> set[str]:
    """Names a view reads: quoted words in its source and the fields of the forms and schemas it names."""
    function = inspect.unwrap(view)
    source = inspect.getsource(function)
    names = set(re.findall(r"""["'](\w+)["']""", source))
    for word in set(re.findall(r"\w+", source)):
        thing = function.__globals__.get(word)
        if isinstance(thing, type):
            names |= _declared_names(thing)
    return names


def identifier_rules(app) -> dict[str, str]:
    """Endpoint -> rule for every route under PREFIXES that takes an identifier."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIXES):
            continue
        if rule.arguments or parameters_of(app.view_functions[rule.endpoint]) & IDENTIFIER_PARAMETERS:
            found[rule.endpoint] = rule.rule
    return found


def uncovered(app) -> dict[str, str]:
    """Routes that take an identifier but are neither in the matrix nor explained as naming nobody's data."""
    return {e: r for e, r in identifier_rules(app).items() if e not in COVERED and e not in NOT_PERSONAL}
