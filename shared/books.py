"""The accountant's books of a month: libro de ventas and libro de compras in the layout of the SII's Registro de
Compras y Ventas (RCV), the IVA summary for the F29, and their CSV files. Pure: documents in, rows and bytes out.

The rules, their sources and what is not modelled are in docs/books.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from shared.money import Pesos

BOLETA: Final = 39
BOLETA_EXENTA: Final = 41
BOLETAS_RESUMEN: Final = frozenset({35, 38, BOLETA, BOLETA_EXENTA})
"""Boletas (paper 35/38, electronic 39/41): the Registro de Ventas holds them as a summary per type, not one line
each (SII, preguntas frecuentes 001.003.6971.006 «¿Qué es el Registro de Compras y Ventas?»: documents are informed
"de forma individual o en forma de resumen, según corresponde"; the RCV's «Resumen» lists boletas by type with the
number of documents). We sum them per day so each line stays traceable to its folios."""
VOUCHER: Final = 48
"""«Comprobante de pago electrónico»: a card voucher that stands as the boleta (SII preguntas frecuentes
001.380.7859/7863; docs/card-sales.md); summed per day like the boletas, from the card sales that took no document."""
NOTAS_CREDITO: Final = frozenset({60, 61})
"""Notas de crédito (paper 60, electronic 61): they take their amounts off the month (DL 825 arts. 21 and 24)."""
NOTAS_DEBITO: Final = frozenset({55, 56})
SALES_TIPOS: Final = frozenset({30, 32, 33, 34, *BOLETAS_RESUMEN, VOUCHER, 55, 56, 60, 61})
"""The documents a seller books (SII tabla de tipos de documento, Res. Ex. N° 45 de 2003; Formato DTE)."""
PURCHASE_TIPOS: Final = frozenset({30, 32, 33, 34, 45, 46, 55, 56, 60, 61})
"""The documents the Registro de Compras holds: facturas (30/33), exentas (32/34), facturas de compra (45/46) and
the notas that correct them. Boletas and guías de despacho a store bought with carry no crédito fiscal (DL 825
art. 23 N° 1 asks for a factura) and are not booked."""
ANONYMOUS_RUT: Final = "66666666-6"
"""The buyer of a boleta without a named buyer (sii.md §1, formato_boletas: RUTRecep 66666666-6)."""

TIPO_NAMES: Final = {30: "Factura", 32: "Factura exenta", 33: "Factura electrónica", 34: "Factura exenta electrónica",
                     35: "Boleta", 38: "Boleta exenta", 39: "Boleta electrónica", 41: "Boleta exenta electrónica",
                     45: "Factura de compra", 48: "Comprobante de pago electrónico",
                     46: "Factura de compra electrónica", 55: "Nota de débito",
                     56: "Nota de débito electrónica", 60: "Nota de crédito", 61: "Nota de crédito electrónica"}

SALES_HEADER: Final = ("Nro", "Tipo Doc", "Tipo Venta", "Rut cliente", "Razon Social", "Folio", "Folio Hasta",
                       "Cantidad Docs", "Fecha Docto", "Monto Exento", "Monto Neto", "Monto IVA", "Monto total",
                       "Tipo Docto. Referencia", "Folio Docto. Referencia", "Tienda")
"""The libro de ventas' columns: the RCV's Registro de Ventas detail columns that a minimarket fills (names as the
SII's CSV writes them; cl-sii ``rcv/parse_csv.py`` parse_rcv_venta_csv_file), plus «Folio Hasta» and «Cantidad
Docs» for the boletas' daily summary lines (a detail line has Folio Hasta = Folio and 1 document), and «Tienda»
(our store's code, not the SII's Codigo Sucursal; empty on a summary of every store's boletas)."""
PURCHASE_HEADER: Final = ("Nro", "Tipo Doc", "Tipo Compra", "RUT Proveedor", "Razon Social", "Folio", "Fecha Docto",
                          "Monto Exento", "Monto Neto", "Monto IVA Recuperable", "Valor Otro Impuesto",
                          "Monto Total", "Tienda")
"""The libro de compras' columns, named as the RCV's Registro de Compras CSV names them (cl-sii ``rcv/parse_csv.py``
parse_rcv_compra_registro_csv_file), and «Tienda»: the store that registered it."""
TIPO_VENTA: Final = "Del Giro"
"""RCV «Tipo Venta» / «Tipo Compra» of a shop's ordinary trade (cl-sii ``RvTipoVenta.DEL_GIRO``)."""


class BookError(ValueError):
    """A document that cannot be booked (the message says why, in Spanish)."""


@dataclass(frozen=True, slots=True)
class Document:
    """One document as issued or received, amounts in CLP as printed on it (positive, a nota too).

    ``rut``/``razon_social`` are the other party's (receptor of a sale, emisor of a purchase); ``store_id`` the
    store that issued or registered it; ``ref_tipo``/``ref_folio`` the document a nota corrects (its Referencia).
    ``other_taxes`` is ImptoReten (purchases only)."""

    tipo: int
    folio: int
    fecha: date
    rut: str
    razon_social: str
    exento: Pesos
    neto: Pesos
    iva: Pesos
    total: Pesos
    store_id: str = ""
    ref_tipo: int | None = None
    ref_folio: int | None = None
    other_taxes: Pesos = 0


def sign_of(tipo: int) -> int:
    """-1 for a nota de crédito (it takes back), +1 for every other document."""
    return -1 if tipo in NOTAS_CREDITO else 1


@dataclass(frozen=True, slots=True)
class SalesBookRow:
    """A line of the libro de ventas: one document, or the boletas of one type and day (``folio`` .. ``folio_hasta``,
    ``documentos`` of them; amounts summed). Amounts positive as printed; :attr:`sign` says how they count."""

    tipo: int
    folio: int
    folio_hasta: int
    documentos: int
    fecha: date
    rut: str
    razon_social: str
    exento: Pesos
    neto: Pesos
    iva: Pesos
    total: Pesos
    ref_tipo: int | None = None
    ref_folio: int | None = None
    store_id: str = ""

    @property
    def sign(self) -> int:
        return sign_of(self.tipo)

    @property
    def summary(self) -> bool:
        """A boletas' (or vouchers') daily summary line."""
        return self.tipo in BOLETAS_RESUMEN or self.tipo == VOUCHER


@dataclass(frozen=True, slots=True)
class PurchaseBookRow:
    """A line of the libro de compras: one supplier's document, amounts positive as printed."""

    tipo: int
    folio: int
    fecha: date
    rut: str
    razon_social: str
    exento: Pesos
    neto: Pesos
    iva: Pesos
    other_taxes: Pesos
    total: Pesos
    store_id: str = ""

    @property
    def sign(self) -> int:
        return sign_of(self.tipo)


def _check(doc: Document, tipos: frozenset[int], book: str) -> None:
    if doc.tipo not in tipos:
        raise BookError(f"el documento tipo {doc.tipo} N° {doc.folio} no va en el libro de {book}")
    if min(doc.exento, doc.neto, doc.iva, doc.total, doc.other_taxes) < 0:
        raise BookError(f"el documento tipo {doc.tipo} N° {doc.folio} trae un monto negativo")


def boleta_summary(tipo: int, day: date, folio_desde: int, folio_hasta: int, documentos: int, exento: Pesos,
                   neto: Pesos, iva: Pesos, total: Pesos, store_id: str = "") -> SalesBookRow:
    """The libro de ventas' line of ``documentos`` boletas of type ``tipo`` issued on ``day`` (folios
    ``folio_desde``..``folio_hasta``, amounts summed), for the anonymous buyer (:data:`BOLETAS_RESUMEN`).

    Raises:
        BookError: not a boleta type, no documents, or a negative amount.
    """
    if tipo not in BOLETAS_RESUMEN or documentos < 1 or min(exento, neto, iva, total) < 0:
        raise BookError(f"el resumen de boletas tipo {tipo} del {day:%d-%m-%Y} no es válido")
    return SalesBookRow(tipo, folio_desde, folio_hasta, documentos, day, ANONYMOUS_RUT,
                        f"Resumen boletas del día ({documentos})", exento, neto, iva, total, store_id=store_id)


def voucher_summary(day: date, ventas: int, exento: Pesos, neto: Pesos, iva: Pesos, total: Pesos,
                    store_id: str = "") -> SalesBookRow:
    """The libro de ventas' line of the card vouchers of ``day`` (type 48, :data:`VOUCHER`): ``ventas`` sales paid by
    card that took no document, their card pesos split as ``shared.card_model.voucher_figures``. No folios: the
    vouchers are the acquirer's, numbered by it.

    Raises:
        BookError: no sales, or a negative amount.
    """
    if ventas < 1 or min(exento, neto, iva, total) < 0:
        raise BookError(f"el resumen de comprobantes de pago del {day:%d-%m-%Y} no es válido")
    return SalesBookRow(VOUCHER, 0, 0, ventas, day, ANONYMOUS_RUT, f"Resumen comprobantes de pago del día ({ventas})",
                        exento, neto, iva, total, store_id=store_id)


def sales_book(documents: Iterable[Document], *, by_store: bool = False,
               summaries: Iterable[SalesBookRow] = ()) -> tuple[SalesBookRow, ...]:
    """The libro de ventas of ``documents`` (all of one month): every factura and nota on its own line, the boletas
    summed per day and type (and per store with ``by_store``), ordered by date, type and folio. ``summaries`` are
    boletas already summed (:func:`boleta_summary`, e.g. by the database), added as they are.

    Raises:
        BookError: a document of a type a seller does not book (:data:`SALES_TIPOS`) or with a negative amount.
    """
    rows: list[SalesBookRow] = list(summaries)
    groups: dict[tuple[date, int, str], list[Document]] = {}
    for doc in documents:
        _check(doc, SALES_TIPOS, "ventas")
        if doc.tipo in BOLETAS_RESUMEN:
            groups.setdefault((doc.fecha, doc.tipo, doc.store_id if by_store else ""), []).append(doc)
        else:
            rows.append(SalesBookRow(doc.tipo, doc.folio, doc.folio, 1, doc.fecha, doc.rut, doc.razon_social,
                                     doc.exento, doc.neto, doc.iva, doc.total, doc.ref_tipo, doc.ref_folio,
                                     doc.store_id))
    for (day, tipo, store_id), docs in groups.items():
        rows.append(boleta_summary(tipo, day, min(d.folio for d in docs), max(d.folio for d in docs), len(docs),
                                   sum(d.exento for d in docs), sum(d.neto for d in docs), sum(d.iva for d in docs),
                                   sum(d.total for d in docs), store_id))
    return tuple(sorted(rows, key=lambda r: (r.fecha, r.tipo, r.folio, r.store_id)))


def purchase_book(documents: Iterable[Document]) -> tuple[PurchaseBookRow, ...]:
    """The libro de compras of ``documents`` (all of one month), one line each, by date, supplier, type and folio;
    documents outside :data:`PURCHASE_TIPOS` (boletas, guías) are left out.

    Raises:
        BookError: a document with a negative amount.
    """
    rows = []
    for doc in documents:
        if doc.tipo not in PURCHASE_TIPOS:
            continue
        _check(doc, PURCHASE_TIPOS, "compras")
        rows.append(PurchaseBookRow(doc.tipo, doc.folio, doc.fecha, doc.rut, doc.razon_social, doc.exento, doc.neto,
                                    doc.iva, doc.other_taxes, doc.total, doc.store_id))
    return tuple(sorted(rows, key=lambda r: (r.fecha, r.rut, r.tipo, r.folio)))


@dataclass(frozen=True, slots=True)
class TipoTotal:
    """The documents of one type in a book: how many and their amounts, signed as they count (a nota de crédito
    negative)."""

    tipo: int
    documentos: int
    exento: Pesos
    neto: Pesos
    iva: Pesos
    total: Pesos

    @property
    def name(self) -> str:
        return TIPO_NAMES.get(self.tipo, f"Documento tipo {self.tipo}")


def by_tipo(rows: Iterable[SalesBookRow | PurchaseBookRow]) -> tuple[TipoTotal, ...]:
    """Each type's count and signed amounts, by type code."""
    acc: dict[int, list[int]] = {}
    for r in rows:
        count = r.documentos if isinstance(r, SalesBookRow) else 1
        a = acc.setdefault(r.tipo, [0, 0, 0, 0, 0])
        for i, value in enumerate((count, r.sign * r.exento, r.sign * r.neto, r.sign * r.iva, r.sign * r.total)):
            a[i] += value
    return tuple(TipoTotal(tipo, *values) for tipo, values in sorted(acc.items()))


def totals(rows: Iterable[SalesBookRow | PurchaseBookRow]) -> TipoTotal:
    """The book's signed totals (``tipo`` 0)."""
    return total_of(by_tipo(rows))


def total_of(groups: Iterable[TipoTotal]) -> TipoTotal:
    """The signed totals (``tipo`` 0) of a book's :func:`by_tipo` groups (:func:`totals` without summing the rows
    again)."""
    groups = tuple(groups)
    return TipoTotal(0, sum(g.documentos for g in groups), sum(g.exento for g in groups),
                     sum(g.neto for g in groups), sum(g.iva for g in groups), sum(g.total for g in groups))


@dataclass(frozen=True, slots=True)
class IvaSummary:
    """The month's IVA for the F29, in CLP.

    ``debito`` is the IVA of the documents issued (F29 code 538, total débitos: boletas, facturas and notas de
    débito add, notas de crédito subtract; DL 825 arts. 20–21); ``credito`` the IVA of the suppliers' documents
    registered (code 537, total créditos; DL 825 arts. 23–24; notas de crédito received subtract);
    ``remanente_anterior`` the crédito left over from the month before (DL 825 art. 26). ``remainder`` = débito −
    crédito − remanente anterior: positive is IVA to pay (code 89, IVA determinado), negative is crédito carried
    to the next month (:attr:`carry`). The UTM readjustment of the carried crédito (DL 825 art. 27) is left to the
    accountant (docs/books.md). ``debito_by_tipo``/``credito_by_tipo`` are the documents behind each figure."""

    month: date
    debito: Pesos
    credito: Pesos
    remanente_anterior: Pesos
    debito_by_tipo: tuple[TipoTotal, ...]
    credito_by_tipo: tuple[TipoTotal, ...]

    @property
    def remainder(self) -> Pesos:
        return self.debito - self.credito - self.remanente_anterior

    @property
    def to_pay(self) -> Pesos:
        return max(self.remainder, 0)

    @property
    def carry(self) -> Pesos:
        return max(-self.remainder, 0)


def iva_summary(month: date, sales: Sequence[SalesBookRow], purchases: Sequence[PurchaseBookRow], *,
                remanente_anterior: Pesos = 0) -> IvaSummary:
    """The IVA summary of ``month`` from its two books (see :class:`IvaSummary`).

    Raises:
        BookError: a negative remanente.
    """
    if remanente_anterior < 0:
        raise BookError("el remanente de crédito fiscal no puede ser negativo")
    debito, credito = by_tipo(sales), by_tipo(purchases)
    return IvaSummary(month.replace(day=1), sum(g.iva for g in debito), sum(g.iva for g in credito),
                      remanente_anterior, debito, credito)


def carried(months: Iterable[tuple[Pesos, Pesos]]) -> Pesos:
    """The crédito carried out of a run of consecutive months given as ``(débito, crédito)``, oldest first, starting
    from none (DL 825 art. 26: a month's excess crédito passes to the next)."""
    carry = 0
    for debito, credito in months:
        carry = max(credito + carry - debito, 0)
    return carry


# -- files ----------------------------------------------------------------------------------------------------------


def _fecha(day: date) -> str:
    """``dd/mm/aaaa``, as the RCV's files write dates (cl-sii parse_csv: ``'%d/%m/%Y'``)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def sales_cells(rows: Sequence[SalesBookRow]) -> list[list[object]]:
    """The libro de ventas as typed cells under :data:`SALES_HEADER` (amounts positive as the RCV shows them; the
    type says how they count), for the CSV and the XLSX alike."""
    return [[n, r.tipo, TIPO_VENTA, r.rut, r.razon_social, r.folio, r.folio_hasta, r.documentos, r.fecha, r.exento,
             r.neto, r.iva, r.total, r.ref_tipo if r.ref_tipo is not None else "",
             r.ref_folio if r.ref_folio is not None else "", r.store_id] for n, r in enumerate(rows, start=1)]


def purchase_cells(rows: Sequence[PurchaseBookRow]) -> list[list[object]]:
    """The libro de compras as typed cells under :data:`PURCHASE_HEADER`."""
    return [[n, r.tipo, TIPO_VENTA, r.rut, r.razon_social, r.folio, r.fecha, r.exento, r.neto, r.iva, r.other_taxes,
             r.total, r.store_id] for n, r in enumerate(rows, start=1)]


def _csv(header: Sequence[str], cells: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in cells:
        writer.writerow([_fecha(c) if isinstance(c, date) else c for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sales_csv(rows: Sequence[SalesBookRow]) -> bytes:
    """The libro de ventas as CSV: ``;``-separated, CRLF, UTF-8 with a BOM (so Excel in es-CL opens it with its
    accents and its columns), dates ``dd/mm/aaaa``, amounts as plain integers (no thousands separator)."""
    return _csv(SALES_HEADER, sales_cells(rows))


def purchase_csv(rows: Sequence[PurchaseBookRow]) -> bytes:
    """The libro de compras as CSV, written as :func:`sales_csv` writes its book."""
    return _csv(PURCHASE_HEADER, purchase_cells(rows))


def iva_json(summary: IvaSummary) -> bytes:
    """The IVA summary as JSON (UTF-8, keys sorted, two-space indent, a final newline): ``mes`` (aaaa-mm),
    ``debito``, ``credito``, ``remanente_anterior``, ``remainder``, ``iva_a_pagar``, ``remanente_siguiente`` and
    the documents behind débito and crédito by type."""
    def groups(items: tuple[TipoTotal, ...]) -> list[dict[str, object]]:
        return [{"tipo": g.tipo, "nombre": g.name, "documentos": g.documentos, "neto": g.neto, "exento": g.exento,
                 "iva": g.iva, "total": g.total} for g in items]

    data = {"mes": f"{summary.month.year:04d}-{summary.month.month:02d}", "debito": summary.debito,
            "credito": summary.credito, "remanente_anterior": summary.remanente_anterior,
            "remainder": summary.remainder, "iva_a_pagar": summary.to_pay, "remanente_siguiente": summary.carry,
            "debito_por_tipo": groups(summary.debito_by_tipo), "credito_por_tipo": groups(summary.credito_by_tipo)}
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def file_names(month: date) -> tuple[str, str, str]:
    """``(libro_ventas_aaaa-mm.csv, libro_compras_aaaa-mm.csv, iva_aaaa-mm.json)`` for ``month``."""
    m = f"{month.year:04d}-{month.month:02d}"
    return f"libro_ventas_{m}.csv", f"libro_compras_{m}.csv", f"iva_{m}.json"
