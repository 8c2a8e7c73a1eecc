"""The Stock section: flags, search and scan, warehouse filter, alerts only, pages."""

from __future__ import annotations

from decimal import Decimal

from desktop.presenters.backoffice import stock
from desktop.presenters.backoffice.ports import StockItem
from tests.desktop.presenters.backoffice.fakes import FakeInventory, product


def item(sku, name, *where, minimum=None, value=0, last="", unit_cost=None):
    split = tuple((w, Decimal(q)) for w, q in where)
    total = sum((q for _w, q in split), Decimal(0))
    return StockItem(sku, name, "unit", total, value, minimum, last, split,
                     below_minimum=minimum is not None and total < minimum, negative=any(q < 0 for _w, q in split),
                     unit_cost=unit_cost)


def inventory():
    source = FakeInventory(items=[
        item("LEC-1", "Leche Entera Colun 1 L", ("s1", 4), minimum=Decimal(6), value=3960,
             last="2026-12-07T09:30:00", unit_cost=990),
        item("BEB-15", "Coca-Cola Original 1,5 L", ("s1", -2), ("s1-bodega", 48), value=48_300),
        item("ARR-1", "Arroz Grado 1 Tucapel 1 kg", ("s1", 12), minimum=Decimal(6)),
        item("QUE-1", "Queso Gauda", minimum=Decimal(1)),
    ])
    source.catalog["BEB-15"] = product("BEB-15", "Coca-Cola Original 1,5 L", barcode="7801610001196")
    return source


def test_rows_are_shown_with_flags_value_and_last_movement():
    view = stock.StockPresenter(inventory()).refresh()
    leche, coca, arroz, queso = view.lines
    assert (leche.on_hand, leche.minimum, leche.value, leche.last_movement) == ("4", "6", "$3.960", "07-12-2026")
    assert (leche.flag, leche.flag_text, leche.warehouse) == ("low", "Bajo el mínimo (6)", "Sala de ventas")
    assert (coca.flag, coca.flag_text, coca.value, coca.on_hand) == ("negative", "Stock negativo", "$48.300", "46")
    assert coca.warehouse == "Sala de ventas -2 · Bodega 48"
    assert (arroz.flag, arroz.last_movement) == ("", "—")
    assert (queso.warehouse, queso.flag) == ("Sin movimientos", "low")
    assert view.summary == "Valor al costo: $52.260 · Mostrando 1–4 · 3 con alerta en esta página"
    assert (leche.unit_cost, arroz.unit_cost) == ("$990 c/u", "")
    assert view.warehouses == (("", "Todas las bodegas"), ("s1", "Sala de ventas"), ("s1-bodega", "Bodega"))


def test_search_scan_filters():
    presenter = stock.StockPresenter(inventory())
    assert [x.name for x in presenter.search("  cocá-COLA ").lines] == ["Coca-Cola Original 1,5 L"]
    assert [x.sku for x in presenter.scanned("7801610001196").lines] == ["BEB-15"]
    assert presenter.view.search == "BEB-15"
    missing = presenter.search("yogur")
    assert missing.error and missing.message == "Ningún producto coincide con «yogur»"
    presenter.search("")
    bodega = presenter.filter_warehouse("s1-bodega").lines
    assert [(x.sku, x.on_hand, x.warehouse) for x in bodega][1] == ("BEB-15", "48", "Bodega")
    presenter.filter_warehouse("")
    assert [x.flag for x in presenter.show_alerts_only(True).lines] == ["low", "negative", "low"]
    presenter.search("arroz")
    none = presenter.view
    assert none.lines == () and none.message == "Ningún producto coincide con «arroz»"


def test_pages():
    source = FakeInventory(items=[item(f"P{i:03}", f"Producto {i:03}", ("s1", i)) for i in range(95)])
    presenter = stock.StockPresenter(source)
    first = presenter.refresh()
    assert len(first.lines) == stock.PAGE and first.has_more and first.page == 0
    assert presenter.previous_page() is first
    presenter.next_page()
    last = presenter.next_page()
    assert (last.page, len(last.lines), last.has_more) == (2, 15, False)
    assert last.summary == "Valor al costo: $0 · Mostrando 81–95"
    assert presenter.next_page() is last
    assert presenter.previous_page().lines[0].sku == "P040"
    assert source.calls[-1] == ("stock", "", None, False, stock.PAGE + 1, stock.PAGE)
