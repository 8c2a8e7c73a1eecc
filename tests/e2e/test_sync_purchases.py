"""Purchases registered at a till reach the master through a real sync: its stock per warehouse is still the
till's (sales, facturas in, a nota de crédito out, goods into another warehouse), also after a rebuild."""

from __future__ import annotations

import random
from decimal import Decimal

import supplier_dte as sd
import sync_kit

from desktop.journal import purchases_projection, read_models
from desktop.services.purchases import PurchaseService
from shared.dte import xmlcore
from shared.dte.documents import CodRef
from shared.events import registry
from syncserver.ingest import rebuild

ROWS = sync_kit.catalog_rows(20)
STORE_RUT = "77447842-6"


def _master_stock(server, tenant: int) -> dict[tuple[str, str], Decimal]:
    rows = sync_kit.master(server, "SELECT warehouse_id, sku, quantity FROM stock", tenant)
    return {(w, s): q for w, s, q in rows if q != 0}


def test_the_master_folds_purchases_into_the_same_stock_as_the_till(server, make_till):
    sync_kit.setup_tenants(server)
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
    service.import_file(xmlcore.to_bytes(back), warehouse="centro-bodega")
    for t in (till, other):
        status = t.sync.sync_once(t.terminal.journal.clock())
        assert status.online and status.pending == 0, status

    conn = term.journal.conn
    till_stock = {("centro", sku): read_models.stock_on_hand(conn, sku) for sku in (r["sku"] for r in ROWS)}
    till_stock[("centro-bodega", "P003")] = purchases_projection.warehouse_stock(conn, "centro-bodega", "P003")
    norte = {("norte", sku): read_models.stock_on_hand(other.terminal.journal.conn, sku)
             for sku in (r["sku"] for r in ROWS)}
    expected = {k: v for k, v in {**till_stock, **norte}.items() if v != 0}
    assert till_stock[("centro-bodega", "P003")] == 40
    assert _master_stock(server, 1) == expected
    # the master's stock is a fold of the stored events: a rebuild gives it again
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert _master_stock(server, 1) == expected
