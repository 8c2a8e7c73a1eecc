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


def _buy(terminal, folio: int, quantity: str, cost: str, warehouse: str = "") -> None:
    from desktop.services.purchases import PurchaseService
    from tests import supplier_dte as sd

    rut = "77447842-6"
    factura = sd.dte(33, folio, [("Leche Entera", quantity, cost, "7801234567894", False)], rut)
    PurchaseService(terminal.journal, rut, terminal.journal.new_id).import_file(sd.envio([factura], rut),
                                                                                warehouse=warehouse)


def test_under_fifo_the_unit_cost_is_the_value_over_what_is_on_hand_as_hq_shows_it(terminal):
    terminal.journal.append(inv.InventorySettingsReceived("fifo"))
    conn = terminal.journal.conn
    _buy(terminal, 11, "10", "700")  # the 24 opening units and these 10 at $700
    _buy(terminal, 12, "5", "450", warehouse=BODEGA)  # a newer layer, cheaper
    layers = iq.cost_state(conn, "LEC-1").layers
    assert [(q, v) for q, v, _lot in ((x.quantity, x.value, x.lot) for x in layers)] == [
        (Decimal(24), 16800), (Decimal(10), 7000), (Decimal(5), 2250)]
    [leche] = iq.stock_list(conn, "LEC-1")
    assert (leche.on_hand, leche.value) == (Decimal(39), 26050)
    assert leche.unit_cost == 668  # 26.050 / 39 = 667,95 rounded half up; not the oldest layer's $700
    [sala] = iq.stock_list(conn, "LEC-1", warehouse=STORE)
    [bodega] = iq.stock_list(conn, "LEC-1", warehouse=BODEGA)
    assert (sala.on_hand, sala.value, sala.unit_cost) == (Decimal(34), 22710, 668)  # 34 × 26.050 / 39 = 22.710,26
    assert (bodega.on_hand, bodega.value) == (Decimal(5), 3340)  # 3.339,74: the shares add up to the value


def test_the_stock_value_is_the_sum_of_the_rows_the_list_shows(terminal):
    terminal.journal.append(inv.InventorySettingsReceived("fifo"))
    _buy(terminal, 11, "10", "700")
    _buy(terminal, 12, "5", "450", warehouse=BODEGA)
    terminal.journal.append(inv.TransferSent("t-1", STORE, STORE, BODEGA,
                                             (inv.TransferLine("PAN-1", "Pan", Decimal("2.500"), 0),), "ana"))
    terminal.journal.append(inv.MermaRecorded("m-1", STORE, "LEC-1", "Leche", Decimal(40), "dano", 700, "ana"))
    conn = terminal.journal.conn
    for warehouse in (None, STORE, BODEGA, f"{STORE}-otra"):
        rows = iq.stock_list(conn, warehouse=warehouse, limit=10_000)
        assert iq.stock_value(conn, warehouse) == sum(r.value for r in rows), warehouse
    assert iq.stock_value(conn, BODEGA) > 0
    assert iq.stock_value(conn, f"{STORE}-otra") == 0
