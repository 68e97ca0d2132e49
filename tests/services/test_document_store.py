"""The document store contract: the disk store and the S3 store (a real S3 server on loopback) behave alike.

Each test runs against both stores, raw and behind the encryption layer the app always uses.
"""
import hashlib
import os

import pytest

from backend.adapters.storage import DiskStore, EncryptedStore, MissingObject, S3Store, StoreError

SECRET = "contract-test-secret"


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on a free loopback port, with one bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="papers")
    yield endpoint
    server.stop()


@pytest.fixture(params=["disk", "s3", "disk+encrypted", "s3+encrypted"])
def store(request, tmp_path):
    kind = request.param.split("+")[0]
    inner = DiskStore(tmp_path / "docs") if kind == "disk" else S3Store(
        "papers", endpoint_url=request.getfixturevalue("s3_server"))
    return EncryptedStore(inner, SECRET) if request.param.endswith("encrypted") else inner


def _key(name: str) -> str:
    return f"documents/test/{name}-{os.urandom(4).hex()}"


def test_it_gives_back_what_was_put(store):
    key = _key("a")
    store.put(key, [b"hello ", b"world"])
    assert store.exists(key)
    assert store.read(key) == b"hello world"


def test_it_streams_a_large_object_in_bounded_chunks(store):
    key, blob = _key("big"), os.urandom(3 * 1024 * 1024 + 17)
    store.put(key, (blob[i:i + 100_000] for i in range(0, len(blob), 100_000)))
    pieces = list(store.get(key))
    assert max(len(p) for p in pieces) <= 64 * 1024
    assert hashlib.sha256(b"".join(pieces)).digest() == hashlib.sha256(blob).digest()


def test_it_stores_an_empty_object(store):
    key = _key("empty")
    store.put(key, [])
    assert store.exists(key) and store.read(key) == b""


def test_a_missing_key_is_missing_and_deleting_it_is_harmless(store):
    key = _key("never")
    assert not store.exists(key)
    with pytest.raises(MissingObject):
        store.read(key)
    store.delete(key)


def test_a_deleted_object_is_gone(store):
    key = _key("gone")
    store.put(key, [b"x"])
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(MissingObject):
        store.read(key)


@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs", "documents/../x", "Documents/X", "a//b", ""])
def test_it_refuses_a_key_that_could_leave_the_store(store, bad):
    with pytest.raises(ValueError):
        store.put(bad, [b"x"])


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_what_is_stored_is_encrypted_and_fails_loudly_when_changed(kind, tmp_path, request):
    inner = DiskStore(tmp_path / "docs") if kind == "disk" else S3Store(
        "papers", endpoint_url=request.getfixturevalue("s3_server"))
    store, key = EncryptedStore(inner, SECRET), _key("secret")
    plain = b"ID 210102195803120021 " * 5000
    store.put(key, [plain])
    raw = inner.read(key)
    assert b"210102195803120021" not in raw and raw.startswith(b"YDJYDOC1")
    assert EncryptedStore(inner, "another-secret").exists(key)
    with pytest.raises(StoreError):
        EncryptedStore(inner, "another-secret").read(key)
    # A record cut off the end: the last-record flag is missing, so it is refused, not read short.
    inner.put(key, [raw[:len(raw) - 40]])
    with pytest.raises(StoreError):
        store.read(key)
    flipped = bytearray(raw)
    flipped[100] ^= 1
    inner.put(key, [bytes(flipped)])
    with pytest.raises(StoreError):
        store.read(key)


def test_the_store_is_chosen_and_its_limits_read_from_the_environment(monkeypatch, tmp_path):
    from backend import create_app
    from backend.adapters import storage

    monkeypatch.setenv("DOCUMENT_STORE", "s3")
    monkeypatch.setenv("S3_BUCKET", "papers")
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "2048")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert isinstance(storage.raw_store(app.config), S3Store) and app.config["DOCUMENT_MAX_BYTES"] == 2048
    assert isinstance(storage.store(app), EncryptedStore)
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "ten")
    with pytest.raises(ValueError, match="DOCUMENT_MAX_BYTES"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "2048")
    monkeypatch.setenv("DOCUMENT_STORE", "ftp")
    with pytest.raises(ValueError, match="DOCUMENT_STORE"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
