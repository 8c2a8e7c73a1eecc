"""The factura's customer typed on the touch screen alone: the customer dialog's on-screen keyboard (letters with Ñ
and accents, the RUT keypad while the RUT has the focus), Enter to the next field, backspace, and everything fits a
1024×600 screen."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QWidget

from desktop.ui.touch_keyboard import (
    ACUTE,
    BACK,
    DIAERESIS,
    ENTER,
    LEFT,
    RIGHT,
    SHIFT,
    SPACE,
    TouchKeyboard,
    key_name,
)
from shared.events.sales import CustomerData

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
MARKS = {"\u0301": ACUTE, "\u0308": DIAERESIS}
CUSTOMER = {"rut": "77.123.450-K", "razon_social": "Panadería Ñuñoa Ltda.", "giro": "Panadería y pastelería",
            "direccion": "Av. Irarrázaval 3450, local 2", "comuna": "Ñuñoa"}


def _open_dialog(ui, terminal) -> QDialog:
    """A sale of one milk; «Pagar», «Factura»: the customer dialog, sized as the till's screen."""
    terminal.checkout.folios.load_caf((SAMPLES / "caf_T33_cert_76235291-5_F1-20.xml").read_bytes())
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("pay")
    ui.click("doc-factura", ui.dialog("payment-dialog"))
    dialog = ui.dialog("customer-dialog")
    dialog.resize(1024, 600)
    dialog.activateWindow()
    ui.qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _touch(ui, dialog: QDialog, key: str) -> None:
    """A finger on the visible key ``key`` (a character, or SHIFT/SPACE/BACK/ENTER/a dead key)."""
    ui.click(key_name(key), dialog)


def _touch_type(ui, dialog: QDialog, text: str) -> None:
    """Type ``text`` on the on-screen letters: ⇧ before a capital, «´»/«¨» before an accented vowel (Ñ is a key)."""
    for char in text:
        if char == " ":
            _touch(ui, dialog, SPACE)
            continue
        base = char.lower()
        if base != "ñ" and len(unicodedata.normalize("NFD", base)) == 2:  # á = a + ´ (ñ has its own key)
            base, mark = unicodedata.normalize("NFD", base)
            _touch(ui, dialog, MARKS[mark])
        if char.isupper() and not ui.find(QPushButton, key_name(SHIFT), dialog).isChecked():
            _touch(ui, dialog, SHIFT)
        _touch(ui, dialog, base)


def _focused(dialog: QDialog) -> QWidget | None:
    """The widget with the keyboard focus (the dialog is the active window)."""
    assert dialog.isActiveWindow()
    return QApplication.focusWidget()


def _field(ui, dialog: QDialog, name: str) -> QLineEdit:
    return ui.find(QLineEdit, f"customer-{name}", dialog)


def _page(dialog: QDialog) -> str:
    """The keyboard's page: ``text`` (letters) or ``numeric`` (the RUT keypad)."""
    return dialog.findChild(TouchKeyboard).layout_name


def test_a_whole_customer_typed_with_the_on_screen_keys_only_is_the_factura_customer(ui, terminal, printer,
                                                                                       qtbot):
    dialog = _open_dialog(ui, terminal)
    assert _focused(dialog) is ui.find(QLineEdit, "customer-search", dialog) and _page(dialog) == "text"
    qtbot.mouseClick(_field(ui, dialog, "rut"), Qt.MouseButton.LeftButton)  # the cashier touches the RUT field
    rut_field = _field(ui, dialog, "rut")
    assert _focused(dialog) is rut_field and _page(dialog) == "numeric"
    for char in CUSTOMER["rut"]:
        _touch(ui, dialog, char)
        assert _focused(dialog) is rut_field  # a touched key never takes the focus from the field
    assert rut_field.text() == "77.123.450-K"
    for name in ("razon_social", "giro", "direccion", "comuna"):
        _touch(ui, dialog, ENTER)  # Enter: the next field, with the letters
        field = _field(ui, dialog, name)
        assert _focused(dialog) is field and _page(dialog) == "text"
        _touch_type(ui, dialog, CUSTOMER[name])
        assert field.text() == CUSTOMER[name]
    assert ui.find(QPushButton, "tk-enter", dialog).text() == "Emitir ↵"
    dialog.resize(1024, 600)
    ui.screenshot(dialog, "customer_dialog_keyboard.png")
    _touch(ui, dialog, ENTER)  # on the last field Enter issues

    assert ui.closed("customer-dialog")
    pay = ui.dialog("payment-dialog")
    assert ui.text("factura-customer", pay) == "Factura a Panadería Ñuñoa Ltda. · RUT 77.123.450-K"
    ui.click("exact", pay)
    ui.click("finish", pay)
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    sale = [terminal.journal.codec.decode(e.type, e.version, e.payload) for e in terminal.journal.read(1)
            if e.type == "sale.completed"][-1]
    assert sale.document.tipo == 33
    assert sale.customer == CustomerData(rut="77123450-K", razon_social="Panadería Ñuñoa Ltda.",
                                         giro="Panadería y pastelería", direccion="Av. Irarrázaval 3450, local 2",
                                         comuna="Ñuñoa")



def test_enter_goes_to_the_next_field_and_the_keys_follow_the_field(ui, terminal):
    dialog = _open_dialog(ui, terminal)
    keyboard = dialog.findChild(TouchKeyboard)
    search = ui.find(QLineEdit, "customer-search", dialog)
    assert _focused(dialog) is search and keyboard.layout_name == "text"
    assert ui.find(QPushButton, "tk-enter", dialog).text() == "Siguiente ↵"
    _touch(ui, dialog, ENTER)  # nothing searched: on to the RUT, with the RUT keypad
    assert _focused(dialog) is _field(ui, dialog, "rut") and keyboard.layout_name == "numeric"
    for name in ("1", "2", ".", "-", "k", BACK, ENTER):
        assert ui.find(QPushButton, key_name(name), dialog).isVisible()
    assert not [b for b in dialog.findChildren(QPushButton, "tk-q") if b.isVisible()]  # no letters for a RUT
    ui.screenshot(dialog, "customer_dialog_rut_keypad.png")
    for char in "12345670-K":  # 12.345.670-K
        _touch(ui, dialog, char)
    for name in ("razon_social", "giro", "direccion", "comuna"):
        _touch(ui, dialog, ENTER)
        assert _focused(dialog) is _field(ui, dialog, name) and keyboard.layout_name == "text"
    assert ui.find(QPushButton, "tk-enter", dialog).text() == "Emitir ↵"
    _touch(ui, dialog, ENTER)  # the last field, still empty: not issued, the missing field is marked
    assert not ui.closed("customer-dialog")
    assert ui.text("customer-message", dialog) == "Falta la razón social del cliente"
    assert _focused(dialog) is _field(ui, dialog, "razon_social")
    # touching a field, or a physical Tab, moves the keyboard too
    ui.qtbot.mouseClick(_field(ui, dialog, "rut"), Qt.MouseButton.LeftButton)
    assert _focused(dialog) is _field(ui, dialog, "rut") and keyboard.layout_name == "numeric"
    assert _field(ui, dialog, "rut").text() == "12345670-K"
    ui.qtbot.keyClick(_field(ui, dialog, "rut"), Qt.Key.Key_Tab)
    assert _focused(dialog) is _field(ui, dialog, "razon_social") and keyboard.layout_name == "text"


def test_backspace_cursor_selection_shift_and_accents(ui, terminal):
    dialog = _open_dialog(ui, terminal)
    field = _field(ui, dialog, "razon_social")
    ui.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    _touch_type(ui, dialog, "Ferreteriaz")
    _touch(ui, dialog, BACK)
    assert field.text() == "Ferreteria"
    _touch(ui, dialog, BACK)
    _touch(ui, dialog, BACK)
    assert field.text() == "Ferreter" and field.cursorPosition() == 8
    _touch(ui, dialog, ACUTE)  # the accent waits for the vowel: the vowel keys show it
    assert [ui.find(QPushButton, f"tk-{v}", dialog).text() for v in "aeiou"] == ["á", "é", "í", "ó", "ú"]
    _touch(ui, dialog, "i")
    _touch(ui, dialog, "a")
    assert field.text() == "Ferretería"
    _touch(ui, dialog, ACUTE)
    _touch(ui, dialog, "s")  # an accent on a consonant is dropped
    assert field.text() == "Ferreterías" and ui.find(QPushButton, "tk-a", dialog).text() == "a"
    _touch(ui, dialog, BACK)
    field.setCursorPosition(0)  # the cashier touched the start of the text
    _touch_type(ui, dialog, "La ")
    assert field.text() == "La Ferretería" and field.cursorPosition() == 3
    field.setSelection(3, 10)  # "Ferretería" selected: typing replaces it
    _touch(ui, dialog, DIAERESIS)
    _touch(ui, dialog, "u")
    assert field.text() == "La ü" and _focused(dialog) is field
    # ⇧ once: one capital; twice: all capitals (⇪) until touched again
    _touch(ui, dialog, BACK)
    _touch(ui, dialog, SHIFT)
    assert ui.find(QPushButton, "tk-n", dialog).text() == "N"
    _touch(ui, dialog, "n")
    _touch(ui, dialog, "n")
    _touch(ui, dialog, SHIFT)
    _touch(ui, dialog, SHIFT)
    assert ui.find(QPushButton, "tk-shift", dialog).text() == "⇪ MAYÚS"
    for key in ("ñ", ACUTE, "o", "2"):
        _touch(ui, dialog, key)
    _touch(ui, dialog, SHIFT)
    _touch(ui, dialog, "z")
    assert field.text() == "La NnÑÓ2z"
    # a physical keyboard (or a scanner) still types in the same field, at the cursor
    ui.qtbot.keyClicks(field, " spa")
    assert field.text() == "La NnÑÓ2z spa" and _focused(dialog) is field


def _inside(dialog: QDialog, widget: QWidget) -> QRect:
    """``widget``'s rectangle in the dialog's coordinates; it must lie wholly inside the dialog."""
    rect = QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())
    assert dialog.rect().contains(rect), (widget.objectName(), rect, dialog.rect())
    return rect


@pytest.mark.parametrize("layout", ["text", "numeric"])
def test_at_1024x600_every_field_and_key_is_shown_whole_and_finger_sized(ui, terminal, layout):
    dialog = _open_dialog(ui, terminal)
    if layout == "numeric":
        ui.qtbot.mouseClick(_field(ui, dialog, "rut"), Qt.MouseButton.LeftButton)
    assert dialog.findChild(TouchKeyboard).layout_name == layout
    QApplication.processEvents()
    assert dialog.size().width() == 1024 and dialog.size().height() == 600
    minimum = dialog.layout().totalMinimumSize()
    assert minimum.width() <= 1024 and minimum.height() <= 600  # nothing had to be squeezed below its minimum
    for name in ("search", "rut", "razon_social", "giro", "direccion", "comuna"):
        field = _field(ui, dialog, name)
        rect = _inside(dialog, field)
        assert rect.height() >= 44 and rect.width() >= 200, name
        assert field.height() >= field.minimumSizeHint().height()
    captions = [c for c in dialog.findChildren(QLabel) if c.property("role") == "caption-field"]
    assert len(captions) == 6
    for caption in captions:
        assert _inside(dialog, caption).width() >= caption.sizeHint().width()  # the whole word shows
    for name in ("customer-ok", "customer-cancel"):
        button = ui.find(QPushButton, name, dialog)
        assert _inside(dialog, button).height() >= 44 and button.width() >= button.sizeHint().width()
    _inside(dialog, ui.find(QLabel, "customer-message", dialog))
    keys = [k for k in dialog.findChildren(QPushButton) if k.objectName().startswith("tk-") and k.isVisible()]
    assert len(keys) == (53 if layout == "text" else 17)
    rects = {key.objectName(): _inside(dialog, key) for key in keys}
    for key in keys:
        rect = rects[key.objectName()]
        assert rect.width() >= 44 and rect.height() >= 44, key.objectName()
        assert key.fontMetrics().horizontalAdvance(key.text()) <= rect.width() - 8, key.text()  # label not cut
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)
    form_bottom = max(_inside(dialog, _field(ui, dialog, n)).bottom() for n in ("direccion", "comuna"))
    assert min(r.top() for r in rects.values()) > form_bottom  # the keyboard covers no field


def test_the_arrow_keys_fix_a_typo_mid_word_without_erasing_what_follows(ui, terminal):
    dialog = _open_dialog(ui, terminal)
    field = _field(ui, dialog, "direccion")
    ui.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    _touch_type(ui, dialog, "Av. Mata 1020")
    for _ in range(6):  # back over «a 1020»
        _touch(ui, dialog, LEFT)
    assert field.cursorPosition() == len("Av. Mat") and _focused(dialog) is field
    _touch(ui, dialog, "t")
    assert field.text() == "Av. Matta 1020"
    _touch(ui, dialog, RIGHT)
    _touch(ui, dialog, RIGHT)
    _touch(ui, dialog, BACK)  # the space after «Matta» goes, the number stays
    assert field.text() == "Av. Matta1020" and field.cursorPosition() == len("Av. Matta")
    _touch(ui, dialog, SPACE)
    assert field.text() == "Av. Matta 1020"
    for key in (LEFT, RIGHT):
        button = ui.find(QPushButton, key_name(key), dialog)
        assert button.isVisible() and button.width() >= 48 and button.autoRepeat()


def test_the_rut_keypad_has_the_arrow_keys_too(ui, terminal):
    """A digit forgotten in the middle of a RUT is put in place without erasing the rest."""
    dialog = _open_dialog(ui, terminal)
    rut = _field(ui, dialog, "rut")
    ui.qtbot.mouseClick(rut, Qt.MouseButton.LeftButton)
    assert _page(dialog) == "numeric"
    for char in "7712345-K":  # the 0 before the guion forgotten
        _touch(ui, dialog, char)
    for _ in range(2):
        _touch(ui, dialog, LEFT)
    _touch(ui, dialog, "0")
    assert rut.text() == "77123450-K" and _focused(dialog) is rut
    _touch(ui, dialog, RIGHT)
    _touch(ui, dialog, RIGHT)
    assert rut.cursorPosition() == len("77123450-K")
    ui.click("customer-cancel", dialog)  # leaving the RUT field looks the customer up: while the till is open
    assert ui.closed("customer-dialog")
