"""The till as a new user finds it (issue 10), seen at 1024×600 and saved as screenshots."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QTableView

# The offscreen platform (only there) warns when a dialog's layout sets its window's minimum size.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def cart_names(ui):
    model = ui.find(QTableView, "cart").model()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_after_picking_a_search_result_the_field_is_ready_for_the_next_scan(ui, qtbot):
    ui.start_selling()
    ui.type("search", "coca")
    qtbot.waitUntil(lambda: ui.window.sale_screen.view.results != ())  # the results replaced the tiles
    ui.click("tile-BEB-05")
    search = ui.find(QLineEdit, "search")
    assert search.text() == "" and search.hasFocus()
    ui.scan("7801234567894")
    assert cart_names(ui) == ["Coca-Cola Zero 591 ml", "Leche Entera Colun 1 L"]
    assert ui.text("message") == "Leche Entera Colun 1 L agregado"
    assert ui.window.size().width() == 1024 and ui.window.size().height() == 600
    ui.screenshot(ui.window, "till_search_then_scan.png")


def test_a_scan_after_words_left_in_the_field_still_sells(ui, qtbot):
    ui.start_selling()
    ui.type("search", "leche")
    ui.scan("7801234567894")  # the scanner types after "leche" and presses Enter
    assert cart_names(ui) == ["Leche Entera Colun 1 L"]
    assert "Sin resultados" not in ui.text("message")


def test_online_shows_in_a_calm_colour_distinct_from_offline(ui, qtbot):
    from PySide6.QtWidgets import QLabel

    from desktop.services.sync import SyncStatus

    ui.start_selling()
    label = ui.find(QLabel, "status-connection")
    assert label.text() == "● Sin conexión a HQ" and label.property("online") is False
    offline = label.palette().color(label.foregroundRole()).name()
    ui.window.sync_bridge.status_changed.emit(SyncStatus(online=True, pending=0))
    qtbot.waitUntil(lambda: label.text() == "● En línea")
    assert label.property("online") is True
    online = label.palette().color(label.foregroundRole()).name()
    assert (offline, online) == ("#fca5a5", "#86efac")  # red-ish offline, a calm green online
    ui.screenshot(ui.window.statusBar(), "till_status_online.png")


def test_payment_quick_cash_adds_vuelto_only_once_covered_at_1024x600(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7802920000015")  # $5.140
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    assert (pay.width(), pay.height()) == (1024, 600)
    from PySide6.QtWidgets import QLabel, QPushButton

    offered = sorted(b.objectName() for b in pay.findChildren(QPushButton) if b.objectName().startswith("quick-")
                     and b.isVisible())
    assert offered == ["quick-10000", "quick-20000", "quick-6000"]
    assert ui.find(QPushButton, "quick-6000", pay).text() == "+$6.000"
    assert not pay.findChild(QLabel, "change").isVisible()
    ui.keypad("5000", pay)
    assert ui.text("entry", pay) == "$5.000" and ui.text("change", pay) == "Falta $140"
    ui.click("quick-10000", pay)  # adds: the customer handed a $10.000 more
    assert ui.text("entry", pay) == "$15.000" and ui.text("change", pay) == "Vuelto $9.860"
    for button in pay.findChildren(QPushButton):
        if button.isVisible():
            geometry = button.geometry().translated(button.mapTo(pay, button.rect().topLeft()) - button.pos())
            assert pay.rect().contains(geometry), button.objectName()
            assert button.height() >= 56, button.objectName()
    ui.screenshot(pay, "till_payment_quick_cash.png")


def test_typed_amounts_show_thousands_separators(ui):
    from PySide6.QtWidgets import QWidget

    ui.sign_in()
    ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
    assert ui.find(QLineEdit, "float").text() == "20.000"
    ui.click("open-shift")
    for _ in range(3):
        ui.scan("7802920000015")  # $11.970
    ui.click("action-discount")
    dialog = ui.dialog("discount-dialog")
    ui.keypad("1000", dialog)
    assert ui.find(QLineEdit, "discount-input", dialog).text() == "1.000"
    ui.click("discount-ok", dialog)
    assert ui.text("total") == "$10.970"


def fits(dialog, *, full_window=False):
    """``dialog`` fits a 1024×600 screen under a title bar, and every button in it is whole and finger-sized."""
    from PySide6.QtWidgets import QApplication, QPushButton

    from desktop.ui.style import DIALOG_MAX_HEIGHT, SCREEN, TOUCH_MIN

    QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    limit = SCREEN[1] if full_window else DIALOG_MAX_HEIGHT
    assert hint.width() <= SCREEN[0] and hint.height() <= limit, (dialog.objectName(), hint.toTuple())
    assert dialog.width() <= SCREEN[0] and dialog.height() <= limit, (dialog.objectName(), dialog.size().toTuple())
    for button in dialog.findChildren(QPushButton):
        if button.isVisible():
            where = button.rect().translated(button.mapTo(dialog, button.rect().topLeft()))
            assert dialog.rect().contains(where), (dialog.objectName(), button.objectName(), where.getRect())
            assert button.height() >= TOUCH_MIN, (dialog.objectName(), button.objectName(), button.height())
    return dialog


def test_every_keypad_and_dialog_of_the_sale_fits_1024x600(ui, qtbot, terminal):
    terminal.checkout.void_needs_pin = True  # the PIN keypad with its reasons, the widest keypad dialog
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("action-void")
    auth = fits(ui.dialog("auth-dialog"))
    auth.show_error("Demasiados intentos: bloqueado hasta las 10:30, pida a otro supervisor")
    fits(auth)
    ui.screenshot(auth, "till_pin_keypad.png")
    ui.click("auth-cancel", auth)
    for action, name in (("action-quantity", "quantity"), ("action-discount", "discount")):
        ui.click(action)
        fits(ui.dialog(f"{name}-dialog"))
        ui.click(f"{name}-cancel", ui.dialog(f"{name}-dialog"))
    ui.click("tile-PAN-1")
    fits(ui.dialog("weight-dialog"))
    ui.click("weight-cancel", ui.dialog("weight-dialog"))
    for key, name in (("cash-in", "cash-in"), ("cash-out", "cash-out"), ("open-drawer", "drawer")):
        ui.click("action-shift")
        ui.click(key, fits(ui.dialog("shift-menu")))
        fits(ui.dialog(f"{name}-dialog"))
        ui.click(f"{name}-cancel", ui.dialog(f"{name}-dialog"))
    ui.click("pay")
    pay = fits(ui.dialog("payment-dialog"), full_window=True)
    ui.click("exact", pay)
    ui.click("finish", pay)
    fits(pay, full_window=True)
    ui.click("new-sale", pay)
    ui.click("action-return")
    fits(ui.dialog("return-dialog"), full_window=True)
    ui.dialog("return-dialog").reject()
    ui.click("action-shift")
    ui.click("close-shift", ui.dialog("shift-menu"))
    close = fits(ui.dialog("close-dialog"))
    ui.click("close-ok", close)
    fits(ui.dialog("z-dialog"))


def test_anular_linea_removes_the_selected_line_without_a_pin(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7802920000015")
    ui.click("action-void")
    assert ui.closed("auth-dialog")
    assert cart_names(ui) == ["Leche Entera Colun 1 L"]
    assert ui.text("message") == "Línea anulada: Huevos Blancos 12 un"
    assert ui.text("total") == "$1.150"
    ui.screenshot(ui.window, "till_line_removed.png")


def test_reimprimir_offers_the_last_documents_by_touch(ui, qtbot, printer, terminal):
    from pathlib import Path

    from PySide6.QtWidgets import QPushButton

    caf = Path(__file__).parents[2] / "data" / "sii" / "samples" / "caf_T39_cert_76235291-5_F1-20.xml"
    terminal.checkout.folios.load_caf(caf.read_bytes())
    ui.start_selling()
    for code in ("7801234567894", "7802920000015"):
        ui.scan(code)
        ui.click("pay")
        pay = ui.dialog("payment-dialog")
        ui.click("exact", pay)
        ui.click("finish", pay)
        ui.click("new-sale", pay)
    qtbot.waitUntil(lambda: len(printer.jobs) == 2, timeout=10_000)  # boletas: their timbre takes a moment
    qtbot.waitUntil(lambda: not terminal.receipts.pending(), timeout=10_000)  # their outcome recorded
    ui.click("action-reprint")
    menu = fits(ui.dialog("reprint-menu"))
    texts = [ui.find(QPushButton, f"reprint-{i}", menu).text() for i in range(2)]
    assert [t.split(" · ")[:2] for t in texts] == [["Boleta N° 2", "$3.990"], ["Boleta N° 1", "$1.150"]]
    assert not menu.findChild(QPushButton, "reprint-2").isVisible()
    ui.screenshot(menu, "till_reprint_menu.png")
    ui.click("reprint-1", menu)
    assert ui.closed("reprint-menu")
    qtbot.waitUntil(lambda: len(printer.jobs) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: ui.text("message") == "Reimpresión lista (1)", timeout=10_000)


def test_a_line_discount_in_percent_by_touch(ui):
    from PySide6.QtWidgets import QPushButton

    ui.start_selling()
    ui.scan("7802920000015")  # $3.990
    ui.scan("7801234567894")  # $1.150
    ui.click("action-discount")
    dialog = fits(ui.dialog("discount-dialog"))
    assert ui.find(QPushButton, "discount-sale", dialog).isChecked()
    assert ui.text("discount-hint", dialog) == "Toda la venta: $5.140. Hasta 10% sin supervisor."
    ui.click("discount-line", dialog)
    ui.click("discount-percent", dialog)
    assert ui.text("discount-hint", dialog) == "Línea «Leche Entera Colun 1 L»: $1.150. Hasta 10% sin supervisor."
    ui.keypad("10", dialog)
    ui.screenshot(dialog, "till_discount_dialog.png")
    ui.click("discount-ok", dialog)
    assert ui.closed("discount-dialog")
    assert ui.text("total") == "$5.025" and ui.text("message") == "Descuento aplicado: $115"


def test_an_unknown_barcode_sold_at_an_open_price_by_touch(ui, printer, qtbot):
    ui.start_selling()
    ui.scan("7802000000003")
    dialog = fits(ui.dialog("open-price-dialog"))
    assert "7802000000003 no está en el catálogo" in ui.text("open-price-hint", dialog)
    ui.keypad("1490", dialog)
    assert ui.find(QLineEdit, "open-price-input", dialog).text() == "1.490"
    ui.screenshot(dialog, "till_open_price.png")
    ui.click("open-price-ok", dialog)
    assert ui.closed("open-price-dialog")
    assert cart_names(ui) == ["Sin catálogo 7802000000003"] and ui.text("total") == "$1.490"
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("exact", pay)
    ui.click("finish", pay)
    assert "Venta guardada" in ui.text("done-message", pay)
    ui.click("new-sale", pay)
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)


def test_an_unknown_barcode_can_be_left_unsold(ui):
    ui.start_selling()
    ui.scan("7802000000003")
    ui.click("open-price-cancel", ui.dialog("open-price-dialog"))
    assert ui.closed("open-price-dialog") and cart_names(ui) == []
    assert ui.find(QLineEdit, "search").hasFocus()


def test_changing_cashier_counts_the_drawer_at_hand_over(ui, printer, qtbot):
    from PySide6.QtWidgets import QLabel, QPushButton, QWidget

    ui.start_selling()  # Ana, $20.000 float
    ui.scan("7801234567894")
    ui.click("action-shift")
    ui.click("switch-user", ui.dialog("shift-menu"))
    assert ui.closed("close-dialog") and "antes de entregar la caja" in ui.text("message")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("exact", pay)
    ui.click("finish", pay)
    ui.click("new-sale", pay)
    ui.click("action-shift")
    ui.click("switch-user", ui.dialog("shift-menu"))
    close = fits(ui.dialog("close-dialog"))
    assert "entregar la caja" in ui.text("close-hint", close)
    assert ui.find(QPushButton, "close-ok", close).text() == "Entregar caja"
    ui.find(QLineEdit, "count-cash").setFocus()
    ui.keypad("21100", close)  # $50 short: Ana's difference
    ui.screenshot(close, "till_handover_count.png")
    ui.click("close-ok", close)
    report = fits(ui.dialog("z-dialog"))
    names = [w.objectName() for w in report.findChildren(QLabel) if w.objectName().startswith("z-name-")]
    rows = {ui.text(n, report): ui.text(n.replace("name", "value"), report) for n in names}
    assert rows["Efectivo"] == "Faltante $50"
    ui.click("z-ok", report)
    ui.sign_in("pedro", "2345")
    screen = ui.find(QWidget, "open-shift-screen")
    assert ui.find(QLineEdit, "float").text() == "21.100"
    assert "se entregó con $21.100" in ui.text("greeting", screen)
    ui.click("open-shift")
    assert ui.text("status-cashier") == "Cajero: Pedro Soto" and ui.text("status-shift") == "Turno 2"


class _OnlineSync:
    """The sync service as the window reads it once enrolled: online, nothing left to send."""

    def __init__(self):
        from desktop.services.sync import SyncStatus

        self.status = SyncStatus(online=True, pending=0)

    def close(self):
        pass


def test_readme_screenshot_of_the_sale_screen_in_a_normal_state(ui, terminal, qtbot):
    """docs/img/sale_screen.png is this screenshot: enrolled and online, folios on hand, a sale under way."""
    from pathlib import Path

    from PySide6.QtWidgets import QLabel

    caf = Path(__file__).parents[2] / "data" / "sii" / "samples" / "caf_T39_cert_76235291-5_F1-20.xml"
    terminal.checkout.folios.load_caf(caf.read_bytes())
    terminal.checkout.folios.low_folios = 10  # the sample CAF has 20: plenty for this picture
    ui.start_selling()
    terminal.sync = _OnlineSync()
    for code in ("7801234567894", "7801234567894", "7801610001196", "7802920000015", "7801320000014"):
        ui.scan(code)
    ui.click("tile-PAN-1")
    weight = ui.dialog("weight-dialog")
    ui.keypad("0,512", weight)
    ui.click("weight-ok", weight)
    assert ui.text("status-connection") == "● En línea"
    assert not ui.window.findChild(QLabel, "status-folios").isVisible()
    assert not ui.window.findChild(QLineEdit, "search").text()
    assert ui.text("message") == "Pan Batido agregado"
    assert (ui.window.width(), ui.window.height()) == (1024, 600)
    ui.screenshot(ui.window, "readme_sale_screen.png")


def test_the_device_page_fits_1024x600(ui):
    from tests.desktop.ui.test_devices import open_devices

    open_devices(ui, "0000")  # the administrator
    fits(ui.dialog("devices-dialog"), full_window=True)


def test_a_drawer_per_cashier_by_touch(ui, terminal):
    from PySide6.QtWidgets import QWidget

    terminal.shifts.per_cashier = True  # terminal.toml: cashier_change = "drawer"
    ui.window.session.handover_count = False
    ui.start_selling()  # Ana: Turno 1
    ui.click("action-shift")
    ui.click("switch-user", ui.dialog("shift-menu"))
    assert ui.closed("close-dialog") and ui.find(QWidget, "sign-in-screen").isVisible()
    ui.sign_in("pedro", "2345")
    screen = ui.find(QWidget, "open-shift-screen")  # Pedro opens his own drawer
    ui.keypad("5000", screen)
    ui.click("open-shift")
    assert ui.text("status-cashier") == "Cajero: Pedro Soto" and ui.text("status-shift") == "Turno 2"
    ui.click("action-shift")
    ui.click("switch-user", ui.dialog("shift-menu"))
    ui.sign_in("ana")
    assert ui.find(QWidget, "sale-screen").isVisible() and ui.text("status-shift") == "Turno 1"
