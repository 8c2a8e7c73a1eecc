"""What the master folds, checked in Python on each decoded event before it is folded: the values its read-model
columns can hold, then the event type's domain rules (``shared.events.rules``, the ones the till keeps).
:func:`problem` names the first broken one, so the ingest quarantines that event instead of failing the batch or
folding an impossible fact. The bounds and their reasons: docs/architecture.md, "Ingest checks" (Limits).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from shared import errors, es_cl
from shared.events import catalog, envelope, inventory, purchases, registry, returns, rules, sales, shifts

INT4_MIN: Final = -(2**31)
INT4_MAX: Final = 2**31 - 1
INT8_MIN: Final = -(2**63)
INT8_MAX: Final = 2**63 - 1
MAX_AMOUNT: Final = 10**15
"""Largest amount in CLP (either sign) the master folds."""
QUANTITY_LIMIT: Final = Decimal("999999999.9995")
"""``numeric(12,3)`` holds below 10⁹ after PostgreSQL rounds to 3 places (half away from zero)."""

_MILLI: Final = Decimal("0.001")
_STEPS = {3: _MILLI, 6: Decimal("0.000001")}

Check = Callable[[envelope.Envelope, Any], "str | None"]


def problem(entry: envelope.Envelope, event: Any) -> str | None:
    """Why ``event`` (decoded from ``entry``) cannot be folded into the master's columns, or None when it can.

    The reason is Spanish text that names the field (``lines[2].quantity``) and the value, for the quarantine.
    Every event type of the registry has its domain rules; a type outside it has nothing to check.
    """
    check = CHECKS.get(type(event))
    return None if check is None else check(entry, event)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _integer(field: str, value: int, low: int, high: int) -> str | None:
    if low <= value <= high:
        return None
    if high == MAX_AMOUNT:
        bound = f"±{es_cl.number(MAX_AMOUNT)} pesos"
    else:
        bound = f"de {es_cl.number(low)} a {es_cl.number(high)}"
    return f"el campo {field} ({_shown(value)}) está fuera del rango que el servidor puede guardar ({bound})"


def _amounts(prefix: str, obj: Any, names: tuple[str, ...]) -> str | None:
    for name in names:
        if (reason := _integer(prefix + name, getattr(obj, name), -MAX_AMOUNT, MAX_AMOUNT)) is not None:
            return reason
    return None


def _fits(q: Decimal) -> bool:
    """The usual quantity, cheaply: below 10⁸ (``adjusted`` is the exponent of its first digit) and exact at 3
    places. False is not a verdict (NaN, infinities, 10⁸..10⁹ are left to :func:`_quantity`)."""
    try:
        return q.adjusted() < 8 and q == q.quantize(_MILLI)
    except ArithmeticError:  # quantize of an infinity or a signalling NaN
        return False


def _quantity(field: str, value: Decimal, places: int = 3) -> str | None:
    """Why ``value`` does not fit a ``numeric(.., 3)`` quantity below 10⁹ with at most ``places`` decimals."""
    if not value.is_finite():
        return f"el campo {field} ({_shown(value)}) no es un número finito"
    if not -QUANTITY_LIMIT < value < QUANTITY_LIMIT:
        return (f"el campo {field} ({_shown(value)}) está fuera del rango que el servidor puede guardar"
                " (menos de 1.000.000.000)")
    if value != value.quantize(_STEPS[places]):  # below 10⁹: quantize cannot overflow the context's precision
        return f"el campo {field} ({_shown(value)}) tiene más de {places} decimales"
    return None


def _timestamp(field: str, text: str) -> str | None:
    # What PostgreSQL's timestamptz input and Python's fromisoformat both read: a calendar date, "T" or a space,
    # hh:mm, then optional seconds, fraction (with a dot) and offset. The slices reject, cheaply, the forms only
    # Python reads (hour alone, week dates, a comma before the fraction); fromisoformat checks the calendar.
    if (len(text) >= 16 and text[4] == "-" and text[7] == "-" and text[10] in "T " and text[13] == ":"
            and "," not in text):
        try:
            datetime.fromisoformat(text)
            return None
        except ValueError:
            pass
    return f"el campo {field} ({_shown(text)!r}) no es una fecha y hora ISO 8601 válida (aaaa-mm-ddThh:mm:ss±hh:mm)"


def _document(prefix: str, d: sales.DocumentStamped | None) -> str | None:
    if d is None or (INT4_MIN <= d.tipo <= INT4_MAX and INT8_MIN <= d.folio <= INT8_MAX
                     and _timestamp("", d.stamped_at) is None):
        return None
    return (_integer(prefix + "tipo", d.tipo, INT4_MIN, INT4_MAX)
            or _integer(prefix + "folio", d.folio, INT8_MIN, INT8_MAX)
            or _timestamp(prefix + "stamped_at", d.stamped_at))


def document(d: sales.DocumentStamped) -> str | None:
    """Why a stamped document cannot be recorded in ``dte_documents`` (tipo ``integer``, folio ``bigint``, a
    ``stamped_at`` the DTE pipeline and the RVD read), or None when it can; for the documents of sales and returns
    quarantined for another value (``syncserver.ingest.push``)."""
    return _document("document.", d)


_SALE_AMOUNTS = ("total", "neto", "iva", "exento", "discount", "rounding", "change")
_LINE_AMOUNTS = ("unit_price", "discount", "amount")
_TENDER_AMOUNTS = ("amount", "received")
_A: Final = MAX_AMOUNT


def _lines_fit(lines: tuple[sales.LineSold, ...]) -> bool:
    try:
        for x in lines:
            q = x.quantity  # as in _fits, inlined: this runs for every line of every sale
            if not (q.adjusted() < 8 and q == q.quantize(_MILLI) and INT4_MIN <= x.line_id <= INT4_MAX
                    and -_A <= x.unit_price <= _A and -_A <= x.discount <= _A and -_A <= x.amount <= _A):
                return False
    except ArithmeticError:
        return False
    return True


def _sale(entry: envelope.Envelope, e: sales.SaleCompleted) -> str | None:
    # The usual sale passes the first test of each part (one chained comparison per value); only a failing part
    # is walked again, field by field, to name the culprit.
    if not (INT8_MIN <= e.number <= INT8_MAX and -_A <= e.total <= _A and -_A <= e.neto <= _A
            and -_A <= e.iva <= _A and -_A <= e.exento <= _A and -_A <= e.discount <= _A
            and -_A <= e.rounding <= _A and -_A <= e.change <= _A):
        return _integer("number", e.number, INT8_MIN, INT8_MAX) or _amounts("", e, _SALE_AMOUNTS)
    if not _lines_fit(e.lines):
        for n, x in enumerate(e.lines):
            reason = (_integer(f"lines[{n}].line_id", x.line_id, INT4_MIN, INT4_MAX)
                      or _amounts(f"lines[{n}].", x, _LINE_AMOUNTS) or _quantity(f"lines[{n}].quantity", x.quantity))
            if reason is not None:
                return reason
    for n, t in enumerate(e.tenders):
        if not (-_A <= t.amount <= _A and -_A <= t.received <= _A):
            return _amounts(f"tenders[{n}].", t, _TENDER_AMOUNTS)
    return _timestamp("occurred_at", entry.occurred_at) or _document("document.", e.document)


def _returned(entry: envelope.Envelope, e: returns.ReturnCompleted) -> str | None:
    """A return reaches ``returns`` (amounts, the original document), ``return_lines`` and ``stock`` (quantities),
    ``return_refunds``, ``dte_documents`` (its nota de crédito), and HQ reads its ``occurred_at`` as a date."""
    reason = (_amounts("", e, ("total", "neto", "iva", "exento"))
              or _integer("original_tipo", e.original_tipo, INT4_MIN, INT4_MAX)
              or _integer("original_folio", e.original_folio, INT8_MIN, INT8_MAX))
    for n, x in enumerate(e.lines):
        reason = reason or (_integer(f"lines[{n}].line_id", x.line_id, INT4_MIN, INT4_MAX)
                            or _amounts(f"lines[{n}].", x, ("unit_price", "amount"))
                            or _quantity(f"lines[{n}].quantity", x.quantity))
    for n, t in enumerate(e.refunds):
        reason = reason or _amounts(f"refunds[{n}].", t, _TENDER_AMOUNTS)
    return reason or _timestamp("occurred_at", entry.occurred_at) or _document("document.", e.document)


def _stock(_entry: envelope.Envelope, e: catalog.StockAdjusted) -> str | None:
    return None if _fits(e.delta) else _quantity("delta", e.delta)


def _product(_entry: envelope.Envelope, e: catalog.ProductUpserted) -> str | None:
    return _integer("price", e.price, -MAX_AMOUNT, MAX_AMOUNT)


def _shift_opened(_entry: envelope.Envelope, e: shifts.ShiftOpened) -> str | None:
    return _integer("number", e.number, INT4_MIN, INT4_MAX) or _amounts("", e, ("opening_float",))


def _cash_moved(_entry: envelope.Envelope, e: shifts.CashMoved) -> str | None:
    return _amounts("", e, ("amount",))


def _shift_closed(_entry: envelope.Envelope, e: shifts.ShiftClosed) -> str | None:
    for name in ("counted", "expected"):
        for n, c in enumerate(getattr(e, name)):
            if (reason := _amounts(f"{name}[{n}].", c, ("amount",))) is not None:
                return reason
    return None


def _purchase(_entry: envelope.Envelope, e: purchases.PurchaseReceived) -> str | None:
    reason = (_integer("tipo", e.tipo, INT4_MIN, INT4_MAX) or _integer("folio", e.folio, INT8_MIN, INT8_MAX)
              or _amounts("", e, ("neto", "exento", "iva", "total", "other_taxes")))
    if reason is not None:
        return reason
    if not _is_date(e.fecha_emision):
        return f"el campo fecha_emision ({_shown(e.fecha_emision)!r}) no es una fecha ISO 8601 válida (aaaa-mm-dd)"
    for n, x in enumerate(e.lines):
        reason = (_integer(f"lines[{n}].line_no", x.line_no, INT4_MIN, INT4_MAX)
                  or _amounts(f"lines[{n}].", x, ("unit_cost", "amount", "cost"))
                  or _quantity(f"lines[{n}].quantity", x.quantity, 6)
                  or _package(f"lines[{n}].package_factor", x))
        if reason is not None:
            return reason
    return None


def _package(field: str, x: purchases.PurchaseLine) -> str | None:
    """Why a line's units per package is not one a till writes (more than 0, at most ``MAX_PACKAGE_FACTOR``, 3
    decimals), or its quantity in the store's units does not fit the stock column."""
    factor, most = x.package_factor, purchases.MAX_PACKAGE_FACTOR
    if not factor.is_finite() or not 0 < factor <= most:
        return f"el campo {field} ({_shown(factor)}) debe ser mayor que 0 y a lo más {es_cl.number(int(most))}"
    if factor == 1:  # the quantity as written (up to 6 decimals, checked above) is the store's
        return None
    return _quantity(field, factor) or _quantity(field.replace("package_factor", "quantity × package_factor"),
                                                 x.store_quantity)


def _is_date(text: str) -> bool:
    """``aaaa-mm-dd`` and in the calendar (fromisoformat alone would also take ``aaaammdd`` and week dates)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _moved(entry: envelope.Envelope, _e: Any) -> str | None:
    """Goods moved in the back office reach the kardex with the journal's time (``timestamptz``)."""
    return _timestamp("occurred_at", entry.occurred_at)


def _incoming(entry: envelope.Envelope, e: inventory.TransferIncoming) -> str | None:
    return _timestamp("sent_at", e.sent_at) or _moved(entry, e)


_RANGES: dict[type[Any], Check] = {
    sales.SaleCompleted: _sale,
    returns.ReturnCompleted: _returned,
    catalog.StockAdjusted: _stock,
    catalog.ProductUpserted: _product,
    shifts.ShiftOpened: _shift_opened,
    shifts.CashMoved: _cash_moved,
    shifts.ShiftClosed: _shift_closed,
    purchases.PurchaseReceived: _purchase,
    inventory.TransferSent: _moved,
    inventory.TransferIncoming: _incoming,
    inventory.TransferReceived: _moved,
    inventory.CountPosted: _moved,
    inventory.MermaRecorded: _moved,
    inventory.SupplierReturned: _moved,
}


IMPOSSIBLE: Final = "hecho imposible"
"""How the reason of an event that breaks a domain rule begins (HQ's quarantine page, the tests)."""


def _ruled(rule: rules.Rule, ranges: Check | None) -> Check:
    """The range check (if any) then the domain rule, as one check."""
    def check(entry: envelope.Envelope, event: Any) -> str | None:
        if ranges is not None and (reason := ranges(entry, event)) is not None:
            return reason
        try:
            reason = rule(event)
        except (ArithmeticError, TypeError, ValueError, AttributeError, errors.PosError):
            reason = rules.problem(event)  # words the failure as the till would
        return None if reason is None else f"{IMPOSSIBLE}: {reason}"
    return check


CHECKS: dict[type[Any], Check] = {cls: _ruled(rules.RULES[cls], _RANGES.get(cls)) for cls in registry.EVENT_CLASSES}
"""The check of each event type: what its columns hold, then its domain rules (``shared.events.rules``)."""

