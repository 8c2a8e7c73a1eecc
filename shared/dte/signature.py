"""XMLDSig as the SII requires it, with lxml and ``cryptography``: sign, verify, load a .pfx.

The profile and its canonicalisation (verified on the SII's samples): docs/architecture.md#what-the-sii-signs.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from lxml import etree

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import errors, xmlcore
from shared.dte import rsa as rsa_mod
from shared.dte.xmlcore import DS_NS

C14N_10: Final = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA1: Final = DS_NS + "rsa-sha1"
SHA1: Final = DS_NS + "sha1"
ENVELOPED: Final = DS_NS + "enveloped-signature"
SII_RUT_OID: Final = x509.ObjectIdentifier("1.3.6.1.4.1.8321.1")
"""subjectAltName otherName carrying the holder's RUT in Chilean certificates."""

_DS = "{" + DS_NS + "}"


@dataclass(frozen=True)
class Signer:
    """A certificate with its private key, as loaded from the tenant's .pfx."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def rut(self) -> str | None:
        """The holder's RUT (RutEnvia), or None when the certificate carries none."""
        return certificate_rut(self.certificate)


def load_pfx(data: bytes, password: str | bytes | None) -> Signer:
    """Read a PKCS#12 (.pfx/.p12) file.

    Raises:
        CertificateError: unreadable, wrong password, no certificate, or a key that is not RSA.
    """
    secret = password.encode() if isinstance(password, str) else password
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, secret or None)
    except ValueError:
        raise errors.CertificateError("no se pudo abrir el archivo .pfx (¿contraseña incorrecta?)") from None
    if cert is None or key is None:
        raise errors.CertificateError("el archivo .pfx no trae certificado y llave privada")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise errors.CertificateError("la llave del certificado no es RSA, que es lo que exige el SII")
    return Signer(private_key=key, certificate=cert)


def certificate_rut(cert: x509.Certificate) -> str | None:
    """The RUT of a Chilean e-signature certificate: subjectAltName otherName 1.3.6.1.4.1.8321.1, else the
    subject's serialNumber when it looks like a RUT."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for name in san.get_values_for_type(x509.OtherName):
            if name.type_id == SII_RUT_OID:
                return _normal_rut(_der_string(name.value))
    except x509.ExtensionNotFound:
        pass
    for attr in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        serial = str(attr.value).strip().upper()
        if "-" in serial and serial.replace("-", "").replace("K", "").isdigit():
            return _normal_rut(serial)
    return None


def _normal_rut(value: str) -> str | None:
    """``07555986-0`` (as some CAs write it) → ``7555986-0``; None when empty."""
    value = value.strip().upper()
    try:
        return rut_mod.parse(value).compact
    except pos_errors.InvalidRut:
        return value or None


def _der_string(der: bytes) -> str:
    """The text inside a DER value: IA5/UTF8/Printable string, possibly wrapped in ``[0] EXPLICIT``."""
    while len(der) >= 2:
        tag, length, start = der[0], der[1], 2
        if length & 0x80:
            n = length & 0x7F
            length, start = int.from_bytes(der[2:2 + n], "big"), 2 + n
        content = der[start:start + length]
        if tag in (0x16, 0x0C, 0x13):
            return content.decode("utf-8", errors="replace")
        if tag & 0x20 == 0:  # primitive, not a string
            return ""
        der = content
    return ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


def _by_id(root: etree._Element, ident: str) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)
            and (el.get("ID") == ident or el.get("Id") == ident or el.get("id") == ident)]


def sign(root: etree._Element, reference_id: str | None, signer: Signer) -> etree._Element:
    """Append an enveloped SII signature of the element ``ID=reference_id`` as the last child of ``root``.

    ``root`` must be the document's root (a standalone DTE, or an envelope referencing its SetDTE). With
    ``reference_id=None`` the whole document is signed (``URI=""``, as the SII's getToken request needs).

    Raises:
        DocumentInvalid: no element, or more than one, has that ID.
    """
    if reference_id is None:
        target, uri = root, ""
    else:
        targets = _by_id(root, reference_id)
        if len(targets) != 1:
            raise errors.DocumentInvalid(f"se esperaba un elemento con ID {reference_id!r}, hay {len(targets)}")
        target, uri = targets[0], "#" + reference_id
    digest = hashlib.sha1(xmlcore.c14n(target)).digest()
    sig = etree.SubElement(root, _DS + "Signature", nsmap={None: DS_NS})  # type: ignore[dict-item]
    info = etree.SubElement(sig, _DS + "SignedInfo")
    etree.SubElement(info, _DS + "CanonicalizationMethod", Algorithm=C14N_10)
    etree.SubElement(info, _DS + "SignatureMethod", Algorithm=RSA_SHA1)
    ref = etree.SubElement(info, _DS + "Reference", URI=uri)
    etree.SubElement(etree.SubElement(ref, _DS + "Transforms"), _DS + "Transform", Algorithm=ENVELOPED)
    etree.SubElement(ref, _DS + "DigestMethod", Algorithm=SHA1)
    etree.SubElement(ref, _DS + "DigestValue").text = _b64(digest)
    value = rsa_mod.sign_sha1(signer.private_key, xmlcore.c14n(info))
    etree.SubElement(sig, _DS + "SignatureValue").text = _b64(value)
    key_info = etree.SubElement(sig, _DS + "KeyInfo")
    numbers = signer.private_key.public_key().public_numbers()
    rsa_kv = etree.SubElement(etree.SubElement(key_info, _DS + "KeyValue"), _DS + "RSAKeyValue")
    etree.SubElement(rsa_kv, _DS + "Modulus").text = _b64(_int_bytes(numbers.n))
    etree.SubElement(rsa_kv, _DS + "Exponent").text = _b64(_int_bytes(numbers.e))
    der = signer.certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(etree.SubElement(key_info, _DS + "X509Data"), _DS + "X509Certificate").text = _b64(der)
    return sig


# --- verification ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdict on one ``Signature``: ``c14n`` names the canonical form that matched (``en contexto``,
    ``independiente`` — the signature's parent as its own document —, ``exclusiva``); ``reason`` is empty when
    valid."""

    reference: str
    valid: bool
    reason: str
    c14n: str = ""
    subject: str = ""
    rut: str | None = None


def _path_below(ancestor: etree._Element, el: etree._Element) -> list[int]:
    path: list[int] = []
    node = el
    while node is not ancestor:
        parent = node.getparent()
        assert parent is not None
        path.append(parent.index(node))
        node = parent
    return path[::-1]


def _follow(el: etree._Element, path: list[int]) -> etree._Element:
    for i in path:
        el = el[i]
    return el


def _standalone(sig: etree._Element, el: etree._Element) -> etree._Element:
    """``el`` inside a copy of the signature's parent taken out as its own document (inherited, unused
    namespace declarations dropped, as when the DTE was signed on its own)."""
    parent = sig.getparent()
    assert parent is not None
    if el is not parent and parent not in el.iterancestors():
        return el
    alone = copy.deepcopy(parent)
    return _follow(alone, _path_below(parent, el)) if el is not parent else alone


def _without_signature(target: etree._Element, sig: etree._Element) -> etree._Element:
    """A copy of ``target`` minus ``sig`` (the enveloped-signature transform), for a signature inside it."""
    if target not in sig.iterancestors():
        return target
    doc = etree.fromstring(etree.tostring(target.getroottree().getroot()))
    copy_target = _follow(doc, _path_below(target.getroottree().getroot(), target))
    copy_sig = _follow(copy_target, _path_below(target, sig))
    parent = copy_sig.getparent()
    assert parent is not None
    parent.remove(copy_sig)
    return copy_target


_Variant = tuple[str, Callable[[etree._Element], bytes]]


def _variants(sig: etree._Element) -> list[_Variant]:
    return [
        ("en contexto", xmlcore.c14n),
        ("independiente", lambda el: xmlcore.c14n(_standalone(sig, el))),
        ("exclusiva", lambda el: xmlcore.c14n(el, exclusive=True)),
    ]


def _decode(value: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((value or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise errors.SignatureInvalid(f"{what} no es base64") from None


def verify_signature(sig: etree._Element) -> SignatureCheck:
    """Verify one ``Signature`` element against the document it sits in (see the module doc)."""
    ref = sig.find(f"{_DS}SignedInfo/{_DS}Reference")
    uri = "" if ref is None else ref.get("URI", "")
    try:
        return _verify(sig, uri)
    except errors.SignatureInvalid as exc:
        return SignatureCheck(reference=uri, valid=False, reason=exc.reason)


def _verify(sig: etree._Element, uri: str) -> SignatureCheck:
    info = sig.find(_DS + "SignedInfo")
    if info is None:
        raise errors.SignatureInvalid("falta SignedInfo")
    c14n_alg = info.find(_DS + "CanonicalizationMethod")
    if c14n_alg is None or c14n_alg.get("Algorithm") not in {C14N_10, EXC_C14N}:
        raise errors.SignatureInvalid("CanonicalizationMethod no es C14N")
    method = info.find(_DS + "SignatureMethod")
    if method is None or method.get("Algorithm") != RSA_SHA1:
        raise errors.SignatureInvalid("SignatureMethod no es rsa-sha1")
    refs = info.findall(_DS + "Reference")
    if len(refs) != 1:
        raise errors.SignatureInvalid(f"se esperaba una referencia, hay {len(refs)}")
    ref = refs[0]
    transforms = [t.get("Algorithm") for t in ref.iterfind(f"{_DS}Transforms/{_DS}Transform")]
    if any(t not in {ENVELOPED, C14N_10, EXC_C14N} for t in transforms):
        raise errors.SignatureInvalid(f"transformación no permitida: {transforms}")
    digest_method = ref.find(_DS + "DigestMethod")
    if digest_method is None or digest_method.get("Algorithm") != SHA1:
        raise errors.SignatureInvalid("DigestMethod no es sha1")
    expected = _decode(ref.findtext(_DS + "DigestValue"), "DigestValue")
    root = sig.getroottree().getroot()
    if uri == "":
        target = root
    elif uri.startswith("#"):
        found = _by_id(root, uri[1:])
        if len(found) != 1:
            raise errors.SignatureInvalid(f"la referencia {uri} apunta a {len(found)} elementos")
        target = found[0]
    else:
        raise errors.SignatureInvalid(f"referencia externa no permitida: {uri}")
    target = _without_signature(target, sig)
    variants = _variants(sig)
    digest_form = next((name for name, fn in variants if hashlib.sha1(fn(target)).digest() == expected), None)
    if digest_form is None:
        raise errors.SignatureInvalid(f"el digest de {uri or 'documento'} no coincide: el contenido fue alterado")
    key, cert = _key(sig)
    value = _decode(sig.findtext(_DS + "SignatureValue"), "SignatureValue")
    info_form = next((name for name, fn in variants if rsa_mod.verifies_sha1(key, value, fn(info))), None)
    if info_form is None:
        raise errors.SignatureInvalid("SignatureValue no corresponde a SignedInfo y la llave")
    return SignatureCheck(reference=uri, valid=True, reason="", c14n=digest_form,
                          subject=cert.subject.rfc4514_string() if cert else "",
                          rut=certificate_rut(cert) if cert else None)


def _key(sig: etree._Element) -> tuple[rsa.RSAPublicKey, x509.Certificate | None]:
    rsa_kv = sig.find(f"{_DS}KeyInfo/{_DS}KeyValue/{_DS}RSAKeyValue")
    cert_text = sig.findtext(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    cert = None
    if cert_text:
        try:
            cert = x509.load_der_x509_certificate(_decode(cert_text, "X509Certificate"))
        except ValueError:
            raise errors.SignatureInvalid("X509Certificate no se puede leer") from None
    key: rsa.RSAPublicKey | None = None
    if rsa_kv is not None:
        try:
            key = rsa_mod.public_key(_decode(rsa_kv.findtext(_DS + "Modulus"), "Modulus"),
                                 _decode(rsa_kv.findtext(_DS + "Exponent"), "Exponent"))
        except ValueError:
            raise errors.SignatureInvalid("RSAKeyValue inválido") from None
    if cert is not None:
        cert_key = cert.public_key()
        if not isinstance(cert_key, rsa.RSAPublicKey):
            raise errors.SignatureInvalid("el certificado no tiene llave RSA")
        if key is not None and key.public_numbers() != cert_key.public_numbers():
            raise errors.SignatureInvalid("la llave de KeyValue no es la del certificado")
        key = cert_key
    if key is None:
        raise errors.SignatureInvalid("falta KeyInfo (RSAKeyValue o X509Certificate)")
    return key, cert


def verify_all(data: bytes | etree._Element) -> list[SignatureCheck]:
    """The verdict on every ``Signature`` of a document (a DTE, EnvioDTE, EnvioBOLETA, getToken), in document
    order: per-DTE signatures first, the SetDTE's last."""
    root = xmlcore.parse(data) if isinstance(data, bytes) else data
    return [verify_signature(sig) for sig in root.iter(_DS + "Signature")]


def require_valid(data: bytes | etree._Element) -> list[SignatureCheck]:
    """:func:`verify_all`, raising when there is no signature or any fails.

    Raises:
        SignatureInvalid: with the first failure's reason.
    """
    checks = verify_all(data)
    if not checks:
        raise errors.SignatureInvalid("el documento no está firmado")
    for check in checks:
        if not check.valid:
            raise errors.SignatureInvalid(f"{check.reference}: {check.reason}")
    return checks
