"""A supplier's DTE as received, read into plain values: who issued it, to whom, its lines with their item codes,
its totals and references, and what each line costs (for the purchase registered from it).

Pure and tolerant of what the SII accepts: with or without the SII namespace, any encoding (the caller parses
with :func:`shared.dte.xmlcore.parse`). It does not verify anything: ``shared.dte.verdict`` does, and a purchase is
registered only from a document whose verdict is clean.

Formato DTE (SII, v2.4.2): IdDoc TipoDTE/Folio/FchEmis/MntBruto; Emisor RUTEmisor/RznSoc/GiroEmis; Receptor
RUTRecep; Totales MntNeto/MntExe/IVA/ImptoReten/MntTotal; Detalle NroLinDet, CdgItem (TpoCodigo, VlrCodigo, up to
5), IndExe (1 exento, 2 no facturable, ...), NmbItem, QtyItem, UnmdItem, PrcItem, MontoItem; Referencia
TpoDocRef/FolioRef/FchRef/CodRef/RazonRef.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from lxml import etree

from shared import costing
from shared.dte import errors, xmlcore
from shared.events.purchases import DocumentReference

QUANTITY_PLACES: Final = Decimal("0.001")
"""Quantities are kept to thousandths (grams), as the stock is."""
GTIN_WORDS: Final = ("EAN", "GTIN", "UPC", "DUN")
EXENTO_TIPOS: Final = frozenset({34, 41})
"""Documents whose lines are all exempt even without IndExe."""


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    """A Detalle line: ``codes`` are its CdgItem ``(TpoCodigo, VlrCodigo)`` pairs, ``quantity`` QtyItem rounded to
    3 places (0 when absent), ``amount`` MontoItem (CLP), ``ind_exe`` IndExe (0 when absent) and ``exento`` whether
    the line is exempt (IndExe 1, or any line of a 34/41)."""

    line_no: int
    codes: tuple[tuple[str, str], ...]
    name: str
    quantity: Decimal
    unit: str
    amount: int
    ind_exe: int
    exento: bool

    @property
    def ean(self) -> str | None:
        """The GTIN among the codes: one typed EAN/GTIN/UPC/DUN, or else a code of 8, 12, 13 or 14 digits whose check
        digit is right."""
        for kind, value in self.codes:
            if any(w in kind.upper() for w in GTIN_WORDS) and value.isdigit():
                return value
        for _kind, value in self.codes:
            if is_gtin(value):
                return value
        return None

    @property
    def supplier_code(self) -> str:
        """The supplier's own item code: the first code that is not the GTIN (or the GTIN when it is the only one)."""
        ean = self.ean
        for _kind, value in self.codes:
            if value != ean:
                return value
        return ean or ""


@dataclass(frozen=True, slots=True)
class ReceivedDocument:
    """A DTE's values. Amounts in CLP; ``fecha_emision`` ISO (AAAA-MM-DD); RUTs as written, upper case, no dots;
    ``montos_brutos`` when MntBruto = 1 (line amounts include IVA); ``digest`` the SHA-256 (hex) of the DTE's
    exclusive C14N; ``xml`` the DTE alone, ISO-8859-1, its signature intact; ``references`` its Referencia
    elements, in the form the purchase event keeps them."""

    tipo: int
    folio: int
    fecha_emision: str
    rut_emisor: str
    razon_social: str
    giro: str
    rut_receptor: str
    razon_social_receptor: str
    neto: int
    exento: int
    iva: int
    other_taxes: int
    total: int
    montos_brutos: bool
    lines: tuple[ReceivedLine, ...]
    references: tuple[DocumentReference, ...]
    digest: str
    xml: bytes

    def line_costs(self) -> list[int]:
        """What each line adds to the inventory's value, CLP neto: affected lines share MntNeto and exempt ones
        MntExe in proportion to their MontoItem (so global discounts and IVA-included amounts come out right, and
        the parts add up to the header); lines "no facturable" (other IndExe) cost 0."""
        costs = [0] * len(self.lines)
        groups = ((self.neto, [i for i, x in enumerate(self.lines) if not x.exento and x.ind_exe == 0]),
                  (self.exento, [i for i, x in enumerate(self.lines) if x.exento]))
        for target, members in groups:
            for i, part in zip(members, costing.apportion(target, [self.lines[i].amount for i in members]),
                               strict=True):
                costs[i] = part
        return costs


def is_gtin(code: str) -> bool:
    """A GTIN-8/12/13/14 with the right GS1 check digit."""
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        return False
    body = [int(c) for c in reversed(code[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(code[-1])


def documents_in(root: etree._Element) -> list[etree._Element]:
    """The ``DTE`` elements of a parsed file: the root itself, or those of an EnvioDTE/EnvioBOLETA's SetDTE."""
    if xmlcore.localname(root) == "DTE":
        return [root]
    set_dte = xmlcore.child(root, "SetDTE")
    if set_dte is None:
        return []
    return [x for x in set_dte if isinstance(x.tag, str) and xmlcore.localname(x) == "DTE"]


def read(dte: etree._Element) -> ReceivedDocument:
    """The values of one ``DTE`` element.

    Raises:
        DocumentInvalid: no Documento, or a required value (TipoDTE, Folio, FchEmis, RUTEmisor, RUTRecep,
            MntTotal) missing or unreadable, or an amount that is not a whole number.
    """
    documento = xmlcore.child(dte, "Documento")
    enc = None if documento is None else xmlcore.child(documento, "Encabezado")
    if documento is None or enc is None:
        raise errors.DocumentInvalid("el DTE no tiene Documento/Encabezado")
    tot = xmlcore.child(enc, "Totales")
    other = 0 if tot is None else sum(_int(x, "MontoImp") for x in tot
                                      if isinstance(x.tag, str) and xmlcore.localname(x) == "ImptoReten")
    tipo = _required_int(enc, "IdDoc/TipoDTE")
    lines = tuple(_line(x, n, tipo) for n, x in enumerate(_children(documento, "Detalle"), 1))
    refs = tuple(DocumentReference(_text(r, "TpoDocRef"), _text(r, "FolioRef"), _text(r, "FchRef"),
                                   _optional_int(r, "CodRef"), _text(r, "RazonRef"))
                 for r in _children(documento, "Referencia"))
    return ReceivedDocument(
        tipo=tipo, folio=_required_int(enc, "IdDoc/Folio"), fecha_emision=_required(enc, "IdDoc/FchEmis"),
        rut_emisor=_required(enc, "Emisor/RUTEmisor").upper(),
        razon_social=_text(enc, "Emisor/RznSoc") or _text(enc, "Emisor/RznSocEmisor"),
        giro=_text(enc, "Emisor/GiroEmis") or _text(enc, "Emisor/GiroEmisor"),
        rut_receptor=_required(enc, "Receptor/RUTRecep").upper(),
        razon_social_receptor=_text(enc, "Receptor/RznSocRecep"),
        neto=_int(tot, "MntNeto"), exento=_int(tot, "MntExe"), iva=_int(tot, "IVA"), other_taxes=other,
        total=_required_int(enc, "Totales/MntTotal"), montos_brutos=_text(enc, "IdDoc/MntBruto") == "1",
        lines=lines, references=refs, digest=hashlib.sha256(xmlcore.c14n(dte, exclusive=True)).hexdigest(),
        xml=standalone(dte))


def standalone(dte: etree._Element) -> bytes:
    """The DTE as its own document (ISO-8859-1, without the envelope's unused namespace declarations), so that its
    signature verifies when it is read back alone (sii.md §4 rule 1)."""
    alone = copy.deepcopy(dte)
    etree.cleanup_namespaces(alone)
    return xmlcore.to_bytes(alone)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [x for x in el if isinstance(x.tag, str) and xmlcore.localname(x) == name]


def _text(el: etree._Element | None, path: str) -> str:
    value = None if el is None else xmlcore.text(el, path)
    return " ".join((value or "").split())


def _required(el: etree._Element, path: str) -> str:
    value = _text(el, path)
    if not value:
        raise errors.DocumentInvalid(f"falta {path}")
    return value


def _number(value: str, path: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise errors.DocumentInvalid(f"{path} no es un número: {value!r}") from None
    if not number.is_finite():
        raise errors.DocumentInvalid(f"{path} no es un número: {value!r}")
    return number


def _int(el: etree._Element | None, path: str) -> int:
    value = _text(el, path)
    if not value:
        return 0
    number = _number(value, path)
    if number != number.to_integral_value():
        raise errors.DocumentInvalid(f"{path} debe ser un monto entero en pesos: {value!r}")
    return int(number)


def _required_int(el: etree._Element, path: str) -> int:
    _required(el, path)
    return _int(el, path)


def _optional_int(el: etree._Element, path: str) -> int | None:
    value = _text(el, path)
    return _int(el, path) if value else None


def _line(det: etree._Element, n: int, tipo: int) -> ReceivedLine:
    codes = tuple((_text(c, "TpoCodigo"), _text(c, "VlrCodigo")) for c in _children(det, "CdgItem")
                  if _text(c, "VlrCodigo"))
    qty_text = _text(det, "QtyItem")
    quantity = (_number(qty_text, "QtyItem").quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP) if qty_text
                else Decimal("0.000"))
    ind_exe = _optional_int(det, "IndExe") or 0
    return ReceivedLine(line_no=_optional_int(det, "NroLinDet") or n, codes=codes, name=_text(det, "NmbItem"),
                        quantity=quantity, unit=_text(det, "UnmdItem"), amount=_int(det, "MontoItem"),
                        ind_exe=ind_exe, exento=ind_exe == 1 or (ind_exe == 0 and tipo in EXENTO_TIPOS))
