"""The Kardex section: choosing a product by search or scan, pages newest first, print and export."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from desktop.presenters.backoffice import kardex
from desktop.presenters.backoffice.ports import KardexItem
from tests.desktop.presenters.backoffice.fakes import FakeFiles, FakeInventory, product


def move(n, quantity, balance, kind="venta", warehouse="s1", document=""):
    return KardexItem(n, f"2026-12-{1 + n % 28:02}T10:00:00", warehouse, kind, document or f"Boleta N° {n}", "Ana",
                      Decimal(quantity), Decimal(balance), 700, 700 * int(quantity))


def source():
    inv = FakeInventory()
    inv.catalog["LEC-1"] = product("LEC-1", "Leche Entera Colun 1 L", barcode="7801234567894")
    inv.catalog["LEC-2"] = product("LEC-2", "Leche Descremada Colun 1 L")
    inv.catalog["PAN-1"] = product("PAN-1", "Pan Batido", sold_by="kg")
    inv.moves["LEC-1"] = [move(0, 24, 24, "compra", document="Factura 33 N° 5 · 76.123.456-0"),
                          *(move(n, -1, 24 - n) for n in range(1, 60)),
                          move(60, 12, 48, "traslado_entrada", warehouse="s1-bodega", document="Traslado a Bodega")]
    inv.moves["PAN-1"] = [move(1, Decimal("-0.512"), Decimal("9.488"))]
    return inv


def test_search_chooses_or_offers_products():
    presenter = kardex.KardexPresenter(source(), None)
    offered = presenter.search("leche")
    assert offered.choices == (("LEC-1", "Leche Entera Colun 1 L · LEC-1"),
                               ("LEC-2", "Leche Descremada Colun 1 L · LEC-2"))
    assert not offered.error and offered.message == "Toque el producto"
    assert presenter.search("yogur").error
    view = presenter.search("pan")  # one match: chosen at once
    assert (view.sku, view.choices, view.product) == ("PAN-1", (), "Pan Batido · PAN-1")
    assert (view.lines[0].quantity, view.lines[0].balance) == ("-0,512 kg", "9,488 kg")


def test_scan_and_pages_newest_first():
    inv = source()
    presenter = kardex.KardexPresenter(inv, None)
    first = presenter.scanned("7801234567894")
    assert first.product == "Leche Entera Colun 1 L · LEC-1" and first.has_more and len(first.lines) == kardex.PAGE
    top = first.lines[0]
    assert (top.kind, top.document, top.quantity, top.balance, top.warehouse) == (
        "Traslado (entrada)", "Traslado a Bodega", "+12", "48", "Bodega")
    assert (first.lines[1].quantity, first.lines[1].unit_cost, first.lines[1].value) == ("-1", "$700", "-$700")
    second = presenter.older()
    assert second.page == 1 and not second.has_more and second.lines[-1].kind == "Compra"
    assert inv.calls[-1] == ("kardex", "LEC-1", None, first_cursor_after(first), kardex.PAGE + 1)
    assert presenter.newer().lines == first.lines
    only_bodega = presenter.filter_warehouse("s1-bodega")
    assert [x.kind for x in only_bodega.lines] == ["Traslado (entrada)"] and only_bodega.page == 0
    empty = presenter.choose("LEC-2")
    assert empty.lines == () and empty.message == "Este producto aún no tiene movimientos en esta bodega"
    assert presenter.choose("NADA").error


def first_cursor_after(view):
    return 60 - kardex.PAGE + 1  # the cursor of the page's last row: 60 newest, 50 rows down


def test_print_and_export(tmp_path):
    files = FakeFiles()
    presenter = kardex.KardexPresenter(source(), files)
    assert presenter.pdf().error  # no product chosen yet
    presenter.scanned("7801234567894")
    assert presenter.view.can_file
    done = presenter.export("xlsx", tmp_path)
    assert done.message == f"Kardex guardado (XLSX): {tmp_path / 'kardex-LEC-1.xlsx'}"
    assert done.file == str(tmp_path / "kardex-LEC-1.xlsx")
    presenter.filter_warehouse("s1")
    assert presenter.pdf().file == str(Path("/tmp/kardex-LEC-1.pdf"))
    assert files.written == [("LEC-1", None, "xlsx"), ("LEC-1", "s1", "pdf")]
    files.fail = True
    failed = presenter.export("csv", tmp_path)
    assert failed.error and "memoria USB está llena" in failed.message
    no_files = kardex.KardexPresenter(source(), None)
    no_files.scanned("LEC-1")
    assert no_files.export("csv", tmp_path).message == "Esta caja no exporta el kardex"
