"""The domain rules of every event type, one definition for the till (before it journals an event) and the server
(before it folds one): signs, sums as the till computes them, known kinds, bounded texts. docs/event-rules.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from shared import errors, money, roles
from shared import rut as rut_mod
from shared import sale as sale_mod
from shared.barcodes import validate_gtin
from shared.events import (
    auth,
    catalog,
    customers,
    emisor,
    fiado,
    folios,
    inventory,
    purchases,
    returns,
    sales,
    shifts,
    stores,
    till,
)

# Texts: the longest a real shop needs, and never more than what HQ, the SII or the till itself takes.
ID_MAX: Final = 64
"""Ids (sale, shift, return, purchase, user, store): the till writes UUIDs (36), HQ short slugs."""
SKU_MAX: Final = 40
"""A catalog SKU (HQ's catalog rules: ``shared.catalog_import``)."""
CODE_MAX: Final = 48
"""A code the cashier scanned or typed: a GTIN is 14 digits, a GS1 element string fits in 48."""
LINE_SKU_MAX: Final = 64
"""A sold line's SKU: a catalog SKU, or ``SIN-CATALOGO-`` and the scanned code (``desktop.services.checkout``)."""
NAME_MAX: Final = 120
"""A product's name (HQ's catalog rules); a sold line's name is the product's, or ``Sin catálogo <code>``."""
CATEGORY_MAX: Final = 60
BRAND_MAX: Final = 60
PLU_MAX: Final = 6
"""A PLU is the scale's item number: digits, at most 6 (the widest deli label field, ``shared.barcodes``)."""
BARCODES_MAX: Final = 50
"""GTINs of one product (every pack size and supplier of a real product fits many times over)."""
USER_NAME_MAX: Final = 60
"""A till user's name (HQ's POS users: ``syncserver.pos_users.MAX_NAME``)."""
PIN_HASH_MAX: Final = 256
"""An argon2id PHC string is about 100 characters."""
REASON_MAX: Final = 200
"""A reason typed by a cashier or supervisor (authorisation, cash move, drawer, return, removed line, merma)."""
DETAIL_MAX: Final = 400
"""What an authorisation was for: ``<sku> <name> x <quantity> = <amount>`` at most."""
TED_MAX: Final = 8192
"""The TED printed on a document (the SII's timbre is about 1 KB)."""
CAF_MAX: Final = 65536
"""A CAF file as text (the SII's are about 2 KB)."""
DOCUMENT_XML_MAX: Final = 1_000_000
"""A supplier's signed DTE as text (60 lines with every optional field are well below 200 KB)."""
CATEGORIES_MAX: Final = 1000
SALE_LINES_MAX: Final = 1000
"""Lines of one sale: the most a boleta carries (``shared.dte.documents.MAX_LINEAS_BOLETA``)."""
PURCHASE_LINES_MAX: Final = 60
"""Detalle lines of a supplier's DTE (DTE_v10.xsd: ``maxOccurs=60``; the till registers schema-valid documents)."""
REFERENCES_MAX: Final = 40
"""Referencia of a DTE (DTE_v10.xsd)."""
RECEPTOR_MAX: Final = {"razon_social": 100, "giro": 40, "direccion": 70, "comuna": 20}
"""A factura's buyer (DTE_v10.xsd: RznSocRecep, GiroRecep, DirRecep, CmnaRecep)."""
EMISOR_MAX: Final = {"razon_social": 100, "giro": 80, "direccion": 70, "comuna": 20, "ciudad": 20, "unidad_sii": 40}
"""The emisor as HQ publishes it (DTE_v10.xsd: RznSoc, GiroEmis, DirOrigen, CmnaOrigen, CiudadOrigen)."""
STORE_MAX: Final = {"name": 60, "direccion": 70, "comuna": 20, "ciudad": 20}
"""A store as HQ publishes it (``syncserver.tenancy.LIMITS``)."""
SUPPLIER_MAX: Final = {"razon_social": 100, "giro": 80, "name": 80, "code": 35, "unit": 4, "ref_tipo": 3,
                       "ref_folio": 18, "ref_razon": 90}
"""A supplier's DTE (DTE_v10.xsd: RznSoc, GiroEmis, NmbItem, VlrCodigo, UnmdItem, TpoDocRef, FolioRef, RazonRef)."""

TRANSFER_LINES_MAX: Final = 5000
"""Lines of one transfer, count-free: a whole bodega moved to the sala at once fits."""
COUNT_LINES_MAX: Final = 20000
"""Lines of one posted count: every product of a large minimarket's warehouse."""
SUPPLIER_RETURN_LINES_MAX: Final = 1000
NOTE_MAX: Final = 200
"""A note typed on a transfer, merma or count."""
LOCATION_MAX: Final = 80
"""Where a product is in the store ("Pasillo 3, repisa 2")."""
CONTACT_MAX: Final = {"contact": 80, "phone": 30, "email": 254}
"""A supplier's contact person, phone and e-mail (RFC 5321: 254 characters)."""
DOCUMENT_NAME_MAX: Final = 80
"""The supplier's document of a return, as typed ("Guía 52 N° 1234")."""
MAX_UNIT_COST: Final = 10**9
"""Largest cost of one unit (or kg) in CLP neto: a thousand million pesos is no minimarket's product; the line's
value (cost × quantity) must also stay within :data:`MAX_PESOS`."""

MAX_PESOS: Final = 10**15
"""Largest amount in CLP of any event (the master's limit: ``syncserver.ingest.limits.MAX_AMOUNT``)."""
MAX_FOLIO: Final = 10**10 - 1
"""The SII's folios have at most 10 digits."""
BOLETAS: Final = frozenset({39, 41})
FACTURAS: Final = frozenset({33, 34})
EXEMPT_TIPOS: Final = frozenset({41, 34})
NOTA_CREDITO: Final = 61
LEASED_TIPOS: Final = frozenset({33, 34, 39, 41, 56, 61})
"""Document types a till stamps from a CAF."""
TENDER_KINDS: Final = frozenset(k.value for k in sale_mod.TenderKind)
COUNTED_KINDS: Final = frozenset(k.value for k in sale_mod.COUNTED_TENDERS)
"""Tenders a shift's close counts (every kind but fiado)."""
SOLD_BY: Final = frozenset({"unit", "kg"})
ROLES: Final = frozenset(r.value for r in roles.Role)
ACTIONS: Final = frozenset(a.value for a in roles.Action)
MATCHED_BY: Final = frozenset({"", "ean", "codigo", "sku", "nombre", "manual"})
PRODUCT_SOURCES: Final = frozenset({"store", "hq"})
LEASE_SOURCES: Final = frozenset({"hq", "caf-file"})
RETIRE_REASONS: Final = frozenset({"restore"})
_INT4: Final = 2**31
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_MILLI: Final = Decimal("0.001")
_STEPS: Final = {3: _MILLI, 6: Decimal("0.000001")}
_FOLIO = "un folio de 1 a 9.999.999.999"
_LINE_NO = "un número de línea de 1 en adelante"
_UNITS_TEXT = "un número entero de 1 a 9.999"
_KG_TEXT = "un peso mayor que 0 y hasta 99,999 kg, con 3 decimales a lo más"

Rule = Callable[[Any], "str | None"]

LABELS: Final = {
    "sale.completed": "la venta", "sale.line_removed": "la línea anulada", "sale.returned": "la devolución",
    "shift.opened": "la apertura del turno", "shift.cash_moved": "el movimiento de efectivo",
    "shift.closed": "el cierre del turno", "user.enrolled": "el usuario", "auth.authorised": "la autorización",
    "auth.pin_rejected": "el PIN rechazado", "drawer.opened": "la apertura del cajón", "auth.signed_in": "el ingreso",
    "catalog.product_upserted": "el producto", "stock.adjusted": "el ajuste de stock",
    "catalog.categories_ordered": "el orden de las categorías", "customer.saved": "el cliente",
    "folio.lease_received": "el rango de folios", "folio.leases_retired": "el retiro de los folios",
    "emisor.received": "los datos del emisor",
    "card_model.received": "el modelo de emisión",
    "store.received": "los datos de la tienda", "purchase.received": "la compra",
    "inventory.transfer_sent": "el traslado", "inventory.transfer_incoming": "el traslado entrante",
    "inventory.transfer_received": "la recepción del traslado", "inventory.count_started": "la toma de inventario",
    "inventory.count_posted": "el cierre de la toma de inventario", "inventory.merma_recorded": "la merma",
    "purchases.supplier_returned": "la devolución al proveedor", "purchases.supplier_saved": "el proveedor",
    "catalog.store_product_set": "la ficha del producto en la tienda",
    "inventory.settings_received": "la configuración de inventario",
    "customer.profile_saved": "el cliente", "fiado.account_set": "la cuenta de fiado", "fiado.paid": "el abono",
    "fiado.payment_reversed": "la reversa del abono", "fiado.settings_set": "la configuración del fiado",
    "customer.received": "el cliente", "fiado.entry_received": "el movimiento de fiado",
    "fiado.settings_received": "la configuración del fiado",
    "purchase.answer_received": "la respuesta al proveedor",
}
"""What the cashier reads for each event type in :class:`RuleBroken`."""


class RuleBroken(errors.InvalidInput):
    """An event breaks a rule of its type. ``event_type`` is its ``TYPE``; the message (Spanish) names the field
    and the rule, e.g. ``el campo lines[0].quantity (-5) debe ser un número entero de 1 a 9.999``."""

    def __init__(self, event_type: str, reason: str) -> None:
        super().__init__(f"No se registró {LABELS.get(event_type, f'el evento {event_type}')}: {reason}")
        self.event_type = event_type
        self.reason = reason


def problem(event: object) -> str | None:
    """Why ``event`` is not a fact a till can record, or None when it keeps every rule of its type.

    The reason is Spanish text naming the first broken rule and its field (``lines[2].amount``). Never raises: a
    value of a wrong type (an event built by a bug) is a broken rule too. An event of a type without rules (none
    of the registry's) is refused.
    """
    rule = RULES.get(type(event))
    if rule is None:
        return f"el tipo {type(event).__name__} no es un evento conocido"
    try:
        return rule(event)
    except (ArithmeticError, TypeError, ValueError, AttributeError, errors.PosError) as exc:  # a bug's value
        return f"el evento trae un valor de un tipo o forma que ninguna caja escribe ({type(exc).__name__})"


def check(event: object) -> None:
    """Raise when ``event`` breaks a rule of its type (the till calls it before journaling anything).

    Raises:
        RuleBroken: with :func:`problem`'s reason.
    """
    reason = problem(event)
    if reason is not None:
        raise RuleBroken(getattr(type(event), "TYPE", type(event).__name__), reason)


def check_code(code: str) -> None:
    """A scanned or typed code the till may record on a line (at most :data:`CODE_MAX` characters).

    Raises:
        RuleBroken: a longer code, or one that is not text.
    """
    reason = _text("code", code, CODE_MAX)
    if reason is not None:
        raise RuleBroken(sales.SaleCompleted.TYPE, reason)


# --- field rules: each returns the reason or None ------------------------------------------------------------


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _text(field: str, value: object, most: int, *, required: bool = False) -> str | None:
    if type(value) is not str:
        return f"el campo {field} debe ser texto"
    if len(value) > most:
        return f"el campo {field} tiene {len(value):,} caracteres; el máximo es {most:,}".replace(",", ".")
    if required and not value.strip():
        return f"el campo {field} no puede estar vacío"
    return None


def _id(field: str, value: object, *, required: bool = True) -> str | None:
    return _text(field, value, ID_MAX, required=required)


def _int(field: str, value: object, low: int, high: int, what: str) -> str | None:
    if type(value) is not int:
        return f"el campo {field} debe ser un número entero"
    if not low <= value <= high:
        return f"el campo {field} ({_shown(value)}) debe ser {what}"
    return None


def _pesos(field: str, value: object, *, low: int = 0) -> str | None:
    """A non-negative amount in CLP (``low`` 1: positive) below :data:`MAX_PESOS`."""
    what = "mayor que $0" if low == 1 else "un monto de $0 o más"
    return _int(field, value, low, MAX_PESOS, what + " (pesos enteros)")


def _signed_pesos(field: str, value: object) -> str | None:
    return _int(field, value, -MAX_PESOS, MAX_PESOS, "un monto en pesos enteros")


def _one_of(field: str, value: object, allowed: frozenset[str]) -> str | None:
    if type(value) is not str or value not in allowed:
        return f"el campo {field} ({_shown(value)!r}) debe ser uno de: {', '.join(sorted(allowed))}"
    return None


def _tipo(field: str, value: object, tipos: frozenset[int]) -> str | None:
    """An SII document type among ``tipos``."""
    if type(value) is int and value in tipos:
        return None
    return f"el campo {field} ({_shown(value)}) debe ser uno de: {', '.join(map(str, sorted(tipos)))}"


def _bool(field: str, value: object) -> str | None:
    return None if type(value) is bool else f"el campo {field} debe ser verdadero o falso"


def _quantity(field: str, value: object, sold_by: str) -> str | None:
    """A sold quantity as ``shared.money.parse_units`` / ``parse_kg`` take it."""
    if type(value) is not Decimal:
        return f"el campo {field} debe ser un número decimal"
    if sold_by == "kg":
        if value.is_finite() and _ZERO < value <= money.MAX_WEIGHT_KG and value == value.quantize(_MILLI):
            return None
        return f"el campo {field} ({_shown(value)}) debe ser {_KG_TEXT}"
    if value.is_finite() and _ONE <= value <= money.MAX_UNITS and value == value.to_integral_value():
        return None
    return f"el campo {field} ({_shown(value)}) debe ser {_UNITS_TEXT}"


def _decimal(field: str, value: object, places: int, *, low: Decimal, high: Decimal, what: str) -> str | None:
    """A finite Decimal in ``low..high`` with at most ``places`` decimals."""
    if type(value) is not Decimal:
        return f"el campo {field} debe ser un número decimal"
    if not value.is_finite() or not low <= value <= high:
        return f"el campo {field} ({_shown(value)}) debe ser {what}"
    if value != value.quantize(_STEPS[places]):  # bounded above: quantize cannot overflow the context
        return f"el campo {field} ({_shown(value)}) tiene más de {places} decimales"
    return None


def _timestamp(field: str, value: object, *, required: bool = True) -> str | None:
    if type(value) is not str:
        return f"el campo {field} debe ser texto"
    if not value and not required:
        return None
    if len(value) <= 40:
        try:
            datetime.fromisoformat(value)
            return None
        except ValueError:
            pass
    return f"el campo {field} ({_shown(value)!r}) no es una fecha y hora ISO 8601"


def _iso_date(field: str, value: object) -> str | None:
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return f"el campo {field} ({_shown(value)!r}) no es una fecha aaaa-mm-dd"


def _rut(field: str, value: object, *, buyer: bool = False) -> str | None:
    """A valid RUT in compact form (``76123456-7``); a buyer's is never the consumidor final 66.666.666-6."""
    reason = _text(field, value, 12, required=True)
    if reason is not None:
        return reason
    assert isinstance(value, str)
    try:
        parsed = rut_mod.parse(value)
    except errors.InvalidRut:
        return f"el campo {field} ({_shown(value)!r}) no es un RUT válido"
    if buyer and parsed.body == 66666666:
        return f"el campo {field}: una factura necesita el RUT real del cliente, no el de consumidor final"
    return None


def _texts(prefix: str, obj: object, limits: dict[str, int], *, required: Iterable[str] = ()) -> str | None:
    needed = set(required)
    for name, most in limits.items():
        reason = _text(prefix + name, getattr(obj, name), most, required=name in needed)
        if reason is not None:
            return reason
    return None


def _kinds(field: str, items: tuple[Any, ...], allowed: frozenset[str]) -> str | None:
    """Each item's ``kind`` is known, and none repeats (the till merges them)."""
    seen: set[str] = set()
    for n, item in enumerate(items):
        reason = _one_of(f"{field}[{n}].kind", item.kind, allowed)
        if reason is not None:
            return reason
        if item.kind in seen:
            return f"el campo {field}[{n}].kind ({item.kind}) se repite: la caja junta los montos de un mismo medio"
        seen.add(item.kind)
    return None


def _tuple(field: str, value: object, most: int, *, least: int = 0) -> str | None:
    if type(value) is not tuple:
        return f"el campo {field} debe ser una lista"
    if not least <= len(value) <= most:
        return f"el campo {field} trae {len(value)} elementos; se admiten de {least} a {most}"
    return None


def _first(*reasons: str | None) -> str | None:
    for reason in reasons:
        if reason is not None:
            return reason
    return None


# --- sales ---------------------------------------------------------------------------------------------------


def _sale_line(n: int, x: sales.LineSold) -> str | None:
    p = f"lines[{n}]."
    reason = (_int(p + "line_id", x.line_id, 1, 2**31 - 1, _LINE_NO)
              or _text(p + "sku", x.sku, LINE_SKU_MAX, required=True)
              or _text(p + "name", x.name, NAME_MAX, required=True)
              or _text(p + "code", x.code, CODE_MAX) or _one_of(p + "sold_by", x.sold_by, SOLD_BY)
              or _quantity(p + "quantity", x.quantity, x.sold_by) or _bool(p + "iva_exempt", x.iva_exempt)
              or _pesos(p + "unit_price", x.unit_price) or _pesos(p + "discount", x.discount)
              or _pesos(p + "amount", x.amount) or (None if x.cost is None else _pesos(p + "cost", x.cost)))
    if reason is not None:
        return reason
    gross = money.line_amount(x.unit_price, x.quantity)
    if x.discount > gross:
        return (f"el campo {p}discount ({x.discount}) supera el valor de la línea ({gross} = unit_price × "
                "quantity)")
    if x.amount != gross - x.discount:
        return f"el campo {p}amount ({x.amount}) debe ser unit_price × quantity − discount ({gross - x.discount})"
    return None


def _line_fits(x: sales.LineSold) -> bool:
    """The usual line, in one pass (this runs for every line of every sale): False is not a verdict, only a sign
    to walk :func:`_sale_line`, which names the culprit."""
    q, up, d, a, sku, name = x.quantity, x.unit_price, x.discount, x.amount, x.sku, x.name
    if not (type(x) is sales.LineSold and type(x.line_id) is int and 0 < x.line_id < _INT4
            and type(sku) is str and 0 < len(sku) <= LINE_SKU_MAX and not sku.isspace()
            and type(name) is str and 0 < len(name) <= NAME_MAX and not name.isspace()
            and type(x.code) is str and len(x.code) <= CODE_MAX and type(x.iva_exempt) is bool
            and type(up) is int and 0 <= up <= MAX_PESOS and type(d) is int and 0 <= d <= MAX_PESOS
            and type(a) is int and 0 <= a <= MAX_PESOS and type(q) is Decimal and q.is_finite()
            and (x.cost is None or (type(x.cost) is int and 0 <= x.cost <= MAX_PESOS))):
        return False
    if x.sold_by == "unit":
        if not (_ONE <= q <= money.MAX_UNITS and q == q.to_integral_value()):
            return False
        gross = up * int(q)  # exact: a whole quantity
    elif x.sold_by == "kg":
        if not (_ZERO < q <= money.MAX_WEIGHT_KG and q == q.quantize(_MILLI)):
            return False
        gross = money.line_amount(up, q)
    else:
        return False
    return d <= gross and a == gross - d


def _sale(e: sales.SaleCompleted) -> str | None:
    lines, tenders = e.lines, e.tenders
    if not (type(e.sale_id) is str and 0 < len(e.sale_id) <= ID_MAX and not e.sale_id.isspace()
            and type(e.number) is int and 0 < e.number < 2**63 and type(e.shift_id) is str
            and 0 < len(e.shift_id) <= ID_MAX and not e.shift_id.isspace() and type(e.cashier_id) is str
            and 0 < len(e.cashier_id) <= ID_MAX and not e.cashier_id.isspace() and type(lines) is tuple
            and 0 < len(lines) <= SALE_LINES_MAX and type(tenders) is tuple and len(tenders) <= len(TENDER_KINDS)
            and all(map(_line_fits, lines))):
        return _sale_walked(e)
    return _sale_sums(e)


def _sale_walked(e: sales.SaleCompleted) -> str | None:
    """:func:`_sale` field by field, naming the first broken rule."""
    reason = (_id("sale_id", e.sale_id) or _int("number", e.number, 1, 2**63 - 1, "un número de venta de 1 en adelante")
              or _id("shift_id", e.shift_id) or _id("cashier_id", e.cashier_id)
              or _tuple("lines", e.lines, SALE_LINES_MAX, least=1)
              or _tuple("tenders", e.tenders, len(TENDER_KINDS)))
    if reason is not None:
        return reason
    for n, x in enumerate(e.lines):  # a repeated line_id is a clash with the master (syncserver.ingest.conflicts)
        if type(x) is not sales.LineSold:
            return f"el campo lines[{n}] no es una línea de venta"
        if (reason := _sale_line(n, x)) is not None:
            return reason
    return _sale_sums(e)


def _sale_sums(e: sales.SaleCompleted) -> str | None:
    """The sale's amounts, totals, tenders and document, once its lines keep their rules."""
    if not (type(e.discount) is int and type(e.total) is int and type(e.affected) is int and type(e.exento) is int
            and type(e.neto) is int and type(e.iva) is int and type(e.change) is int and type(e.rounding) is int
            and 0 <= e.discount <= MAX_PESOS and 0 <= e.total <= MAX_PESOS and 0 <= e.affected <= MAX_PESOS
            and 0 <= e.exento <= MAX_PESOS and 0 <= e.neto <= MAX_PESOS and 0 <= e.iva <= MAX_PESOS
            and 0 <= e.change <= MAX_PESOS and -MAX_PESOS <= e.rounding <= MAX_PESOS):
        reason = _first(*(_pesos(name, getattr(e, name)) for name in (
            "discount", "total", "affected", "exento", "neto", "iva", "change"))) or _signed_pesos("rounding",
                                                                                                  e.rounding)
        if reason is not None:
            return reason
    amounts = [x.amount for x in e.lines]
    subtotal = sum(amounts)
    if e.discount > subtotal:
        return f"el campo discount ({e.discount}) supera la suma de las líneas ({subtotal})"
    if e.total != subtotal - e.discount:
        return f"el campo total ({e.total}) debe ser la suma de las líneas menos discount ({subtotal - e.discount})"
    if e.discount:
        shares = sale_mod.allocate(e.discount, amounts)
        affected = sum(a - s for a, s, x in zip(amounts, shares, e.lines, strict=True) if not x.iva_exempt)
    else:
        affected = sum(x.amount for x in e.lines if not x.iva_exempt)
    exento = e.total - affected
    split = money.split_iva(affected, exento)
    for name, value in (("affected", affected), ("exento", exento), ("neto", split.neto), ("iva", split.iva)):
        if getattr(e, name) != value:
            return (f"el campo {name} ({getattr(e, name)}) no es el que la caja calcula de las líneas ({value}, con "
                    "el descuento repartido en proporción)")
    return _tenders(e) or _sale_document(e) or _sale_fiado(e)


_FIADO: Final = sale_mod.TenderKind.FIADO.value


def _sale_fiado(e: sales.SaleCompleted) -> str | None:
    """A sale with ``fiado`` tenders names its customer and carries the charge they add up to (docs/fiado.md)."""
    f, customer_id = e.fiado, e.customer_id
    if f is None and customer_id == "" and all(t.kind != _FIADO for t in e.tenders):
        return None  # the usual sale: nobody attached, nothing on credit
    reason = _id("customer_id", customer_id, required=False)
    if reason is not None:
        return reason
    fiado_tenders = [t for t in e.tenders if t.kind == _FIADO]
    if any(t.amount == 0 for t in fiado_tenders):
        return "un pago fiado de $0 no carga nada: quítelo de los pagos"
    if f is None:
        if fiado_tenders:
            return "el campo fiado falta: una venta con pago fiado lleva el cargo a la cuenta del cliente"
        return None
    if type(f) is not fiado.FiadoCharge:
        return "el campo fiado no es un cargo de fiado"
    if not fiado_tenders:
        return "el campo fiado sobra: la venta no tiene pago fiado"
    if customer_id == "":
        return "el campo customer_id falta: una venta al fiado se carga a la cuenta de un cliente"
    reason = (_pesos("fiado.amount", f.amount, low=1) or _signed_pesos("fiado.balance_before", f.balance_before)
              or _pesos("fiado.credit_limit", f.credit_limit)
              or _id("fiado.approved_by", f.approved_by, required=False))
    if reason is not None:
        return reason
    on_credit = sum(t.amount for t in fiado_tenders)
    if f.amount != on_credit:
        return f"el campo fiado.amount ({f.amount}) debe ser la suma de los pagos fiado ({on_credit})"
    return None


def _tenders(e: sales.SaleCompleted) -> str | None:
    if len(e.tenders) == 1 and type(t := e.tenders[0]) is sales.TenderTaken and type(t.amount) is int \
            and type(t.received) is int and 0 <= t.received <= t.amount <= MAX_PESOS:
        # one means of payment, as shared.sale.settle pays it (the usual sale; the general case below)
        if t.kind == "cash":
            due = money.round_cash(e.total)
            if t.received == due and e.rounding == due - e.total and e.change == t.amount - due and (
                    due > 0 or t.amount == 0):
                return None
        elif t.kind in TENDER_KINDS and t.amount == t.received == e.total and e.rounding == 0 and e.change == 0:
            return None
    for n, t in enumerate(e.tenders):
        if type(t) is not sales.TenderTaken:
            return f"el campo tenders[{n}] no es un pago"
        reason = _pesos(f"tenders[{n}].amount", t.amount) or _pesos(f"tenders[{n}].received", t.received)
        if reason is not None:
            return reason
    for n, t in enumerate(e.tenders):  # a repeated kind is a clash with the master (syncserver.ingest.conflicts)
        if (reason := _one_of(f"tenders[{n}].kind", t.kind, TENDER_KINDS)) is not None:
            return reason
    try:
        settled = sale_mod.settle(e.total, tuple(sale_mod.Tender(sale_mod.TenderKind(t.kind), t.amount)
                                                 for t in e.tenders))
    except errors.SaleError as exc:
        return f"los pagos (tenders) no pagan el total {e.total} como la caja lo exige: {exc}"
    for n, t in enumerate(e.tenders):
        kept = settled.cash_due if t.kind == sale_mod.TenderKind.CASH.value else t.amount
        if t.received != kept:
            return f"el campo tenders[{n}].received ({t.received}) debe ser {kept} (lo que queda en caja)"
    if e.rounding != settled.rounding:
        return f"el campo rounding ({e.rounding}) debe ser {settled.rounding} (redondeo del efectivo, Ley 20.956)"
    if e.change != settled.change:
        return f"el campo change ({e.change}) debe ser {settled.change} (vuelto)"
    return None


def _document(d: sales.DocumentStamped, tipos: frozenset[int]) -> str | None:
    if type(d) is not sales.DocumentStamped:
        return "el campo document no es un documento timbrado"
    return (_tipo("document.tipo", d.tipo, tipos) or _int("document.folio", d.folio, 1, MAX_FOLIO, _FOLIO)
            or _text("document.ted", d.ted, TED_MAX, required=True) or _timestamp("document.stamped_at", d.stamped_at))


def _sale_document(e: sales.SaleCompleted) -> str | None:
    d, c = e.document, e.customer
    if c is not None:
        if type(c) is not sales.CustomerData:
            return "el campo customer no es un cliente"
        reason = _rut("customer.rut", c.rut, buyer=True) or _texts("customer.", c, RECEPTOR_MAX,
                                                                   required=RECEPTOR_MAX)
        if reason is not None:
            return reason
        if d is None:
            return "el campo document falta: una venta con cliente lleva su factura"
    if d is None:
        return None
    reason = _document(d, FACTURAS if c is not None else BOLETAS)
    if reason is not None:
        return reason
    exempt = all(x.iva_exempt for x in e.lines)
    if (d.tipo in EXEMPT_TIPOS) != exempt:
        return (f"el campo document.tipo ({d.tipo}) no corresponde: "
                + ("todas las líneas son exentas" if exempt else "la venta tiene líneas afectas a IVA"))
    return None


def _line_removed(e: till.LineRemoved) -> str | None:
    return (_id("sale_id", e.sale_id) or _int("line_id", e.line_id, 1, 2**31 - 1, _LINE_NO)
            or _text("sku", e.sku, LINE_SKU_MAX, required=True) or _text("name", e.name, NAME_MAX, required=True)
            or _decimal("quantity", e.quantity, 3, low=_MILLI, high=money.MAX_UNITS,
                        what="una cantidad mayor que 0 y hasta 9.999")
            or _pesos("amount", e.amount) or _id("cashier_id", e.cashier_id)
            or _id("shift_id", e.shift_id, required=False)
            or _text("reason", e.reason, REASON_MAX) or _id("authorised_by", e.authorised_by, required=False))


# --- returns -------------------------------------------------------------------------------------------------


def _returned(e: returns.ReturnCompleted) -> str | None:
    reason = (_id("return_id", e.return_id) or _id("sale_id", e.sale_id) or _id("shift_id", e.shift_id)
              or _id("cashier_id", e.cashier_id) or _id("supervisor_id", e.supervisor_id)
              or _text("reason", e.reason, REASON_MAX, required=True) or _bool("full", e.full)
              or _tuple("lines", e.lines, SALE_LINES_MAX, least=1) or _tuple("refunds", e.refunds, 2, least=1)
              or _tipo("original_tipo", e.original_tipo, BOLETAS | FACTURAS)
              or _int("original_folio", e.original_folio, 1, MAX_FOLIO, _FOLIO))
    if reason is not None:
        return reason
    for n, x in enumerate(e.lines):
        if type(x) is not returns.LineReturned:
            return f"el campo lines[{n}] no es una línea devuelta"
        p = f"lines[{n}]."
        reason = (_int(p + "line_id", x.line_id, 1, 2**31 - 1, _LINE_NO)
                  or _text(p + "sku", x.sku, LINE_SKU_MAX, required=True)
                  or _text(p + "name", x.name, NAME_MAX, required=True) or _one_of(p + "sold_by", x.sold_by, SOLD_BY)
                  or _quantity(p + "quantity", x.quantity, x.sold_by) or _bool(p + "iva_exempt", x.iva_exempt)
                  or _pesos(p + "unit_price", x.unit_price) or _pesos(p + "amount", x.amount))
        if reason is not None:
            return reason
    reason = _first(*(_pesos(name, getattr(e, name)) for name in ("total", "neto", "iva", "exento")))
    if reason is not None:
        return reason
    # the nota de crédito's totals, as shared.dte.documents computes them for IVA-included amounts
    exento = sum(x.amount for x in e.lines if x.iva_exempt)
    affected = sum(x.amount for x in e.lines if not x.iva_exempt)
    split = money.split_iva(affected, exento)
    for name, value in (("total", affected + exento), ("exento", exento), ("neto", split.neto), ("iva", split.iva)):
        if getattr(e, name) != value:
            return (f"el campo {name} ({getattr(e, name)}) no es el que la caja calcula de las líneas devueltas "
                    f"({value})")
    for n, refund in enumerate(e.refunds):
        if type(refund) is not sales.TenderTaken:
            return f"el campo refunds[{n}] no es un pago"
        reason = (_one_of(f"refunds[{n}].kind", refund.kind, TENDER_KINDS)
                  or _pesos(f"refunds[{n}].amount", refund.amount) or _pesos(f"refunds[{n}].received", refund.received))
        if reason is not None:
            return reason
    reason = _id("customer_id", e.customer_id, required=False)
    if reason is not None:
        return reason
    if any(t.kind == _FIADO for t in e.refunds) and e.customer_id == "":
        return ("el campo customer_id falta: una devolución al fiado abona la cuenta del cliente de la venta "
                "(devuelva en otro medio si la venta no tenía cliente)")
    credited = 0
    if len(e.refunds) == 2:  # a sale partly on fiado: its account first, the rest as it was paid
        first, second = e.refunds
        if first.kind != _FIADO or second.kind == _FIADO:
            return ("el campo refunds: con dos devoluciones, la primera abona la cuenta fiado (kind fiado) y la "
                    "segunda devuelve el resto en otro medio")
        if first.received != first.amount or not 0 < first.amount < e.total:
            return (f"el campo refunds[0] ({first.amount}) abona a la cuenta una parte del total {e.total}: más de "
                    "$0 y menos que el total")
        credited = first.amount
    refund = e.refunds[-1]
    n = len(e.refunds) - 1
    due = e.total - credited
    due = money.round_cash(due) if refund.kind == sale_mod.TenderKind.CASH.value else due
    if refund.amount != due or refund.received != due:
        return (f"el campo refunds[{n}] ({refund.amount}) debe devolver {due}: el total"
                + (" menos lo abonado a la cuenta" if credited else "")
                + (" redondeado a $10 en efectivo (Ley 20.956)" if refund.kind == "cash" else ""))
    if e.document is not None:
        return _document(e.document, frozenset({NOTA_CREDITO}))
    return None


# --- shifts --------------------------------------------------------------------------------------------------


def _shift_opened(e: shifts.ShiftOpened) -> str | None:
    return (_id("shift_id", e.shift_id) or _int("number", e.number, 1, 2**31 - 1, "un número de turno de 1 en adelante")
            or _id("cashier_id", e.cashier_id) or _pesos("opening_float", e.opening_float))


def _cash_moved(e: shifts.CashMoved) -> str | None:
    return (_id("shift_id", e.shift_id) or _one_of("direction", e.direction, frozenset({"in", "out"}))
            or _pesos("amount", e.amount, low=1) or _text("reason", e.reason, REASON_MAX, required=True)
            or _id("user_id", e.user_id))


def _shift_closed(e: shifts.ShiftClosed) -> str | None:
    reason = (_id("shift_id", e.shift_id) or _id("closed_by", e.closed_by)
              or _tuple("counted", e.counted, len(COUNTED_KINDS)) or _tuple("expected", e.expected, len(COUNTED_KINDS)))
    if reason is not None:
        return reason
    for name in ("counted", "expected"):
        for n, c in enumerate(getattr(e, name)):
            if type(c) is not shifts.TenderCount:
                return f"el campo {name}[{n}] no es un conteo"
            check = _pesos if name == "counted" else _signed_pesos  # expected may be below 0
            if (reason := check(f"{name}[{n}].amount", c.amount)) is not None:
                return reason
        if (reason := _kinds(name, getattr(e, name), COUNTED_KINDS)) is not None:
            return reason
    return None


# --- security ------------------------------------------------------------------------------------------------


def _user_enrolled(e: auth.UserEnrolled) -> str | None:
    reason = (_id("user_id", e.user_id) or _text("name", e.name, USER_NAME_MAX, required=True)
              or _one_of("role", e.role, ROLES) or _text("pin_hash", e.pin_hash, PIN_HASH_MAX, required=True)
              or _bool("active", e.active))
    if reason is None and not e.pin_hash.startswith("$argon2id$"):
        return "el campo pin_hash no es un hash argon2id (nunca el PIN)"
    return reason


def _authorised(e: auth.Authorised) -> str | None:
    return (_one_of("action", e.action, ACTIONS) or _id("supervisor_id", e.supervisor_id)
            or _id("cashier_id", e.cashier_id) or _text("reason", e.reason, REASON_MAX, required=True)
            or _id("sale_id", e.sale_id, required=False) or _text("detail", e.detail, DETAIL_MAX)
            or _id("shift_id", e.shift_id, required=False))


def _pin_rejected(e: auth.PinRejected) -> str | None:
    return (_id("user_id", e.user_id) or _int("failures", e.failures, 1, 2**31 - 1, "1 o más")
            or _timestamp("locked_until", e.locked_until, required=False))


def _drawer_opened(e: auth.DrawerOpened) -> str | None:
    return (_id("user_id", e.user_id) or _id("authorised_by", e.authorised_by)
            or _text("reason", e.reason, REASON_MAX, required=True))


def _signed_in(e: auth.SignedIn) -> str | None:
    return _id("user_id", e.user_id)


# --- catalog, stock, customers -------------------------------------------------------------------------------


def _product(e: catalog.ProductUpserted) -> str | None:
    reason = (_text("sku", e.sku, SKU_MAX, required=True) or _text("name", e.name, NAME_MAX, required=True)
              or _pesos("price", e.price) or _text("category", e.category, CATEGORY_MAX)
              or _one_of("sold_by", e.sold_by, SOLD_BY) or _tuple("barcodes", e.barcodes, BARCODES_MAX)
              or _text("brand", e.brand, BRAND_MAX) or _bool("iva_exempt", e.iva_exempt)
              or _bool("favourite", e.favourite) or _bool("active", e.active)
              or _one_of("source", e.source, PRODUCT_SOURCES) or _id("created_by", e.created_by, required=False)
              or _int("change_id", e.change_id, 0, 2**63 - 1, "0 o un número de cambio de HQ")
              or _text("changed_by", e.changed_by, NAME_MAX) or _timestamp("changed_at", e.changed_at, required=False))
    if reason is not None:
        return reason
    if e.created_by and e.source != "store":
        return "el campo created_by solo acompaña a un producto creado en la tienda (source store)"
    for n, code in enumerate(e.barcodes):
        if type(code) is not str or len(code) > 14:
            return f"el campo barcodes[{n}] no es un código de barras"
        try:
            validate_gtin(code)
        except errors.InvalidBarcode as exc:
            return f"el campo barcodes[{n}]: {exc}"
    if e.plu is not None and (type(e.plu) is not str or not (e.plu.isascii() and e.plu.isdigit())
                              or len(e.plu) > PLU_MAX):
        return f"el campo plu ({_shown(e.plu)!r}) debe tener de 1 a {PLU_MAX} dígitos"
    return None


def _stock(e: catalog.StockAdjusted) -> str | None:
    return (_text("sku", e.sku, LINE_SKU_MAX, required=True)
            or _decimal("delta", e.delta, 3, low=-purchases.STOCK_QUANTITY_LIMIT, high=purchases.STOCK_QUANTITY_LIMIT,
                        what="una cantidad finita bajo 1.000.000.000")
            or _text("reason", e.reason, REASON_MAX, required=True))


def _categories(e: catalog.CategoriesOrdered) -> str | None:
    reason = _tuple("names", e.names, CATEGORIES_MAX)
    if reason is not None:
        return reason
    for n, name in enumerate(e.names):
        if (reason := _text(f"names[{n}]", name, CATEGORY_MAX, required=True)) is not None:
            return reason
    return None


def _customer(e: customers.CustomerSaved) -> str | None:
    return _rut("rut", e.rut, buyer=True) or _texts("", e, RECEPTOR_MAX, required=RECEPTOR_MAX)


# --- folios, emisor, store -----------------------------------------------------------------------------------


def _lease(e: folios.FolioLeaseReceived) -> str | None:
    reason = (_tipo("tipo", e.tipo, LEASED_TIPOS) or _int("desde", e.desde, 1, MAX_FOLIO, _FOLIO)
              or _int("hasta", e.hasta, 1, MAX_FOLIO, _FOLIO)
              or _text("caf_xml", e.caf_xml, CAF_MAX, required=True)
              or _int("epoch", e.epoch, 0, 2**31 - 1, "0 o más") or _one_of("source", e.source, LEASE_SOURCES))
    if reason is None and e.hasta < e.desde:
        return f"el campo hasta ({e.hasta}) es menor que desde ({e.desde})"
    return reason


def _leases_retired(e: folios.FolioLeasesRetired) -> str | None:
    return _int("epoch", e.epoch, 1, 2**31 - 1, "1 o más") or _one_of("reason", e.reason, RETIRE_REASONS)


def _emisor(e: emisor.EmisorReceived) -> str | None:
    reason = ((_rut("rut", e.rut) if e.rut else None) or _texts("", e, EMISOR_MAX)
              or _tuple("acteco", e.acteco, 4)
              or _first(*(_int(f"acteco[{n}]", a, 1, 999999, "un código de actividad de 6 dígitos a lo más")
                          for n, a in enumerate(e.acteco)))
              or (None if e.sucursal_sii is None
                  else _int("sucursal_sii", e.sucursal_sii, 0, 999_999_999, "un código del SII de 9 dígitos a lo más"))
              or _int("resolucion_numero", e.resolucion_numero, 0, 999_999, "un número de 0 a 999.999"))
    if reason is None and e.resolucion_fecha:
        return _iso_date("resolucion_fecha", e.resolucion_fecha)
    return reason


CARD_MODELS: Final = frozenset({"boleta", "voucher"})
"""The «modelo de emisión» HQ may publish (``shared.card_model.CardModel``)."""


def _card_model(e: emisor.CardModelReceived) -> str | None:
    return (_one_of("model", e.model, CARD_MODELS) or _text("set_by", e.set_by, NAME_MAX)
            or _timestamp("set_at", e.set_at, required=False))


def _store(e: stores.StoreReceived) -> str | None:
    return (_id("store_id", e.store_id) or _texts("", e, STORE_MAX) or _bool("active", e.active)
            or (None if e.sucursal_sii is None
                else _int("sucursal_sii", e.sucursal_sii, 0, 999_999_999, "un código del SII de 9 dígitos a lo más")))


# --- purchases -----------------------------------------------------------------------------------------------


def _purchase(e: purchases.PurchaseReceived) -> str | None:
    s = e.supplier
    if type(s) is not purchases.Supplier:
        return "el campo supplier no es un proveedor"
    manual = e.digest == "" and e.document_xml == ""  # typed in by hand: a paper document, a boleta, a guía
    reason = (_tipo("tipo", e.tipo, purchases.MANUAL_TIPOS if manual else purchases.ACCEPTED_TIPOS)
              or _id("purchase_id", e.purchase_id)
              or _rut("supplier.rut", s.rut)
              or _text("supplier.razon_social", s.razon_social, SUPPLIER_MAX["razon_social"])
              or _text("supplier.giro", s.giro, SUPPLIER_MAX["giro"])
              or _int("folio", e.folio, 1, MAX_FOLIO, _FOLIO)
              or _iso_date("fecha_emision", e.fecha_emision) or _id("warehouse", e.warehouse)
              or _tuple("lines", e.lines, PURCHASE_LINES_MAX) or _tuple("references", e.references, REFERENCES_MAX)
              or _first(*(_pesos(name, getattr(e, name)) for name in ("neto", "exento", "iva", "total", "other_taxes")))
              or _text("digest", e.digest, 64, required=not manual) or _bool("moves_stock", e.moves_stock)
              or _id("registered_by", e.registered_by, required=False)
              or _text("document_xml", e.document_xml, DOCUMENT_XML_MAX))
    if reason is not None:
        return reason
    if not manual and (len(e.digest) != 64 or any(c not in "0123456789abcdef" for c in e.digest)):
        return "el campo digest debe ser un SHA-256 en hexadecimal (64 caracteres)"
    for n, x in enumerate(e.lines):
        if type(x) is not purchases.PurchaseLine:
            return f"el campo lines[{n}] no es una línea de compra"
        p = f"lines[{n}]."
        reason = (_int(p + "line_no", x.line_no, 1, 999, "un número de línea de 1 a 999")
                  or _text(p + "code", x.code, SUPPLIER_MAX["code"])
                  or (None if x.ean is None else _text(p + "ean", x.ean, 14))
                  or _text(p + "name", x.name, SUPPLIER_MAX["name"]) or _text(p + "unit", x.unit, SUPPLIER_MAX["unit"])
                  or _decimal(p + "quantity", x.quantity, 6, low=_ZERO, high=purchases.STOCK_QUANTITY_LIMIT,
                              what="una cantidad de 0 o más, bajo 1.000.000.000")
                  or _pesos(p + "unit_cost", x.unit_cost) or _pesos(p + "amount", x.amount)
                  or _pesos(p + "cost", x.cost)
                  or _bool(p + "exento", x.exento)
                  or (None if x.sku is None else _text(p + "sku", x.sku, SKU_MAX, required=True))
                  or _one_of(p + "matched_by", x.matched_by, MATCHED_BY)
                  or _decimal(p + "package_factor", x.package_factor, 3, low=_MILLI, high=purchases.MAX_PACKAGE_FACTOR,
                              what="mayor que 0 y a lo más 10.000")
                  or (None if x.expiry == "" else _iso_date(p + "expiry", x.expiry)))
        if reason is not None:
            return reason
    for n, r in enumerate(e.references):
        if type(r) is not purchases.DocumentReference:
            return f"el campo references[{n}] no es una referencia"
        p = f"references[{n}]."
        reason = (_text(p + "tipo", r.tipo, SUPPLIER_MAX["ref_tipo"])
                  or _text(p + "folio", r.folio, SUPPLIER_MAX["ref_folio"])
                  or _text(p + "fecha", r.fecha, 10) or _text(p + "razon", r.razon, SUPPLIER_MAX["ref_razon"])
                  or (None if r.codigo is None else _int(p + "codigo", r.codigo, 1, 3, "1, 2 o 3 (CodRef)")))
        if reason is not None:
            return reason
    return None


# --- inventory (back office) --------------------------------------------------------------------------------

_STOCK_TOP: Final = purchases.STOCK_QUANTITY_LIMIT - _MILLI
_STOCK_TEXT: Final = "una cantidad mayor que 0 y bajo 1.000.000.000, con 3 decimales a lo más"
MERMA_REASONS: Final = frozenset(inventory.MERMA_REASONS)
COSTING_METHODS: Final = frozenset(inventory.COSTING_METHODS)


def _stock_quantity(field: str, value: object, *, zero: bool = False, signed: bool = False) -> str | None:
    """A quantity of goods: more than 0 (``zero``: 0 or more; ``signed``: any sign), at most 3 decimals, below the
    master's limit (``purchases.STOCK_QUANTITY_LIMIT``)."""
    if signed:
        return _decimal(field, value, 3, low=-_STOCK_TOP, high=_STOCK_TOP,
                        what="una cantidad bajo 1.000.000.000 (de uno u otro signo), con 3 decimales a lo más")
    if zero:
        return _decimal(field, value, 3, low=_ZERO, high=_STOCK_TOP,
                        what="una cantidad de 0 o más, bajo 1.000.000.000, con 3 decimales a lo más")
    return _decimal(field, value, 3, low=_MILLI, high=_STOCK_TOP, what=_STOCK_TEXT)


def _unit_cost(field: str, value: object, quantity: Decimal) -> str | None:
    """A cost per unit in whole CLP neto (0 or more, at most :data:`MAX_UNIT_COST`) whose line value fits."""
    reason = _int(field, value, 0, MAX_UNIT_COST, "un costo unitario en pesos enteros, de $0 a $1.000.000.000")
    if reason is None and value * quantity > MAX_PESOS:  # type: ignore[operator]
        return f"el campo {field} ({_shown(value)}) por la cantidad supera el máximo de $1.000.000.000.000.000"
    return reason


def _goods_line(p: str, x: Any, *, quantity: str = "quantity") -> str | None:
    """sku, name and a positive quantity of a line of goods."""
    return (_text(p + "sku", x.sku, SKU_MAX, required=True) or _text(p + "name", x.name, NAME_MAX, required=True)
            or _stock_quantity(p + quantity, getattr(x, quantity)))


def _lines(field: str, lines: object, kind: type[Any], what: str, most: int,
           check: Callable[[str, Any], str | None]) -> str | None:
    """``lines`` is a non-empty tuple of ``kind`` of at most ``most``, each keeping ``check``, no sku twice."""
    reason = _tuple(field, lines, most, least=1)
    if reason is not None:
        return reason
    assert isinstance(lines, tuple)
    seen: set[object] = set()
    for n, x in enumerate(lines):
        if type(x) is not kind:
            return f"el campo {field}[{n}] no es {what}"
        if (reason := check(f"{field}[{n}].", x)) is not None:
            return reason
        if x.sku in seen:
            return f"el campo {field}[{n}].sku ({_shown(x.sku)}) se repite: una línea por producto"
        seen.add(x.sku)
    return None


def _transfer_line(p: str, x: inventory.TransferLine) -> str | None:
    return _goods_line(p, x) or _unit_cost(p + "unit_cost", x.unit_cost, x.quantity)


def _received_line(p: str, x: inventory.ReceivedLine) -> str | None:
    return (_goods_line(p, x, quantity="sent") or _stock_quantity(p + "received", x.received, zero=True)
            or _unit_cost(p + "unit_cost", x.unit_cost, max(x.sent, x.received)))


def _count_line(p: str, x: inventory.CountLine) -> str | None:
    return (_text(p + "sku", x.sku, SKU_MAX, required=True) or _text(p + "name", x.name, NAME_MAX, required=True)
            or _stock_quantity(p + "expected", x.expected, signed=True)
            or _stock_quantity(p + "counted", x.counted, zero=True))


def _supplier_return_line(p: str, x: inventory.SupplierReturnLine) -> str | None:
    return _goods_line(p, x) or _unit_cost(p + "unit_cost", x.unit_cost, x.quantity)


def _transfer_sent(e: inventory.TransferSent) -> str | None:
    reason = (_id("transfer_id", e.transfer_id) or _id("from_warehouse", e.from_warehouse)
              or _id("to_store", e.to_store) or _id("to_warehouse", e.to_warehouse)
              or _lines("lines", e.lines, inventory.TransferLine, "una línea de traslado", TRANSFER_LINES_MAX,
                        _transfer_line)
              or _id("sent_by", e.sent_by) or _text("note", e.note, NOTE_MAX))
    if reason is None and e.from_warehouse == e.to_warehouse:
        return f"el campo to_warehouse ({_shown(e.to_warehouse)}) es la misma bodega de origen"
    return reason


def _transfer_incoming(e: inventory.TransferIncoming) -> str | None:
    reason = (_id("transfer_id", e.transfer_id) or _id("from_store", e.from_store)
              or _id("from_warehouse", e.from_warehouse) or _id("to_warehouse", e.to_warehouse)
              or _lines("lines", e.lines, inventory.TransferLine, "una línea de traslado", TRANSFER_LINES_MAX,
                        _transfer_line)
              or _id("sent_by", e.sent_by) or _timestamp("sent_at", e.sent_at) or _text("note", e.note, NOTE_MAX))
    return reason


def _transfer_received(e: inventory.TransferReceived) -> str | None:
    return (_id("transfer_id", e.transfer_id) or _id("from_store", e.from_store)
            or _id("to_warehouse", e.to_warehouse)
            or _lines("lines", e.lines, inventory.ReceivedLine, "una línea recibida", TRANSFER_LINES_MAX,
                      _received_line)
            or _id("received_by", e.received_by) or _text("note", e.note, NOTE_MAX))


def _count_started(e: inventory.CountStarted) -> str | None:
    return (_id("count_id", e.count_id) or _id("warehouse", e.warehouse)
            or _text("category", e.category, CATEGORY_MAX) or _id("started_by", e.started_by))


def _count_posted(e: inventory.CountPosted) -> str | None:
    return (_id("count_id", e.count_id) or _id("warehouse", e.warehouse)
            or _lines("lines", e.lines, inventory.CountLine, "una línea contada", COUNT_LINES_MAX, _count_line)
            or _text("reason", e.reason, REASON_MAX, required=True) or _id("counted_by", e.counted_by)
            or _id("approved_by", e.approved_by))


def _merma(e: inventory.MermaRecorded) -> str | None:
    return (_id("merma_id", e.merma_id) or _id("warehouse", e.warehouse) or _goods_line("", e)
            or _one_of("reason", e.reason, MERMA_REASONS) or _unit_cost("unit_cost", e.unit_cost, e.quantity)
            or _id("recorded_by", e.recorded_by) or _id("authorised_by", e.authorised_by, required=False)
            or _text("note", e.note, NOTE_MAX))


def _supplier_returned(e: inventory.SupplierReturned) -> str | None:
    return (_id("return_id", e.return_id) or _rut("supplier_rut", e.supplier_rut) or _id("warehouse", e.warehouse)
            or _lines("lines", e.lines, inventory.SupplierReturnLine, "una línea devuelta",
                      SUPPLIER_RETURN_LINES_MAX, _supplier_return_line)
            or _text("reason", e.reason, REASON_MAX, required=True) or _id("returned_by", e.returned_by)
            or _id("purchase_id", e.purchase_id, required=False) or _text("document", e.document, DOCUMENT_NAME_MAX))


def _supplier_saved(e: inventory.SupplierSaved) -> str | None:
    reason = (_rut("rut", e.rut)
              or _text("razon_social", e.razon_social, SUPPLIER_MAX["razon_social"], required=True)
              or _text("giro", e.giro, SUPPLIER_MAX["giro"]) or _texts("", e, CONTACT_MAX)
              or _bool("active", e.active) or _id("saved_by", e.saved_by, required=False))
    if reason is None and e.email and ("@" not in e.email or any(c.isspace() for c in e.email)):
        return f"el campo email ({_shown(e.email)!r}) no es un correo electrónico"
    return reason


def _store_product(e: inventory.StoreProductSet) -> str | None:
    return (_text("sku", e.sku, SKU_MAX, required=True) or (None if e.price is None else _pesos("price", e.price))
            or (None if e.min_stock is None else _stock_quantity("min_stock", e.min_stock, zero=True))
            or _text("location", e.location, LOCATION_MAX) or _bool("active", e.active)
            or _id("edited_by", e.edited_by) or _pesos("seen_price", e.seen_price)
            or _int("seen_change", e.seen_change, 0, 2**63 - 1, "0 o más"))


def _inventory_settings(e: inventory.InventorySettingsReceived) -> str | None:
    return (_one_of("costing", e.costing, COSTING_METHODS) or _bool("store_prices", e.store_prices)
            or _pesos("merma_pin_above", e.merma_pin_above))


CUSTOMER_MAX: Final = {"name": 100, "phone": 30, "address": 120, "notes": 500}
"""Longest texts of a customer's profile (characters)."""
PAYMENT_KINDS: Final = frozenset({"cash", "debit", "credit", "transfer"})
"""Tenders a fiado payment (abono) may be taken in."""
FIADO_DOCUMENT_MAX: Final = 120
FLAG_MAX: Final = 500
"""Longest text of one of the master's flags on a customer (``CustomerReceived.flags``)."""


def _customer_profile(e: fiado.CustomerProfileSaved | fiado.CustomerReceived) -> str | None:
    return (_id("customer_id", e.customer_id) or _texts("", e, CUSTOMER_MAX, required=("name",))
            or (None if e.rut == "" else _rut("rut", e.rut, buyer=True)) or _bool("active", e.active))


def _profile_saved(e: fiado.CustomerProfileSaved) -> str | None:
    return _customer_profile(e) or _id("saved_by", e.saved_by)


def _customer_received(e: fiado.CustomerReceived) -> str | None:
    reason = (_customer_profile(e) or _bool("fiado_enabled", e.fiado_enabled) or _pesos("credit_limit", e.credit_limit))
    if reason is None and (type(e.aliases) is not tuple or any(_id("aliases", a) for a in e.aliases)):
        return "el campo aliases debe ser una lista de identificadores de cliente"
    if reason is None and (type(e.flags) is not tuple or any(
            not isinstance(f, str) or not f.strip() or len(f) > FLAG_MAX for f in e.flags)):
        return f"el campo flags debe ser una lista de textos de 1 a {FLAG_MAX} caracteres"
    return reason


def _account_set(e: fiado.FiadoAccountSet) -> str | None:
    reason = (_id("customer_id", e.customer_id) or _bool("enabled", e.enabled)
              or _pesos("credit_limit", e.credit_limit) or _id("set_by", e.set_by))
    if reason is None and e.enabled and e.credit_limit == 0:
        return "un límite de crédito de $0 no permite fiar: fije un monto mayor que $0 o desactive el fiado"
    return reason


def _paid(e: fiado.FiadoPaid) -> str | None:
    reason = (_id("payment_id", e.payment_id) or _id("customer_id", e.customer_id) or _id("shift_id", e.shift_id)
              or _id("cashier_id", e.cashier_id) or _one_of("kind", e.kind, PAYMENT_KINDS)
              or _pesos("amount", e.amount, low=1) or _pesos("received", e.received, low=1)
              or _int("balance_before", e.balance_before, -MAX_PESOS, MAX_PESOS, "un saldo en pesos enteros"))
    if reason is None and (e.received < e.amount or (e.kind != "cash" and e.received != e.amount)):
        return (f"el campo received (${e.received}) debe ser igual al abono (${e.amount}), o mayor solo en "
                "efectivo (el vuelto)")
    return reason


def _payment_reversed(e: fiado.FiadoPaymentReversed) -> str | None:
    reason = (_id("reversal_id", e.reversal_id) or _id("payment_id", e.payment_id)
              or _id("customer_id", e.customer_id) or _id("shift_id", e.shift_id)
              or _id("supervisor_id", e.supervisor_id) or _text("reason", e.reason, REASON_MAX, required=True)
              or _one_of("kind", e.kind, PAYMENT_KINDS) or _pesos("amount", e.amount, low=1))
    if reason is None and e.reversal_id == e.payment_id:
        return "una reversa no puede revertirse a sí misma"
    return reason


def _fiado_settings(e: fiado.FiadoSettingsSet) -> str | None:
    return (_pesos("offline_allowance", e.offline_allowance)
            or _one_of("overpayment", e.overpayment, frozenset(fiado.OVERPAYMENT_POLICIES)) or _id("set_by", e.set_by))


def _settings_received(e: fiado.FiadoSettingsReceived) -> str | None:
    return (_pesos("offline_allowance", e.offline_allowance)
            or _one_of("overpayment", e.overpayment, frozenset(fiado.OVERPAYMENT_POLICIES))
            or _id("set_by", e.set_by, required=False) or _text("set_at", e.set_at, ID_MAX))


def _entry_received(e: fiado.FiadoEntryReceived) -> str | None:
    return (_id("entry_id", e.entry_id) or _id("customer_id", e.customer_id)
            or _one_of("kind", e.kind, frozenset(fiado.ENTRY_KINDS)) or _pesos("amount", e.amount, low=1)
            or _id("store_id", e.store_id) or _id("terminal_id", e.terminal_id, required=False)
            or _text("document", e.document, FIADO_DOCUMENT_MAX) or _id("reference", e.reference, required=False)
            or _timestamp("at", e.at) or _id("reverses", e.reverses, required=False)
            or _text("counter_account", e.counter_account, ID_MAX))


ANSWER_MESSAGE_MAX: Final = 500
ANSWER_ACTIONS: Final = frozenset({"ACD", "ERM", "RCD", "RFP", "RFT"})
"""The answers of the SII's Registro de Reclamos (``shared.supplier_answers.ACTION_LABELS``)."""


def _answer_received(e: purchases.SupplierAnswerReceived) -> str | None:
    reason = (_rut("supplier_rut", e.supplier_rut) or _tipo("tipo", e.tipo, frozenset({33, 34, 43}))
              or _int("folio", e.folio, 1, 10**10, "un folio positivo")
              or (None if e.received == "" else _iso_date("received", e.received))
              or _tuple("taken", e.taken, 5) or _one_of("action", e.action, ANSWER_ACTIONS)
              or _text("message", e.message, ANSWER_MESSAGE_MAX) or _text("answered_by", e.answered_by, 254)
              or _timestamp("answered_at", e.answered_at))
    if reason is None and any(type(a) is not str or a not in ANSWER_ACTIONS for a in e.taken):
        return f"el campo taken debe traer solo {', '.join(sorted(ANSWER_ACTIONS))}"
    return reason


RULES: dict[type[Any], Rule] = {
    sales.SaleCompleted: _sale,
    till.LineRemoved: _line_removed,
    returns.ReturnCompleted: _returned,
    shifts.ShiftOpened: _shift_opened,
    shifts.CashMoved: _cash_moved,
    shifts.ShiftClosed: _shift_closed,
    auth.UserEnrolled: _user_enrolled,
    auth.Authorised: _authorised,
    auth.PinRejected: _pin_rejected,
    auth.DrawerOpened: _drawer_opened,
    auth.SignedIn: _signed_in,
    catalog.ProductUpserted: _product,
    catalog.StockAdjusted: _stock,
    catalog.CategoriesOrdered: _categories,
    customers.CustomerSaved: _customer,
    folios.FolioLeaseReceived: _lease,
    folios.FolioLeasesRetired: _leases_retired,
    emisor.EmisorReceived: _emisor,
    emisor.CardModelReceived: _card_model,
    stores.StoreReceived: _store,
    purchases.PurchaseReceived: _purchase,
    inventory.TransferSent: _transfer_sent,
    inventory.TransferIncoming: _transfer_incoming,
    inventory.TransferReceived: _transfer_received,
    inventory.CountStarted: _count_started,
    inventory.CountPosted: _count_posted,
    inventory.MermaRecorded: _merma,
    inventory.SupplierReturned: _supplier_returned,
    inventory.SupplierSaved: _supplier_saved,
    inventory.StoreProductSet: _store_product,
    inventory.InventorySettingsReceived: _inventory_settings,
    fiado.CustomerProfileSaved: _profile_saved,
    fiado.FiadoAccountSet: _account_set,
    fiado.FiadoPaid: _paid,
    fiado.FiadoPaymentReversed: _payment_reversed,
    fiado.FiadoSettingsSet: _fiado_settings,
    fiado.CustomerReceived: _customer_received,
    fiado.FiadoEntryReceived: _entry_received,
    fiado.FiadoSettingsReceived: _settings_received,
    purchases.SupplierAnswerReceived: _answer_received,
}
"""The rule of each event type (every type of ``shared.events.registry``; a test checks none is missing)."""
