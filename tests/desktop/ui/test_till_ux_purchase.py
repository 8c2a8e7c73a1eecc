"""The purchase registration and its file picker at 1024×600, with a long path and by touch (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QListWidget, QPushButton

from tests import supplier_dte as sd
from tests.desktop.ui.purchase_kit import STORE, open_purchase, store_terminal
from tests.desktop.ui.test_purchase import LINES, ROWS
from tests.desktop.ui.test_till_ux import fits

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def terminal(tmp_path: Path, printer, scale, reader):
    yield from store_terminal(tmp_path, ROWS, printer, scale, reader)


def test_the_purchase_and_its_file_picker_fit_and_work_by_touch(ui, qtbot, tmp_path):
    folder = tmp_path / "usb" / "Descargas de facturas del proveedor principal de abarrotes 2026"
    folder.mkdir(parents=True)
    (folder / "notas.txt").write_text("no es XML")
    name = "factura_electronica_76235291-5_folio_0000000007_recibida_desde_el_portal_del_proveedor.XML"
    (folder / name).write_bytes(sd.envio([sd.dte(33, 7, LINES, STORE)], STORE))
    page = fits(open_purchase(ui), full_window=True)
    page.start_dir = str(tmp_path / "usb")
    ui.click("purchase-pick", page)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in page.findChildren(QDialog, "purchase-file-picker")))
    picker = fits(page.findChild(QDialog, "purchase-file-picker"), full_window=True)
    rows = picker.findChild(QListWidget, "picker-list")
    assert [rows.item(i).text() for i in range(rows.count())] == [folder.name]
    assert not ui.find(QPushButton, "picker-open", picker).isEnabled()

    def touch(row):
        rect = rows.visualItemRect(rows.item(row))
        assert rect.height() >= 56
        qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    touch(0)  # into the folder: the XML only, not the .txt
    assert [rows.item(i).text() for i in range(rows.count())] == [name]
    touch(0)
    ui.screenshot(picker, "till_file_picker.png")
    ui.click("picker-open", picker)
    qtbot.waitUntil(lambda: "verificados" in ui.text("purchase-verdict", page))
    fits(page, full_window=True)
    ui.screenshot(page, "till_purchase_1024x600.png")
    page.presenter.edit_line(5)
    fits(page, full_window=True)
    ui.screenshot(page, "till_purchase_line_editor.png")
