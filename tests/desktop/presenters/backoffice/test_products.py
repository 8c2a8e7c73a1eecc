"""The Productos section: HQ's fields read-only with the reason, the store's own saved, a crossed edit shown."""

from __future__ import annotations

from decimal import Decimal

from desktop.presenters.backoffice import products
from desktop.presenters.backoffice.ports import Crossing
from shared import errors
from tests.desktop.presenters.backoffice.fakes import FakeInventory, FakeSettings, product


def setup(store_prices=True, read_only=False):
    inv = FakeInventory()
    inv.catalog["LEC-1"] = product("LEC-1", "Leche Entera Colun 1 L", 1150, barcode="7801234567894",
                                   seen_change=41)
    inv.catalog["PAN-1"] = product("PAN-1", "Pan Batido", 1990, sold_by="kg", min_stock=Decimal("2.5"),
                                   location="Panadería")
    inv.catalog["OLD-1"] = product("OLD-1", "Galletas Descontinuadas", 500, hq_active=False)
    settings = FakeSettings(inv, store_prices=store_prices)
    return inv, settings, products.ProductsPresenter(inv, settings, read_only=read_only)


def test_list_and_form_of_an_editable_product():
    _inv, _settings, presenter = setup()
    view = presenter.refresh()
    assert [(x.name, x.price, x.minimum, x.location) for x in view.lines][:2] == [
        ("Leche Entera Colun 1 L", "$1.150", "", ""), ("Pan Batido", "$1.990", "2,500 kg", "Panadería")]
    form = presenter.scanned("7801234567894").form
    assert form is not None and form.sku == "LEC-1"
    assert form.details == "LEC-1 · Abarrotes · por unidad · 7801234567894\nPrecio de HQ: $1.150"
    assert form.price_editable and form.editable and form.active_editable
    assert form.reasons == (products.HQ_OWNS,)
    assert presenter.choose("PAN-1").form.min_stock == "2,500"
    assert presenter.scanned("galletas").form.sku == "OLD-1"  # words and Enter: the only product found
    listed = presenter.scanned("1")
    assert listed.form.sku == "OLD-1" and len(listed.lines) == 3  # more found: listed, the form stays


def test_save_the_store_settings():
    inv, settings, presenter = setup()
    presenter.choose("LEC-1")
    view = presenter.save("1.290", "12", " Pasillo 3, repisa 2 ", True)
    assert not view.error and view.message == "Guardado: Leche Entera Colun 1 L"
    assert settings.saved == [{"sku": "LEC-1", "price": 1290, "min_stock": Decimal(12),
                               "location": "Pasillo 3, repisa 2", "active": True, "seen_price": 1150,
                               "seen_change": 41}]
    assert view.form.price == "1.290" and view.lines[0].own_price and view.lines[0].price == "$1.290"
    presenter.save("", "", "", False)  # back to HQ's price, no minimum
    assert settings.saved[-1]["price"] is None and settings.saved[-1]["min_stock"] is None
    assert not inv.catalog["LEC-1"].active


def test_bad_input_is_refused_in_spanish_and_nothing_saved():
    _inv, settings, presenter = setup()
    assert presenter.save("1", "1", "", True).message == "Elija primero un producto"
    presenter.choose("LEC-1")
    for price, minimum, location, words in (("abc", "", "", "escriba solo números"), ("0", "", "", "mayor que cero"),
                                            ("", "-1", "", "no puede ser negativo"),
                                            ("", "1,5", "", "unidades enteras"), ("", "x", "", "un número"),
                                            ("", "", "x" * 61, "muy larga")):
        view = presenter.save(price, minimum, location, True)
        assert view.error and view.message.startswith("No se guardó") and words in view.message, words
    presenter.choose("PAN-1")
    assert presenter.save("", "1,2345", "", True).error
    assert settings.saved == []
    settings.refuse = errors.InvalidInput("Casa matriz cambió Pan Batido mientras usted lo editaba")
    assert "Casa matriz cambió" in presenter.save("", "1,5", "", True).message


def test_what_hq_owns_and_a_supervisor():
    _inv, _settings, presenter = setup(store_prices=False)
    form = presenter.choose("OLD-1").form
    assert not form.price_editable and not form.active_editable and form.editable
    assert form.reasons == (products.HQ_OWNS, products.HQ_PRICE, products.HQ_INACTIVE)
    presenter.save("999", "3", "", True)  # the price is not the store's: HQ's stays
    _inv2, settings2, reader = setup(read_only=True)
    form = reader.choose("LEC-1").form
    assert not form.editable and not form.price_editable and form.reasons[0] == products.READ_ONLY
    assert reader.save("1", "", "", True).message == products.READ_ONLY and settings2.saved == []
    assert _settings.saved[-1]["price"] is None and _settings.saved[-1]["active"] is True  # its own flag kept


def test_a_crossed_edit_shows_both_values_who_and_when():
    inv, _settings, presenter = setup()
    inv.catalog["LEC-1"] = product("LEC-1", "Leche Entera Colun 1 L", 1190, local=True, crossings=(
        Crossing("Precio", "$1.290", "$1.190", "Pedro", "2026-12-06T18:40:00"),))
    view = presenter.refresh()
    assert view.lines[0].crossed
    form = presenter.choose("LEC-1").form
    assert form.crossings == ("Precio: usted guardó $1.290; HQ (Pedro) lo cambió a $1.190 el 06-12-2026 18:40. "
                              "Revise y guarde el valor que corresponde.",)
    assert form.reasons[0] == products.LOCAL
    assert products.ProductsPresenter(inv, None, read_only=False).choose("LEC-1").form.reasons[0] == (
        products.NOT_SAVED_HERE)


def test_a_refused_save_keeps_what_was_typed_and_reads_hq_again():
    inv, settings, presenter = setup()
    loaded = presenter.choose("LEC-1").loaded
    inv.catalog["LEC-1"] = product("LEC-1", "Leche Entera Colun 1 L", 1190, barcode="7801234567894")
    settings.refuse = errors.InvalidInput("Casa matriz cambió Leche Entera Colun 1 L mientras usted lo editaba")
    refused = presenter.save("1.290", "12", "Pasillo 3", True)
    assert refused.error and refused.loaded == loaded  # the page keeps the typed values
    assert refused.form.details.endswith("Precio de HQ: $1.190")
    settings.refuse = None
    saved = presenter.save("1.290", "12", "Pasillo 3", True)
    assert not saved.error and saved.loaded == loaded + 1 and settings.saved[-1]["seen_price"] == 1190
