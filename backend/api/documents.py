"""Papers for a filing (or the dialog's draft): upload, list, read, delete before review."""
from functools import wraps

from apiflask import Schema
from apiflask.fields import Boolean, File, Integer, List, Nested, String
from apiflask.validators import Length
from flask import Response, request, stream_with_context

from backend.api.blueprint import bp
from backend.api.schemas import RATE_LIMITED, UNBOUND
from backend.auth import auth
from backend.auth import current_person as _person
from backend.extensions import limiter
from backend.services.filing import documents

CHANNEL = "miniprogram"
REFUSED_FILE = ("The file was refused; `error` says why: document_type, document_heic, document_too_large, "
                "document_too_many_pixels, document_unreadable, document_pdf_pages, document_pdf_locked, "
                "document_empty, document_material_unknown")


def _identity_key() -> str:
    user = auth.current_user
    return f"wx-identity:{user.id}" if user is not None else "wx-identity:none"


def _bounded(view):
    """Refuse an upload whose declared size is over the limit before any of it is read, and cap the rest."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        largest = documents.limits().max_bytes + 64 * 1024  # the file plus the form's few fields
        if request.content_length is not None and request.content_length > largest:
            raise documents.DocumentRefused("document_too_large", limit_mb=documents.limits().max_bytes // 2**20)
        # A chunked upload has no declared size: the form parser stops at this many bytes (413).
        request.max_content_length = largest
        return view(*args, **kwargs)
    return wrapper


class UploadIn(Schema):
    material = String(required=True, validate=Length(min=1, max=64),
                      metadata={"description": "the material code the paper stands for (see `materials` in the list)"})
    file = File(required=True, metadata={"description": "a photo (JPEG, PNG, WebP) or a PDF; 10 MB at most"})


class DocumentOut(Schema):
    id = Integer()
    material = String()
    material_name = String(metadata={"description": "the material in the person's language"})
    status = String(metadata={"description": "uploaded | accepted | unreadable | wrong | replaced"})
    content_type = String(metadata={"description": "what is stored: image/jpeg (photos are re-encoded) or "
                                                   "application/pdf"})
    pages = Integer()
    size = Integer(metadata={"description": "bytes stored"})
    uploaded_at = String()
    uploaded_by = String(metadata={"description": "self | other (a relative uploaded it)"})
    reviewer_note = String(allow_none=True, metadata={"description": "why a reviewer asked for another paper"})
    delete_after = String(allow_none=True, metadata={"description": "the paper is deleted after this date"})
    deleted = Boolean()


class MaterialOut(Schema):
    code = String()
    name = String()


class DocumentsOut(Schema):
    materials = List(Nested(MaterialOut), metadata={"description": "the papers the insured area accepts here"})
    documents = List(Nested(DocumentOut))


def _out(document, person) -> dict:
    return documents.summary(document, person, person.language or "zh_CN")


@bp.post("/filings/<reference>/documents")
@bp.auth_required(auth)
@limiter.limit(documents.upload_rate_limit, key_func=_identity_key)
@_bounded
@bp.input(UploadIn, location="form_and_files", arg_name="form")
@bp.output(DocumentOut, status_code=201)
@bp.doc(summary="Upload one paper for a filing (multipart: material, file)",
        responses={400: REFUSED_FILE, 403: UNBOUND, 404: "No such filing, or not yours",
                   409: "The filing is decided and takes no more papers", 413: "Too large", 429: RATE_LIMITED,
                   503: "The store is unavailable; nothing was saved"})
def upload_document(reference: str, form):
    """Check and store a paper for a filing; after a reviewer asked for one, the case returns to review."""
    person = _person()
    document = documents.save(person, reference, form["material"], form["file"].stream, channel=CHANNEL,
                              content_length=request.content_length)
    return _out(document, person), 201


@bp.get("/filings/<reference>/documents")
@bp.auth_required(auth)
@bp.output(DocumentsOut)
@bp.doc(summary="List a filing's papers and the materials its area accepts",
        responses={403: UNBOUND, 404: "No such filing, or not yours"})
def list_documents(reference: str):
    """List the papers of a filing the person may see."""
    person = _person()
    papers = documents.list_for_filing(person, reference)
    filing_materials = documents.filing_materials(documents.filings.get_filing(person, reference))
    lang = person.language or "zh_CN"
    return {"materials": [{"code": c, "name": documents.material_name(c, lang)} for c in filing_materials],
            "documents": [_out(d, person) for d in papers]}


@bp.post("/dialog/documents")
@bp.auth_required(auth)
@limiter.limit(documents.upload_rate_limit, key_func=_identity_key)
@_bounded
@bp.input(UploadIn, location="form_and_files", arg_name="form")
@bp.output(DocumentOut, status_code=201)
@bp.doc(summary="Upload one paper for the filing being prepared in the conversation",
        responses={400: REFUSED_FILE, 403: UNBOUND, 404: "No filing is being prepared", 413: "Too large",
                   429: RATE_LIMITED, 503: "The store is unavailable; nothing was saved"})
def upload_draft_document(form):
    """Store a paper for the conversation's draft filing; it joins the filing when submitted."""
    person = _person()
    document = documents.save_to_draft(person, form["material"], form["file"].stream, channel=CHANNEL,
                                       content_length=request.content_length)
    return _out(document, person), 201


@bp.get("/dialog/documents")
@bp.auth_required(auth)
@bp.output(DocumentsOut)
@bp.doc(summary="List the papers waiting for the draft filing", responses={403: UNBOUND})
def list_draft_documents():
    """List the papers sent for the conversation's draft filing."""
    person = _person()
    return {"materials": [], "documents": [_out(d, person) for d in documents.list_for_draft(person)]}


@bp.get("/documents/<int:document_id>")
@bp.auth_required(auth)
@bp.doc(summary="Read a paper (its owner, or the relative who uploaded it while consent lasts)",
        responses={200: {"description": "the stored file (image/jpeg or application/pdf)",
                         "content": {"image/jpeg": {}, "application/pdf": {}}},
                   403: UNBOUND, 404: "No such paper, or not yours", 410: "Deleted after the decision"})
def read_document(document_id: int):
    """Send a paper's contents; every read is recorded."""
    document, contents = documents.open_for_person(_person(), document_id, channel=CHANNEL)
    return paper_response(document, contents)


@bp.delete("/documents/<int:document_id>")
@bp.auth_required(auth)
@bp.output(DocumentOut)
@bp.doc(summary="Delete a paper before any reviewer has looked at it",
        responses={403: UNBOUND, 404: "No such paper, or not yours", 409: "Already reviewed, or the filing is decided"})
def delete_document(document_id: int):
    """Delete a paper's contents (its record stays, marked deleted)."""
    person = _person()
    return _out(documents.delete(person, document_id, channel=CHANNEL), person)


def paper_response(document, contents) -> Response:
    """Stream a paper with headers that keep it private and inert (also used by the console)."""
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    response = Response(stream_with_context(contents), mimetype=document.content_type)
    response.headers["Content-Disposition"] = (
        f'{"attachment" if extension == "pdf" else "inline"}; filename="paper-{document.id}.{extension}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A PDF may carry scripts: whatever opens it gets no script, form or same-origin rights.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response

