"""The customer picker and the fiado dialogs at 1024×600, touched like a cashier would, on the in-memory fiado desk;
screenshots artifacts/screenshots/fiado_*.png."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from desktop.presenters import fiado
from desktop.ui import touch_keyboard
from desktop.ui.customer_picker import CustomerPickerDialog
from desktop.ui.fiado_dialogs import AbonoDialog, FiadoMenu, ReverseDialog, StatementDialog
from tests.desktop.presenters.fiado_desk import sample_desk
from tests.desktop.ui.test_till_ux import fits as fits_keypad

KEY_MIN = 44
"""The smallest target a finger may get (the on-screen keyboard's keys are 48 px)."""

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def fits(dialog, *, full_window=False):
    """``dialog`` fits 1024×600 (under a title bar unless it covers the window), every button whole and ≥ 44 px."""
    from PySide6.QtWidgets import QApplication

    from desktop.ui.style import DIALOG_MAX_HEIGHT, SCREEN

    QApplication.processEvents()
    limit = SCREEN[1] if full_window else DIALOG_MAX_HEIGHT
    hint = dialog.minimumSizeHint()
    assert hint.width() <= SCREEN[0] and hint.height() <= limit, (dialog.objectName(), hint.toTuple())
    assert dialog.width() <= SCREEN[0] and dialog.height() <= limit, (dialog.objectName(), dialog.size().toTuple())
    for button in dialog.findChildren(QPushButton):
        if button.isVisible() and button.window() is dialog:
            where = button.rect().translated(button.mapTo(dialog, button.rect().topLeft()))
            assert dialog.rect().contains(where), (dialog.objectName(), button.objectName(), where.getRect())
            assert min(button.width(), button.height()) >= KEY_MIN, (button.objectName(), button.size().toTuple())
    return dialog


def _tap_keys(ui, text: str, parent: QWidget) -> None:
    """Type ``text`` on the on-screen keyboard: letters (an accented vowel is the accent key, then the vowel),
    digits and spaces; a capital is Mayús first."""
    accents = {"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u"}
    for char in text:
        if char.isupper():
            ui.click("tk-shift", parent)
        if char in accents:
            ui.click(touch_keyboard.key_name(touch_keyboard.ACUTE), parent)
        key = touch_keyboard.SPACE if char == " " else accents.get(char, char)
        ui.click(touch_keyboard.key_name(key), parent)


def test_the_picker_finds_a_customer_by_phone_on_the_touch_keyboard(ui, qtbot):
    desk = sample_desk()
    dialog = CustomerPickerDialog(ui.window, fiado.CustomerPickerPresenter(desk, "ana"))
    chosen: list[str] = []
    dialog.chosen.connect(chosen.append)
    dialog.start()
    fits(ui.dialog("customer-picker"), full_window=True)
    _tap_keys(ui, "mar", dialog)
    assert ui.find(QLineEdit, "picker-search", dialog).text() == "mar"
    first = ui.find(QPushButton, "picker-match-0", dialog)
    assert first.title.text() == "María Pérez"  # type: ignore[attr-defined]
    assert first.detail.text() == "RUT 12.345.678-5 · 9 8765 4321 · Debe $12.300 · Cupo $50.000"  # type: ignore
    assert ui.find(QPushButton, "picker-match-1", dialog).isVisible()
    fits(dialog, full_window=True)
    ui.screenshot(dialog, "fiado_customer_search.png")
    ui.click("picker-match-0", dialog)
    assert chosen == ["c1"] and ui.closed("customer-picker")


def test_the_picker_creates_a_customer_and_marks_a_wrong_rut(ui):
    desk = sample_desk()
    dialog = CustomerPickerDialog(ui.window, fiado.CustomerPickerPresenter(desk, "ana", current="c1"))
    chosen: list[str] = []
    dialog.chosen.connect(chosen.append)
    dialog.start()
    assert ui.text("picker-title", dialog) == "Cliente: María Pérez"
    assert ui.find(QPushButton, "picker-remove", dialog).isVisible()
    ui.click("picker-new", dialog)
    fields = {n: ui.find(QLineEdit, f"picker-{n}", dialog) for n in ("name", "rut", "phone")}
    assert dialog.focusWidget() is fields["name"], dialog.focusWidget().objectName()
    _tap_keys(ui, "Rosa Díaz", dialog)
    fields["rut"].setFocus()
    ui.qtbot.keyClicks(fields["rut"], "12.345.678-9")
    ui.click("picker-save", dialog)
    assert fields["rut"].property("error") is True and "dígito verificador" in ui.text("picker-message", dialog)
    fits(dialog, full_window=True)
    ui.screenshot(dialog, "fiado_customer_new.png")
    fields["rut"].clear()
    ui.qtbot.keyClicks(fields["phone"], "9 5555 1234")
    ui.click("picker-save", dialog)
    assert chosen == ["c3"] and desk.people["c3"].name == "Rosa Díaz" and desk.people["c3"].phone == "9 5555 1234"


def test_an_abono_in_cash_shows_the_change_and_then_listo(ui):
    desk = sample_desk()
    menu = FiadoMenu(ui.window, "María Pérez")
    menu.open()
    fits(ui.dialog("fiado-menu"))
    ui.screenshot(menu, "fiado_menu.png")
    menu.reject()
    dialog = AbonoDialog(ui.window, fiado.AbonoPresenter(desk, "c1", shift_id="s1", cashier_id="ana"))
    dialog.start()
    fits(ui.dialog("abono-dialog"), full_window=True)
    ui.keypad("10", dialog)
    ui.click("key-000", dialog)
    ui.click("abono-received", dialog)
    ui.keypad("20", dialog)
    ui.click("key-000", dialog)
    assert ui.text("abono-change", dialog) == "Vuelto $10.000"
    assert ui.text("abono-after", dialog) == "Queda debiendo $2.300"
    fits(dialog, full_window=True)
    ui.screenshot(dialog, "fiado_abono.png")
    ui.click("abono-ok", dialog)
    assert ui.text("abono-message", dialog) == "Abono de $10.000 registrado. Debe $2.300. Vuelto $10.000."
    ui.screenshot(dialog, "fiado_abono_done.png")
    ui.click("abono-done", dialog)
    assert ui.closed("abono-dialog")


def test_a_reversal_asks_the_supervisor_and_marks_the_payment(ui):
    desk = sample_desk()
    desk.pay("c1", "cash", 5_000, 5_000, "s1", "ana")
    desk.pay("c1", "transfer", 2_000, 2_000, "s1", "ana")
    dialog = ReverseDialog(ui.window, fiado.ReversePresenter(desk, "c1", shift_id="s1", cashier_id="ana"))
    dialog.start()
    fits(ui.dialog("reverse-dialog"), full_window=True)
    ui.click_cell("reverse-payments", 1)
    auth = fits_keypad(ui.dialog("reverse-auth-dialog"))
    ui.click("reason-0", auth)
    ui.keypad("1111", auth)
    ui.click("reverse-auth-ok", auth)
    assert ui.text("reverse-auth-error", auth) == "PIN incorrecto (intento 1)"
    ui.screenshot(auth, "fiado_reverse_pin.png")
    ui.find(QLineEdit, "reverse-auth-input", auth).clear()
    ui.keypad("9999", auth)
    ui.click("reverse-auth-ok", auth)
    assert ui.closed("reverse-auth-dialog")
    assert ui.text("reverse-message", dialog) == "Abono de $5.000 reversado. Debe $10.300."
    assert dialog.table.item(1, 3).text() == "Reversado"
    ui.screenshot(dialog, "fiado_reverse.png")


def test_the_statement_changes_range_and_prints(ui):
    desk = sample_desk()
    presenter = fiado.StatementPresenter(desk, "c1", lambda: date(2026, 12, 7))
    dialog = StatementDialog(ui.window, presenter)
    dialog.start()
    fits(ui.dialog("statement-dialog"), full_window=True)
    ui.click("statement-90-days", dialog)
    assert dialog.table.rowCount() == 2 and ui.text("statement-closing", dialog) == "Saldo final $12.300"
    ui.screenshot(dialog, "fiado_statement.png")
    ui.click("statement-print", dialog)
    assert desk.printed == [("c1", date(2026, 9, 9), date(2026, 12, 7))]
    assert ui.text("statement-message", dialog) == "Imprimiendo el estado de cuenta…"
    ui.click("statement-custom", dialog)
    start = fits_keypad(ui.dialog("statement-from-dialog"))
    ui.keypad("01112026", start)
    ui.click("statement-from-ok", start)
    end = fits_keypad(ui.dialog("statement-to-dialog"))
    ui.keypad("3011202", end)
    ui.click("statement-to-ok", end)
    assert "fecha no válida" in ui.text("statement-to-error", end)
    ui.keypad("30112026", end)  # the refused text is selected: typing replaces it
    ui.click("statement-to-ok", end)
    assert ui.closed("statement-to-dialog") and ui.find(QPushButton, "statement-custom", dialog).isChecked()
    assert ui.text("statement-period", dialog) == "01-11-2026 al 30-11-2026" and dialog.table.rowCount() == 1
