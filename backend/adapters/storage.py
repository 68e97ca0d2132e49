"""The document store port: put / get / delete / exists, on disk or in S3-compatible object storage.

DOCUMENT_STORE=disk (default): files under DOCUMENT_DIR (instance/documents) — the embedded mode.
DOCUMENT_STORE=s3: a bucket (S3_BUCKET) at S3_ENDPOINT_URL; credentials come from the usual AWS
variables or roles that boto3 reads itself (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from
an address or the repository.

Whatever the store, contents are encrypted before they leave the process (EncryptedStore): AES-GCM
in 64 KiB records under a key derived per object from SECRET_KEY, so a copied disk or bucket shows
nothing, and a record cut off, reordered or changed fails to decrypt. No store ever hands out a
URL: papers are read only through the app's authorised routes.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import struct
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CHUNK = 64 * 1024
# Keys are made by the app (documents/<year>/<random>), never from a person's input; the pattern
# keeps a bug from turning one into a path outside the store.
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9/_-]{0,190}$")
# The documents' settings: name -> (default, type). Read here until backend/config.py's table takes them.
SETTINGS = {
    "DOCUMENT_STORE": ("disk", str),
    "DOCUMENT_DIR": ("", str),
    "S3_ENDPOINT_URL": ("", str),
    "S3_BUCKET": ("", str),
    "S3_REGION": ("us-east-1", str),
    "DOCUMENT_MAX_BYTES": (10 * 1024 * 1024, int),
    "DOCUMENT_MAX_PIXELS": (40_000_000, int),
    "DOCUMENT_MAX_PDF_PAGES": (20, int),
    "DOCUMENT_RETENTION_DAYS": (30, int),
    "DOCUMENT_UPLOAD_RATE_LIMIT": ("30/hour;100/day", str),
    "DOCUMENT_SWEEP_SECONDS": (3600, int),
}


class StoreError(Exception):
    """The store cannot do what was asked (missing object, unreadable contents, unreachable service)."""


class MissingObject(StoreError):
    """No object under this key."""


def _checked(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key or "//" in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class DocumentStore(ABC):
    """Where document contents live; keys are opaque strings made by the app."""

    @abstractmethod
    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the chunks under key, replacing nothing: a key is written once."""

    @abstractmethod
    def get(self, key: str) -> Iterator[bytes]:
        """Yield the contents of key in chunks; MissingObject when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete key; deleting a missing key is not an error (the retention job may run twice)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Return whether key holds an object."""

    def read(self, key: str) -> bytes:
        """Return the whole contents of key (small objects: thumbnails, tests)."""
        return b"".join(self.get(key))


class DiskStore(DocumentStore):
    """Files under one folder; written to a temporary name and renamed, so a crash leaves no half file."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise MissingObject(key) from None
        return self._chunks(handle)

    @staticmethod
    def _chunks(handle) -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of chunks, for boto3's streaming upload (bounded buffer)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks, self._left = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size], self._left = self._left[:size], self._left[size:]
        return size


class S3Store(DocumentStore):
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, the loopback server of the tests)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str = "us-east-1", client=None):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region,
            config=BotoConfig(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3},
                              s3={"addressing_style": "path"}))

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        from boto3.s3.transfer import TransferConfig

        # upload_fileobj reads 8 MiB parts at a time (multipart above that), so memory stays bounded.
        self.client.upload_fileobj(io.BufferedReader(_ChunkReader(chunks), CHUNK), self.bucket, _checked(key),
                                   Config=TransferConfig(max_concurrency=1, multipart_chunksize=8 * 1024 * 1024))

    def get(self, key: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MissingObject(key) from None
            raise StoreError(str(exc)) from exc
        return self._chunks(body)

    @staticmethod
    def _chunks(body) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StoreError(str(exc)) from exc


# ----------------------------------------------------------------------------- encryption at rest
MAGIC = b"YDJYDOC1"
SALT_BYTES = 16
_LAST, _MORE = b"\x01", b"\x00"


class EncryptedStore(DocumentStore):
    """Encrypt on put and decrypt on get around another store.

    Layout: MAGIC, a random salt, then records of (4-byte length, 1-byte last flag, AES-GCM ciphertext).
    The object key is HKDF(secret, salt); each record's nonce is its number, and its flag and number are
    authenticated, so a record dropped from the end, repeated or moved fails instead of reading short.
    """

    def __init__(self, inner: DocumentStore, secret: str):
        self.inner = inner
        self._master = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ydjy-documents-v1",
                            info=b"document-master").derive(secret.encode())

    def _key(self, salt: bytes) -> AESGCM:
        return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"document").derive(self._master))

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        self.inner.put(key, self._encrypt(chunks))

    def _encrypt(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        salt = secrets.token_bytes(SALT_BYTES)
        aead, number = self._key(salt), 0
        yield MAGIC + salt
        pending = b""
        for chunk in _rechunk(chunks):
            if pending:
                yield self._record(aead, number, pending, last=False)
                number += 1
            pending = chunk
        yield self._record(aead, number, pending, last=True)

    @staticmethod
    def _record(aead: AESGCM, number: int, plain: bytes, *, last: bool) -> bytes:
        flag = _LAST if last else _MORE
        sealed = aead.encrypt(number.to_bytes(12, "big"), plain, flag + number.to_bytes(8, "big"))
        return struct.pack(">I", len(sealed)) + flag + sealed

    def get(self, key: str) -> Iterator[bytes]:
        return self._decrypt(self.inner.get(key), key)

    def _decrypt(self, chunks: Iterator[bytes], key: str) -> Iterator[bytes]:
        reader = _Buffer(chunks)
        header = reader.take(len(MAGIC) + SALT_BYTES)
        if header is None or not header.startswith(MAGIC):
            raise StoreError(f"{key}: not an encrypted document")
        aead, number = self._key(header[len(MAGIC):]), 0
        while True:
            head = reader.take(5)
            if head is None:
                raise StoreError(f"{key}: cut short")
            (length,), flag = struct.unpack(">I", head[:4]), head[4:5]
            if length > CHUNK + 16:
                raise StoreError(f"{key}: damaged record")
            sealed = reader.take(length)
            if sealed is None:
                raise StoreError(f"{key}: cut short")
            try:
                yield aead.decrypt(number.to_bytes(12, "big"), sealed, flag + number.to_bytes(8, "big"))
            except InvalidTag:
                raise StoreError(f"{key}: cannot be decrypted (damaged, or another SECRET_KEY)") from None
            if flag == _LAST:
                return
            number += 1

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)


def _rechunk(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the bytes of chunks in pieces of exactly CHUNK (the last one shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    if buffer:
        yield bytes(buffer)


class _Buffer:
    """Read exact byte counts from an iterator of chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._data = iter(chunks), bytearray()

    def take(self, size: int) -> bytes | None:
        while len(self._data) < size:
            try:
                self._data += next(self._chunks)
            except StopIteration:
                return None
        piece = bytes(self._data[:size])
        del self._data[:size]
        return piece


# ----------------------------------------------------------------------------- choosing the store
def init_app(app) -> None:
    """Read the documents' settings from the environment unless the app's config has them."""
    for name, (default, kind) in SETTINGS.items():
        raw = os.environ.get(name, "").strip()
        try:
            value = kind(raw) if raw else default
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not valid: expected a whole number") from None
        if kind is int and value <= 0:
            raise ValueError(f"{name}={raw!r} is not valid: expected a whole number above 0")
        app.config.setdefault(name, value)
    if not app.config["DOCUMENT_DIR"]:
        app.config["DOCUMENT_DIR"] = str(Path(app.instance_path) / "documents")
    if app.config["DOCUMENT_STORE"] not in ("disk", "s3"):
        raise ValueError("DOCUMENT_STORE must be disk or s3")


def raw_store(config) -> DocumentStore:
    """Return the configured store without encryption (the contract tests and the encrypted store use it)."""
    if config.get("DOCUMENT_STORE") == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("DOCUMENT_STORE=s3 needs S3_BUCKET")
        return S3Store(config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                       region=config.get("S3_REGION") or "us-east-1")
    return DiskStore(config["DOCUMENT_DIR"])


def store(app=None) -> DocumentStore:
    """Return this app's encrypted document store (one per app)."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    found = app.extensions.get("document_store")
    if found is None:
        found = app.extensions["document_store"] = EncryptedStore(raw_store(app.config), app.config["SECRET_KEY"])
    return found
