"""SII electronic tax documents (DTE): the pure core shared by the terminal and the server (DESIGN.md §6).

stdlib + lxml + cryptography only; zxing-cpp and Pillow are imported lazily by ``ted.pdf417_image``, and
reportlab only by ``pdf``, which is not imported here. What the SII signs and how:
docs/architecture.md#what-the-sii-signs.

    dte/
    ├── caf.py        read and check CAF files; the SII's CAF keys by IDK
    ├── documents.py  the document model (39, 41, 33, 34, 56, 61) and its amounts
    ├── drawing.py    (PDF) drawing primitives and the ``PdfBackend`` port the apps implement
    ├── errors.py     ``DteError`` and its tree, each with a Spanish message
    ├── layout.py     (PDF) the layout of a printed DTE: pages of drawing primitives
    ├── pdf.py        the printed form of a DTE as a PDF (needs reportlab; not imported here)
    ├── printed.py    (PDF) a DTE read into the texts its printed form shows
    ├── received.py   a supplier's DTE read into plain values (lines, totals, references)
    ├── rsa.py        RSA-SHA1 (PKCS#1 v1.5): the one signature of XMLDSig, CAF FRMA and TED FRMT
    ├── rvd.py        the RVD (ConsumoFolios): the daily summary of boletas and their notas
    ├── schema.py     validation against the SII's official XSDs
    ├── signature.py  XMLDSig as the SII requires: sign, verify, load a .pfx
    ├── ted.py        stamp, verify and print the timbre (TED) as PDF417
    ├── timbre.py     (PDF) the timbre's PDF417 sized within the SII's limits, as bars
    ├── verdict.py    the verdict on a received SII file (``almacen dte verify``)
    ├── xml.py        render a signed DTE and the EnvioBOLETA / EnvioDTE envelopes
    ├── xmlcore.py    hardened parsing, C14N and the SII's flattened form
    └── data/         the SII's XSDs and CAF-signing certificates (data, no code)
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
