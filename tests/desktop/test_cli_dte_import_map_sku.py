"""``--map LINE=SKU[xFACTOR]`` with SKUs that themselves end in x + digits (``CAJAX12``, ``COCA-2LX6``): the whole
right-hand side is the SKU when the store has it, and only otherwise is it split at its last x; a factor on a line
without a product is refused, and "1.000" units per box is a thousand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop import cli
from desktop.purchase_cli import split_target
from tests import supplier_dte as sd

STORE = "77447842-6"
PRODUCTS = [
    {"sku": sku, "name": name, "price": "1000", "category": "Almacén", "sold_by": "unit", "barcode": "", "plu": "",
     "brand": "", "iva_exempt": "0", "favourite": "0", "stock": ""}
    for sku, name in (("CAJAX12", "Fósforos caja x12"), ("CAJA", "Fósforos caja"), ("COCA-2L", "Coca-Cola 2 L"),
                      ("LEC-1", "Leche Entera Colun 1 L"))]
LINES = [("Fosforos PACK", "5", "1200", "", False), ("Bebida 2L PAQ 6", "10", "9000", "", False),
         ("Leche CJ 1000", "2", "90000", "", False), ("Flete", "1", "4000", "", False)]


@pytest.fixture
def journal(store_journal) -> Path:
    return store_journal(PRODUCTS)


@pytest.fixture
def factura(tmp_path: Path) -> Path:
    path = tmp_path / "factura_skus.xml"
    path.write_bytes(sd.envio([sd.dte(33, 18, LINES, STORE)], STORE))
    return path


@pytest.mark.parametrize(("target", "products", "expected"), [
    ("CAJAX12", {"CAJAX12", "CAJA"}, ("CAJAX12", "1")),
    ("CAJAX12", {"CAJA"}, ("CAJA", "12")),
    ("COCA-2LX6", {"COCA-2LX6", "COCA-2L"}, ("COCA-2LX6", "1")),
    ("COCA-2LX6", {"COCA-2L"}, ("COCA-2L", "6")),
    ("CAJAX12x6", {"CAJAX12"}, ("CAJAX12", "6")),
    ("LEC-1×2,5", set(), ("LEC-1", "2,5")),
    ("LEC-1x1.000", set(), ("LEC-1", "1.000")),
    ("x12", set(), ("", "12")),
    ("BOX", set(), ("BOX", "1")),
    ("LEC-1x", set(), ("LEC-1x", "1")),
    ("", set(), ("", "1")),
    ("-", set(), ("-", "1")),
])
def test_the_whole_right_hand_side_is_the_sku_first(target, products, expected):
    assert split_target(target, lambda sku: sku in products) == expected


def test_skus_ending_in_x_digits_are_mapped_whole(journal: Path, factura: Path, capsys) -> None:
    args = ["dte", "import", str(factura), "--journal", str(journal), "--dry-run",
            "--map", "1=CAJAX12", "--map", "2=COCA-2LX6", "--map", "3=LEC-1x1.000"]
    assert cli.main(args) == 0, capsys.readouterr().err
    [doc] = json.loads(capsys.readouterr().out)["documents"]
    assert [(x["line"], x["sku"], x["package_factor"], x["stock_quantity"]) for x in doc["matched"]] == [
        (1, "CAJAX12", "1", "5.000"), (2, "COCA-2L", "6", "60.000"), (3, "LEC-1", "1000", "2000.000")]


@pytest.mark.parametrize(("mapping", "reason"), [
    ("4=x12", "--map 4=x12: una línea sin producto no lleva unidades por bulto"),
    ("4=-x12", "--map 4=-x12: una línea sin producto no lleva unidades por bulto"),
    ("1=CAJAx1.5", "--map 1=CAJAx1.5: unidades por bulto no válidas (1.5)"),
    ("1=CAJAx200000000", "--map 1=CAJAx200000000: unidades por bulto demasiado grandes"),
])
def test_a_factor_without_product_or_ambiguous_is_refused(journal: Path, factura: Path, capsys, mapping,
                                                           reason) -> None:
    assert cli.main(["dte", "import", str(factura), "--journal", str(journal), "--map", mapping]) == 1
    captured = capsys.readouterr()
    assert not json.loads(captured.out)["imported"]
    assert reason in captured.err
