"""Ed25519 keys and signatures of terminals (DESIGN.md §4): a terminal signs each push batch's exact bytes."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from shared import errors


class BadSignature(errors.PosError):
    """The signature does not match the bytes and the key (forged, altered or signed by another terminal)."""


def new_private_key() -> bytes:
    """A fresh Ed25519 private key as 32 raw bytes (kept by the terminal, never sent)."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_key(private: bytes) -> str:
    """The base64 (standard alphabet) raw 32-byte public key registered with the server at enrollment."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(private).public_key()
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def sign(private: bytes, data: bytes) -> str:
    """Base64 Ed25519 signature of ``data``."""
    return base64.b64encode(ed25519.Ed25519PrivateKey.from_private_bytes(private).sign(data)).decode()


def verify(public_b64: str, data: bytes, signature_b64: str) -> None:
    """Check a signature.

    Raises:
        BadSignature: malformed key or signature, or a signature that does not match.
    """
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("firma inválida") from exc
