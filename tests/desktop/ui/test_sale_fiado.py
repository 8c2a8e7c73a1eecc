"""The sale screen with customers and fiado on a real till, touched like a cashier would at 1024×600: the customer
picked and shown, a mixed payment with fiado, fiado over the limit with a supervisor's PIN, an abono from [Fiado…],
suspended sales recalled. Screenshots artifacts/screenshots/fiado_*.png."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from tests.desktop.ui.test_fiado_dialogs import fits
from tests.desktop.ui.test_till_ux import fits as fits_keypad

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def maria(terminal) -> str:
    """María Pérez with fiado up to $10.000 (Rosa, the administradora, set it); this till, never synced, may fiar
    up to $50.000 to a customer while offline."""
    ana, rosa = terminal.auth.sign_in("ana", "1234"), terminal.auth.sign_in("rosa", "0000")
    customer_id = terminal.fiado.save_customer("María Pérez", "12.345.678-5", "9 8765 4321", "", "", ana)
    terminal.fiado.set_account(customer_id, True, 10_000, rosa)
    terminal.fiado.set_settings(50_000, "refuse", rosa)
    return customer_id


def _attach(ui, text: str = "maria") -> None:
    ui.click("sale-customer")
    picker = ui.dialog("customer-picker")
    ui.qtbot.keyClicks(ui.find(QLineEdit, "picker-search", picker), text)
    ui.click("picker-match-0", picker)
    assert ui.closed("customer-picker")


def test_the_customer_shows_on_the_sale_and_pays_part_on_fiado(ui, terminal, maria):
    ui.start_selling()
    ui.scan("7802920000015")
    ui.scan("7802920000015")  # $7.980
    _attach(ui)
    assert ui.text("sale-customer-name") == "María Pérez"
    assert ui.text("sale-customer-account") == "Sin deuda · Cupo $10.000"
    ui.screenshot(ui.window, "fiado_sale_screen.png")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    assert ui.find(QPushButton, "mode-fiado", pay).text() == "Fiado · disponible $10.000"
    ui.click("mode-fiado", pay)
    ui.keypad("5000", pay)
    ui.click("add-partial", pay)
    fits(pay, full_window=True)
    ui.screenshot(pay, "fiado_payment_mixed.png")
    ui.click("exact", pay)
    ui.click("finish", pay)
    assert "Fiado $5.000: saldo $5.000" in ui.text("done-message", pay)
    ui.click("new-sale", pay)
    assert terminal.fiado.account(maria).balance == 5_000
    assert not ui.window.findChild(QWidget, "customer-strip").isVisible()


def test_fiado_over_the_limit_asks_for_a_supervisor_pin(ui, terminal, maria):
    ui.start_selling()
    for _ in range(3):
        ui.scan("7802920000015")  # $11.970
    _attach(ui)
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("mode-fiado", pay)
    ui.click("finish", pay)
    auth = fits_keypad(ui.dialog("fiado-auth-dialog"))
    assert "Fiar $11.970 a María Pérez" in ui.text("fiado-auth-hint", auth)
    ui.screenshot(auth, "fiado_over_limit_pin.png")
    ui.click("reason-0", auth)
    ui.keypad("9999", auth)
    ui.click("fiado-auth-ok", auth)
    assert ui.closed("fiado-auth-dialog")
    assert "Fiado $11.970: saldo $11.970" in ui.text("done-message", pay)
    ui.click("new-sale", pay)


def test_an_abono_from_the_fiado_menu_for_the_sales_customer(ui, terminal, maria):
    ui.start_selling()
    _attach(ui)
    ui.click("sale-fiado")
    menu = fits(ui.dialog("fiado-menu"))
    ui.click("fiado-abono", menu)
    abono = ui.dialog("abono-dialog")
    assert ui.text("abono-title", abono) == "Abono de fiado: María Pérez"


def test_an_abono_without_a_customer_on_the_sale_picks_one_first(ui, terminal, maria):
    ui.start_selling()
    ui.click("sale-fiado")
    ui.click("fiado-statement", ui.dialog("fiado-menu"))
    picker = ui.dialog("customer-picker")
    assert ui.text("picker-title", picker) == "Estado de cuenta: elija el cliente"
    ui.qtbot.keyClicks(ui.find(QLineEdit, "picker-search", picker), "8765")
    ui.click("picker-match-0", picker)
    statement = ui.dialog("statement-dialog")
    assert ui.text("statement-title", statement) == "Estado de cuenta: María Pérez"
    assert terminal.checkout.customer_id == ""  # the sale got no customer from it


def test_suspend_and_recall_from_the_sale_screen(ui, terminal, maria):
    ui.start_selling()
    suspend = ui.find(QPushButton, "sale-suspend")
    assert suspend.text() == "Suspender" and not suspend.isEnabled()
    ui.scan("7801234567894")
    _attach(ui)
    ui.click("sale-suspend")
    fits(ui.dialog("suspend-prompt"), full_window=True)
    ui.click("suspend-ok", ui.dialog("suspend-prompt"))
    assert suspend.text() == "Recuperar (1)" and not ui.window.findChild(QWidget, "customer-strip").isVisible()
    ui.scan("7802920000015")
    assert suspend.text() == "Suspender"
    ui.click("sale-suspend")
    prompt = ui.dialog("suspend-prompt")
    ui.qtbot.keyClicks(ui.find(QLineEdit, "suspend-name", prompt), "senora del pan")
    ui.screenshot(prompt, "fiado_suspend_name.png")
    ui.qtbot.keyClick(ui.find(QLineEdit, "suspend-name", prompt), Qt.Key.Key_Return)
    assert ui.closed("suspend-prompt") and ui.window.focusWidget() is ui.find(QLineEdit, "search")
    ui.click("sale-suspend")
    menu = fits(ui.dialog("recall-menu"))
    assert ui.find(QPushButton, "recall-0", menu).text().startswith("María Pérez · ")
    assert ui.find(QPushButton, "recall-0", menu).text().count(":") == 1  # one time, Chile's
    assert ui.find(QPushButton, "recall-0", menu).text().endswith("1 producto · $1.150")
    assert ui.find(QPushButton, "recall-1", menu).text().startswith("senora del pan · ")
    ui.screenshot(menu, "fiado_recall.png")
    ui.click("recall-0", menu)
    assert ui.text("sale-customer-name") == "María Pérez" and ui.text("total") == "$1.150"
    assert suspend.text() == "Suspender"


def test_the_customer_is_edited_and_taken_off_the_sale(ui, terminal, maria):
    ui.start_selling()
    ui.scan("7801234567894")
    _attach(ui)
    ui.click("sale-customer")
    picker = ui.dialog("customer-picker")
    assert ui.text("picker-title", picker) == "Cliente: María Pérez"
    ui.click("picker-edit", picker)
    address = ui.find(QLineEdit, "picker-address", picker)
    ui.qtbot.keyClicks(address, "Los Aromos 12")
    ui.click("picker-save", picker)
    assert ui.closed("customer-picker") and terminal.fiado.customer(maria).address == "Los Aromos 12"
    assert ui.text("sale-customer-name") == "María Pérez"
    ui.click("sale-customer-remove")
    assert not ui.window.findChild(QWidget, "customer-strip").isVisible()
    assert terminal.checkout.customer_id == "" and ui.text("message") == "Venta sin cliente"


def test_the_top_row_keeps_every_button_whole_for_an_administrator(ui, terminal, maria):
    from decimal import Decimal

    from shared.events import catalog as catalog_events
    from tests.desktop.ui.backoffice.kit import enter_back_office

    terminal.journal.append(catalog_events.StockAdjusted("ACE-1", Decimal(-30), "merma"))  # the alert badge
    screen = enter_back_office(ui)
    ui.click("back-office-till", screen)
    ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
    ui.click("open-shift")
    ui.scan("7801234567894")
    _attach(ui)
    for name in ("sale-customer", "sale-fiado", "sale-suspend", "sale-back-office"):
        button = ui.find(QPushButton, name)
        assert button.width() >= button.sizeHint().width(), (name, button.width(), button.sizeHint().width())
    assert ui.find(QLineEdit, "search").width() >= 250
    ui.screenshot(ui.window, "fiado_sale_screen_admin.png")


def test_a_customer_the_master_flagged_is_marked_in_the_strip(ui, terminal, maria):
    from shared.events import fiado as fiado_events

    terminal.journal.append(fiado_events.CustomerReceived(
        maria, "María Pérez", "12345678-5", "9 8765 4321", "", "", True, 10_000,
        flags=("Saldo de $12.000 sobre el límite de $10.000: cargos desde 2 cajas que no se conocían entre sí.",)))
    ui.start_selling()
    ui.scan("7802920000015")
    _attach(ui)
    assert ui.text("sale-customer-name") == "⚑ María Pérez"
    assert ui.text("sale-customer-account") == "Sin deuda · Cupo $10.000"
    name = ui.window.findChild(QWidget, "sale-customer-name")
    remove = ui.window.findChild(QWidget, "sale-customer-remove")
    assert name.x() + name.sizeHint().width() <= remove.x()  # the mark and the name show whole beside [Quitar]
    ui.screenshot(ui.window, "fiado_sale_screen_flag.png")
