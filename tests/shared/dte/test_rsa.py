"""shared.dte.rsa: the one RSA-SHA1 (PKCS#1 v1.5) of XMLDSig, CAF FRMA and TED FRMT."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

from shared.dte import rsa


def test_a_signature_verifies_only_under_its_key_and_over_its_bytes() -> None:
    key, other = (crypto_rsa.generate_private_key(public_exponent=3, key_size=1024) for _ in range(2))
    data = "<DA><RS>DISEÑO</RS></DA>".encode("iso-8859-1")
    signature = rsa.sign_sha1(key, data)
    assert rsa.verifies_sha1(key.public_key(), signature, data)
    assert not rsa.verifies_sha1(other.public_key(), signature, data)
    assert not rsa.verifies_sha1(key.public_key(), signature, data + b" ")
    assert not rsa.verifies_sha1(key.public_key(), signature[:-1] + bytes([signature[-1] ^ 1]), data)


def test_a_public_key_from_its_big_endian_modulus_and_exponent() -> None:
    numbers = crypto_rsa.generate_private_key(public_exponent=3, key_size=1024).public_key().public_numbers()
    key = rsa.public_key(numbers.n.to_bytes(128, "big"), (3).to_bytes(1, "big"))
    assert key.public_numbers() == numbers
