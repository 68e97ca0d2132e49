import pytest

from backend.lib.crypto import FieldCipher


def test_it_round_trips_and_does_not_store_plaintext():
    cipher = FieldCipher("a-secret")
    token = cipher.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert cipher.decrypt(token) == "11010519491231002X"


def test_the_lookup_hash_is_stable_and_keyed():
    assert FieldCipher("a").lookup_hash("x") == FieldCipher("a").lookup_hash("x")
    assert FieldCipher("a").lookup_hash("x") != FieldCipher("b").lookup_hash("x")


def test_a_different_secret_cannot_decrypt():
    token = FieldCipher("a").encrypt("secret")
    with pytest.raises(ValueError):
        FieldCipher("b").decrypt(token)
