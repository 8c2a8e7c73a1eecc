"""SII electronic tax documents (DTE): the pure core shared by the terminal and the server (DESIGN.md §6).

Modules (stdlib + lxml + cryptography only; zxing-cpp and Pillow are imported lazily by ``ted.pdf417_image``):

- ``caf``        read and check CAF files (SII signature, key pair, RUT, expiry); the SII's CAF keys by IDK.
- ``ted``        stamp, verify and print the timbre (TED) as PDF417.
- ``documents``  the document model (39, 41, 33, 34, 56, 61) from plain values or a ``SaleCompleted``.
- ``xml``        render a signed ``DTE`` and the EnvioBOLETA / EnvioDTE envelopes.
- ``signature``  XMLDSig as the SII requires it: sign and verify, .pfx loading.
- ``rsa``        RSA-SHA1 (PKCS#1 v1.5), the one scheme of XMLDSig, CAF FRMA and TED FRMT; keys from M/E.
- ``schema``     validation against the official XSDs (folder given by the caller).
- ``xmlcore``    hardened parsing, C14N without lxml's stray ``xmlns=""``, the SII's flattened form.
- ``errors``     the exceptions, each with a Spanish message.
- ``pdf``        the PDF of a DTE (SII Manual de Muestras Impresas), painted by a backend the app injects:
  - ``printed``  the DTE read into the texts its printed form shows (es-CL amounts, dates, references);
  - ``layout``   pages of drawing primitives: recuadro, parties, detail, totals, timbre, cedible copy;
  - ``timbre``   the PDF417 of the TED sized within the SII's limits, as bars;
  - ``drawing``  the primitives and the ``PdfBackend`` port (reportlab backends live in the apps).

What the SII signs, as found on the public samples in ``../shared/sii/samples`` (every claim is a test):

- CAF ``FRMA``: RSA-SHA1 (PKCS#1 v1.5) with the SII key of the CAF's IDK over ``<DA>…</DA>`` with every
  whitespace-only text between tags removed, no namespace, ISO-8859-1. The DA as written in the file (with its
  newlines) does not verify; UTF-8 does not verify ("DISEÑO").
- TED ``FRMT``: RSA-SHA1 with the CAF's RSASK over ``<DD>…</DD>`` flattened the same way (namespace removed
  when the TED sits inside a DTE), ISO-8859-1; pretty-printed sample TEDs verify because the signature is over the
  flattened form. We stamp with ``"``/``'`` in text as ``&quot;``/``&apos;`` (LibreDTE); the verifier also
  accepts plain C14N escaping and the literal source.
- XMLDSig: inclusive C14N 1.0 of ``Documento`` with the DTE as its own document (the envelope's ``xmlns:xsi``
  must not leak in: in-context C14N fails on every sample DTE, xmlsec1 included), and of ``SetDTE`` in context
  (with ``xmlns`` and ``xmlns:xsi``); SignedInfo likewise.
"""

from shared.dte.caf import Caf, load_caf, load_sii_keys, parse_caf, verify_caf
from shared.dte.documents import (
    CodRef,
    Documento,
    Emisor,
    Linea,
    Receptor,
    Referencia,
    TipoDTE,
    Totales,
    boleta_desde_venta,
    documento,
    factura_desde_venta,
    nota_credito,
)
from shared.dte.schema import schema_errors, validate
from shared.dte.signature import Signer, load_pfx, require_valid, verify_all
from shared.dte.ted import build_ted, pdf417_image, stamp, ted_payload, verify_ted
from shared.dte.xml import Caratula, build_dte, build_envelope, render_dte, sign_dte

__all__ = [
    "Caf",
    "Caratula",
    "CodRef",
    "Documento",
    "Emisor",
    "Linea",
    "Receptor",
    "Referencia",
    "Signer",
    "TipoDTE",
    "Totales",
    "boleta_desde_venta",
    "build_dte",
    "build_envelope",
    "build_ted",
    "documento",
    "factura_desde_venta",
    "load_caf",
    "load_pfx",
    "load_sii_keys",
    "nota_credito",
    "parse_caf",
    "pdf417_image",
    "render_dte",
    "require_valid",
    "schema_errors",
    "sign_dte",
    "stamp",
    "ted_payload",
    "validate",
    "verify_all",
    "verify_caf",
    "verify_ted",
]
