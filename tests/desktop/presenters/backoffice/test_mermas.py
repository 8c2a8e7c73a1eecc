"""The Mermas page's presenter: a product scanned, its quantity and reason, what it costs shown before recording;
above the tenant's threshold a supervisor's PIN (a wrong one keeps everything); a bad quantity named in Spanish
without losing the form; a supervisor only reads."""

from __future__ import annotations

from desktop.presenters.backoffice.mermas import READ_ONLY, MermasPresenter
from shared import money
from shared.events import inventory as events
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA, bought, warehouses


def _page(terminal, user=ROSA):
    return MermasPresenter(terminal.mermas, terminal.catalog, user, warehouses(terminal))


def test_a_merma_of_goods_never_bought_is_recorded_at_no_cost(terminal):
    page = _page(terminal)
    assert [name for _w, name in page.view.warehouses][:2] == ["Sala de ventas", "Bodega"]
    page.set_warehouse(page.view.warehouses[1][0])
    page.scan("1001")  # the pan batido's PLU: sold by kg, its weight typed
    assert page.view.product == "PAN-1 · Pan Batido" and page.view.quantity == ""
    page.set_quantity("0,250")
    assert page.view.cost == "Sin costo: el producto nunca se ha comprado (se registra a $0)"
    assert page.record().message == "Elija el motivo de la merma" and page.view.error
    page.set_reason("consumo_interno")
    page.set_note("colación")
    view = page.record()
    assert view.message == "Merma registrada: 0,250 de Pan Batido · Consumo interno · $0", view.message
    assert view.recorded == (("PAN-1 · Pan Batido", "0,250", "Consumo interno", "$0", "—"),)
    assert view.sku == "" and view.reason == "consumo_interno"  # the reason stays for the next one
    [merma] = [e for e in terminal.journal.read() if e.type == "inventory.merma_recorded"]
    assert (merma.payload["sku"], merma.payload["quantity"], merma.payload["note"]) == ("PAN-1", "0.250", "colación")


def test_a_merma_shows_its_cost_and_is_recorded(terminal):
    bought(terminal, ("LEC-1", "24", 800))
    page = _page(terminal)
    assert [name for _w, name in page.view.warehouses][:2] == ["Sala de ventas", "Bodega"]
    page.scan("7801234567894")
    assert page.view.product == "LEC-1 · Leche Entera Colun 1 L" and page.view.quantity == "1"
    page.set_quantity("3")
    quote = terminal.mermas.quote("LEC-1", "3")
    assert quote.unit_cost > 0
    cost = f"Costo {money.format_clp(quote.unit_cost)} c/u · Total {money.format_clp(quote.value)}"
    assert page.view.cost == cost
    assert not page.view.can_record  # no reason yet
    assert page.record().message == "Elija el motivo de la merma" and page.view.error
    page.set_reason("vencimiento")
    page.set_note("lote 4411")
    view = page.record()
    value = money.format_clp(quote.value)
    assert view.message == f"Merma registrada: 3 de Leche Entera Colun 1 L · Vencimiento · {value}", view.message
    assert view.recorded == (("LEC-1 · Leche Entera Colun 1 L", "3", "Vencimiento", value, "—"),)
    assert view.sku == "" and view.reason == "vencimiento"  # the reason stays for the next one
    [merma] = [e for e in terminal.journal.read() if e.type == "inventory.merma_recorded"]
    assert (merma.payload["sku"], merma.payload["quantity"], merma.payload["note"]) == ("LEC-1", "3", "lote 4411")


def test_a_bad_quantity_is_named_and_the_form_kept(terminal):
    page = _page(terminal)
    page.search("queso")
    assert page.view.found.results[0][1] == "QUE-1 · Queso Gauda Laminado"
    page.choose("QUE-1")
    page.set_reason("dano")
    page.set_quantity("0,2505")
    assert "3 decimales" in page.view.cost and not page.view.can_record
    view = page.record()
    assert view.error and "3 decimales" in view.message
    assert (view.sku, view.quantity, view.reason) == ("QUE-1", "0,2505", "dano")
    page.scan("7800000000000")
    assert page.view.found.error and page.view.sku == "QUE-1"
    assert not [e for e in terminal.journal.read() if e.type == "inventory.merma_recorded"]


def test_above_the_threshold_a_supervisor_authorises(terminal):
    bought(terminal, ("LEC-1", "100", 800))
    terminal.journal.append(events.InventorySettingsReceived(merma_pin_above=5000))  # as HQ publishes it
    page = _page(terminal)
    page.scan("LEC-1")
    page.set_quantity("30")
    assert terminal.mermas.quote("LEC-1", "30").value > 5000
    page.set_reason("robo")
    assert page.view.needs_pin
    view = page.record()
    assert view.asking_pin and "PIN" in view.message
    view = page.record("1234")  # Ana is a cashier
    assert view.asking_pin and view.pin_error.startswith("PIN incorrecto")
    assert (view.sku, view.quantity) == ("LEC-1", "30")
    view = page.record("9999")
    assert not view.asking_pin and view.recorded[0][4] == "marta"
    page.scan("LEC-1")
    page.set_quantity("30")
    page.record()
    assert page.cancel_pin().message.startswith("Merma no registrada") and page.view.quantity == "30"


def test_a_supervisor_only_reads(terminal):
    page = _page(terminal, MARTA)
    assert page.view.message == READ_ONLY and not page.view.can_edit
    page.scan("LEC-1")
    page.set_reason("robo")
    assert page.record().message == READ_ONLY
    assert not [e for e in terminal.journal.read() if e.type == "inventory.merma_recorded"]
    assert page.view.quantity == "1" and page.view.product  # she may look at what it would cost
