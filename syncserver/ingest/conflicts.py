"""Events that decode and fit their columns but that PostgreSQL still refuses once folded with the rest of the
master (an id already held, a repeated line or tender, a running total past its column): :func:`find` names them,
so the ingest quarantines them and folds the rest. The rules: docs/architecture.md, "Ingest checks"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from shared import es_cl
from shared.events import envelope, purchases, returns, sales, shifts
from syncserver.ingest import projections
from syncserver.ingest.limits import INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN
from syncserver.store import db

STOCK_LIMIT: Final = Decimal("99999999999.9995")
"""``numeric(14,3)`` holds below 10¹¹ after PostgreSQL rounds to 3 places (half away from zero)."""
_MILLI: Final = Decimal("0.001")

Key = tuple[str, ...]


@dataclass(slots=True)
class _Total:
    """One running total: the column's value in the master (``base``), the change that the batch's kept events make
    to it so far (``net``), and whether the ingest writes that change as one value (``netted``: stock and a shift's
    sales; cash movements are written one by one)."""

    label: str
    base: Any
    kind: str  # "stock" (numeric(14,3)), "int4" or "int8"
    netted: bool = True
    net: Any = 0

    def add(self, delta: Any) -> tuple[Any, str | None]:
        """The net change with ``delta``, and why the total (or the change, when ``netted``) would not fit its
        column (None when it fits)."""
        net = self.net + delta
        if self.kind == "stock":
            net_fits = -STOCK_LIMIT < net < STOCK_LIMIT
            value = self.base + (net.quantize(_MILLI, ROUND_HALF_UP) if net_fits else net)  # as PostgreSQL rounds
            value_fits, bound = -STOCK_LIMIT < value < STOCK_LIMIT, "menos de 100.000.000.000"
        else:
            low, high = (INT4_MIN, INT4_MAX) if self.kind == "int4" else (INT8_MIN, INT8_MAX)
            value = self.base + net
            net_fits, value_fits = low <= net <= high, low <= value <= high
            bound = f"de {es_cl.number(low)} a {es_cl.number(high)}"
        if not value_fits:
            return net, (f"{self.label} quedaría en {_shown(value)}: fuera del rango que el servidor puede guardar"
                         f" ({bound})")
        if self.netted and not net_fits:
            return net, (f"{self.label} cambiaría en {_shown(net)} con este lote: fuera del rango que el servidor"
                         f" puede guardar ({bound})")
        return net, None


def _shown(value: Any) -> str:
    text = es_cl.number(value) if isinstance(value, int) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


async def find(conn: db.Conn, tenant_id: int, folded: list[tuple[envelope.Envelope, Any]]
               ) -> dict[int, str]:
    """The events of ``folded`` (``(entry, decoded event)`` in seq order, all of one terminal) that PostgreSQL would
    refuse, as ``{seq: reason}``; the reasons are Spanish, for HQ's quarantine page, and name what clashed or which
    total would overflow. Reads the master in the caller's transaction (the tenant's rows)."""
    effects = [(e, event, _effects(tenant_id, e, event)) for e, event in folded]
    held = await _held_ids(conn, tenant_id, folded)
    totals = await _totals(conn, tenant_id, folded, effects)
    clashes: dict[int, str] = {}
    for e, event, deltas in effects:
        reason = _identity(e, event, held)
        pending: list[tuple[_Total, Any]] = []
        if reason is None:
            for key, delta in deltas:
                total = totals.get(key)
                if total is None:  # a shift that does not exist: its update changes nothing
                    continue
                net, reason = total.add(delta)
                if reason is not None:
                    break
                pending.append((total, net))
        if reason is not None:
            clashes[e.seq] = reason
            continue
        for total, net in pending:  # the event is kept: the totals go on from its effect
            total.net = net
        _hold(e, event, held)
    return clashes


def _effects(tenant_id: int, e: envelope.Envelope, event: Any) -> list[tuple[Key, Any]]:
    """What one event adds to the running totals, from the ingest's own fold (so the two never disagree)."""
    rows = projections.Rows()
    projections.fold(rows, tenant_id, e, event)
    out: list[tuple[Key, Any]] = [(("stock", wh, sku), q) for (wh, sku), q in rows.stock.items() if q]
    for shift_id, (count, total, received) in rows.shift_sales.items():
        out += [(("sales_count", shift_id), count), (("sales_total", shift_id), total)]
        out += [(("received", shift_id, kind), v) for kind, v in received.items()]
    for moved, _entry in rows.shift_events:
        if isinstance(moved, shifts.CashMoved):
            out.append((("cash_in" if moved.direction == "in" else "cash_out", moved.shift_id), moved.amount))
    return [(k, d) for k, d in out if d]


async def _held_ids(conn: db.Conn, tenant_id: int, folded: list[tuple[envelope.Envelope, Any]]
                    ) -> dict[str, dict[str, tuple[str, int, int]]]:
    """``{"sale"|"return"|"purchase": {id: (terminal_id, epoch, seq) of the event that holds it}}`` for the batch's
    ids (a purchase's id is :func:`_document_key`)."""
    sale_ids = [ev.sale_id for _e, ev in folded if isinstance(ev, sales.SaleCompleted)]
    return_ids = [ev.return_id for _e, ev in folded if isinstance(ev, returns.ReturnCompleted)]
    held: dict[str, dict[str, tuple[str, int, int]]] = {"sale": {}, "return": {}, "purchase": {}}
    for kind, table, column, ids in (("sale", "sales", "sale_id", sale_ids),
                                     ("return", "returns", "return_id", return_ids)):
        if ids:
            rows = await (await conn.execute(
                f"SELECT {column}, terminal_id, epoch, seq FROM {table} WHERE tenant_id = %s AND {column} = ANY(%s)",
                (tenant_id, ids))).fetchall()
            held[kind] = {r[0]: (r[1], int(r[2]), int(r[3])) for r in rows}
    bought = [ev for _e, ev in folded if isinstance(ev, purchases.PurchaseReceived)]
    if bought:
        rows = await (await conn.execute(
            "SELECT p.supplier_rut, p.tipo, p.folio, p.terminal_id, p.epoch, p.seq FROM purchases p"
            " JOIN unnest(%s::text[], %s::integer[], %s::bigint[]) AS d(rut, tipo, folio)"
            " ON p.supplier_rut = d.rut AND p.tipo = d.tipo AND p.folio = d.folio WHERE p.tenant_id = %s",
            ([ev.supplier.rut for ev in bought], [ev.tipo for ev in bought], [ev.folio for ev in bought],
             tenant_id))).fetchall()
        held["purchase"] = {f"{r[0]}:{r[1]}:{r[2]}": (r[3], int(r[4]), int(r[5])) for r in rows}
    return held


def _document_key(event: purchases.PurchaseReceived) -> str:
    """A supplier document's identity in the master: ``RUT:tipo:folio``."""
    return f"{event.supplier.rut}:{event.tipo}:{event.folio}"


def _unique_id(event: Any) -> tuple[str, str, str] | None:
    """``("sale"|"return", its id, how a reason names it)`` for the events whose id the master holds once."""
    if isinstance(event, sales.SaleCompleted):
        return "sale", event.sale_id, f"la venta {event.sale_id}"
    if isinstance(event, returns.ReturnCompleted):
        return "return", event.return_id, f"la devolución {event.return_id}"
    if isinstance(event, purchases.PurchaseReceived):
        return "purchase", _document_key(event), (f"el documento tipo {event.tipo} N° {event.folio} del proveedor"
                                                  f" {event.supplier.rut}")
    return None


def _identity(e: envelope.Envelope, event: Any, held: dict[str, dict[str, tuple[str, int, int]]]) -> str | None:
    unique = _unique_id(event)
    if unique is None:
        return None
    kind, key, named = unique
    first = held[kind].get(key)
    if first is not None and kind == "purchase":
        return (f"compra repetida: {named} ya se registró en {_where(e, first)}; la mercadería y el IVA crédito"
                " fiscal se cuentan una vez")
    if first is not None:
        return f"{kind}_id repetido: {named} ya llegó en {_where(e, first)}"
    if kind == "purchase":
        if (n := _repeated([x.line_no for x in event.lines])) is not None:
            return f"línea repetida: la línea {event.lines[n].line_no} aparece más de una vez en {named} (lines[{n}])"
        return None
    if (n := _repeated([x.line_id for x in event.lines])) is not None:
        return f"line_id repetido: la línea {event.lines[n].line_id} aparece más de una vez en {named} (lines[{n}])"
    if kind == "sale" and (n := _repeated([t.kind for t in event.tenders])) is not None:
        return f"medio de pago repetido: {event.tenders[n].kind} aparece más de una vez en {named} (tenders[{n}])"
    return None


def _repeated(values: list[Any]) -> int | None:
    """The index of the first value seen before in ``values``."""
    seen: set[Any] = set()
    for n, value in enumerate(values):
        if value in seen:
            return n
        seen.add(value)
    return None


def _where(e: envelope.Envelope, first: tuple[str, int, int]) -> str:
    terminal_id, epoch, seq = first
    till = "esta caja" if terminal_id == e.terminal_id else f"la caja {terminal_id}"
    return f"el evento seq {seq} (época {epoch}) de {till}"


def _hold(e: envelope.Envelope, event: Any, held: dict[str, dict[str, tuple[str, int, int]]]) -> None:
    unique = _unique_id(event)
    if unique is not None:
        held[unique[0]][unique[1]] = (e.terminal_id, e.epoch, e.seq)


async def _totals(conn: db.Conn, tenant_id: int, folded: list[tuple[envelope.Envelope, Any]],
                  effects: list[tuple[envelope.Envelope, Any, list[tuple[Key, Any]]]]) -> dict[Key, _Total]:
    """The running totals the batch touches, with the master's current values. A shift's totals are there only when
    the shift exists, or is opened by the batch (the ingest inserts the opened shifts before adding to them)."""
    keys = {key for _e, _ev, deltas in effects for key, _d in deltas}
    stock_keys = sorted(k[1:] for k in keys if k[0] == "stock")
    shift_ids = sorted({k[1] for k in keys if k[0] != "stock"})
    totals: dict[Key, _Total] = {}
    if stock_keys:
        rows = await (await conn.execute(
            "SELECT s.warehouse_id, s.sku, s.quantity FROM stock s JOIN unnest(%s::text[], %s::text[]) AS k(w, sku)"
            " ON s.warehouse_id = k.w AND s.sku = k.sku WHERE s.tenant_id = %s",
            ([w for w, _s in stock_keys], [s for _w, s in stock_keys], tenant_id))).fetchall()
        stored = {(r[0], r[1]): Decimal(r[2]) for r in rows}
        for wh, sku in stock_keys:
            totals[("stock", wh, sku)] = _Total(f"el stock de {sku} en la bodega {wh}",
                                                stored.get((wh, sku), Decimal(0)), "stock", net=Decimal(0))
    if shift_ids:
        rows = await (await conn.execute(
            "SELECT shift_id, sales_count, sales_total, received, cash_in, cash_out FROM shifts"
            " WHERE tenant_id = %s AND shift_id = ANY(%s)", (tenant_id, shift_ids))).fetchall()
        shifts_now: dict[str, tuple[Any, ...]] = {r[0]: r[1:] for r in rows}
        for _e, ev in folded:
            if isinstance(ev, shifts.ShiftOpened):
                shifts_now.setdefault(ev.shift_id, (0, 0, {}, 0, 0))
        for key in keys:
            if key[0] == "stock" or key[1] not in shifts_now:
                continue
            count, total, received, cash_in, cash_out = shifts_now[key[1]]
            name = key[0]
            if name == "sales_count":
                totals[key] = _Total(f"la cantidad de ventas del turno {key[1]}", int(count), "int4")
            elif name == "sales_total":
                totals[key] = _Total(f"el total de ventas del turno {key[1]}", int(total), "int8")
            elif name == "received":
                totals[key] = _Total(f"lo recibido en {key[2]} del turno {key[1]}", int(received.get(key[2], 0)),
                                     "int8")
            else:
                what, now = ("los ingresos", cash_in) if name == "cash_in" else ("los retiros", cash_out)
                totals[key] = _Total(f"{what} de caja del turno {key[1]}", int(now), "int8", netted=False)
    return totals
