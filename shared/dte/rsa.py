"""RSA-SHA1 with PKCS#1 v1.5, the one signature scheme of the SII: XMLDSig SignatureValue, CAF FRMA, TED FRMT."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def public_key(modulus: bytes, exponent: bytes) -> rsa.RSAPublicKey:
    """An RSA public key from the big-endian bytes of its modulus and exponent (RSAPK M/E, RSAKeyValue)."""
    return rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")).public_key()


def sign_sha1(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """The raw RSA-SHA1 PKCS#1 v1.5 signature of ``data`` (not base64)."""
    return key.sign(data, padding.PKCS1v15(), hashes.SHA1())


def verifies_sha1(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``key``'s RSA-SHA1 PKCS#1 v1.5 signature of ``data``; never raises for a bad
    signature (callers raise their own error: SignatureInvalid, CafTampered, TedSignatureInvalid)."""
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return True
