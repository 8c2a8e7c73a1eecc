"""``almacen dte import FILE --map LINE=SKU[xFACTOR]``: lines assigned by hand with their units per package enter the
till's stock in units at the cost per unit; an unknown line or SKU, or a bad factor, is refused with a clear message
and nothing is registered."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from desktop import cli
from desktop.journal import purchases_projection, read_models, sqlite_store
from shared.events import registry
from tests import supplier_dte as sd

STORE = "77447842-6"
PRODUCTS = [
    {"sku": sku, "name": name, "price": price, "category": "Almacén", "sold_by": sold_by, "barcode": code, "plu": "",
     "brand": "", "iva_exempt": "0", "favourite": "0", "stock": ""}
    for sku, name, price, sold_by, code in (
        ("LEC-1", "Leche Entera Colun 1 L", "1150", "unit", "7801234567894"),
        ("JUG-1", "Néctar Watts Durazno 1,5 L", "1690", "unit", ""),
        ("QUE-1", "Queso Gouda Laminado", "12990", "kg", ""))]
LINES = [("Leche Entera Colun CJ 12 x 1 L", "5", "6000", "7801234567894", False),
         ("Nectar durazno 1.5L PAQ 6", "10", "5400", "", False),
         ("Queso gouda bolsa 2,5 kg", "4", "20000", "", False),
         ("Flete", "1", "4000", "", False)]


@pytest.fixture
def journal(store_journal) -> Path:
    return store_journal(PRODUCTS)


@pytest.fixture
def factura(tmp_path: Path) -> Path:
    path = tmp_path / "factura_cajas.xml"
    path.write_bytes(sd.envio([sd.dte(33, 17, LINES, STORE)], STORE))
    return path


def _open(path: Path) -> sqlite_store.SqliteJournal:
    return sqlite_store.SqliteJournal.open(path, codec=registry.build_codec(), clock=lambda: None, new_id=str)


def _purchases(path: Path) -> int:
    j = _open(path)
    try:
        return sum(1 for e in j.read() if e.type == "purchase.received")
    finally:
        j.close()


def test_mapped_lines_enter_stock_by_the_box(journal: Path, factura: Path, capsys) -> None:
    args = ["dte", "import", str(factura), "--journal", str(journal),
            "--map", "1=LEC-1x12", "--map", "2=jug-1x6", "--map", "3=QUE-1x2,5"]
    assert cli.main(args) == 0, capsys.readouterr().err
    [doc] = json.loads(capsys.readouterr().out)["documents"]
    assert (doc["lines_matched"], doc["lines_unmatched"]) == (3, 1)
    assert [(x["line"], x["sku"], x["by"], x["package_factor"], x["stock_quantity"]) for x in doc["matched"]] == [
        (1, "LEC-1", "manual", "12", "60.000"), (2, "JUG-1", "manual", "6", "60.000"),
        (3, "QUE-1", "manual", "2.5", "10.000")]
    j = _open(journal)
    try:
        conn = j.conn
        assert [read_models.stock_on_hand(conn, s) for s in ("LEC-1", "JUG-1", "QUE-1")] == [60, 60, 10]
        assert purchases_projection.product_cost(conn, "LEC-1") == (Decimal("500.0000"), 500)
        assert purchases_projection.product_cost(conn, "QUE-1") == (Decimal("8000.0000"), 8000)
    finally:
        j.close()


@pytest.mark.parametrize(("mapping", "reason"), [
    ("9=LEC-1", "--map 9=LEC-1: el documento no tiene línea 9 (tiene: 1, 2, 3, 4)"),
    ("2=NO-EXISTE", "--map 2=NO-EXISTE: no hay un producto activo con SKU 'NO-EXISTE' en esta tienda"),
    ("1=LEC-1x0", "--map 1=LEC-1x0: las unidades por bulto deben ser mayores que cero"),
    ("1=LEC-1x20000", "--map 1=LEC-1x20000: unidades por bulto demasiado grandes (20000): el máximo es 10.000"),
    ("1=LEC-1x2,5", "--map 1=LEC-1x2,5: unidades por bulto deben ser un número entero (2,5)"),
    ("leche=LEC-1", "--map 'leche=LEC-1' no se entiende: escriba LÍNEA=SKU o LÍNEA=SKUxUNIDADES"),
])
def test_a_bad_mapping_refuses_the_file_and_registers_nothing(journal: Path, factura: Path, capsys, mapping,
                                                              reason) -> None:
    assert cli.main(["dte", "import", str(factura), "--journal", str(journal), "--map", "2=JUG-1x6",
                     "--map", mapping]) == 1
    captured = capsys.readouterr()
    assert not json.loads(captured.out)["imported"]
    assert reason in captured.err
    assert _purchases(journal) == 0


def test_a_match_taken_away_moves_no_stock(journal: Path, factura: Path, capsys) -> None:
    assert cli.main(["dte", "import", str(factura), "--journal", str(journal), "--map", "1="]) == 0
    [doc] = json.loads(capsys.readouterr().out)["documents"]
    assert doc["lines_matched"] == 0
    j = _open(journal)
    try:
        assert read_models.stock_on_hand(j.conn, "LEC-1") == 0
    finally:
        j.close()
