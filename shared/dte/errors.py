"""Errors of the SII electronic documents (DTE) core, each with a Spanish message for the person who acts on it.

    PosError
    └── DteError
        ├── XmlError(reason)                   not well-formed, wrong encoding
        │   └── HostileXml(reason)             DOCTYPE/entities/external DTD, or too big
        ├── CafError
        │   ├── CafMalformed(reason)           not a CAF, a field missing or unreadable
        │   ├── CafTampered()                  the SII signature (FRMA) does not verify
        │   ├── CafUnknownIdk(idk)             no SII key for that IDK
        │   ├── CafKeyMismatch()               RSASK is not the private half of RSAPK
        │   ├── CafExpired(tipo, expired_on)   past its expiry date
        │   └── CafOtherRut(caf_rut, tenant_rut)
        ├── FolioOutOfRange(folio, desde, hasta)
        ├── TedError
        │   ├── TedMalformed(reason)
        │   └── TedSignatureInvalid(reason)
        ├── DocumentInvalid(reason)            the values cannot make a valid document
        ├── UnprintableDocument(reason)        no PDF can be drawn from the file (shared/dte/pdf.py)
        ├── SchemaInvalid(errors)              the XML does not follow the SII schema
        ├── CertificateError(reason)           .pfx unreadable, wrong password, no RSA key
        └── SignatureInvalid(reason)           an XMLDSig signature does not verify
"""

from __future__ import annotations

from datetime import date

from shared.errors import PosError


class DteError(PosError):
    """Base of the errors of ``shared.dte``."""


class XmlError(DteError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"XML inválido: {reason}")
        self.reason = reason


class HostileXml(XmlError):
    """The XML tries something no SII document does (DTD, entities, external references) or is too big."""

    def __init__(self, reason: str) -> None:
        DteError.__init__(self, f"XML rechazado por seguridad: {reason}")
        self.reason = reason


class CafError(DteError):
    """A CAF (folio authorisation) cannot be used."""


class CafMalformed(CafError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"archivo de folios (CAF) inválido: {reason}")
        self.reason = reason


class CafTampered(CafError):
    def __init__(self) -> None:
        super().__init__("la firma del SII en el archivo de folios (CAF) no es válida: el archivo fue alterado")


class CafUnknownIdk(CafError):
    def __init__(self, idk: int) -> None:
        super().__init__(f"el CAF fue firmado con una llave del SII desconocida (IDK {idk}); "
                         "se aceptan 100 (certificación) y 300 (producción)")
        self.idk = idk


class CafKeyMismatch(CafError):
    def __init__(self) -> None:
        super().__init__("la llave privada del CAF (RSASK) no corresponde a su llave pública (RSAPK)")


class CafExpired(CafError):
    def __init__(self, tipo_dte: int, expired_on: date) -> None:
        super().__init__(f"el CAF de tipo {tipo_dte} venció el {expired_on:%d-%m-%Y}; solicite folios nuevos al SII")
        self.tipo_dte = tipo_dte
        self.expired_on = expired_on


class CafOtherRut(CafError):
    def __init__(self, caf_rut: str, tenant_rut: str) -> None:
        super().__init__(f"el CAF es de otro contribuyente (RUT {caf_rut}), no de {tenant_rut}")
        self.caf_rut = caf_rut
        self.tenant_rut = tenant_rut


class FolioOutOfRange(DteError):
    def __init__(self, folio: int, desde: int, hasta: int) -> None:
        super().__init__(f"el folio {folio} está fuera del rango autorizado por el CAF ({desde}-{hasta})")
        self.folio = folio
        self.desde = desde
        self.hasta = hasta


class TedError(DteError):
    """A timbre electrónico (TED) cannot be read or does not verify."""


class TedMalformed(TedError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"timbre electrónico (TED) inválido: {reason}")
        self.reason = reason


class TedSignatureInvalid(TedError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"la firma del timbre electrónico (TED) no es válida: {reason}")
        self.reason = reason


class DocumentInvalid(DteError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"documento tributario inválido: {reason}")
        self.reason = reason


class UnprintableDocument(DteError):
    """The file is not a DTE this project prints, or lacks what its printed form needs (``shared.dte.pdf``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"no se puede generar el PDF del documento: {reason}")
        self.reason = reason


class SchemaInvalid(DteError):
    """The XML breaks the SII schema; ``errors`` lists every violation as ``línea N: mensaje``."""

    def __init__(self, errors: list[str]) -> None:
        shown = "; ".join(errors[:5]) + (f"; y {len(errors) - 5} más" if len(errors) > 5 else "")
        super().__init__(f"el XML no cumple el esquema del SII: {shown}")
        self.errors = errors


class CertificateError(DteError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"certificado digital inválido: {reason}")
        self.reason = reason


class SignatureInvalid(DteError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"firma electrónica inválida: {reason}")
        self.reason = reason
