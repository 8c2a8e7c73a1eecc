"""CAF (Código de Autorización de Folios): the SII's signed grant of a folio range, with the key that stamps TEDs.

A CAF file is ``<AUTORIZACION><CAF version="1.0"><DA>…</DA><FRMA algoritmo="SHA1withRSA">…</FRMA></CAF>
<RSASK>PEM</RSASK><RSAPUBK>PEM</RSAPUBK></AUTORIZACION>``, ISO-8859-1 without an encoding declaration. ``DA``
holds RE (RUT), RS (razón social, 40 chars), TD (tipo DTE), RNG D..H (inclusive folio range), FA (authorisation
date), RSAPK M/E (the RSA-512, e=3 public key) and IDK (which SII key signed it: 100 certificación, 300
producción).

FRMA (VERIFIED on all six sample CAFs and the production CAF inside the boleta sample): base64 RSA-SHA1
(PKCS#1 v1.5) by the SII key of the IDK over the ``DA`` element *flattened*: every whitespace-only text between
tags removed (the file has newlines there; signing the raw text fails), no namespace, no XML declaration,
ISO-8859-1 bytes (UTF-8 fails on "DISEÑO"). That is exactly C14N of ``DA`` with the inter-tag whitespace dropped,
re-encoded ISO-8859-1; the raw substring with ``>\\s+<`` → ``><`` gives the same bytes for SII files.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import errors, xmlcore
from shared.dte import rsa as rsa_mod

MAX_CAF_BYTES: Final = 64 * 1024

IDK_CERTIFICACION: Final = 100
IDK_PRODUCCION: Final = 300
IDK_STANDIN: Final = 9999
"""The local SII stand-in's issuer key id: not an SII IDK, so a stand-in CAF is never mistaken for a real one (a
verifier accepts it only when its caller adds the stand-in's key under this IDK)."""

CAF_VENCE_TIPOS: Final = frozenset({33, 43, 46, 56, 61})
"""Types whose CAF expires (LibreDTE ``Caf::vence()``, sii.md §2); boleta CAFs (39, 41) never expire."""
CAF_VIGENCIA: Final = timedelta(days=180)
"""How long an expiring CAF is valid after its FA (LibreDTE: "6 meses (6 * 30 días)")."""


@dataclass(frozen=True)
class Caf:
    """A parsed CAF. Amounts of trust: :func:`parse_caf` only reads it; :func:`verify_caf` checks it.

    ``da_xml`` and ``caf_xml`` are the exact bytes of the ``DA`` and ``CAF`` elements as they are in the file;
    ``private_key`` is the RSASK PEM text; ``raw`` the whole file.
    """

    rut_emisor: str
    razon_social: str
    tipo_dte: int
    folio_desde: int
    folio_hasta: int
    fecha_autorizacion: date
    idk: int
    public_key: rsa.RSAPublicKey
    private_key: str
    da_xml: bytes
    caf_xml: bytes
    raw: bytes
    frma: bytes = field(repr=False)
    da_signed_forms: tuple[bytes, ...] = field(repr=False)
    caf_element: bytes = field(repr=False)
    """The ``CAF`` element flattened (ISO-8859-1, no inter-tag whitespace): what goes into the TED's DD."""

    @property
    def expires_on(self) -> date | None:
        """First day the CAF is no longer valid, or None when CAFs of its type do not expire.

        Rule applied (LibreDTE ``Caf.php`` ``vence()``/``getFechaVencimiento()``, sii.md §2): CAFs of types 33, 43,
        46, 56 and 61 expire 180 days after their authorisation date FA; boleta CAFs (39, 41) — and 34, which
        LibreDTE also leaves out — do not expire.
        """
        if self.tipo_dte not in CAF_VENCE_TIPOS:
            return None
        return self.fecha_autorizacion + CAF_VIGENCIA

    def contains(self, folio: int) -> bool:
        return self.folio_desde <= folio <= self.folio_hasta

    def signing_key(self) -> rsa.RSAPrivateKey:
        """The CAF's private key (RSASK) as a key object (cached per PEM)."""
        return _load_private_key(self.private_key)


def _b64(value: str | None, what: str) -> bytes:
    if not value:
        raise errors.CafMalformed(f"falta {what}")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise errors.CafMalformed(f"{what} no es base64 válido") from None


def _int(value: str | None, what: str, digits: int = 9) -> int:
    """A whole number of at most ``digits`` ASCII digits (9 fits PostgreSQL's integer; the SII's folios have 10)."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > digits:
        raise errors.CafMalformed(f"{what} falta o no es un número (de hasta {digits} dígitos)")
    return int(text)


def _pem(text: str, what: str) -> bytes:
    """Normalise a PEM block (some tools write it on one line)."""
    match = re.search(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", text, re.S)
    if not match:
        raise errors.CafMalformed(f"{what} no es un bloque PEM")
    body = "".join(match.group(2).split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return (f"-----BEGIN {match.group(1)}-----\n" + "\n".join(lines) + f"\n-----END {match.group(1)}-----\n").encode()


@functools.lru_cache(maxsize=64)
def _load_private_key(pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(_pem(pem, "RSASK"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise errors.CafMalformed("la llave privada RSASK no se puede leer") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise errors.CafMalformed("la llave privada RSASK no es RSA")
    return key


def _exact(raw: bytes, pattern: bytes, fallback: bytes) -> bytes:
    match = re.search(pattern, raw, re.S)
    return match.group(0) if match else fallback


def parse_caf(data: bytes) -> Caf:
    """Read a CAF file (bytes as downloaded from the SII; ISO-8859-1 unless it declares otherwise).

    Raises:
        HostileXml: a DOCTYPE/entities, or bigger than 64 kB.
        CafMalformed: not well-formed XML, not a CAF, or a field missing or unreadable (numbers: ASCII
            digits, at most 9, or 10 for the folio range).
    """
    try:
        root = xmlcore.parse(data, max_bytes=MAX_CAF_BYTES, default_encoding="ISO-8859-1")
    except errors.HostileXml:
        raise
    except errors.XmlError as exc:
        raise errors.CafMalformed(f"XML mal formado ({exc.reason})") from None
    if xmlcore.localname(root) != "AUTORIZACION":
        raise errors.CafMalformed(f"se esperaba <AUTORIZACION>, llegó <{xmlcore.localname(root)}>")
    caf_el = xmlcore.child(root, "CAF")
    da = None if caf_el is None else xmlcore.child(caf_el, "DA")
    if caf_el is None or da is None:
        raise errors.CafMalformed("falta el elemento CAF/DA")
    frma_el = xmlcore.child(caf_el, "FRMA")
    if frma_el is None or frma_el.get("algoritmo", "SHA1withRSA") != "SHA1withRSA":
        raise errors.CafMalformed("falta la firma FRMA (SHA1withRSA) del SII")
    rut_text = (xmlcore.text(da, "RE") or "").strip()
    try:
        rut_emisor = rut_mod.parse(rut_text).compact
    except pos_errors.InvalidRut:
        raise errors.CafMalformed(f"RUT emisor inválido {rut_text!r}") from None
    fa_text = (xmlcore.text(da, "FA") or "").strip()
    try:
        fa = date.fromisoformat(fa_text)
    except ValueError:
        raise errors.CafMalformed(f"fecha de autorización FA inválida {fa_text!r}") from None
    desde, hasta = _int(xmlcore.text(da, "RNG/D"), "RNG/D", 10), _int(xmlcore.text(da, "RNG/H"), "RNG/H", 10)
    if not 0 < desde <= hasta:
        raise errors.CafMalformed(f"rango de folios inválido {desde}-{hasta}")
    modulus = _b64(xmlcore.text(da, "RSAPK/M"), "RSAPK/M")
    exponent = _b64(xmlcore.text(da, "RSAPK/E"), "RSAPK/E")
    try:
        public_key = rsa_mod.public_key(modulus, exponent)
    except ValueError:
        raise errors.CafMalformed("la llave pública RSAPK no es válida") from None
    rsask = xmlcore.text(root, "RSASK")
    if not rsask or not rsask.strip():
        raise errors.CafMalformed("falta la llave privada RSASK")
    canonical_da = xmlcore.flatten(da, escape_quotes=False)
    da_xml = _exact(data, rb"<DA>.*?</DA>", canonical_da)
    forms = dict.fromkeys([canonical_da, xmlcore.flatten(da, escape_quotes=True), xmlcore.flatten_raw(da_xml)])
    return Caf(
        rut_emisor=rut_emisor,
        razon_social=xmlcore.text(da, "RS") or "",
        tipo_dte=_int(xmlcore.text(da, "TD"), "TD"),
        folio_desde=desde,
        folio_hasta=hasta,
        fecha_autorizacion=fa,
        idk=_int(xmlcore.text(da, "IDK"), "IDK"),
        public_key=public_key,
        private_key=rsask.strip(),
        da_xml=da_xml,
        caf_xml=_exact(data, rb"<CAF\b[^>]*>.*?</CAF>", xmlcore.flatten(caf_el)),
        raw=data,
        frma=_b64(frma_el.text, "FRMA"),
        da_signed_forms=tuple(forms),
        caf_element=xmlcore.flatten(caf_el),
    )


def verify_caf(caf: Caf, sii_keys: Mapping[int, rsa.RSAPublicKey], *, rut: str | None = None,
               today: date | None = None) -> None:
    """Check a CAF before it is used or imported.

    Args:
        sii_keys: the SII's CAF-signing keys by IDK, from :func:`load_sii_keys`.
        rut: the tenant's RUT; the CAF must be for it.
        today: the date to judge expiry by (see :attr:`Caf.expires_on`); None skips the expiry check.

    Raises:
        CafUnknownIdk: no key for the CAF's IDK.
        CafTampered: the SII's FRMA over DA does not verify (any byte of DA changed).
        CafKeyMismatch: RSASK is not the private half of RSAPK (or RSAPUBK differs).
        CafOtherRut: issued to another RUT.
        CafExpired: ``today`` is on or after the expiry date.
    """
    key = sii_keys.get(caf.idk)
    if key is None:
        raise errors.CafUnknownIdk(caf.idk)
    if not any(rsa_mod.verifies_sha1(key, caf.frma, form) for form in caf.da_signed_forms):
        raise errors.CafTampered()
    public = caf.public_key.public_numbers()
    if caf.signing_key().private_numbers().public_numbers != public:
        raise errors.CafKeyMismatch()
    pubk = re.search(rb"<RSAPUBK>(.*?)</RSAPUBK>", caf.raw, re.S)
    if pubk:
        try:
            loaded = serialization.load_pem_public_key(_pem(pubk.group(1).decode("ascii"), "RSAPUBK"))
        except (ValueError, UnicodeDecodeError, UnsupportedAlgorithm):
            raise errors.CafMalformed("la llave pública RSAPUBK no se puede leer") from None
        if not isinstance(loaded, rsa.RSAPublicKey) or loaded.public_numbers() != public:
            raise errors.CafKeyMismatch()
    if rut is not None:
        try:
            tenant = rut_mod.parse(rut).compact
        except pos_errors.InvalidRut:
            tenant = rut
        if tenant != caf.rut_emisor:
            raise errors.CafOtherRut(caf.rut_emisor, tenant)
    if today is not None and caf.expires_on is not None and today >= caf.expires_on:
        raise errors.CafExpired(caf.tipo_dte, caf.expires_on)


def load_caf(data: bytes, sii_keys: Mapping[int, rsa.RSAPublicKey], *, rut: str | None = None,
             today: date | None = None) -> Caf:
    """:func:`parse_caf` then :func:`verify_caf`: what an import does."""
    caf = parse_caf(data)
    verify_caf(caf, sii_keys, rut=rut, today=today)
    return caf


# --- the SII's CAF-signing certificates ---------------------------------------------------------------------

def _der_items(der: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, header start, content start, content end) of the DER TLVs between ``start`` and ``end``."""
    items = []
    i = start
    while i < end:
        tag, length = der[i], der[i + 1]
        j = i + 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(der[j:j + n], "big")
            j += n
        if j + length > end:
            raise ValueError("DER truncado")
        items.append((tag, i, j, j + length))
        i = j + length
    return items


def public_key_from_certificate(data: bytes) -> rsa.RSAPublicKey:
    """The RSA key of an X.509 certificate (PEM or DER).

    The SII's CAF certificates carry an invalid version field (3) and md5WithRSA, which ``cryptography``
    refuses; for those the SubjectPublicKeyInfo is taken straight from the DER (tbsCertificate's 7th field).

    Raises:
        ValueError: not a certificate with an RSA key.
    """
    der = data
    key: object
    if b"-----BEGIN" in data:
        match = re.search(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
        if not match:
            raise ValueError("no es un certificado PEM")
        der = base64.b64decode(b"".join(match.group(1).split()))
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except (ValueError, x509.InvalidVersion):
        (_, _, cert_start, cert_end), *_ = _der_items(der, 0, len(der))
        (_, _, tbs_start, tbs_end), *_ = _der_items(der, cert_start, cert_end)
        fields = _der_items(der, tbs_start, tbs_end)
        if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
            fields = fields[1:]
        _, spki_start, _, spki_end = fields[5]
        key = serialization.load_der_public_key(der[spki_start:spki_end])
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("el certificado no tiene una llave RSA")
    return key


def load_sii_keys(folder: Path | str) -> dict[int, rsa.RSAPublicKey]:
    """The SII's CAF keys by IDK from the certificates in ``folder``.

    A file counts when its name is ``<IDK>.cer`` (LibreDTE's naming) or contains ``idk<IDK>`` (e.g.
    ``sii_caf_pubcert_idk100_certificacion.cer``); extensions ``.cer``, ``.crt``, ``.pem``.
    """
    keys: dict[int, rsa.RSAPublicKey] = {}
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in {".cer", ".crt", ".pem"}:
            continue
        match = re.fullmatch(r"(\d+)", path.stem) or re.search(r"idk(\d+)", path.stem, re.I)
        if match:
            keys[int(match.group(1))] = public_key_from_certificate(path.read_bytes())
    return keys


def parse_da(da: etree._Element) -> tuple[int, int, int, rsa.RSAPublicKey]:
    """(tipo, desde, hasta, RSAPK) of a DA element (e.g. the CAF inside a TED).

    Raises:
        CafMalformed: a field missing or unreadable.
    """
    key = rsa_mod.public_key(_b64(xmlcore.text(da, "RSAPK/M"), "RSAPK/M"), _b64(xmlcore.text(da, "RSAPK/E"), "RSAPK/E"))
    return (_int(xmlcore.text(da, "TD"), "TD"), _int(xmlcore.text(da, "RNG/D"), "RNG/D", 10),
            _int(xmlcore.text(da, "RNG/H"), "RNG/H", 10), key)


def verify_da(da: etree._Element, frma: bytes, sii_keys: Mapping[int, rsa.RSAPublicKey]) -> None:
    """Check the SII's FRMA over a DA element found anywhere (a CAF file or the CAF copied into a TED).

    Raises:
        CafUnknownIdk, CafTampered, CafMalformed.
    """
    idk = _int(xmlcore.text(da, "IDK"), "IDK")
    key = sii_keys.get(idk)
    if key is None:
        raise errors.CafUnknownIdk(idk)
    forms = (xmlcore.flatten(da, escape_quotes=False), xmlcore.flatten(da, escape_quotes=True))
    if not any(rsa_mod.verifies_sha1(key, frma, form) for form in forms):
        raise errors.CafTampered()
