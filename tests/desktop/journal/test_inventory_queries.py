"""The back office's queries on a real journal: the stock list searched like the till's product search (accents,
case and hyphens aside; a barcode or SKU finds its product), per warehouse, paged, and the store's warehouses."""

from __future__ import annotations

from decimal import Decimal

from desktop.journal import inventory_queries as iq
from shared.events import inventory as inv

STORE = "demo-store"
BODEGA = f"{STORE}-bodega"


def _skus(rows) -> list[str]:
    return [r.sku for r in rows]


def test_the_stock_list_is_searched_like_the_tills_product_search(terminal):
    conn = terminal.journal.conn
    for typed in ("coca-cola", "COCA cola", "cóca", "coca-cola 1,5", "cocacola", "CocaCol", "COCACOLA 1,5"):
        assert _skus(iq.stock_list(conn, typed)) == ["COC-15"], typed
    assert _skus(iq.stock_list(conn, "7801610001196")) == ["COC-15"]  # scanned
    assert _skus(iq.stock_list(conn, "lec-1")) == ["LEC-1"]  # its SKU, any case
    assert _skus(iq.stock_list(conn, "colun")) == ["LEC-1", "QUE-1"]  # brand, by name
    assert iq.stock_list(conn, "!!!") == []
    assert _skus(iq.stock_list(conn, "")) == ["BIP-2", "COC-15", "LEC-1", "PAN-1", "QUE-1"]
    assert _skus(iq.stock_list(conn, "", limit=2, offset=2)) == ["LEC-1", "PAN-1"]


def test_the_stock_list_of_one_warehouse_shows_its_own_quantities(terminal):
    terminal.journal.append(inv.TransferSent("t-1", STORE, STORE, BODEGA,
                                             (inv.TransferLine("PAN-1", "Pan", Decimal("2.500"), 0),), "ana"))
    conn = terminal.journal.conn
    [pan] = iq.stock_list(conn, "pan")
    assert (pan.on_hand, pan.per_warehouse, pan.last_kind) == (
        Decimal(15), ((STORE, Decimal("12.5")), (BODEGA, Decimal("2.5"))), "traslado_entrada")
    [pan] = iq.stock_list(conn, "pan", warehouse=BODEGA)
    assert (pan.on_hand, pan.per_warehouse) == (Decimal("2.5"), ())
    [bip] = iq.stock_list(conn, "bip", warehouse=BODEGA)
    assert (bip.on_hand, bip.value, bip.unit_cost, bip.last_at) == (0, 0, None, "")
    assert iq.warehouses(conn) == [STORE, BODEGA]
    assert iq.warehouse_quantities(conn, BODEGA) == {"PAN-1": Decimal("2.5")}
    # of some products only (what a count expects of the ones it counted)
    assert iq.warehouse_quantities(conn, BODEGA, ["PAN-1", "LEC-1"]) == {"PAN-1": Decimal("2.5")}
    assert iq.warehouse_quantities(conn, BODEGA, []) == {}
    sala = iq.warehouse_quantities(conn, STORE)
    assert iq.warehouse_quantities(conn, STORE, ["PAN-1", "LEC-1"]) == {k: sala[k] for k in ("PAN-1", "LEC-1")}


def test_the_settings_are_the_defaults_until_hq_publishes_them(terminal):
    settings = iq.inventory_settings(terminal.journal.conn)
    assert (settings.costing, settings.store_prices, settings.merma_pin_above) == ("ppp", False, 20000)
