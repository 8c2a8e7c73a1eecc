"""The tenant's signing certificate (.pfx): checked on upload, kept encrypted at rest, never sent to terminals.

The .pfx bytes and its password are each encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
from the server secret (``secret_key``) with HKDF-SHA256 and a purpose label, so the database alone (a dump, a
backup) does not give the certificate away. Changing the server secret makes the stored certificate unreadable:
upload it again.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.dte import errors as dte_errors
from shared.dte import signature
from syncserver.store import certificates, db, tenants

MAX_PFX_BYTES = 64 * 1024
_INFO = b"almacen/dte/tenant-certificate/v1"


class CertificateUploadError(pos_errors.PosError):
    """A certificate that cannot be stored or read back; the message says why, in Spanish."""


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    subject: str
    holder_rut: str | None
    not_after: datetime


def fernet(secret_key: str) -> Fernet:
    """The Fernet key for certificates, derived from the server secret."""
    if not secret_key:
        raise CertificateUploadError("el servidor no tiene secret_key: no se puede cifrar el certificado")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def check(pfx: bytes, password: str, now: datetime | None = None,
          clock: clock_mod.Clock = clock_mod.utc_clock) -> signature.Signer:
    """Open the .pfx and refuse what cannot sign ``now`` (default ``clock()``).

    Raises:
        CertificateUploadError: too big, unreadable or wrong password, not RSA, not yet valid or expired.
    """
    if len(pfx) > MAX_PFX_BYTES:
        raise CertificateUploadError(f"el archivo .pfx es demasiado grande (más de {MAX_PFX_BYTES // 1024} kB)")
    try:
        signer = signature.load_pfx(pfx, password)
    except dte_errors.CertificateError as exc:
        raise CertificateUploadError(str(exc)) from None
    now = clock() if now is None else now
    cert = signer.certificate
    if now >= cert.not_valid_after_utc:
        raise CertificateUploadError(f"el certificado venció el {cert.not_valid_after_utc:%d-%m-%Y}")
    if now < cert.not_valid_before_utc:
        raise CertificateUploadError(f"el certificado es válido recién desde el {cert.not_valid_before_utc:%d-%m-%Y}")
    return signer


async def store(pool: db.Pool, tenant_id: int, pfx: bytes, password: str, secret_key: str,
                now: datetime | None = None, clock: clock_mod.Clock = clock_mod.utc_clock) -> StoredCertificate:
    """Check and store (replacing any previous) the tenant's certificate, encrypted.

    Raises:
        CertificateUploadError: see :func:`check`; an unknown tenant.
    """
    signer = check(pfx, password, now, clock)
    box = fernet(secret_key)
    cert = signer.certificate
    stored = StoredCertificate(cert.subject.rfc4514_string(), signer.rut, cert.not_valid_after_utc)
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.rut(conn, tenant_id) is None:
            raise CertificateUploadError(f"el tenant {tenant_id} no existe")
        await certificates.save(conn, tenant_id, pfx_encrypted=box.encrypt(pfx),
                                password_encrypted=box.encrypt(password.encode("utf-8")), subject=stored.subject,
                                holder_rut=stored.holder_rut, not_after=stored.not_after)
    return stored


async def load_signer(pool: db.Pool, tenant_id: int, secret_key: str) -> signature.Signer:
    """The tenant's certificate and key, decrypted (for the server's signing only).

    Raises:
        CertificateUploadError: none uploaded, or it cannot be decrypted with this server secret.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await certificates.sealed(conn, tenant_id)
    if row is None:
        raise CertificateUploadError("la empresa no tiene certificado digital: súbalo con cert-upload")
    box = fernet(secret_key)
    try:
        pfx, password = box.decrypt(row.pfx_encrypted), box.decrypt(row.password_encrypted).decode("utf-8")
    except InvalidToken:
        raise CertificateUploadError("el certificado guardado no se puede descifrar con la clave secreta actual del"
                                     " servidor: súbalo de nuevo") from None
    try:
        return signature.load_pfx(pfx, password)
    except dte_errors.CertificateError as exc:
        raise CertificateUploadError(str(exc)) from None
