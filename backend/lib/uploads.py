"""Check an uploaded paper and make the copy we keep: type from the content, limits, images re-encoded.

Framework-free: takes a binary stream, returns the bytes to store or raises Refused with a reason code
(backend/messages.py has its sentence). Why each step:
- the type comes from the first bytes, never the file name or the Content-Type a client sends, so a
  renamed program is refused whatever it is called;
- the stream is read in chunks and refused as soon as it passes the size limit, so an oversize upload
  is never held whole;
- images are decoded and encoded again as a plain JPEG: EXIF (GPS position, phone model), comments and
  anything hidden after the image data are left behind, and the pixel limit is checked from the header
  before any pixel is decoded, so a small file declaring a huge picture (a decompression bomb) costs
  nothing;
- PDFs are kept as sent (re-rendering needs a PDF renderer we do not ship), after pypdf has parsed them
  and counted their pages; they are served only as downloads in a sandbox (see docs/documents.md).
"""
from __future__ import annotations

import hashlib
import io
import tempfile
import warnings
from dataclasses import dataclass

JPEG, PNG, WEBP, HEIC, PDF = "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"
IMAGE_TYPES = (JPEG, PNG, WEBP)
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """What an upload may be; the defaults fit a phone photo or a short scanned PDF."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_pdf_pages: int = 20
    # Photos are scaled down to this longest side: plenty to read a paper, and it bounds what we store.
    max_side: int = 4000


@dataclass(frozen=True)
class Prepared:
    """The copy we keep."""

    data: bytes
    content_type: str
    sha256: str
    pages: int
    size: int


class Refused(Exception):
    """The upload cannot be kept; code names the sentence the person reads."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def sniff(head: bytes) -> str | None:
    """Return the content type the first bytes show, or None when they are none we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        return HEIC
    if head[:1024].lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return PDF
    return None


def read_bounded(stream, max_bytes: int):
    """Copy stream to a temporary file (memory below 1 MB), refusing once it passes max_bytes."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    total = 0
    while chunk := stream.read(READ_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            spool.close()
            raise Refused("document_too_large", limit_mb=max_bytes // (1024 * 1024))
        spool.write(chunk)
    if total == 0:
        spool.close()
        raise Refused("document_empty")
    spool.seek(0)
    return spool


def prepare(stream, limits: Limits = Limits()) -> Prepared:
    """Check an upload and return the copy to keep; raise Refused with a reason code otherwise."""
    spool = read_bounded(stream, limits.max_bytes)
    try:
        kind = sniff(spool.read(2048))
        spool.seek(0)
        if kind == HEIC:
            raise Refused("document_heic")
        if kind is None:
            raise Refused("document_type")
        if kind == PDF:
            return _pdf(spool, limits)
        return _image(spool, limits)
    finally:
        spool.close()


def _prepared(data: bytes, content_type: str, pages: int) -> Prepared:
    return Prepared(data, content_type, hashlib.sha256(data).hexdigest(), pages, len(data))


def _image(spool, limits: Limits) -> Prepared:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns, then fails, on pictures past MAX_IMAGE_PIXELS; both are a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(spool)
            width, height = image.size
            if width * height > limits.max_pixels:
                raise Refused("document_too_many_pixels", width=width, height=height)
            if image.format == "JPEG":
                image.draft("RGB", (limits.max_side, limits.max_side))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
            image.thumbnail((limits.max_side, limits.max_side))
            out = io.BytesIO()
            # A new image object carries no EXIF, ICC or comment unless given one: none is given.
            image.save(out, "JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("document_too_many_pixels", width=0, height=0) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Refused("document_unreadable") from None
    return _prepared(out.getvalue(), JPEG, 1)


def _flatten(image):
    """Return an RGB copy, transparent areas turned white (a paper's background)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def _pdf(spool, limits: Limits) -> Prepared:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(spool)
        if reader.is_encrypted:
            raise Refused("document_pdf_locked")
        pages = len(reader.pages)
    except Refused:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise Refused("document_unreadable") from None
    if pages == 0:
        raise Refused("document_unreadable")
    if pages > limits.max_pdf_pages:
        raise Refused("document_pdf_pages", pages=pages, limit=limits.max_pdf_pages)
    spool.seek(0)
    return _prepared(spool.read(), PDF, pages)


def thumbnail(data: bytes, size: int = 320) -> bytes:
    """Return a small JPEG of a stored image (the console's list of pages)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (size, size))
        image = image.convert("RGB")
        image.thumbnail((size, size))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=75)
    return out.getvalue()


def rotated(data: bytes, degrees: int) -> bytes:
    """Return a stored JPEG turned clockwise by 90, 180 or 270 degrees (a reviewer's rotate)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        turned = image.rotate(-degrees, expand=True)
        out = io.BytesIO()
        turned.save(out, "JPEG", quality=90)
    return out.getvalue()
