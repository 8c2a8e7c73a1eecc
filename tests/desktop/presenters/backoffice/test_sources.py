"""The till's journal as the back office reads it: warehouses, stock per warehouse with alerts, the store's
products with a crossed price, codes found."""

from __future__ import annotations

from decimal import Decimal

import pytest
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.presenters.backoffice.sources import JournalInventory
from shared.events import catalog as catalog_events
from shared.events import inventory as inv


@pytest.fixture
def terminal(tmp_path):
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path, store_id="s1"), create=True,
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [{"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Lácteos",
                      "sold_by": "unit", "barcode": "7801234567894", "plu": "", "brand": "Colun", "iva_exempt": "0",
                      "favourite": "1", "stock": "25"},
                     {"sku": "PAN-1", "name": "Pan Batido", "price": "1990", "category": "Panadería",
                      "sold_by": "kg", "barcode": "", "plu": "1001", "brand": "", "iva_exempt": "0",
                      "favourite": "1", "stock": "0"}])
    yield term
    term.close()


def test_reads_the_journal(terminal):
    source = JournalInventory(terminal.journal.conn, lambda: terminal.journal.lock)
    assert [(w.warehouse_id, w.name) for w in source.warehouses()][:2] == [("s1", "Sala de ventas"),
                                                                           ("s1-bodega", "Bodega")]
    terminal.journal.append(inv.StoreProductSet("LEC-1", None, Decimal(30), "Pasillo 2", True, "rosa",
                                                seen_price=1090))
    terminal.journal.append(catalog_events.StockAdjusted("PAN-1", Decimal("-1.250"), "merma"))
    leche, pan = source.stock("", None, False, 10, 0)
    assert (leche.quantity, leche.min_stock, leche.below_minimum, leche.location) == (
        Decimal(25), Decimal(30), True, "Pasillo 2")
    assert (pan.quantity, pan.negative, pan.per_warehouse) == (Decimal("-1.250"), True, (("s1", Decimal("-1.250")),))
    assert source.alerts() == 2
    assert [i.sku for i in source.stock("7801234567894", None, False, 10, 0)] == ["LEC-1"]
    assert [i.sku for i in source.stock("pán", None, True, 10, 0)] == ["PAN-1"]
    product = source.product("LEC-1")
    assert product is not None and product.barcodes == ("7801234567894",) and product.min_stock == Decimal(30)
    assert [(c.store_value, c.hq_value) for c in product.crossings] == [("el precio de HQ ($1.090)", "$1.150")]
    assert [p.sku for p in source.products("leche", 10, 0)] == ["LEC-1"]
    assert source.product("NADA") is None
    assert (source.find_code("7801234567894"), source.find_code("1001"), source.find_code("nada")) == (
        "LEC-1", "PAN-1", None)
