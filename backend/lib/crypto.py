"""Field encryption and keyed hashing for personal numbers stored at rest."""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ydjy-fields-v1", info=purpose).derive(
        secret.encode()
    )


class FieldCipher:
    """Encrypt personal fields with Fernet and index them with an HMAC lookup hash.

    Both keys are derived from one secret so an operator manages a single value;
    separate HKDF purposes keep the hash from revealing anything about the cipher key.
    """

    def __init__(self, secret: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"encrypt")))
        self._hash_key = _derive(secret, b"lookup-hash")

    def encrypt(self, plaintext: str) -> str:
        """Return an authenticated ciphertext token for plaintext."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a token made by encrypt."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ValueError("field cannot be decrypted with the configured SECRET_KEY") from exc

    def lookup_hash(self, plaintext: str) -> str:
        """Return a keyed hash that finds a record without decrypting every row."""
        return hmac.new(self._hash_key, plaintext.encode(), hashlib.sha256).hexdigest()


_cipher: FieldCipher | None = None


def configure(secret: str) -> None:
    """Install the process-wide cipher (called by create_app)."""
    global _cipher
    _cipher = FieldCipher(secret)


def cipher() -> FieldCipher:
    """Return the configured cipher."""
    if _cipher is None:
        raise RuntimeError("crypto.configure() has not been called")
    return _cipher
