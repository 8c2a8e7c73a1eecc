"""Stock movements and their cost: what each event does to the goods of a store (signed movements per warehouse) and
the cost those movements carry under PPP or FIFO, as one pure fold the till and the master both run.

Rules, rounding and sources: docs/inventory.md.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from shared import costing, errors
from shared import rut as rut_mod
from shared.events import catalog, envelope, inventory, purchases, returns, sales

KINDS: Final = ("venta", "devolucion", "compra", "devolucion_proveedor", "traslado_salida", "traslado_entrada",
                "toma", "merma", "ajuste")
"""What moved the goods (the kardex's column "Movimiento")."""
METHODS: Final = inventory.COSTING_METHODS
ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)

MERMA_LABELS: Final = {"vencimiento": "vencimiento", "dano": "daño", "robo": "robo", "extravio": "extravío",
                       "consumo_interno": "consumo interno"}
"""How the kardex names each merma reason (``shared.events.inventory.MERMA_REASONS``)."""
TIPO_NAMES: Final = {
    30: "Factura", 32: "Factura exenta", 33: "Factura", 34: "Factura exenta", 35: "Boleta", 38: "Boleta exenta",
    39: "Boleta", 41: "Boleta exenta", 46: "Factura de compra", 50: "Guía de despacho", 52: "Guía de despacho",
    55: "Nota de débito", 56: "Nota de débito", 60: "Nota de crédito", 61: "Nota de crédito",
}
"""SII document types as the kardex names them."""


def _round(value: Decimal) -> int:
    """``value`` rounded half up (away from zero) to whole pesos."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


# --- movements -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lot:
    """Where goods of a FIFO layer came from: the supplier's RUT (``""`` unknown), their expiry (ISO date or
    ``""``) and the purchase that brought them (``""`` none)."""

    supplier_rut: str = ""
    expiry: str = ""
    purchase_id: str = ""


@dataclass(frozen=True, slots=True)
class Movement:
    """Goods of ``sku`` entering (``quantity > 0``) or leaving (``< 0``) ``warehouse``, in units or kg.

    ``value`` is the signed CLP neto the event itself fixes (a purchase line's cost, a transfer received at the
    sender's cost, goods credited to a supplier); None: the goods move at the book's cost (:func:`step`).
    ``document`` and ``who`` are what the kardex shows, ``reference`` the event's id (sale, purchase, transfer...).
    ``lot`` is the FIFO trace of goods bought (or, for goods back to a supplier, the purchase to take them from).
    ``internal``: one half of a transfer between two warehouses of the same store: it moves quantity, never cost.
    """

    kind: str
    warehouse: str
    sku: str
    quantity: Decimal
    value: int | None
    document: str
    reference: str
    who: str
    lot: Lot | None = None
    internal: bool = False


def warehouse_name(store_id: str, warehouse: str) -> str:
    """How the kardex names a warehouse of ``store_id``: "Sala de ventas" (the store's own id), "Bodega"
    (``<store>-bodega``), else its id."""
    if warehouse == store_id:
        return "Sala de ventas"
    if warehouse == f"{store_id}-bodega":
        return "Bodega"
    return warehouse


def _shown_rut(value: str) -> str:
    try:
        return rut_mod.format(value)
    except errors.InvalidRut:
        return value


def _sale_document(e: sales.SaleCompleted) -> str:
    if e.document is None:
        return f"Venta N° {e.number}"
    return f"{TIPO_NAMES.get(e.document.tipo, f'Documento {e.document.tipo}')} N° {e.document.folio}"


def _line_value(unit_cost: int, quantity: Decimal) -> int:
    return _round(Decimal(unit_cost) * quantity)


def movements(store_id: str, entry: envelope.Envelope | None, event: object) -> list[Movement]:
    """The signed stock movements of ``event`` journaled by a till of ``store_id`` (``entry`` is its envelope;
    unused today, kept so a movement may one day depend on the journal's metadata).

    Sales leave and returns come back to the store's sala de ventas (its own id); purchases, supplier returns,
    counts, mermas and transfers name their warehouse. An internal transfer (to a warehouse of the same store)
    gives two movements, out then in; a transfer to another store gives its exit, and the goods enter there when
    that store journals the :class:`~shared.events.inventory.TransferReceived`. Events that move no goods give
    ``[]``. Quantities are as the events carry them (already checked by ``shared.events.rules``).
    """
    del entry
    if isinstance(event, sales.SaleCompleted):
        doc = _sale_document(event)
        return [Movement("venta", store_id, x.sku, -x.quantity, None, doc, event.sale_id, event.cashier_id)
                for x in event.lines]
    if isinstance(event, returns.ReturnCompleted):
        doc = (f"Nota de crédito N° {event.document.folio}" if event.document is not None
               else f"Devolución de {TIPO_NAMES.get(event.original_tipo, 'venta')} N° {event.original_folio}")
        return [Movement("devolucion", store_id, x.sku, x.quantity, None, doc, event.return_id, event.cashier_id)
                for x in event.lines]
    if isinstance(event, purchases.PurchaseReceived):
        return _purchase(event)
    if isinstance(event, catalog.StockAdjusted):
        return [Movement("ajuste", store_id, event.sku, event.delta, None, f"Ajuste: {event.reason}", "", "")]
    if isinstance(event, inventory.SupplierReturned):
        doc = f"Devolución a proveedor · {_shown_rut(event.supplier_rut)}" + (
            f" · {event.document}" if event.document else "")
        trace = Lot(event.supplier_rut, "", event.purchase_id)
        return [Movement("devolucion_proveedor", event.warehouse, x.sku, -x.quantity,
                         -_line_value(x.unit_cost, x.quantity), doc, event.return_id, event.returned_by, trace)
                for x in event.lines]
    if isinstance(event, inventory.TransferSent):
        return _transfer_sent(store_id, event)
    if isinstance(event, inventory.TransferReceived):
        doc = f"Traslado desde tienda {event.from_store}"
        return [Movement("traslado_entrada", event.to_warehouse, x.sku, x.received,
                         _line_value(x.unit_cost, x.received), doc, event.transfer_id, event.received_by)
                for x in event.lines if x.received != 0]
    if isinstance(event, inventory.CountPosted):
        return [Movement("toma", event.warehouse, x.sku, x.delta, None, "Toma de inventario", event.count_id,
                         event.approved_by) for x in event.lines if x.delta != 0]
    if isinstance(event, inventory.MermaRecorded):
        doc = f"Merma: {MERMA_LABELS.get(event.reason, event.reason)}"
        return [Movement("merma", event.warehouse, event.sku, -event.quantity, None, doc, event.merma_id,
                         event.recorded_by)]
    return []


def _purchase(e: purchases.PurchaseReceived) -> list[Movement]:
    doc = f"{TIPO_NAMES.get(e.tipo, 'Documento')} {e.tipo} N° {e.folio} · {_shown_rut(e.supplier.rut)}"
    return [Movement("compra", e.warehouse, x.sku, quantity, value, doc, e.purchase_id, e.registered_by,
                     Lot(e.supplier.rut, x.expiry, e.purchase_id) if quantity > 0 else None)
            for x, quantity, value in purchases.cost_lines(e) if x.sku is not None]


def _transfer_sent(store_id: str, e: inventory.TransferSent) -> list[Movement]:
    if e.to_store != store_id:
        doc = f"Traslado a tienda {e.to_store}"
        return [Movement("traslado_salida", e.from_warehouse, x.sku, -x.quantity, None, doc, e.transfer_id,
                         e.sent_by) for x in e.lines]
    out_doc = f"Traslado a {warehouse_name(store_id, e.to_warehouse)}"
    in_doc = f"Traslado desde {warehouse_name(store_id, e.from_warehouse)}"
    moved: list[Movement] = []
    for x in e.lines:
        moved.append(Movement("traslado_salida", e.from_warehouse, x.sku, -x.quantity, None, out_doc, e.transfer_id,
                              e.sent_by, internal=True))
        moved.append(Movement("traslado_entrada", e.to_warehouse, x.sku, x.quantity, None, in_doc, e.transfer_id,
                              e.sent_by, internal=True))
    return moved


# --- cost state ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layer:
    """A FIFO layer: ``quantity`` (> 0) of goods still on hand worth ``value`` CLP neto in all (their unit cost is
    ``value / quantity``; keeping the total, not a rounded unit cost, makes the layers add up to the peso)."""

    quantity: Decimal
    value: int
    lot: Lot | None = None

    @property
    def unit_cost(self) -> Decimal:
        """CLP neto per unit, to :data:`shared.costing.COST_PLACES`."""
        return costing.quantize(Decimal(self.value) / self.quantity)


@dataclass(frozen=True, slots=True)
class CostState:
    """The cost of one SKU in one store.

    ``avg`` is the PPP average (CLP neto per unit, 4 places; None: never costed), ``last`` the unit cost of the
    latest goods that entered with a value (None: never), ``layers`` the FIFO layers, oldest first (empty under
    PPP). Persisted as text with :meth:`to_json` / :meth:`from_json` by the till and the master.
    """

    avg: Decimal | None = None
    last: Decimal | None = None
    layers: tuple[Layer, ...] = ()

    @property
    def costed(self) -> bool:
        """Whether goods of this SKU ever entered with a value."""
        return self.last is not None or self.avg is not None or bool(self.layers)

    def to_json(self) -> str:
        """Compact JSON text, the same for equal states (Decimals as text)."""
        layers = [[str(x.quantity), x.value] + ([x.lot.supplier_rut, x.lot.expiry, x.lot.purchase_id] if x.lot else [])
                  for x in self.layers]
        return json.dumps({"avg": None if self.avg is None else str(self.avg),
                           "last": None if self.last is None else str(self.last), "layers": layers},
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CostState:
        """The state :meth:`to_json` wrote.

        Raises:
            InvalidInput: text that is not such a state (Spanish message).
        """
        return _parsed(text)

    @classmethod
    def _read(cls, text: str) -> CostState:
        try:
            data = json.loads(text)
            avg, last = data["avg"], data["last"]
            layers = tuple(Layer(_finite(q), _int(v), _lot(trace) if trace else None)
                           for q, v, *trace in data["layers"])
            return cls(None if avg is None else _finite(avg), None if last is None else _finite(last), layers)
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise errors.InvalidInput(f"el estado de costo guardado no se puede leer ({type(exc).__name__})") \
                from None


@functools.lru_cache(maxsize=2048)
def _parsed(text: str) -> CostState:
    """:meth:`CostState.from_json`, remembered: a state is immutable, and the checkout and the projection read the
    same text of a product in one sale."""
    return CostState._read(text)


def _finite(text: Any) -> Decimal:
    if type(text) is not str:
        raise TypeError(text)
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


def _lot(trace: list[Any]) -> Lot:
    rut, expiry, purchase_id = trace
    if type(rut) is not str or type(expiry) is not str or type(purchase_id) is not str:
        raise TypeError(trace)
    return Lot(rut, expiry, purchase_id)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


@dataclass(frozen=True, slots=True)
class Costed:
    """What a movement carries, as the kardex shows it: ``unit_cost`` CLP neto per unit (rounded half up) and its
    signed ``value`` in CLP neto."""

    unit_cost: int
    value: int


def current_cost(state: CostState, method: str) -> Decimal | None:
    """The cost one unit leaves at now, CLP neto (4 places): the PPP average, or under FIFO the oldest layer's
    unit cost (the last cost when no layer is left); None when never costed."""
    if method == "fifo":
        return state.layers[0].unit_cost if state.layers else state.last
    return state.avg if state.avg is not None else None


def step(state: CostState, movement: Movement, on_hand_before: Decimal, method: str) -> tuple[CostState, Costed]:
    """The cost ``movement`` carries and the state after it.

    Args:
        state: the SKU's cost in the store before the movement.
        movement: one of :func:`movements`.
        on_hand_before: the store's stock of the SKU before it, in every warehouse (may be negative).
        method: ``"ppp"`` or ``"fifo"`` (:data:`METHODS`).

    Returns:
        ``(new state, Costed)``. Deterministic and exact: the same inputs give the same state, on any machine.

    Raises:
        ValueError: an unknown ``method``.
    """
    if method not in METHODS:
        raise ValueError(f"método de costeo desconocido: {method!r}")
    state = _convert(state, on_hand_before, method)
    q = movement.quantity
    if movement.internal:  # between warehouses of one store: cost is per store, nothing changes
        cost = current_cost(state, method)
        return state, _at(cost, q)
    if method == "ppp":
        return _ppp(state, movement, on_hand_before)
    return _fifo(state, movement, on_hand_before)


def _at(cost: Decimal | None, quantity: Decimal) -> Costed:
    if cost is None:
        return Costed(0, 0)
    return Costed(_round(cost), _round(cost * quantity))


def _convert(state: CostState, on_hand: Decimal, method: str) -> CostState:
    """A state kept under the other method (the tenant changed it) as this method's: FIFO's layers become one
    average; a PPP average becomes one layer of what is on hand."""
    if method == "ppp" and state.avg is None and (state.layers or state.last is not None):
        held = sum((x.quantity for x in state.layers), ZERO)
        avg = costing.quantize(Decimal(sum(x.value for x in state.layers)) / held) if held else state.last
        return CostState(avg, state.last, ())
    if method == "fifo" and state.avg is not None:
        held = max(on_hand, ZERO)
        layers = (Layer(held, _round(state.avg * held)),) if held > 0 else ()
        return CostState(None, state.last if state.last is not None else state.avg, layers)
    return state


def _ppp(state: CostState, m: Movement, on_hand: Decimal) -> tuple[CostState, Costed]:
    q = m.quantity
    if m.value is None:  # goods in or out at the average: the average does not change
        return state, _at(state.avg, q)
    avg = costing.apply(on_hand, state.avg, q, m.value)
    last = costing.quantize(Decimal(m.value) / q) if q > 0 else state.last
    return replace(state, avg=avg, last=last), Costed(costing.unit_cost(m.value, q), m.value)


def _healed(state: CostState, on_hand: Decimal) -> tuple[list[Layer], Decimal]:
    """The FIFO layers matched to ``on_hand`` and the quantity on hand still without a layer.

    Stock counted or loaded before any cost was known has no layer; once a cost is known it joins as the oldest
    layer at the last cost. More in layers than on hand (never from this fold) is trimmed, oldest first."""
    layers = list(state.layers)
    gap = max(on_hand, ZERO) - sum((x.quantity for x in layers), ZERO)
    if gap > 0 and state.last is not None:
        layers.insert(0, Layer(gap, _round(state.last * gap)))
        gap = ZERO
    elif gap < 0:
        _take(layers, -gap, "")
        gap = ZERO
    return layers, gap


def _fifo(state: CostState, m: Movement, on_hand: Decimal) -> tuple[CostState, Costed]:
    layers, uncosted = _healed(state, on_hand)
    last, q = state.last, m.quantity
    if q < 0:  # out: the oldest layers first (goods back to a supplier: the layers of their purchase first)
        taken, value = _take(layers, -q, m.lot.purchase_id if m.lot is not None and m.value is not None else "")
        if m.value is not None:  # they leave at what the supplier credits; the difference stays with the rest
            _spread(layers, m.value + value)
            return CostState(None, last, tuple(layers)), Costed(costing.unit_cost(m.value, q), m.value)
        if -q > taken and last is not None:
            value += _round(last * (-q - taken))  # goods leaving with no layer left go at the last cost
        return CostState(None, last, tuple(layers)), Costed(costing.unit_cost(value, -q), -value)
    if q == 0:  # value only (a nota de débito, a credit without goods): spread over the layers
        if m.value:
            _spread(layers, m.value)
        return CostState(None, last, tuple(layers)), Costed(0, m.value or 0)
    covered = min(max(-on_hand, ZERO), q)  # goods already sold below zero: this entry covers them first
    if m.value is not None:
        value = m.value
        if uncosted > 0:  # stock never costed takes the cost of its first valued entry
            layers.insert(0, Layer(uncosted, _round(Decimal(value) * uncosted / q)))
        if q > covered:
            layers.append(Layer(q - covered, value - _round(Decimal(value) * covered / q), m.lot))
        return (CostState(None, costing.quantize(Decimal(value) / q), tuple(layers)),
                Costed(costing.unit_cost(value, q), value))
    cost = layers[0].unit_cost if layers else last
    if cost is None:  # never costed: the goods stay without a layer until a valued entry
        return CostState(None, last, tuple(layers)), Costed(0, 0)
    if q > covered:  # back at the current cost: they join the oldest layer (what FIFO sold first)
        add = q - covered
        if layers:
            first = layers[0]
            layers[0] = Layer(first.quantity + add, first.value + _round(cost * add), first.lot)
        else:
            layers.append(Layer(add, _round(cost * add)))
    return CostState(None, last, tuple(layers)), _at(cost, q)


def _take(layers: list[Layer], quantity: Decimal, purchase_id: str) -> tuple[Decimal, int]:
    """Remove up to ``quantity`` from ``layers`` (those of ``purchase_id`` first, then the oldest): ``(taken, value
    taken)``, the value exact to the peso (a layer's part is ``round(value × part / quantity)``)."""
    order: list[int] | range = range(len(layers))
    if purchase_id:
        first = [n for n, x in enumerate(layers) if x.lot is not None and x.lot.purchase_id == purchase_id]
        order = first + [n for n in order if n not in first]
    taken, value = ZERO, 0
    for n in order:
        if taken >= quantity:
            break
        x = layers[n]
        part = min(x.quantity, quantity - taken)
        part_value = x.value if part == x.quantity else _round(Decimal(x.value) * part / x.quantity)
        layers[n] = Layer(x.quantity - part, x.value - part_value, x.lot)
        taken += part
        value += part_value
    layers[:] = [x for x in layers if x.quantity > 0]
    return taken, value


def _spread(layers: list[Layer], value: int) -> None:
    """Add ``value`` (CLP, either sign) to ``layers`` in proportion to their quantities (largest remainder), no
    layer below $0; nothing when there is no layer (as PPP: no stock to carry it)."""
    if not layers:
        return
    weights = [int(x.quantity * 1000) for x in layers]
    if value < 0:
        parts = [-p for p in costing.apportion(-value, weights)]
    else:
        parts = costing.apportion(value, weights)
    layers[:] = [Layer(x.quantity, max(x.value + p, 0), x.lot) for x, p in zip(layers, parts, strict=True)]


def sale_line_cost(state: CostState, quantity: Decimal, method: str) -> int | None:
    """What ``quantity`` of the SKU costs if sold now (CLP neto, rounded half up): PPP at the average, FIFO from
    the oldest layers (at the last cost past them); None when the SKU was never costed."""
    if method == "fifo" and state.avg is None:  # FIFO layers (a PPP state kept before FIFO: its average, below)
        if not state.layers and state.last is None:
            return None
        layers = list(state.layers)
        taken, value = _take(layers, quantity, "")
        if quantity > taken and state.last is not None:
            value += _round(state.last * (quantity - taken))
        return value
    state = _convert(state, ZERO, "ppp")
    return None if state.avg is None else _round(state.avg * quantity)


def stock_value(state: CostState, on_hand: Decimal, method: str) -> int:
    """The value at cost of ``on_hand`` (CLP neto): the sum of the layers under FIFO, the average × on hand under
    PPP; $0 for stock at or below zero, or never costed."""
    if on_hand <= 0:
        return 0
    if method == "fifo":
        layers, _ = _healed(_convert(state, on_hand, "fifo"), on_hand)
        return sum(x.value for x in layers)
    state = _convert(state, on_hand, "ppp")
    return 0 if state.avg is None else _round(state.avg * on_hand)


# --- the reference fold --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KardexRow:
    """One kardex line: the movement, when (the journal's ``occurred_at``), its cost, and the balance of its
    warehouse (``balance``) and of the store (``on_hand``) after it."""

    occurred_at: str
    movement: Movement
    unit_cost: int
    value: int
    balance: Decimal
    on_hand: Decimal


@dataclass
class Book:
    """A store's goods folded from its events: stock per ``(warehouse, sku)``, cost per sku, the kardex."""

    store_id: str
    method: str
    stock: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    costs: dict[str, CostState] = field(default_factory=dict)
    kardex: list[KardexRow] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    """On hand per sku in every warehouse (the sum of ``stock`` over warehouses)."""

    def on_hand(self, sku: str) -> Decimal:
        """Units or kg of ``sku`` in every warehouse of the store."""
        return self.totals[sku]

    def value(self, sku: str) -> int:
        """The stock of ``sku`` at cost, CLP neto (:func:`stock_value`)."""
        return stock_value(self.costs.get(sku, CostState()), self.on_hand(sku), self.method)

    def apply(self, entry: envelope.Envelope | None, event: object, occurred_at: str = "") -> list[KardexRow]:
        """Fold one event; the kardex rows it added."""
        rows = []
        when = entry.occurred_at if entry is not None else occurred_at
        for m in movements(self.store_id, entry, event):
            before = self.on_hand(m.sku)
            state, costed = step(self.costs.get(m.sku, CostState()), m, before, self.method)
            self.costs[m.sku] = state
            key = (m.warehouse, m.sku)
            self.stock[key] += m.quantity
            self.totals[m.sku] = before + m.quantity
            rows.append(KardexRow(when, m, costed.unit_cost, costed.value, self.stock[key], before + m.quantity))
        self.kardex.extend(rows)
        return rows


def fold(store_id: str, entries_and_events: Iterable[tuple[envelope.Envelope | None, object]], method: str) -> Book:
    """The :class:`Book` of ``store_id`` after its events, in journal order (the reference the till's and the
    master's read models are compared against).

    Raises:
        ValueError: an unknown ``method``.
    """
    if method not in METHODS:
        raise ValueError(f"método de costeo desconocido: {method!r}")
    book = Book(store_id, method)
    for entry, event in entries_and_events:
        book.apply(entry, event)
    return book
