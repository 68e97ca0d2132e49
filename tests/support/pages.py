"""What a person does on the H5 pages, through the test client: sign in, open a page, submit its form."""
from __future__ import annotations

import re
from html.parser import HTMLParser

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageActions:
    """A browser without JavaScript: follows the forms the pages render, CSRF tokens included."""

    def __init__(self, client):
        self.client = client
        self.last = None

    def open(self, path: str, **kwargs):
        self.last = self.client.get(path, **kwargs)
        return self.last

    @property
    def html(self) -> str:
        return self.last.get_data(as_text=True)

    def token(self, path: str = "/m/") -> str:
        """Return a CSRF token from a page (the header's text-size form has one on every page)."""
        page = self.client.get(path)
        return _CSRF.search(page.get_data(as_text=True)).group(1)

    def submit(self, path: str, data: dict | None = None, *, token_from: str = "/m/", follow: bool = True):
        """POST a form with a valid CSRF token, as the page would."""
        self.last = self.client.post(path, data={"csrf_token": self.token(token_from), **(data or {})},
                                     follow_redirects=follow)
        return self.last

    def sign_in(self, openid: str):
        """Sign in through the development sign-in page."""
        return self.submit("/m/dev-login", {"openid": openid, "next": "/m/"}, token_from="/m/dev-login")

    def answer(self, value, path: str = "/m/file"):
        """Answer the current assistant step: an int is a numbered choice, a str free text."""
        data = {"choice": value} if isinstance(value, int) else {"text": value}
        return self.submit(path, data, token_from=path)


def page_paths(reference: str, code: str, institution: str) -> list[str]:
    """Every page of the journey, for a person with a filing, an invitation code and an institution code."""
    return [
        "/m/", "/m/?page=2", "/m/?page=3", "/m/signin", "/m/dev-login", "/m/chat", "/m/file",
        "/m/filings", f"/m/filings/{reference}", f"/m/filings/{reference}/cancel", f"/m/filings/{reference}/change",
        "/m/family", f"/m/family/accept?code={code}", "/m/activity", "/m/settings",
        "/m/institutions", "/m/institutions?city=深圳", f"/m/institutions/{institution}?visit=inpatient",
        "/m/chronic", "/m/chronic?disease=高血压&city=深圳", "/m/estimate",
    ]


def large_step_paths(reference: str, institution: str) -> list[str]:
    """The screens large text adds: every form asked one question at a time (each screen once)."""
    return [
        "/m/family/invite", "/m/family/invite?step=id_number", "/m/family/invite?step=relation",
        "/m/family/invite?step=agent_relation", "/m/family/accept",
        "/m/settings?step=large_text", "/m/settings?step=phone",
        f"/m/filings/{reference}/change?step=start_date",
        "/m/institutions?city=深圳", "/m/institutions?city=深圳&service=", f"/m/institutions/{institution}",
        "/m/chronic?disease=高血压", "/m/estimate?total=20000", "/m/estimate?total=20000&city=",
        "/m/estimate?total=20000&city=深圳&visit=inpatient",
    ]


def build_world(app, as_person) -> dict:
    """The son files for his mother, the worker invites her, sample institutions are loaded; returns the ids."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.lib import idnumber
    from backend.models import Institution
    from backend.services.data import reference_data

    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
        institution = db.session.scalar(select(Institution.code).where(Institution.area_code == "440300")
                                        .order_by(Institution.code).limit(1))
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    papers = _papers_case(app, as_person)
    worker = as_person("op-worker")
    code = worker.client.post("/api/v1/family/invitations", headers=worker.headers, json={
        "name": "王秀英", "id_number": "21010219580312002" + idnumber.check_digit("21010219580312002"),
        "relation": "mother", "agent_relation": "other"}).get_json()["code"]
    return {"reference": reference, "code": code, "institution": institution, **papers}


def _papers_case(app, as_person) -> dict:
    """刘芳 (Shenyang) files with papers and sends a photo of the first one; returns the filing and material."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Filing, WeChatIdentity
    from backend.services.filing import documents
    from tests.lib.test_uploads import jpeg_with_gps
    from tests.support.console import pending_filing

    with app.app_context():
        person_id = db.session.scalar(select(WeChatIdentity.person_id).where(WeChatIdentity.openid == "op-revoked"))
        reference = pending_filing(person_id, treatment="310000", category="long_term_resident")
        material = documents.filing_materials(db.session.scalar(select(Filing).where(Filing.reference == reference)))[0]
    assert as_person("op-revoked").upload(reference, material, jpeg_with_gps((400, 300))).status_code == 201
    return {"papers_reference": reference, "material": material}


class _Questions(HTMLParser):
    """Count the questions a page asks: inputs, selects and textareas, a radio or checkbox group once."""

    def __init__(self):
        super().__init__()
        self.count, self._groups = 0, set()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag in ("select", "textarea"):
            self.count += 1
        elif tag == "input":
            kind = (found.get("type") or "text").lower()
            if kind in ("hidden", "submit", "button", "image", "reset"):
                return
            if kind in ("radio", "checkbox"):
                if (kind, found.get("name")) in self._groups:
                    return
                self._groups.add((kind, found.get("name")))
            self.count += 1


def questions(html: str) -> int:
    """Return how many questions (form control groups, not hidden fields or buttons) a page shows."""
    parser = _Questions()
    parser.feed(html)
    return parser.count
