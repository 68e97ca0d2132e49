"""Checking uploads: the type from the content, limits before reading whole, images re-encoded without EXIF."""
import io
import struct
import zlib

import pytest
from PIL import Image

from backend.lib import uploads
from backend.lib.uploads import Limits, Refused


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A small photo carrying a GPS position (Tiananmen) and a phone model in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 27.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width=10_000, height=10_000) -> bytes:
    """A valid 1-bit PNG of width x height, all zeros: about 12 KB on disk, 100 million pixels decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


def small_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class CountingStream(io.RawIOBase):
    """A stream of `total` bytes that records how much was read from it."""

    def __init__(self, head: bytes, total: int):
        self.head, self.total, self.served = head, total, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.served

    def seek(self, offset, whence=0):
        # Only what Werkzeug's test client asks: where the stream stands, and to stay there.
        self.served = {0: offset, 1: self.served + offset, 2: self.total + offset}[whence]
        return self.served

    def readinto(self, buffer):
        size = min(len(buffer), self.total - self.served)
        if size <= 0:
            return 0
        piece = (self.head[self.served:] + b"\x00" * size)[:size]
        buffer[:size] = piece
        self.served += size
        return size


def test_it_takes_the_type_from_the_content_not_the_name():
    assert uploads.sniff(jpeg_with_gps()) == uploads.JPEG
    assert uploads.sniff(small_pdf(1)) == uploads.PDF
    assert uploads.sniff(b"MZ\x90\x00" + b"\x00" * 60) is None
    assert uploads.sniff(b"\x7fELF\x02\x01\x01") is None


def test_a_gps_tagged_photo_comes_out_without_exif():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), "the fixture must carry GPS"
    kept = uploads.prepare(io.BytesIO(original))
    assert kept.content_type == "image/jpeg" and kept.pages == 1
    image = Image.open(io.BytesIO(kept.data))
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"Exif" not in kept.data and b"PhoneMaker" not in kept.data
    assert image.size == (64, 48)


def test_a_photo_taken_sideways_is_turned_upright_before_its_exif_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (60, 20), "white").save(out, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(uploads.prepare(io.BytesIO(out.getvalue())).data)).size == (20, 60)


def test_a_png_bomb_is_refused_from_its_header_without_decoding_it():
    bomb = png_bomb()
    assert len(bomb) < 100_000
    with pytest.raises(Refused) as refused:
        uploads.prepare(io.BytesIO(bomb))
    assert refused.value.code == "document_too_many_pixels"


def test_pillows_own_bomb_guard_is_a_refusal_too():
    # Under our pixel limit but past Pillow's guard (set low here): still a clear refusal, not a crash.
    original = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1000
    try:
        with pytest.raises(Refused) as refused:
            uploads.prepare(io.BytesIO(png_bomb(100, 100)), Limits(max_pixels=10**9))
    finally:
        Image.MAX_IMAGE_PIXELS = original
    assert refused.value.code == "document_too_many_pixels"


@pytest.mark.parametrize("payload", [
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500,           # a Windows program renamed photo.jpg
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 500,               # a Linux program
    b"#!/bin/sh\nrm -rf /\n",                                 # a script
    b"<html><script>alert(1)</script></html>",
])
def test_a_renamed_program_or_page_is_refused(payload):
    with pytest.raises(Refused) as refused:
        uploads.prepare(io.BytesIO(payload))
    assert refused.value.code == "document_type"


def test_an_oversize_upload_is_refused_before_it_is_read_whole():
    stream = CountingStream(b"\xff\xd8\xff", total=50 * 1024 * 1024)
    with pytest.raises(Refused) as refused:
        uploads.prepare(stream, Limits(max_bytes=1024 * 1024))
    assert refused.value.code == "document_too_large" and refused.value.params == {"limit_mb": 1}
    assert stream.served <= 1024 * 1024 + uploads.READ_CHUNK


def test_a_pdf_is_kept_as_sent_with_its_page_count():
    pdf = small_pdf(3)
    kept = uploads.prepare(io.BytesIO(pdf))
    assert (kept.content_type, kept.pages, kept.data) == ("application/pdf", 3, pdf)


def test_a_pdf_over_the_page_limit_is_refused_naming_both_numbers():
    with pytest.raises(Refused) as refused:
        uploads.prepare(io.BytesIO(small_pdf(4)), Limits(max_pdf_pages=3))
    assert refused.value.code == "document_pdf_pages" and refused.value.params == {"pages": 4, "limit": 3}


def test_a_broken_pdf_or_image_is_unreadable_not_a_crash():
    for broken in (b"%PDF-1.7\n garbage", b"\xff\xd8\xff\xe0" + b"\x00" * 100, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50):
        with pytest.raises(Refused) as refused:
            uploads.prepare(io.BytesIO(broken))
        assert refused.value.code == "document_unreadable", broken[:10]


def test_an_iphone_heic_photo_gets_its_own_advice_and_an_empty_file_too():
    with pytest.raises(Refused) as refused:
        uploads.prepare(io.BytesIO(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100))
    assert refused.value.code == "document_heic"
    with pytest.raises(Refused) as refused:
        uploads.prepare(io.BytesIO(b""))
    assert refused.value.code == "document_empty"


def test_a_transparent_png_becomes_a_white_backed_jpeg_and_a_huge_photo_is_scaled_down():
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    kept = uploads.prepare(io.BytesIO(out.getvalue()))
    assert Image.open(io.BytesIO(kept.data)).getpixel((25, 25))[0] > 240
    out = io.BytesIO()
    Image.new("RGB", (900, 300), "white").save(out, "PNG")
    kept = uploads.prepare(io.BytesIO(out.getvalue()), Limits(max_side=300))
    assert Image.open(io.BytesIO(kept.data)).size == (300, 100)
