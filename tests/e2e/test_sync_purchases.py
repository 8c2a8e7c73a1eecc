"""Purchases registered at a till reach the master through a real sync: its stock per warehouse is still the
till's (sales, facturas in, a nota de crédito out, goods into another warehouse), also after a rebuild."""

from __future__ import annotations

import random
import re
from decimal import Decimal

from desktop.journal import purchases_projection, read_models
from desktop.services.purchases import PurchaseService
from shared.dte import xmlcore
from shared.dte.documents import CodRef
from shared.events import registry
from shared.inventory import CostState
from syncserver import tenancy
from syncserver.hq.web import fmt_clp as _clp
from syncserver.ingest import rebuild
from tests import supplier_dte as sd
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(20)
STORE_RUT = "77447842-6"


def _master_stock(server, tenant: int) -> dict[tuple[str, str], Decimal]:
    rows = sync_kit.master(server, "SELECT warehouse_id, sku, quantity FROM stock", tenant)
    return {(w, s): q for w, s, q in rows if q != 0}


def test_the_master_folds_purchases_into_the_same_stock_as_the_till(server, make_till):
    sync_kit.setup_tenants(server)
    # HQ lists the store's bodega (a till may put goods only in its own store's warehouses)
    bodega = server.run(lambda pool: tenancy.add_warehouse(pool, 1, "centro", "Bodega Centro", "bodega"))
    till = make_till(1, "centro", ROWS)
    other = make_till(1, "norte", ROWS)
    term = till.terminal
    service = PurchaseService(term.journal, STORE_RUT, term.journal.new_id)
    rng = random.Random(11)
    sync_kit.sell(term, 40, rng, len(ROWS))
    sync_kit.sell(other.terminal, 10, rng, len(ROWS))
    # P001..P003 by unit, P007 by weight (kg); "Flete" is no product: kept, moves nothing
    factura = sd.dte(33, 11, [("Producto 1", "24", "410", "P001", False), ("Producto 2", "12", "520", "P002", False),
                              ("Producto 7", "7.250", "1300", "P007", False), ("Flete", "1", "4000", "", False)],
                     STORE_RUT)
    service.import_file(sd.envio([factura], STORE_RUT))
    sync_kit.sell(term, 10, rng, len(ROWS))
    nota = sd.nota(61, 5, [("Producto 2", "3", "520", "P002", False)], STORE_RUT, 11, CodRef.CORRIGE_MONTOS)
    service.import_file(xmlcore.to_bytes(nota))
    back = sd.dte(33, 12, [("Producto 3", "40", "380", "P003", False)], STORE_RUT)
    service.import_file(xmlcore.to_bytes(back), warehouse=bodega)
    for t in (till, other):
        status = t.sync.sync_once(t.terminal.journal.clock())
        assert status.online and status.pending == 0, status

    conn = term.journal.conn
    till_stock = {("centro", sku): read_models.stock_on_hand(conn, sku) for sku in (r["sku"] for r in ROWS)}
    till_stock[(bodega, "P003")] = purchases_projection.warehouse_stock(conn, bodega, "P003")
    norte = {("norte", sku): read_models.stock_on_hand(other.terminal.journal.conn, sku)
             for sku in (r["sku"] for r in ROWS)}
    expected = {k: v for k, v in {**till_stock, **norte}.items() if v != 0}
    assert till_stock[(bodega, "P003")] == 40
    assert _master_stock(server, 1) == expected
    # the kardex and the cost of each product: the master's are the till's (the same fold of the same events)
    kardex_sql = "SELECT warehouse_id, sku, kind, unit_cost, value, document, reference FROM kardex WHERE store_id = %s"
    master_kardex = sync_kit.master(server, kardex_sql + " ORDER BY pos", 1, ("centro",))
    till_kardex = conn.execute("SELECT warehouse, sku, kind, unit_cost, value, document, reference FROM kardex"
                               " ORDER BY id").fetchall()
    assert [tuple(r) for r in master_kardex] == [tuple(r) for r in till_kardex] and len(till_kardex) > 60
    # (the master keeps a row for every product moved, the till for those with a cost)
    costs_sql = ("SELECT sku, state FROM cost_state WHERE store_id = %s AND state <> '{\"avg\":null,\"last\":null,"
                 "\"layers\":[]}' ORDER BY sku")
    master_costs = sync_kit.master(server, costs_sql, 1, ("centro",))
    assert [(sku, CostState.from_json(state)) for sku, state in master_costs] == [
        (sku, CostState.from_json(state)) for sku, state in conn.execute(
            "SELECT sku, state FROM cost_state ORDER BY sku").fetchall()] and master_costs
    # the master's stock is a fold of the stored events: a rebuild gives it again, and the same kardex and costs
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert _master_stock(server, 1) == expected
    assert sync_kit.master(server, kardex_sql + " ORDER BY pos", 1, ("centro",)) == master_kardex
    assert sync_kit.master(server, costs_sql, 1, ("centro",)) == master_costs


PURCHASES_SQL = ("SELECT (SELECT json_agg(p ORDER BY supplier_rut, tipo, folio) FROM purchases p),"
                 " (SELECT json_agg(l ORDER BY supplier_rut, tipo, folio, line_no) FROM purchase_lines l)")


def test_the_master_keeps_each_supplier_document_once_for_hq_and_a_rebuild_keeps_the_same(server, make_till):
    """Two stores register the same factura: the registration the master receives first stays, with its lines and
    its goods; the other is quarantined with a reason naming where the document was registered (the goods arrived
    once: the master moves no stock for it and counts its IVA crédito fiscal once); a rebuild gives the same rows;
    HQ's Compras shows the month's documents, the nota de crédito subtracting."""
    sync_kit.setup_tenants(server)
    centro = make_till(1, "centro", ROWS)
    norte = make_till(1, "norte", ROWS)
    at_centro, at_norte = (PurchaseService(t.terminal.journal, STORE_RUT, t.terminal.journal.new_id)
                           for t in (centro, norte))
    factura = sd.dte(33, 14, [("Producto 1", "10", "410", "P001", False), ("Bolsas de papel", "100", "12", "", False)],
                     STORE_RUT)
    _, [first] = at_centro.import_file(sd.envio([factura], STORE_RUT))
    _, [again] = at_norte.import_file(sd.envio([factura], STORE_RUT))  # registered after, at the other store
    nota = sd.nota(61, 6, [("Producto 1", "2", "410", "P001", False)], STORE_RUT, 14, CodRef.CORRIGE_MONTOS)
    _, [credit] = at_centro.import_file(xmlcore.to_bytes(nota))
    exenta = sd.dte(34, 3, [("Huevos", "30", "150", "", True)], STORE_RUT)
    _, [free] = at_norte.import_file(xmlcore.to_bytes(exenta))
    for t in (norte, centro):  # norte's registration of the factura arrives first
        status = t.sync.sync_once(t.terminal.journal.clock())
        assert status.online and status.pending == 0, status
    [(terminal, kind, reason)] = sync_kit.master(server, "SELECT terminal_id, type, reason FROM quarantine", 1)
    assert (terminal, kind) == (centro.terminal.journal.identity.terminal_id, "purchase.received")
    assert reason.startswith(f"compra repetida: el documento tipo 33 N° 14 del proveedor {first.supplier.rut} ya se"
                             f" registró en el evento seq ") and norte.terminal.journal.identity.terminal_id in reason
    assert "el IVA crédito fiscal se cuentan una vez" in reason
    centro_stock = {sku: q for (w, sku), q in _master_stock(server, 1).items() if w == "centro"}
    # 50 on hand; the nota de crédito's 2 went back to the supplier; the quarantined factura's 10 are not counted
    assert centro_stock["P001"] == 48

    kept = sync_kit.master(server, "SELECT supplier_rut, tipo, folio, purchase_id, store_id, supplier_name,"
                                   " fecha_emision::text, neto, exento, iva, total FROM purchases"
                                   " ORDER BY tipo, folio", 1)
    assert kept == [(e.supplier.rut, e.tipo, e.folio, e.purchase_id, store, e.supplier.razon_social,
                     e.fecha_emision, e.neto, e.exento, e.iva, e.total)
                    for e, store in ((again, "norte"), (free, "norte"), (credit, "centro"))]
    assert again.purchase_id != first.purchase_id and first.iva > 0 and free.exento > 0 and free.iva == 0
    lines = sync_kit.master(server, "SELECT tipo, folio, line_no, purchase_id, sku, description, quantity, amount"
                                    " FROM purchase_lines ORDER BY tipo, folio, line_no", 1)
    assert lines == [(e.tipo, e.folio, x.line_no, e.purchase_id, x.sku, x.name, x.quantity, x.amount)
                     for e in (again, free, credit) for x in e.lines]
    assert [x for x in lines if x[1] == 14][1][4] is None  # no product of the store: kept, no SKU

    before = sync_kit.master(server, PURCHASES_SQL, 1)
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert sync_kit.master(server, PURCHASES_SQL, 1) == before

    with sync_kit.hq_owner(server) as hq:
        page = hq.get("/hq/compras?mes=2025-05")
    assert page.status_code == 200, page.text
    shown = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "76.235.291-5" in shown and "Distribuidora Within Play Ltda." in shown
    iva = first.iva - credit.iva
    total = first.total + free.total - credit.total
    assert f"IVA crédito fiscal {_clp(iva)}" in shown and f"Total {_clp(total)}" in shown
    assert f"Nota de crédito {credit.folio} {_clp(-credit.neto)}" in shown

    # history folded before migration 0011 quarantined nothing: a rebuild keeps the first registration it folds
    # (terminal order), moves the stock of both as the live ingest did then, and does not fail
    sync_kit.admin(server, "DELETE FROM quarantine WHERE type = 'purchase.received' RETURNING seq")
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    first_folded = min((centro, first), (norte, again), key=lambda t: t[0].terminal.journal.identity.terminal_id)[1]
    [(kept,)] = sync_kit.master(server, "SELECT purchase_id FROM purchases WHERE folio = 14", 1)
    assert kept == first_folded.purchase_id
    assert sync_kit.master(server, "SELECT DISTINCT purchase_id FROM purchase_lines WHERE folio = 14", 1) == [(kept,)]
    assert {sku: q for (w, sku), q in _master_stock(server, 1).items() if w == "centro"}["P001"] == 58


def test_hand_mapped_boxes_reach_the_master_as_the_same_stock_as_the_till(server, make_till):
    """Boxes of 12 matched by code, a line without code assigned by hand (packs of 6), bulk kg in bags of 12,5 kg and
    a nota de crédito returning one box: the master folds the same units as the till, also after a rebuild."""
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    service = PurchaseService(term.journal, STORE_RUT, term.journal.new_id)
    factura = sd.dte(33, 15, [("Producto 1 CJ 12 un", "5", "4800", "P001", False),
                              ("Nectar sin codigo PAQ 6", "10", "3000", "", False),
                              ("Producto 7 saco 12,5 kg", "2", "25000", "", False), ("Flete", "1", "4000", "", False)],
                     STORE_RUT)
    preview = service.preview(sd.envio([factura], STORE_RUT))
    assert [x.sku for x in preview.events[0].lines] == ["P001", None, None, None]
    preview = service.assign(preview, 1, "P001", 12)
    preview = service.assign(preview, 2, "P003", "6")
    preview = service.assign(preview, 3, "P007", "12,5")
    [event] = service.record(preview)
    assert [(x.sku, x.matched_by, x.package_factor) for x in event.lines] == [
        ("P001", "manual", 12), ("P003", "manual", 6), ("P007", "manual", Decimal("12.5")), (None, "", 1)]
    conn = term.journal.conn
    assert [read_models.stock_on_hand(conn, s) for s in ("P001", "P003", "P007")] == [50 + 60, 50 + 60, 50 + 25]
    sync_kit.sell(term, 15, random.Random(5), len(ROWS))
    nota = sd.nota(61, 7, [("Producto 1 CJ 12 un", "1", "4800", "P001", False)], STORE_RUT, 15,
                   CodRef.CORRIGE_MONTOS)
    back = service.preview(xmlcore.to_bytes(nota))
    service.record(service.assign(back, 1, "P001", 12))
    status = till.sync.sync_once(term.journal.clock())
    assert status.online and status.pending == 0, status

    till_stock = {("centro", r["sku"]): read_models.stock_on_hand(conn, r["sku"]) for r in ROWS}
    expected = {k: v for k, v in till_stock.items() if v != 0}
    assert _master_stock(server, 1) == expected
    assert purchases_projection.product_cost(conn, "P001")[1] == 400  # $4.800 a box of 12
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert _master_stock(server, 1) == expected
