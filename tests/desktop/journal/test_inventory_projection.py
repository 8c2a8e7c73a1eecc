"""The back office's read models on real journal files: each inventory event's handler, the stock it moves per
warehouse, the store's product settings over HQ's data, and a rebuild that gives the same rows."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest

from desktop import cli
from desktop.journal import count_drafts, migrate, read_models
from desktop.journal import inventory_queries as iq
from shared.events import catalog
from shared.events import inventory as inv
from shared.sale import Tender, TenderKind

STORE = "demo-store"
BODEGA = f"{STORE}-bodega"
D = Decimal


@pytest.fixture
def store(make_terminal):
    term = make_terminal()
    assert term.journal.identity.store_id == STORE
    return term


def _rebuild_is_identical(term) -> None:
    before = cli.projection_digest(term.journal.conn)
    assert {"kardex", "stock_items", "transfers", "counts", "mermas", "store_products"} <= set(before)
    term.journal.rebuild_projections()
    assert cli.projection_digest(term.journal.conn) == before


def _sell(term, code: str = "7801234567894", times: int = 1) -> None:
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 0)
    term.checkout.start(ana, shift.shift_id)
    for _ in range(times):
        term.checkout.scan(code)
        term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))


def test_an_internal_transfer_moves_goods_between_the_stores_warehouses_at_once(store):
    store.journal.append(inv.TransferSent("t-1", STORE, STORE, BODEGA,
                                          (inv.TransferLine("LEC-1", "Leche", D(10), 700),), "ana", "al fondo"))
    conn = store.journal.conn
    assert iq.on_hand(conn, "LEC-1", STORE) == 14
    assert iq.on_hand(conn, "LEC-1", BODEGA) == 10
    assert iq.on_hand(conn, "LEC-1") == 24
    assert read_models.stock_on_hand(conn, "LEC-1") == 14  # what the sale screen reads: the sala de ventas
    [t] = iq.transfers(conn)
    assert (t.direction, t.state, t.received_by, t.note) == ("internal", "received", "ana", "al fondo")
    assert t.lines[0].difference == 0
    assert iq.transfers(conn, "in_transit") == []
    _rebuild_is_identical(store)


def test_a_transfer_to_another_store_stays_in_transit_and_the_goods_leave(store):
    store.journal.append(inv.TransferSent("t-2", BODEGA, "store-2", "store-2",
                                          (inv.TransferLine("LEC-1", "Leche", D(4), 0),), "ana"))
    conn = store.journal.conn
    assert iq.on_hand(conn, "LEC-1", BODEGA) == -4
    [t] = iq.transfers(conn, "in_transit")
    assert (t.direction, t.to_store, t.lines[0].received) == ("outgoing", "store-2", None)
    [row] = iq.stock_list(conn, "leche", alerts_only=True)
    assert row.negative and row.per_warehouse == ((STORE, D(24)), (BODEGA, D(-4)))
    assert iq.alerts_count(conn) == 1
    _rebuild_is_identical(store)


def test_an_incoming_transfer_is_received_with_its_differences(store):
    lines = (inv.TransferLine("LEC-1", "Leche", D(12), 650), inv.TransferLine("COC-15", "Coca-Cola", D(6), 1200))
    store.journal.append(inv.TransferIncoming("t-3", "store-2", "store-2-bodega", STORE, lines, "pedro",
                                              "2026-11-20T08:00:00.000-03:00"))
    conn = store.journal.conn
    assert iq.on_hand(conn, "LEC-1") == 24  # in transit moves nothing
    [t] = iq.transfers(conn, "in_transit", "incoming")
    assert (t.from_store, t.sent_by, [x.sent for x in t.lines]) == ("store-2", "pedro", [12, 6])
    store.journal.append(inv.TransferReceived("t-3", "store-2", STORE, (
        inv.ReceivedLine("LEC-1", "Leche", D(12), D(11), 650),
        inv.ReceivedLine("COC-15", "Coca-Cola", D(6), D(6), 1200)),
        "ana", "una leche rota"))
    [t] = iq.transfers(conn, "received")
    assert (t.received_by, t.received_note, t.sent_by) == ("ana", "una leche rota", "pedro")
    assert [x.difference for x in t.lines] == [-1, 0]
    assert iq.on_hand(conn, "LEC-1") == 35 and iq.on_hand(conn, "COC-15") == 18
    store.journal.append(inv.TransferIncoming("t-3", "store-2", "store-2-bodega", STORE, lines, "pedro",
                                              "2026-11-20T08:00:00.000-03:00"))  # the feed delivers it again
    assert iq.transfer(conn, "t-3").state == "received"
    _rebuild_is_identical(store)


def test_a_count_posted_adjusts_the_warehouse_and_clears_its_draft(store):
    conn = store.journal.conn
    store.journal.append(inv.CountStarted("c-1", STORE, "Lácteos", "ana"))
    count_drafts.add(conn, "c-1", "LEC-1", "Leche", D(1), "t1")
    count_drafts.add(conn, "c-1", "LEC-1", "Leche", D(1), "t2")
    count_drafts.set_counted(conn, "c-1", "PAN-1", "Pan", D("2.5"), "t3")
    [open_count] = iq.open_counts(conn)
    assert (open_count.category, open_count.lines) == ("Lácteos", 2)
    sheet = iq.count_sheet(conn, "c-1")
    assert [(x.sku, x.counted, x.expected, x.scans) for x in sheet.lines] == [
        ("LEC-1", 2, None, 2), ("PAN-1", D("2.5"), None, 1)]
    store.journal.append(inv.CountPosted("c-1", STORE, (inv.CountLine("LEC-1", "Leche", D(24), D(2)),
                                                        inv.CountLine("PAN-1", "Pan", D(15), D("2.5"))),
                                         "toma mensual", "ana", "marta"))
    assert iq.on_hand(conn, "LEC-1") == 2 and iq.on_hand(conn, "PAN-1") == D("2.5")
    assert iq.open_counts(conn) == [] and count_drafts.lines(conn, "c-1") == {}
    posted = iq.count_sheet(conn, "c-1")
    assert (posted.count.state, posted.count.approved_by) == ("posted", "marta")
    assert [(x.sku, x.delta) for x in posted.lines] == [("LEC-1", -22), ("PAN-1", D("-12.5"))]
    _rebuild_is_identical(store)


def test_a_merma_and_a_return_to_a_supplier_take_goods_out(store):
    conn = store.journal.conn
    store.journal.append(inv.MermaRecorded("m-1", STORE, "LEC-1", "Leche", D(3), "vencimiento", 700, "ana"))
    store.journal.append(inv.SupplierSaved("76086428-5", "Colun Ltda", "Lácteos", "Juan Pérez", "+56 9 1234 5678",
                                           "juan@colun.cl", saved_by="ana"))
    store.journal.append(inv.SupplierReturned("r-1", "76086428-5", STORE, (
        inv.SupplierReturnLine("LEC-1", "Leche", D(2), 650),), "vencida", "ana", document="Guía 52 N° 1234"))
    assert iq.on_hand(conn, "LEC-1") == 19
    [m] = iq.mermas(conn)
    assert (m.quantity, m.value, m.reason) == (3, 2100, "vencimiento")
    [doc] = iq.supplier_documents(conn, "76086428-5")
    assert (doc.kind, doc.total, doc.document, doc.by) == ("devolucion", 1300, "Guía 52 N° 1234", "ana")
    _rebuild_is_identical(store)


def test_suppliers_are_found_however_their_rut_or_name_is_typed(store):
    store.journal.append(inv.SupplierSaved("76086428-5", "Cooperativa Agrícola y Lechera de la Unión",
                                           "Lácteos", "Juan Pérez", saved_by="ana"))
    store.journal.append(inv.SupplierSaved("96505760-9", "Embotelladora Andina", "Bebidas", active=False))
    conn = store.journal.conn
    assert [s.rut for s in iq.suppliers(conn, "agricola")] == ["76086428-5"]
    assert [s.rut for s in iq.suppliers(conn, "76.086.428-5")] == ["76086428-5"]
    assert [s.rut for s in iq.suppliers(conn, "PEREZ")] == ["76086428-5"]
    assert [s.rut for s in iq.suppliers(conn, "")] == ["76086428-5", "96505760-9"]
    assert not iq.supplier(conn, "96505760-9").active
    _rebuild_is_identical(store)


def test_the_store_sells_at_its_own_price_only_when_the_tenant_lets_it(store):
    conn = store.journal.conn
    store.journal.append(inv.StoreProductSet("LEC-1", 1090, D(30), "Pasillo 3", True, "ana", seen_price=1150))
    assert read_models.by_sku(conn, "LEC-1").price == 1150  # HQ's, stores may not set prices yet
    store.journal.append(inv.InventorySettingsReceived("fifo", True, 50000))
    assert read_models.by_sku(conn, "LEC-1").price == 1090
    assert iq.inventory_settings(conn) == inv.InventorySettingsReceived("fifo", True, 50000)
    [row] = iq.store_products(conn, "leche")
    assert (row.hq_price, row.price, row.selling_price, row.location, row.crossed) == (1150, 1090, 1090, "Pasillo 3",
                                                                                      False)
    assert row.min_stock == 30
    assert iq.stock_list(conn, "leche", alerts_only=True)[0].below_minimum  # 24 < 30
    store.journal.append(catalog.ProductUpserted("LEC-1", "Leche Entera Colun 1 L", 1250, "Lácteos", "unit",
                                                 ("7801234567894",), None, "Colun", False, True, True, "hq"))
    [row] = iq.store_products(conn, "7801234567894")  # a scanned barcode finds it
    assert (row.hq_price, row.seen_price, row.selling_price, row.crossed) == (1250, 1150, 1090, True)
    assert row.hq_changed_at
    store.journal.append(inv.StoreProductSet("LEC-1", None, None, "", False, "ana", seen_price=1250))
    assert read_models.by_barcode(conn, "7801234567894") is None  # not sold here
    assert read_models.by_sku(conn, "LEC-1").price == 1250
    assert not iq.store_products(conn, "LEC-1")[0].crossed
    assert iq.alerts_count(conn) == 0
    store.journal.append(inv.InventorySettingsReceived("ppp", False, 20000))
    _rebuild_is_identical(store)


def test_sales_returns_and_adjustments_keep_each_products_stock_row(store):
    _sell(store, times=3)
    store.journal.append(catalog.StockAdjusted("COC-15", D(-20), "merma"))
    conn = store.journal.conn
    [leche] = iq.stock_list(conn, "colun leche")
    assert (leche.on_hand, leche.last_kind, leche.negative) == (21, "venta", False)
    assert leche.last_at
    assert [r.sku for r in iq.stock_list(conn, alerts_only=True)] == ["COC-15"]
    _rebuild_is_identical(store)


def test_a_journal_of_the_schema_before_is_folded_into_the_new_tables_when_opened(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    _sell(term, times=2)
    digest = cli.projection_digest(term.journal.conn)
    term.close()
    raw = sqlite3.connect(data / "journal.sqlite3")
    for table in ("kardex", "stock_items", "cost_state", "transfers", "transfer_lines", "counts", "count_lines",
                  "mermas", "supplier_returns", "supplier_return_lines", "store_products", "inventory_settings",
                  "count_drafts"):
        raw.execute(f"DROP TABLE {table}")
    raw.executescript("DROP INDEX products_name; DROP INDEX warehouse_stock_sku;"
                      " UPDATE alembic_version SET version_num = '0011';")
    for column in ("contact", "phone", "email", "active", "saved_by", "saved_at"):
        raw.execute(f"ALTER TABLE suppliers DROP COLUMN {column}")
    raw.close()

    term = make_terminal(data_dir=data, fresh=False)
    conn = term.journal.conn
    assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'refold'").fetchone()[0] == 0
    assert cli.projection_digest(conn) == digest


# --- the kardex and cost fold --------------------------------------------------------------------------------

STORE_RUT = "77447842-6"


def _buy(term, folio: int, quantity: str, cost: str, warehouse: str = "") -> None:
    from desktop.services.purchases import PurchaseService
    from tests import supplier_dte as sd

    factura = sd.dte(33, folio, [("Leche Entera", quantity, cost, "7801234567894", False)], STORE_RUT)
    PurchaseService(term.journal, STORE_RUT, term.journal.new_id).import_file(sd.envio([factura], STORE_RUT),
                                                                              warehouse=warehouse)


def _back_office_day(term) -> None:
    """A purchase, sales, an internal transfer, a merma, a count, a return to the supplier, goods from another
    store and a second purchase at another cost."""
    _buy(term, 11, "12", "700")
    _sell(term, times=3)
    term.journal.append(inv.TransferSent("t-1", STORE, STORE, BODEGA, (inv.TransferLine("LEC-1", "Leche", D(5), 700),),
                                         "ana"))
    term.journal.append(inv.MermaRecorded("m-1", BODEGA, "LEC-1", "Leche", D(1), "dano", 700, "ana"))
    term.journal.append(inv.CountPosted("c-1", STORE, (inv.CountLine("LEC-1", "Leche", D(28), D(27)),), "toma",
                                        "ana", "marta"))
    term.journal.append(inv.SupplierReturned("r-1", "76086428-5", BODEGA, (
        inv.SupplierReturnLine("LEC-1", "Leche", D(2), 700),), "vencida", "ana"))
    term.journal.append(inv.TransferReceived("t-9", "norte", STORE, (
        inv.ReceivedLine("LEC-1", "Leche", D(6), D(6), 650),), "ana"))
    _buy(term, 12, "10", "800")
    _sell(term, times=2)


def _reference(term):
    from shared import inventory

    codec = term.journal.codec
    method = iq.inventory_settings(term.journal.conn).costing
    return inventory.fold(STORE, [(e, codec.decode(e.type, e.version, e.payload)) for e in term.journal.read()],
                          method)


def _m(q: Decimal) -> int:
    return int(q * 1000)


@pytest.mark.parametrize("method", ["ppp", "fifo"])
def test_the_kardex_stock_and_costs_equal_the_reference_fold(store, method):
    if method == "fifo":
        store.journal.append(inv.InventorySettingsReceived("fifo"))
    _back_office_day(store)
    conn = store.journal.conn
    book = _reference(store)
    assert conn.execute("SELECT warehouse, sku, kind, quantity, balance, store_balance, unit_cost, value, document,"
                        " reference, who FROM kardex ORDER BY id").fetchall() == [
        (r.movement.warehouse, r.movement.sku, r.movement.kind, _m(r.movement.quantity), _m(r.balance),
         _m(r.on_hand), r.unit_cost, r.value, r.movement.document, r.movement.reference, r.movement.who)
        for r in book.kardex]
    stock = {(STORE, sku): q for sku, q in conn.execute("SELECT sku, quantity FROM stock")}
    stock.update({(w, sku): q for w, sku, q in conn.execute("SELECT warehouse_id, sku, quantity FROM warehouse_stock")})
    assert stock == {key: _m(q) for key, q in book.stock.items()}
    costed = {sku: s.to_json() for sku, s in book.costs.items() if s.costed}
    assert dict(conn.execute("SELECT sku, state FROM cost_state").fetchall()) == costed
    leche = iq.product_cost_state(conn, "LEC-1")
    assert (leche.method, leche.on_hand, leche.value) == (method, book.on_hand("LEC-1"), book.value("LEC-1"))
    assert iq.cost_state(conn, "LEC-1") == book.costs["LEC-1"]
    _rebuild_is_identical(store)


def test_the_kardex_pages_a_products_movements_newest_first(store):
    _back_office_day(store)
    conn = store.journal.conn
    every = iq.kardex_page(conn, "LEC-1", limit=100)
    assert [r.kind for r in every][:3] == ["venta", "venta", "compra"]
    assert every[-1].kind == "ajuste" and every[-1].document == "Ajuste: apertura"
    first = iq.kardex_page(conn, "LEC-1", limit=4)
    second = iq.kardex_page(conn, "LEC-1", before=first[-1].id, limit=4)
    assert first + second == every[:8]
    assert every[0].balance == iq.on_hand(conn, "LEC-1")
    sold = every[0]
    assert (sold.quantity, sold.who, sold.who_name) == (-1, "ana", "Ana Pérez")
    assert sold.unit_cost > 0 and sold.value == -sold.unit_cost
    bodega = iq.kardex_page(conn, "LEC-1", BODEGA)
    assert [(r.kind, r.quantity, r.balance) for r in bodega] == [
        ("devolucion_proveedor", -2, 2), ("merma", -1, 4), ("traslado_entrada", 5, 5)]
    purchase = next(r for r in every if r.kind == "compra")
    assert purchase.unit_cost == 800 and purchase.value == 8000
    assert json.loads(purchase.lot) == {"supplier_rut": "76235291-5", "expiry": "", "purchase_id": purchase.reference}


def test_a_sale_line_is_costed_from_the_tills_cost_state(store):
    conn = store.journal.conn
    assert iq.sale_line_cost(conn, "LEC-1", D(2)) is None  # only counted at the opening, never bought
    _buy(store, 11, "12", "700")
    assert iq.sale_line_cost(conn, "LEC-1", D(2)) == 1400
    from desktop.journal import purchases_projection

    assert purchases_projection.product_cost(conn, "LEC-1") == (D("700.0000"), 700)
    [row] = iq.stock_list(conn, "7801234567894")
    assert (row.on_hand, row.unit_cost, row.value) == (36, 700, 36 * 700)
