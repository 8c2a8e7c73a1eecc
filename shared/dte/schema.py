"""Validation against the SII's official XSDs (the folder is the caller's: ``../shared/sii/xsd/`` in this repo).

Which schema: ``EnvioDTE`` → ``EnvioDTE_v10.xsd``; ``EnvioBOLETA`` → ``EnvioBOLETA_v11.xsd``; a standalone ``DTE``
of type 39/41 → the ``BOLETADefType`` of ``EnvioBOLETA_v11.xsd`` (through a two-line wrapper schema that includes
it, since that file declares no global ``DTE``); any other ``DTE`` → ``DTE_v10.xsd``. DTE_v10 and EnvioBOLETA_v11
both define ``{http://www.sii.cl/SiiDte}DTE`` and are never loaded into one schema. Compiled schemas are cached
per folder and kind (compiling DTE_v10 takes a noticeable fraction of a second).

A DTE only validates signed: the schemas require ``Signature`` (and ``TmstFirma``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from lxml import etree

from shared.dte import errors, xmlcore
from shared.dte.xmlcore import SII_NS

BOLETA_TYPES: Final = frozenset({39, 41})

_BOLETA_WRAPPER: Final = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:SiiDte="{SII_NS}" targetNamespace="{SII_NS}"
  elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:include schemaLocation="EnvioBOLETA_v11.xsd"/>
  <xs:element name="DTE" type="SiiDte:BOLETADefType"/>
</xs:schema>""".encode("iso-8859-1")

_FILES: Final = {"EnvioDTE": "EnvioDTE_v10.xsd", "EnvioBOLETA": "EnvioBOLETA_v11.xsd", "DTE": "DTE_v10.xsd",
                 "ConsumoFolios": "ConsumoFolio_v10.xsd"}
_lock = threading.RLock()


def _schema_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@functools.lru_cache(maxsize=16)
def _compiled(folder: str, kind: str) -> etree.XMLSchema:
    base = Path(folder)
    if kind == "BOLETA":
        doc = etree.fromstring(_BOLETA_WRAPPER, _schema_parser(), base_url=str(base / "boleta_dte.xsd"))
        return etree.XMLSchema(doc)
    return etree.XMLSchema(etree.parse(str(base / _FILES[kind]), _schema_parser()))


def schema_for(root: etree._Element, xsd_dir: Path | str) -> etree.XMLSchema:
    """The compiled schema that applies to ``root`` (see the module doc).

    Raises:
        SchemaInvalid: the root is not an SII document in the SII namespace.
    """
    qname = etree.QName(root)
    if qname.namespace != SII_NS:
        raise errors.SchemaInvalid([f"<{qname.localname}> no está en el espacio de nombres {SII_NS}"])
    kind = qname.localname
    if kind == "DTE":
        tipo = (xmlcore.text(root, "Documento/Encabezado/IdDoc/TipoDTE") or "").strip()
        kind = "BOLETA" if tipo.isdigit() and int(tipo) in BOLETA_TYPES else "DTE"
    elif kind not in _FILES:
        raise errors.SchemaInvalid([f"no hay esquema del SII para <{kind}>"])
    folder = str(Path(xsd_dir).resolve())
    with _lock:  # compile once even when two threads ask at the same time
        return _compiled(folder, kind)


def schema_errors(doc: bytes | etree._Element, xsd_dir: Path | str) -> list[str]:
    """Every schema violation of ``doc`` as ``línea N: mensaje`` (empty when valid)."""
    root = xmlcore.parse(doc) if isinstance(doc, bytes) else doc
    try:
        schema = schema_for(root, xsd_dir)
    except errors.SchemaInvalid as exc:
        return exc.errors
    with _lock:  # an XMLSchema keeps its error_log on itself: one validation at a time
        if schema.validate(root):
            return []
        log: Iterable[Any] = schema.error_log  # type: ignore[assignment]  # lxml-stubs: _ErrorLog is iterable
        return [f"línea {e.line}: {e.message}" for e in log]


def validate(doc: bytes | etree._Element, xsd_dir: Path | str) -> None:
    """Raise unless ``doc`` follows its SII schema.

    Raises:
        SchemaInvalid: listing every violation.
    """
    problems = schema_errors(doc, xsd_dir)
    if problems:
        raise errors.SchemaInvalid(problems)
