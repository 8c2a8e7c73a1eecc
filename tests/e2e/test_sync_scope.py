"""A till reaches only what is its own, against a real server and PostgreSQL, through signed pushes: a document
stamped with a folio that is not leased to it (another till's, of no lease, of a lease of another type) is
quarantined whole, with the reason, and never queued for the SII, while the till that holds the folio issues it; a
purchase that puts goods in a warehouse of another store (or of no store of its own) is quarantined and moves no
stock, while one into the till's own warehouses applies; a sale or cash movement on another till's shift is
quarantined and leaves that shift as it was; a till of a store HQ deactivated is refused what it did
since, with the reason, and loses nothing (``syncserver.ingest.scope``)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.events import codec, purchases, registry, shifts, stores
from shared.sale import TenderKind
from syncserver import tenancy
from syncserver.ingest import rebuild
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)
APPLIED_SQL = ("SELECT (SELECT json_agg(s ORDER BY sale_id) FROM sales s), (SELECT json_agg(l ORDER BY sale_id,"
               " line_id) FROM sale_lines l), (SELECT json_agg(k ORDER BY warehouse_id, sku) FROM stock k),"
               " (SELECT json_agg(h ORDER BY shift_id) FROM shifts h), (SELECT json_agg(r ORDER BY return_id)"
               " FROM returns r), (SELECT json_agg(p ORDER BY purchase_id) FROM purchases p),"
               " (SELECT json_agg(d ORDER BY tipo, folio) FROM dte_documents d),"
               " (SELECT json_agg(o ORDER BY tipo, folio) FROM dte_outbox o),"
               " (SELECT json_agg(f ORDER BY lease_id) FROM folio_leases f)")
"""Everything a push can apply: read models, documents recorded, the SII's outbox, the leases' issued counts."""


def _sold(till: Any, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` sales rung up at ``till`` (not pushed); the journal's entry bodies."""
    sync_kit.sell(till.terminal, n, random.Random(seed), len(ROWS), tenders=(TenderKind.DEBIT,))
    return [e.body() for e in till.terminal.journal.read()]


def _forged(bodies: list[dict[str, Any]], template: dict[str, Any], tipo: int, folio: int,
            **change: Any) -> dict[str, Any]:
    """A copy of the sale ``template`` as the next entry after ``bodies``, its document stamped ``tipo``/``folio``."""
    payload = {**template["payload"], "sale_id": str(uuid.uuid4()), "number": 900 + len(bodies),
               "document": {**template["payload"]["document"], "tipo": tipo, "folio": folio}, **change}
    return {**bodies[-1], "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1, "type": template["type"],
            "version": template["version"], "payload": payload}


def _lease(server: Any, till: Any, tipo: int) -> tuple[int, int]:
    return sync_kit.admin(server, "SELECT desde, hasta FROM folio_leases WHERE terminal_id = %s AND tipo = %s",
                          (till.client.terminal_id, tipo))[0]


def _quarantine_page(server: Any, till: Any) -> tuple[str, str]:
    """The till's quarantine page and the audit trail's page, as the owner sees them (text, spaces collapsed)."""
    with sync_kit.hq_owner(server) as hq:
        pages = [hq.get(f"/hq/terminales/{till.client.terminal_id}/cuarentena"), hq.get("/hq/auditoria")]
    assert all(p.status_code == 200 for p in pages), [p.text for p in pages]
    quarantine, trail = (" ".join(p.text.split()) for p in pages)
    return quarantine, trail


def _audited(server: Any, till: Any, kind: str) -> list[tuple[str, str]]:
    """``(address, detail)`` of the audit trail's lines of ``kind`` about ``till``, oldest first."""
    return sync_kit.admin(server, "SELECT address, detail FROM audit_log WHERE kind = %s AND actor = %s"
                                  " ORDER BY audit_id", (kind, till.client.terminal_id))


def test_a_folio_not_leased_to_the_till_is_quarantined_whole_and_its_rightful_till_issues_it(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    other = make_till(1, "norte", ROWS)
    sync_kit.lease_sample_folios(server, 1)  # 10 boletas and 10 notas de crédito to each
    for t in (till, other):
        assert t.sync.sync_once(t.terminal.journal.clock()).online
    theirs = _sold(other, 1, 2)  # the other till's boleta, not pushed yet
    their_folio = theirs[-1]["payload"]["document"]["folio"]
    assert _lease(server, other, 39)[0] <= their_folio <= _lease(server, other, 39)[1]
    bodies = _sold(till, 2, 1)
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    template = bodies[-1]
    unused_own = _lease(server, till, 39)[1]  # a boleta number this till holds and has not used
    before = sync_kit.master(server, APPLIED_SQL, 1)
    events_before = sync_kit.admin(server, "SELECT count(*) FROM events")[0][0]

    bodies.append(_forged(bodies, template, 39, their_folio))  # the other till's boleta
    bodies.append(_forged(bodies, template, 39, 999))  # a folio no CAF covers: no lease holds it
    buyer = {"rut": "76086428-5", "razon_social": "Cliente SpA", "giro": "Comercio", "direccion": "Calle 1",
             "comuna": "Santiago"}  # a factura names its buyer (shared.events.rules): only its folio is wrong
    bodies.append(_forged(bodies, template, 33, unused_own, customer=buyer))  # numbered from this till's boleta lease
    # a sale quarantined for a value (a quantity of 4 decimals) whose boleta is the other till's: not recorded either
    odd_line = {**template["payload"]["lines"][0], "quantity": "1.0001"}
    bodies.append(_forged(bodies, template, 39, their_folio + 1, lines=[odd_line]))
    chain = sync_kit.chain(bodies)
    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    assert response.json() == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash, "applied": 0,
                               "quarantined": 4}
    name = "«Caja 2»"
    seq = len(chain) - 3
    spent = "; la venta no se registró y su documento no se envía al SII"
    reasons = dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine WHERE terminal_id = %s",
                                  (till.client.terminal_id,)))
    last = reasons.pop(seq + 3)
    assert reasons == {
        seq: f"folio no asignado a esta caja: el folio de la boleta N° {their_folio} está asignado a otra caja"
             f" ({name}){spent}",
        seq + 1: f"folio no asignado a esta caja: ninguna caja recibió el folio de la boleta N° 999{spent}",
        seq + 2: f"folio no asignado a esta caja: la factura N° {unused_own} usa un número que esta caja tiene solo"
                 f" como boleta y nota de crédito, no como factura{spent}"}
    assert last.endswith(f"su boleta N° {their_folio + 1} tampoco se registró: folio {their_folio + 1} del tipo 39 no"
                         " está asignado a esta caja: no se envía al SII"), last
    # stored as received, and nothing of them applied: no sale, no stock moved, no document, nothing for the SII
    assert sync_kit.admin(server, "SELECT count(*) FROM events")[0][0] == events_before + 4
    assert sync_kit.master(server, APPLIED_SQL, 1) == before

    # the till the folio is leased to sends its boleta: recorded and queued for the SII
    status = other.sync.sync_once(other.terminal.journal.clock())
    assert status.online and status.pending == 0 and status.error == "", status
    assert sync_kit.admin(server, "SELECT d.terminal_id, d.sale_id, o.state FROM dte_documents d JOIN dte_outbox o"
                                  " USING (tenant_id, tipo, folio) WHERE d.tipo = 39 AND d.folio = %s",
                          (their_folio,)) == [(other.client.terminal_id, theirs[-1]["payload"]["sale_id"], "issued")]
    assert sync_kit.admin(server, "SELECT count(*) FROM quarantine WHERE terminal_id = %s",
                          (other.client.terminal_id,)) == [(0,)]
    # HQ shows the owner which document was refused and why
    page, trail = _quarantine_page(server, till)
    assert f"boleta N° {their_folio}" in page and f"asignado a otra caja ({name})" in page
    assert "No se envía al SII" in page
    # and its audit trail names the till, its address and each event refused for reaching beyond it
    assert _audited(server, till, "event_quarantined") == [
        ("127.0.0.1", f"sale.completed seq {s} (época 1): {reasons[s]}") for s in (seq, seq + 1, seq + 2)]
    assert "Evento en cuarentena" in trail and f"asignado a otra caja ({name})" in trail
    # a rebuild keeps them out, as the ingest did
    live = sync_kit.master(server, APPLIED_SQL, 1)
    server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1))
    assert sync_kit.master(server, APPLIED_SQL, 1) == live


def _event(bodies: list[dict[str, Any]], event: Any) -> dict[str, Any]:
    """``event`` as the next entry after ``bodies``."""
    return {**bodies[-1], "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1, "type": event.TYPE,
            "version": event.VERSION, "payload": codec.to_payload(event)}


def _purchase(folio: int, warehouse: str) -> purchases.PurchaseReceived:
    """A supplier's factura of 10 × P001 (neto 1.000) registered into ``warehouse``."""
    line = purchases.PurchaseLine(1, "A-1", None, "Producto 1", Decimal(10), "UN", 100, 1000, 1000, False, "P001")
    return purchases.PurchaseReceived(str(uuid.uuid4()), purchases.Supplier("76235291-5", "Distribuidora SpA",
                                                                            "Mayorista"),
                                      33, folio, "2026-11-20", warehouse, (line,), 1000, 0, 190, 1190, "0" * 64, True)


def test_a_purchase_into_another_stores_warehouse_is_quarantined_and_its_own_warehouses_apply(server, make_till):
    sync_kit.setup_tenants(server)
    bodega = server.run(lambda pool: tenancy.add_warehouse(pool, 1, "centro", "Bodega Centro", "bodega"))
    theirs = server.run(lambda pool: tenancy.add_warehouse(pool, 1, "norte", "Bodega Norte", "bodega"))
    till = make_till(1, "centro", ROWS)
    bodies = _sold(till, 3, 4)
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    stock_before = dict(sync_kit.admin(server, "SELECT sku, quantity FROM stock WHERE warehouse_id = 'centro'"))
    for folio, warehouse in enumerate(["norte", theirs, "esquina", "centro-bodega", bodega, "centro"], start=100):
        bodies.append(_event(bodies, _purchase(folio, warehouse)))
    bodies.append(_event(bodies, stores.StoreReceived("norte", "Norte", "Av. Norte 1")))
    bodies.append(_event(bodies, stores.StoreReceived("centro", "Centro", "Calle Centro 1")))
    chain = sync_kit.chain(bodies)
    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    assert (response.json()["applied"], response.json()["quarantined"]) == (3, 5)
    first = len(chain) - 7
    assert dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine")) == {
        first: "bodega ajena: la compra pone mercadería en la bodega «norte» de la tienda «norte», y esta caja es de"
               " la tienda «centro»; no se aplicó",
        first + 1: f"bodega ajena: la compra pone mercadería en la bodega «{theirs}» de la tienda «norte», y esta"
                   " caja es de la tienda «centro»; no se aplicó",
        # another tenant's store is not even known to this tenant
        first + 2: "bodega desconocida: la compra pone mercadería en la bodega «esquina», que HQ no tiene entre las"
                   " bodegas de la tienda «centro»; no se aplicó (créela en HQ, Tiendas)",
        first + 3: "bodega desconocida: la compra pone mercadería en la bodega «centro-bodega», que HQ no tiene entre"
                   " las bodegas de la tienda «centro»; no se aplicó (créela en HQ, Tiendas)",
        first + 6: "tienda ajena: el evento trae los datos de la tienda «norte», y esta caja es de la tienda «centro»"}
    # nothing moved outside the till's store; its own warehouses got their goods
    assert sync_kit.admin(server, "SELECT tenant_id, warehouse_id, sku, quantity FROM stock WHERE warehouse_id"
                                  " <> 'centro'") == [(1, bodega, "P001", Decimal(10))]
    stock_after = dict(sync_kit.admin(server, "SELECT sku, quantity FROM stock WHERE warehouse_id = 'centro'"))
    assert stock_after == {**stock_before, "P001": stock_before.get("P001", 0) + 10}
    assert sync_kit.admin(server, "SELECT folio, warehouse FROM purchases ORDER BY folio") == [(104, bodega),
                                                                                              (105, "centro")]
    assert [detail for _address, detail in _audited(server, till, "event_quarantined")] == [
        f"{chain[s - 1].type} seq {s} (época 1): {reason}" for s, reason in sorted(
            sync_kit.admin(server, "SELECT seq, reason FROM quarantine"))]
    live = sync_kit.master(server, APPLIED_SQL, 1)
    server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1))
    assert sync_kit.master(server, APPLIED_SQL, 1) == live


def test_a_deactivated_stores_till_is_refused_what_it_did_since_and_keeps_it(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    neighbour = make_till(1, "norte", ROWS)
    _sold(till, 2, 5)
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    sold_before = [b["payload"]["sale_id"] for b in _sold(till, 2, 6) if b["type"] == "sale.completed"]
    time.sleep(0.01)
    closed_at = datetime.now(UTC)
    server.run(lambda pool: tenancy.set_store_active(pool, 1, "centro", False, by="pepe@donpepe.cl",
                                                     reason="cierre del local", at=closed_at))
    time.sleep(0.01)
    sold_after = _sold(till, 1, 7)[-1]["payload"]["sale_id"]  # the cashier signs in again and sells
    entries = list(till.terminal.journal.read())
    since = sum(1 for e in entries if datetime.fromisoformat(e.occurred_at) < closed_at)
    assert since == len(entries) - 2

    status = till.sync.sync_once(till.terminal.journal.clock())
    assert not status.online and status.pending == 2, status
    assert status.error.startswith("la tienda «Centro» está desactivada en HQ desde el "), status.error
    assert "(cierre del local): el servidor no recibe lo que esta caja registró desde entonces" in status.error
    # what it sold before the deactivation is in the master; nothing of what came after
    sale_ids = {r[0] for r in sync_kit.admin(server, "SELECT sale_id FROM sales")}
    assert set(sold_before) <= sale_ids and sold_after not in sale_ids
    assert sync_kit.admin(server, "SELECT acked_seq FROM sync_tracking WHERE terminal_id = %s",
                          (till.client.terminal_id,)) == [(since,)]
    refused = sync_kit.push(server, till, list(till.terminal.journal.read(since + 1)))
    assert refused.status_code == 403 and refused.json()["error"] == "store_inactive", refused.text
    # the owner's audit trail has the refusal once (the till retries all day)
    assert [d for _a, d in _audited(server, till, "request_refused")] == [
        f"403 POST /sync/push store_inactive: {status.error}"]
    # another store's till goes on; a CAF imported now is leased to it, not to the deactivated store's till
    _sold(neighbour, 1, 8)
    assert neighbour.sync.sync_once(neighbour.terminal.journal.clock()).pending == 0
    sync_kit.lease_sample_folios(server, 1)
    leases = "SELECT count(*) FROM folio_leases WHERE terminal_id = %s AND tipo = 39"
    assert sync_kit.admin(server, leases, (till.client.terminal_id,)) == [(0,)]
    assert sync_kit.admin(server, leases, (neighbour.client.terminal_id,)) == [(1,)]

    # HQ brings the store back: the till's waiting sale arrives, nothing lost
    server.run(lambda pool: tenancy.set_store_active(pool, 1, "centro", True, by="pepe@donpepe.cl", reason="",
                                                     at=datetime.now(UTC)))
    status = till.sync.sync_once(till.terminal.journal.clock())
    assert status.online and status.pushed == 2, status  # then it pulls the store's two changes
    assert sync_kit.admin(server, "SELECT count(*) FROM sales WHERE sale_id = %s", (sold_after,)) == [(1,)]
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    assert sync_kit.admin(server, leases, (till.client.terminal_id,)) == [(1,)]  # its push leased it boletas


def test_sales_and_cash_on_another_tills_shift_are_quarantined_and_leave_it_as_it_was(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    other = make_till(1, "norte", ROWS)
    _sold(other, 2, 9)
    assert other.sync.sync_once(other.terminal.journal.clock()).pending == 0
    their_shift = other.terminal.shifts.current().shift_id
    shift_sql = ("SELECT sales_count, sales_total, received, cash_in, cash_out, state FROM shifts"
                 " WHERE shift_id = %s")
    theirs = sync_kit.admin(server, shift_sql, (their_shift,))
    bodies = _sold(till, 2, 10)
    template = bodies[-1]
    sale = {**template["payload"], "sale_id": str(uuid.uuid4()), "number": 900, "shift_id": their_shift}
    bodies.append({**bodies[-1], "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1, "payload": sale})
    bodies.append(_event(bodies, shifts.CashMoved(their_shift, "out", 50_000, "retiro", "ana")))
    bodies.append(_event(bodies, shifts.ShiftClosed(their_shift, "ana", (shifts.TenderCount("cash", 0),),
                                                    (shifts.TenderCount("cash", 0),))))
    chain = sync_kit.chain(bodies)
    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    assert response.json()["quarantined"] == 3, response.text
    where = "que se abrió en otra caja («Caja 2», tienda «norte»); no se aplicó"
    assert dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine")) == {
        len(chain) - 2: f"turno ajeno: la venta es del turno {their_shift}, {where}",
        len(chain) - 1: f"turno ajeno: el movimiento de caja es del turno {their_shift}, {where}",
        len(chain): f"turno ajeno: el cierre es del turno {their_shift}, {where}"}
    assert sync_kit.admin(server, shift_sql, (their_shift,)) == theirs
    assert sync_kit.admin(server, "SELECT count(*) FROM sales WHERE sale_id = %s", (sale["sale_id"],)) == [(0,)]
    # the till's own sales and shift applied
    own = [b["payload"]["sale_id"] for b in bodies[:-3] if b["type"] == "sale.completed"]
    assert sync_kit.admin(server, "SELECT count(*) FROM sales WHERE sale_id = ANY(%s)", (own,)) == [(len(own),)]
