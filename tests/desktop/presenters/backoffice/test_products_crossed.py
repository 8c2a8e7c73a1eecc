"""Productos after a save that crossed an HQ change: the choice names both values, who and when; «Mantener el de
HQ» drops the store's crossed price, «Guardar el mío» saves the edit as typed, both against HQ's latest change."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from desktop.presenters.backoffice import products
from desktop.services.inventory import CrossedEdit, Crossing
from tests.desktop.presenters.backoffice.fakes import FakeInventory, FakeSettings, product

PRICE = Crossing("precio", "$1.290", "$1.150", "pepe@donpepe.cl", "07-12-2026 10:31")


def crossed(crossings=(PRICE,)):
    """Rosa opened Leche at HQ's change 41 and typed $1.190; HQ raised the price meanwhile (change 57)."""
    inv = FakeInventory()
    inv.catalog["LEC-1"] = product("LEC-1", "Leche Entera Colun 1 L", 1150, barcode="7801234567894",
                                   seen_change=41)
    settings = FakeSettings(inv)
    presenter = products.ProductsPresenter(inv, settings, read_only=False)
    presenter.choose("LEC-1")
    settings.refuse = CrossedEdit("LEC-1", "Leche Entera Colun 1 L", crossings, "precio $1.190, se vende", 57)
    inv.catalog["LEC-1"] = replace(inv.catalog["LEC-1"], hq_price=1290, seen_change=57)
    view = presenter.save("1.190", "6", "Pasillo 3", True)
    settings.refuse = None
    return inv, settings, presenter, view


def test_a_crossed_save_asks_the_manager_with_both_values_who_and_when():
    _inv, settings, _presenter, view = crossed()
    assert view.error and view.message == "No se guardó: HQ cambió este producto mientras usted lo editaba."
    assert view.crossed == products.CrossedChoice(
        "Leche Entera Colun 1 L",
        ("HQ cambió el precio a $1.290 el 07-12-2026 10:31 (pepe@donpepe.cl); usted lo vio en $1.150.",),
        "precio $1.190, se vende")
    assert settings.saved == []


def test_saving_mine_saves_the_edit_as_typed_against_hq_s_latest_change():
    _inv, settings, presenter, _view = crossed()
    view = presenter.save_mine()
    assert view.crossed is None and view.message == "Guardado el suyo: Leche Entera Colun 1 L"
    assert settings.saved == [{"sku": "LEC-1", "price": 1190, "min_stock": Decimal(6), "location": "Pasillo 3",
                               "active": True, "seen_price": 1290, "seen_change": 57}]


def test_keeping_hq_s_drops_the_crossed_price_and_saves_the_rest():
    _inv, settings, presenter, _view = crossed()
    view = presenter.keep_hq()
    assert view.crossed is None and view.message == "Guardado con el de HQ: Leche Entera Colun 1 L"
    assert settings.saved[0]["price"] is None and settings.saved[0]["location"] == "Pasillo 3"
    assert (settings.saved[0]["seen_price"], settings.saved[0]["seen_change"]) == (1290, 57)


def test_keeping_hq_s_active_flag_leaves_the_store_s_as_it_was():
    active = Crossing("activo", "desactivado", "activo", "luis@donpepe.cl", "07-12-2026 11:10")
    inv, settings, presenter, view = crossed((active,))
    assert view.crossed is not None and view.crossed.lines == (
        "HQ desactivó el producto el 07-12-2026 11:10 (luis@donpepe.cl); usted lo vio activo.",)
    inv.catalog["LEC-1"] = replace(inv.catalog["LEC-1"], active=False)
    presenter.product = inv.catalog["LEC-1"]
    presenter.keep_hq()
    assert (settings.saved[0]["price"], settings.saved[0]["active"]) == (1190, False)


def test_a_choice_without_a_crossing_does_nothing():
    inv = FakeInventory()
    inv.catalog["LEC-1"] = product("LEC-1", "Leche", 1150)
    settings = FakeSettings(inv)
    presenter = products.ProductsPresenter(inv, settings, read_only=False)
    presenter.choose("LEC-1")
    assert presenter.save_mine().crossed is None and settings.saved == []
