"""CAFs issued by the local SII stand-in, and a signing certificate for the demo: CAFs in the SII's format, signed
with the stand-in's own key under its own IDK (:data:`STANDIN_IDK`, never the SII's 100 or 300), for demos and tests
that need more than the twenty folios of a certification CAF. Only a server configured with the stand-in's key
(``standin_caf_key``, allowed only with ``sii_environment = "standin"``) accepts them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import clock as clock_mod
from shared import rut as rut_mod
from shared.dte import caf as caf_mod
from shared.dte import rsa as rsa_mod

STANDIN_IDK = caf_mod.IDK_STANDIN
"""The stand-in's key id: not an SII IDK, so a stand-in CAF is never mistaken for a real one."""


def _b64int(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode("ascii")


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class StandinIssuer:
    """The stand-in's CAF-signing key; :meth:`keys` is what a verifier passes as ``sii_keys``."""

    key: rsa.RSAPrivateKey
    idk: int = STANDIN_IDK

    @classmethod
    def generate(cls, idk: int = STANDIN_IDK) -> StandinIssuer:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=1024), idk)

    def keys(self) -> dict[int, rsa.RSAPublicKey]:
        return {self.idk: self.key.public_key()}

    def issue(self, *, rut: str, razon_social: str, tipo: int, desde: int, hasta: int, fa: date) -> bytes:
        """A CAF file (ISO-8859-1 bytes, as the SII delivers it) for ``rut``, type ``tipo``, folios desde..hasta."""
        caf_key = rsa.generate_private_key(public_exponent=3, key_size=1024)  # cryptography: >= 1024
        numbers = caf_key.public_key().public_numbers()
        da = (f"<DA><RE>{rut_mod.parse(rut).compact}</RE><RS>{_xml_text(razon_social[:40])}</RS><TD>{tipo}</TD>"
              f"<RNG><D>{desde}</D><H>{hasta}</H></RNG><FA>{fa.isoformat()}</FA>"
              f"<RSAPK><M>{_b64int(numbers.n)}</M><E>{_b64int(numbers.e)}</E></RSAPK><IDK>{self.idk}</IDK></DA>")
        frma = base64.b64encode(rsa_mod.sign_sha1(self.key, da.encode("iso-8859-1")))
        rsask = caf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode("ascii")
        rsapubk = caf_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
        text = (f'<?xml version="1.0"?>\n<AUTORIZACION>\n<CAF version="1.0">\n{da}\n'
                f'<FRMA algoritmo="SHA1withRSA">{frma.decode("ascii")}</FRMA>\n</CAF>\n'
                f"<RSASK>{rsask}</RSASK>\n<RSAPUBK>{rsapubk}</RSAPUBK>\n</AUTORIZACION>\n")
        return text.encode("iso-8859-1")


def demo_certificate(rut: str, password: str, *, holder: str = "Firma de prueba Almacén", days: int = 365,
                     clock: clock_mod.Clock = clock_mod.utc_clock) -> bytes:
    """A self-signed .pfx (PKCS#12, protected by ``password``) whose certificate carries ``rut`` the way Chilean
    e-signature certificates do (subjectAltName otherName 1.3.6.1.4.1.8321.1), for the demo and tests against the
    stand-in; the SII itself accepts only certificates from an accredited authority. Valid from a day before
    ``clock()`` for ``days`` days."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from shared.dte import signature

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, holder)])
    start = clock() - timedelta(days=1)
    value = rut_mod.parse(rut).compact.encode("ascii")
    san = x509.SubjectAlternativeName([x509.OtherName(signature.SII_RUT_OID, b"\x16" + bytes([len(value)]) + value)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days)).add_extension(san, critical=False)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"firma", key, cert, None,
                                                 serialization.BestAvailableEncryption(password.encode()))
