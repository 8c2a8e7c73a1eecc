"""Hypothesis strategies of every event type: valid events built the way the till builds them (``shared.sale``'s
cart, totals and settlement, the returns service's credit, ``shared.shift``'s close), and payloads mutated the way
an attacker or a bug would (sign flips, huge texts, NaN and infinities, wrong types, missing fields, extra nesting).

For ``tests/shared/events/test_rules.py`` (a few examples each, in the suite) and ``scripts/fuzz`` (many):

    from tests.shared.events import strategies
    strategies.valid_events()          # any event of the registry that keeps its rules
    strategies.mutations()             # (type, version, payload, kind, path, original): one mutated payload
    strategies.verdict(type, version, payload)   # None (accepted) or the Spanish reason; never raises
    strategies.must_refuse(kind, type, path, original)   # whether that mutation must be refused
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from stdnum.cl import rut as stdnum_rut

from desktop.services.returns import refunds_for
from shared import catalog, errors, money, roles
from shared import sale as sale_mod
from shared import shift as shift_mod
from shared.dte import documents
from shared.events import (
    auth,
    customers,
    emisor,
    fiado,
    folios,
    inventory,
    purchases,
    registry,
    returns,
    rules,
    sales,
    shifts,
    stores,
    till,
)
from shared.events import catalog as catalog_events

CODEC = registry.build_codec()
HUGE = "x" * (1024 * 1024 + 1)
"""Longer than every text limit of ``shared.events.rules`` (1 MB and a character)."""
GTINS = [(), ("7801234567894",), ("7801234567894", "7801610001196")]
SIGNED = {("sale.completed", "rounding"), ("shift.closed", "expected.amount"), ("stock.adjusted", "delta"),
          ("inventory.count_posted", "lines.expected")}
"""Fields that may be negative (``path`` without list indexes): a sign flip of them may be a valid event."""

_ids = st.uuids().map(str)
_words = st.text(st.sampled_from("abcdefghijklmnñopqrstuvwxyzáéíóú ABCDEFGHIJKLMNÑOPQRSTUVWXYZ0123456789-."),
                 min_size=1, max_size=30).map(lambda s: s.strip() or "x")


def _rut(body: int) -> str:
    return f"{body}-{stdnum_rut.calc_check_digit(str(body))}"


ruts = st.integers(1_000_000, 99_999_999).filter(lambda b: b != 66_666_666).map(_rut)


@st.composite
def products(draw: st.DrawFn) -> catalog.Product:
    sold_by = draw(st.sampled_from(catalog.SoldBy))
    sku = draw(st.from_regex(r"[A-Z0-9\-]{1,20}", fullmatch=True))
    return catalog.Product(sku, draw(_words), draw(st.integers(0, 50_000)), draw(_words), sold_by,
                           iva_exempt=draw(st.booleans()))


def _quantity(draw: st.DrawFn, product: catalog.Product) -> Decimal:
    if product.weighed:
        return Decimal(draw(st.integers(1, 99_999))) / 1000
    return Decimal(draw(st.integers(1, 20)))


@st.composite
def carts(draw: st.DrawFn) -> sale_mod.Sale:
    """A cart as the checkout fills it: scans, deli labels, line and sale discounts (within their bounds)."""
    cart = sale_mod.Sale(sale_id=draw(_ids))
    for n in range(draw(st.integers(1, 6))):
        product = draw(products())
        product = replace(product, sku=f"{product.sku}-{n}" if draw(st.booleans()) else product.sku)
        if any(x.sku == product.sku and x.sold_by is not product.sold_by for x in cart.lines):
            continue  # one SKU is one product: unit or weighed, never both
        label = draw(st.integers(1, 20_000))
        if product.weighed and product.price * 99 >= label and draw(st.booleans()):
            cart = cart.add_priced(product, label)
        else:
            cart = cart.add(product, _quantity(draw, product))
    for line in cart.lines:
        if draw(st.booleans()):
            cart = cart.discount_line(line.line_id, draw(st.integers(0, line.gross)))
    subtotal = cart.totals().subtotal
    if draw(st.booleans()):
        cart = cart.discount_sale(draw(st.integers(0, subtotal)))
    return cart


@st.composite
def tenders(draw: st.DrawFn, total: int) -> tuple[sale_mod.Tender, ...]:
    """Tenders that pay ``total`` as ``shared.sale.settle`` accepts them."""
    cash, debit, fiado = sale_mod.TenderKind.CASH, sale_mod.TenderKind.DEBIT, sale_mod.TenderKind.FIADO
    how = draw(st.sampled_from(["cash", "card", "mixed", "fiado"]))
    if total == 0 or how == "card":
        return () if total == 0 else (sale_mod.Tender(debit, total),)
    if how == "fiado":  # on the customer's account: all of it, or part and the rest in cash
        on_credit = draw(st.integers(1, total))
        if on_credit == total:
            return (sale_mod.Tender(fiado, total),)
        return (sale_mod.Tender(fiado, on_credit), sale_mod.Tender(cash, money.round_cash(total - on_credit)))
    if how == "mixed" and total > 1:
        card = draw(st.integers(1, total - 1))
        due = money.round_cash(total - card)
        return (sale_mod.Tender(debit, card), sale_mod.Tender(cash, due + draw(st.integers(0, 20_000))))
    due = money.round_cash(total)
    if due == 0:
        return (sale_mod.Tender(cash, 0),)
    return (sale_mod.Tender(cash, due + draw(st.integers(0, 20_000))),)


@st.composite
def customer_data(draw: st.DrawFn) -> sales.CustomerData:
    return sales.CustomerData(draw(ruts), draw(_words), draw(_words), draw(_words), draw(_words.map(lambda s: s[:20])))


def _stamp(tipo: int, folio: int) -> sales.DocumentStamped:
    return sales.DocumentStamped(tipo, folio, f"<TED version=\"1.0\"><DD><TD>{tipo}</TD><F>{folio}</F></DD></TED>",
                                 "2026-11-20T10:15:00")


@st.composite
def sale_events(draw: st.DrawFn) -> sales.SaleCompleted:
    """``SaleCompleted`` as ``desktop.services.checkout.CheckoutService.complete`` builds it."""
    cart = draw(carts())
    totals = cart.totals()
    paid = draw(tenders(totals.total))
    settlement = cart.settle(paid)
    merged: dict[sale_mod.TenderKind, int] = {}
    for t in paid:
        merged[t.kind] = merged.get(t.kind, 0) + t.amount
    event = sales.SaleCompleted(
        sale_id=cart.sale_id, number=draw(st.integers(1, 10**6)), shift_id=draw(_ids), cashier_id=draw(_ids),
        lines=tuple(sales.LineSold(x.line_id, x.sku, x.name, x.unit_price, x.quantity, x.sold_by.value,
                                   x.iva_exempt, x.discount, x.amount, x.code,
                                   draw(st.one_of(st.none(), st.integers(0, 10**6)))) for x in cart.lines),
        discount=totals.discount, total=totals.total, affected=totals.affected, exento=totals.exento,
        neto=totals.neto, iva=totals.iva,
        tenders=tuple(sales.TenderTaken(k.value, v, settlement.cash_due if k is sale_mod.TenderKind.CASH else v)
                      for k, v in merged.items()),
        rounding=settlement.rounding, change=settlement.change)
    on_credit = merged.get(sale_mod.TenderKind.FIADO, 0)
    if on_credit or draw(st.booleans()):  # a customer attached: for fiado, or just to know who bought
        charge = fiado.FiadoCharge(on_credit, draw(st.integers(-10**6, 10**6)), draw(st.integers(0, 10**7)),
                                   draw(st.sampled_from(["", "u-marta"]))) if on_credit else None
        event = replace(event, customer_id=draw(_ids), fiado=charge)
    exempt = all(x.iva_exempt for x in cart.lines)
    document = draw(st.sampled_from(["none", "boleta", "factura"]))
    folio = draw(st.integers(1, 10**6))
    if document == "boleta":
        event = replace(event, document=_stamp(41 if exempt else 39, folio))
    elif document == "factura":
        event = replace(event, document=_stamp(34 if exempt else 33, folio), customer=draw(customer_data()))
    return event


@st.composite
def return_events(draw: st.DrawFn) -> returns.ReturnCompleted:
    """``ReturnCompleted`` as ``desktop.services.returns.ReturnService.complete`` builds it (one return of a sale)."""
    sale = draw(sale_events())
    credit = {x.line_id: linea.monto for x, linea in zip(sale.lines, documents.lineas_desde_venta(sale), strict=True)}
    lines = []
    for x in sale.lines:
        if not draw(st.booleans()) and lines:
            continue
        step = Decimal("0.001") if x.sold_by == "kg" else Decimal(1)
        quantity = step * draw(st.integers(1, int(x.quantity / step)))
        amount = credit[x.line_id] if quantity == x.quantity else money.round_half_up(
            credit[x.line_id] * quantity / x.quantity)
        lines.append(returns.LineReturned(x.line_id, x.sku, x.name, x.unit_price, quantity, x.sold_by, x.iva_exempt,
                                          amount))
    t = documents.calcular_totales(documents.TipoDTE.NOTA_CREDITO,
                                   tuple(documents.linea_acreditada(x) for x in lines), montos_brutos=True)
    refunds = refunds_for(sale, t.total)
    original = sale.document or _stamp(39, 1)
    return returns.ReturnCompleted(
        return_id=draw(_ids), sale_id=sale.sale_id, shift_id=draw(_ids), cashier_id=draw(_ids),
        supervisor_id=draw(_ids), reason=draw(_words), lines=tuple(lines), total=t.total, neto=t.neto, iva=t.iva,
        exento=t.exento, refunds=refunds, customer_id=sale.customer_id,
        original_tipo=original.tipo if original.tipo in (33, 34, 39, 41) else 39, original_folio=original.folio,
        full=draw(st.booleans()), document=_stamp(61, draw(st.integers(1, 10**6))))


@st.composite
def shift_events(draw: st.DrawFn) -> Any:
    """A shift's events as ``desktop.services.shifts`` and ``shared.shift`` build them."""
    opened = shifts.ShiftOpened(draw(_ids), draw(st.integers(1, 10**5)), draw(_ids), draw(st.integers(0, 10**6)))
    kind = draw(st.sampled_from(["opened", "moved", "closed"]))
    if kind == "opened":
        return opened
    if kind == "moved":
        return shifts.CashMoved(opened.shift_id, draw(st.sampled_from(["in", "out"])), draw(st.integers(1, 10**6)),
                                draw(_words), draw(_ids))
    shift = shift_mod.Shift.open(opened)
    counted = {k: draw(st.integers(0, 10**6)) for k in sale_mod.COUNTED_TENDERS if draw(st.booleans())}
    return shift.close(counted, draw(_ids))


@st.composite
def auth_events(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["enrolled", "authorised", "rejected", "drawer", "signed_in"]))
    if kind == "enrolled":
        return auth.UserEnrolled(draw(_ids), draw(_words), draw(st.sampled_from(roles.Role)).value,
                                 "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", draw(st.booleans()))
    if kind == "authorised":
        return auth.Authorised(draw(st.sampled_from(roles.Action)).value, draw(_ids), draw(_ids), draw(_words),
                               draw(st.sampled_from(["", "v-1"])), draw(_words), draw(st.sampled_from(["", "t-1"])))
    if kind == "rejected":
        return auth.PinRejected(draw(_ids), draw(st.integers(1, 10)),
                                draw(st.sampled_from(["", "2026-11-20T10:20:00-03:00"])))
    if kind == "drawer":
        return auth.DrawerOpened(draw(_ids), draw(_ids), draw(_words))
    return auth.SignedIn(draw(_ids))


@st.composite
def catalog_events_(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["product", "stock", "categories", "customer"]))
    if kind == "product":
        p = draw(products())
        return catalog_events.ProductUpserted(p.sku, p.name, p.price, p.category, p.sold_by.value,
                                              draw(st.sampled_from(GTINS)),
                                              draw(st.sampled_from([None, "123"])), "", p.iva_exempt, False,
                                              draw(st.booleans()), draw(st.sampled_from(["store", "hq"])))
    if kind == "stock":
        return catalog_events.StockAdjusted(draw(products()).sku,
                                            Decimal(draw(st.integers(-10**6, 10**6))) / 1000, draw(_words))
    if kind == "categories":
        return catalog_events.CategoriesOrdered(tuple(draw(st.lists(_words, max_size=5))))
    c = draw(customer_data())
    return customers.CustomerSaved(c.rut, c.razon_social, c.giro, c.direccion, c.comuna)


@st.composite
def hq_events(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["lease", "emisor", "store", "card_model"]))
    if kind == "card_model":
        return emisor.CardModelReceived(draw(st.sampled_from(["boleta", "voucher"])),
                                        draw(_words.map(lambda s: s[:40])),
                                        draw(st.sampled_from(["", "2026-12-07T09:30:00+00:00"])))
    if kind == "lease":
        desde = draw(st.integers(1, 10**6))
        return folios.FolioLeaseReceived(draw(st.sampled_from([33, 34, 39, 41, 61])), desde,
                                         desde + draw(st.integers(0, 1000)), "<AUTORIZACION/>",
                                         draw(st.integers(0, 5)), draw(st.sampled_from(["hq", "caf-file"])))
    if kind == "emisor":
        return emisor.EmisorReceived(draw(ruts), draw(_words), draw(_words), draw(_words),
                                     draw(_words.map(lambda s: s[:20])), "Santiago", (523010,), None,
                                     draw(st.sampled_from(["", "2014-08-22"])), 80, "Santiago Centro")
    return stores.StoreReceived(draw(_ids), draw(_words), "Av. Siempre Viva 742", "Ñuñoa", "Santiago",
                                draw(st.sampled_from([None, 12345])), draw(st.booleans()))


@st.composite
def till_events(draw: st.DrawFn) -> till.LineRemoved:
    sale = draw(sale_events())
    x = sale.lines[0]
    return till.LineRemoved(sale.sale_id, x.line_id, x.sku, x.name, x.quantity, x.amount, sale.cashier_id,
                            sale.shift_id, draw(st.sampled_from(["", "cliente no lo quiso"])),
                            draw(st.sampled_from(["", "sup-1"])))


@st.composite
def purchase_events(draw: st.DrawFn) -> purchases.PurchaseReceived:
    """A supplier's factura as ``desktop.services.purchases`` registers it (amounts as on paper)."""
    lines = []
    for n in range(1, draw(st.integers(1, 5)) + 1):
        quantity = Decimal(draw(st.integers(1, 10**6))) / 100
        cost = draw(st.integers(0, 10**6))
        lines.append(purchases.PurchaseLine(n, draw(st.sampled_from(["", "A-1"])), None, draw(_words), quantity, "UN",
                                            int(cost / quantity), cost, cost, False,
                                            draw(st.sampled_from([None, "SKU-1"])), "",
                                            Decimal(draw(st.sampled_from([1, 6, 12])))))
    neto = sum(x.cost for x in lines)
    iva = money.iva_of_neto(neto)
    return purchases.PurchaseReceived(draw(_ids), purchases.Supplier(draw(ruts), draw(_words), draw(_words)),
                                      draw(st.sampled_from(sorted(purchases.ACCEPTED_TIPOS))),
                                      draw(st.integers(1, 10**6)),
                                      "2026-11-18", "centro", tuple(lines), neto, 0, iva, neto + iva, "ab" * 32,
                                      draw(st.booleans()))


_skus = st.from_regex(r"[A-Z0-9\-]{1,20}", fullmatch=True)
_stock_quantities = st.integers(1, 10**7).map(lambda n: Decimal(n) / 1000)
_warehouses = st.sampled_from(["centro", "centro-bodega", "norte", "norte-bodega"])


@st.composite
def _goods(draw: st.DrawFn, make: Any) -> tuple[Any, ...]:
    """1..5 lines of distinct SKUs built by ``make(draw, sku)``."""
    skus = draw(st.lists(_skus, min_size=1, max_size=5, unique=True))
    return tuple(make(draw, sku) for sku in skus)


@st.composite
def inventory_events(draw: st.DrawFn) -> Any:
    """The back office's events as the till's services build them (``shared.events.inventory``)."""
    kind = draw(st.sampled_from(["sent", "incoming", "received", "started", "posted", "merma", "returned",
                                 "supplier", "product", "settings"]))
    costs = st.integers(0, 10**6)
    transfer = draw(_goods(lambda d, sku: inventory.TransferLine(sku, d(_words), d(_stock_quantities), d(costs))))
    src, dst = draw(st.lists(_warehouses, min_size=2, max_size=2, unique=True))
    if kind == "sent":
        return inventory.TransferSent(draw(_ids), src, draw(st.sampled_from(["centro", "norte"])), dst, transfer,
                                      draw(_ids), draw(st.sampled_from(["", "reposición"])))
    if kind == "incoming":
        return inventory.TransferIncoming(draw(_ids), "centro", src, dst, transfer, draw(_ids),
                                          "2026-12-07T10:15:00-03:00")
    if kind == "received":
        lines = draw(_goods(lambda d, sku: inventory.ReceivedLine(sku, d(_words), d(_stock_quantities),
                                                                  d(st.integers(0, 10**7).map(
                                                                      lambda n: Decimal(n) / 1000)), d(costs))))
        return inventory.TransferReceived(draw(_ids), "centro", dst, lines, draw(_ids))
    if kind == "started":
        return inventory.CountStarted(draw(_ids), src, draw(st.sampled_from(["", "lácteos"])), draw(_ids))
    if kind == "posted":
        lines = draw(_goods(lambda d, sku: inventory.CountLine(
            sku, d(_words), Decimal(d(st.integers(-10**6, 10**6))) / 1000, Decimal(d(st.integers(0, 10**6))) / 1000)))
        return inventory.CountPosted(draw(_ids), src, lines, draw(_words), draw(_ids), draw(_ids))
    if kind == "merma":
        return inventory.MermaRecorded(draw(_ids), src, draw(_skus), draw(_words), draw(_stock_quantities),
                                       draw(st.sampled_from(inventory.MERMA_REASONS)), draw(costs), draw(_ids),
                                       draw(st.sampled_from(["", "sup-1"])))
    if kind == "returned":
        lines = draw(_goods(lambda d, sku: inventory.SupplierReturnLine(sku, d(_words), d(_stock_quantities),
                                                                        d(costs))))
        return inventory.SupplierReturned(draw(_ids), draw(ruts), src, lines, draw(_words), draw(_ids),
                                          draw(st.sampled_from(["", "p-1"])))
    if kind == "supplier":
        return inventory.SupplierSaved(draw(ruts), draw(_words), draw(_words), draw(st.sampled_from(["", "Raúl"])),
                                       "", draw(st.sampled_from(["", "ventas@nuble.cl"])), draw(st.booleans()))
    if kind == "product":
        return inventory.StoreProductSet(draw(_skus), draw(st.one_of(st.none(), st.integers(0, 10**6))),
                                         draw(st.one_of(st.none(), st.integers(0, 10**5).map(Decimal))),
                                         draw(st.sampled_from(["", "Pasillo 3"])), draw(st.booleans()), draw(_ids))
    return inventory.InventorySettingsReceived(draw(st.sampled_from(inventory.COSTING_METHODS)), draw(st.booleans()),
                                               draw(st.integers(0, 10**6)))


def valid_events() -> st.SearchStrategy[Any]:
    """Any event type of the registry, valid."""
    return st.one_of(sale_events(), return_events(), shift_events(), auth_events(), catalog_events_(), hq_events(),
                     till_events(), purchase_events(), inventory_events())


# --- mutations -----------------------------------------------------------------------------------------------

KINDS = ("sign", "huge", "nan", "wrong_type", "missing", "nested")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a payload (dict keys and list indexes)."""
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _get(payload: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        payload = payload[step]
    return payload


def _set(payload: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    """A copy of ``payload`` with ``path`` set to ``value`` (or removed)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(payload, dict):
        copy = dict(payload)
        if delete and not rest:
            del copy[head]
        else:
            copy[head] = _set(payload[head], rest, value, delete=delete)
        return copy
    copy_list = list(payload)
    copy_list[head] = _set(payload[head], rest, value, delete=delete)
    return copy_list


def _is_decimal_text(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True


def field_name(path: tuple[Any, ...]) -> str:
    """``lines.quantity`` for ``("lines", 2, "quantity")``."""
    return ".".join(str(p) for p in path if not isinstance(p, int))


@st.composite
def mutations(draw: st.DrawFn, events: st.SearchStrategy[Any] | None = None
              ) -> tuple[str, int, dict[str, Any], str, tuple[Any, ...], Any]:
    """``(type, version, mutated payload, kind, path, original value)`` of a valid event with one value changed."""
    event = draw(events if events is not None else valid_events())
    type_, version, payload = CODEC.encode(event)
    kind = draw(st.sampled_from(KINDS))
    paths = _paths(payload)
    if kind == "missing":
        keys = [p for p in paths if isinstance(p[-1], str)]
        path = draw(st.sampled_from(keys))
        return type_, version, _set(payload, path, None, delete=True), kind, path, _get(payload, path)
    if kind == "sign":
        numeric = [p for p in paths if (type(_get(payload, p)) is int and _get(payload, p) != 0)
                   or (_decimal_field(type_, p) and _get(payload, p) is not None
                       and Decimal(_get(payload, p)) != 0)]
        if not numeric:
            kind = "huge"
        else:
            path = draw(st.sampled_from(numeric))
            value = _get(payload, path)
            flipped = -value if type(value) is int else str(-Decimal(value))
            return type_, version, _set(payload, path, flipped), kind, path, value
    if kind == "nan":
        decimals = [p for p in paths if _is_decimal_text(_get(payload, p)) and _decimal_field(type_, p)]
        if not decimals:
            kind = "huge"
        else:
            path = draw(st.sampled_from(decimals))
            bad = draw(st.sampled_from(["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+999999", "1E-999999",
                                        "0." + "1" * 5000]))
            return type_, version, _set(payload, path, bad), kind, path, _get(payload, path)
    texts = [p for p in paths if type(_get(payload, p)) is str and not _decimal_field(type_, p)]
    if kind == "huge" and texts:
        path = draw(st.sampled_from(texts))
        return type_, version, _set(payload, path, HUGE), kind, path, _get(payload, path)
    if kind == "huge":
        kind = "wrong_type"
    path = draw(st.sampled_from(paths))
    value = _get(payload, path)
    if kind == "nested":
        return type_, version, _set(payload, path, draw(st.sampled_from([[value], {"v": value}]))), kind, path, value
    others = [x for x in (1, 2**70, True, "1", [], {}, 1.5) if type(x) is not type(value)]
    return type_, version, _set(payload, path, draw(st.sampled_from(others))), kind, path, value


def _decimal_field(type_: str, path: tuple[Any, ...]) -> bool:
    return field_name(path) in _DECIMAL_FIELDS.get(type_, ())


_DECIMAL_FIELDS = {
    "sale.completed": {"lines.quantity"}, "sale.returned": {"lines.quantity"}, "sale.line_removed": {"quantity"},
    "stock.adjusted": {"delta"}, "purchase.received": {"lines.quantity", "lines.package_factor"},
    "inventory.transfer_sent": {"lines.quantity"}, "inventory.transfer_incoming": {"lines.quantity"},
    "inventory.transfer_received": {"lines.sent", "lines.received"},
    "inventory.count_posted": {"lines.expected", "lines.counted"}, "inventory.merma_recorded": {"quantity"},
    "purchases.supplier_returned": {"lines.quantity"}, "catalog.store_product_set": {"min_stock"},
}


def verdict(type_: str, version: int, payload: Any) -> str | None:
    """What the master does with a payload: None when it decodes and keeps its type's rules, else the Spanish
    reason (the codec's or the rule's). Raises nothing else: an exception here is a bug the fuzzers report."""
    try:
        event = CODEC.decode(type_, version, payload)
    except errors.EventError as exc:
        return str(exc)
    return rules.problem(event)


def must_refuse(kind: str, type_: str, path: tuple[Any, ...], original: Any) -> bool:
    """Whether a mutation of ``kind`` at ``path`` must be refused: every one but a sign flip of a signed field,
    a type swap or nesting of an optional value, the removal of a field with a default, or a type swap that
    still reads as the same value (``1`` for ``"1"``)."""
    name = field_name(path)
    if kind == "sign":
        return (type_, name) not in SIGNED
    if kind in ("huge", "nan"):
        return True
    if kind == "missing":
        return name in _REQUIRED.get(type_, set())
    return not (original is None or name in _LOOSE.get(type_, set()))


_REQUIRED: dict[str, set[str]] = {}
_LOOSE: dict[str, set[str]] = {}


def _fields() -> None:
    """Which field names are required (no default), and which take an integer for their Decimal text."""
    import dataclasses
    import typing

    def walk(cls: type[Any], prefix: str, type_: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            name = prefix + f.name
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                _REQUIRED.setdefault(type_, set()).add(name)
            hint = hints[f.name]
            if hint is Decimal:
                _LOOSE.setdefault(type_, set()).add(name)  # a JSON integer is a valid Decimal
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            inner = args[0] if args else hint
            if dataclasses.is_dataclass(inner) and isinstance(inner, type):
                walk(inner, name + ".", type_)
    for cls in registry.EVENT_CLASSES:
        walk(cls, "", cls.TYPE)


_fields()
