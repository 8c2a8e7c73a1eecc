"""Fixtures of the Qt widget tests: a real terminal on a temporary journal, the window on it (offscreen), and
``ui``, a small driver that finds widgets by objectName and touches them like a cashier would."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QTableWidget, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakePrinter
from desktop.ui import app
from desktop.ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
W = TypeVar("W", bound=QWidget)


def _row(sku: str, name: str, price: int, category: str, *, kg: bool = False, barcode: str = "", plu: str = "",
         brand: str = "", favourite: bool = True) -> dict[str, str]:
    return {"sku": sku, "name": name, "price": str(price), "category": category, "sold_by": "kg" if kg else "unit",
            "barcode": barcode, "plu": plu, "brand": brand, "iva_exempt": "0",
            "favourite": "1" if favourite else "0", "stock": "25"}


ROWS = (
    _row("LEC-1", "Leche Entera Colun 1 L", 1150, "Lácteos", barcode="7801234567894", brand="Colun"),
    _row("PAN-1", "Pan Batido", 1990, "Panadería", kg=True, plu="1001"),
    _row("HUE-12", "Huevos Blancos 12 un", 3990, "Frescos", barcode="7802920000015"),
    _row("BEB-15", "Coca-Cola Original 1,5 L", 1890, "Bebidas", barcode="7801610001196", brand="Coca-Cola"),
    _row("BEB-05", "Coca-Cola Zero 591 ml", 1090, "Bebidas", barcode="7801610000595", brand="Coca-Cola"),
    _row("ARR-1", "Arroz Grado 1 Tucapel 1 kg", 1690, "Abarrotes", barcode="7801320000014", brand="Tucapel"),
    _row("ACE-1", "Aceite Vegetal Chef 1 L", 2490, "Abarrotes", barcode="7802810000019", favourite=False),
    _row("QUE-1", "Queso Gauda Laminado", 11990, "Fiambrería", kg=True, plu="2001"),
    _row("YOG-1", "Yogur Soprole Frutilla 155 g", 390, "Lácteos", barcode="7802900000011", brand="Soprole"),
)


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def scale() -> Any:
    """The terminal's scale: none (weights are typed); a test module overrides it to weigh."""
    return None


@pytest.fixture
def reader() -> Any:
    """The terminal's serial scanner: none (keyboard-wedge only); a test module overrides it."""
    return None


@pytest.fixture
def terminal(tmp_path: Path, printer: FakePrinter, scale: Any, reader: Any) -> Iterator[terminal_mod.Terminal]:
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path), create=True, printer=printer,
                              scale=scale, reader=reader,
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [dict(r) for r in ROWS])
    yield term
    term.close()


@pytest.fixture
def window(qtbot: Any, terminal: terminal_mod.Terminal) -> MainWindow:
    win = app.build_window(terminal)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


class Ui:
    """Drives the window by objectName: find, touch buttons and keypads, type, read labels."""

    def __init__(self, qtbot: Any, window: MainWindow) -> None:
        self.qtbot = qtbot
        self.window = window

    def find(self, kind: type[W], name: str, parent: QWidget | None = None) -> W:
        """The visible widget ``name`` (dialogs included), or fail."""
        found = [w for w in (parent or self.window).findChildren(kind, name) if w.isVisible()]
        assert found, f"no visible {kind.__name__} named {name!r}"
        return found[-1]

    def dialog(self, name: str) -> QDialog:
        self.qtbot.waitUntil(lambda: any(d.isVisible() for d in self.window.findChildren(QDialog, name)),
                             timeout=2000)
        return self.find(QDialog, name)

    def closed(self, name: str) -> bool:
        return not any(d.isVisible() for d in self.window.findChildren(QDialog, name))

    def text(self, name: str, parent: QWidget | None = None) -> str:
        return self.find(QLabel, name, parent).text()

    def click(self, name: str, parent: QWidget | None = None) -> None:
        self.qtbot.mouseClick(self.find(QPushButton, name, parent), Qt.MouseButton.LeftButton)

    def keypad(self, text: str, parent: QWidget) -> None:
        """Touch the keypad keys of ``text`` on ``parent`` (``,`` is the decimal comma key)."""
        for char in text:
            self.click("key-comma" if char == "," else f"key-{char}", parent)

    def type(self, name: str, text: str, *, enter: bool = False) -> QLineEdit:
        field = self.find(QLineEdit, name)
        self.qtbot.keyClicks(field, text)
        if enter:
            self.qtbot.keyClick(field, Qt.Key.Key_Return)
        return field

    def sign_in(self, user: str = "ana", pin: str = "1234") -> None:
        self.click(f"user-{user}")
        self.keypad(pin, self.find(QWidget, "sign-in-screen"))
        self.click("sign-in")

    def start_selling(self) -> None:
        """Ana signs in and opens a shift with a $20.000 float: the sale screen shows."""
        self.sign_in()
        self.keypad("20000", self.find(QWidget, "open-shift-screen"))
        self.click("open-shift")
        assert self.find(QWidget, "sale-screen").isVisible()

    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner: fast keystrokes into the focused search field, then Enter."""
        self.type("search", code, enter=True)

    def click_cell(self, name: str, row: int, column: int = 0) -> None:
        """Touch a cell of the table ``name``."""
        table = self.find(QTableWidget, name)
        rect = table.visualRect(table.model().index(row, column))
        self.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    def scan_into(self, name: str, code: str) -> None:
        """A keyboard-wedge scan into the field ``name``: fast keystrokes, then Enter."""
        self.type(name, code, enter=True)

    def screenshot(self, widget: QWidget, name: str) -> Path:
        """Save ``widget`` as ``artifacts/screenshots/<name>`` (for people to look at; not compared)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        path = SCREENSHOTS / name
        assert widget.grab().save(str(path))
        return path


@pytest.fixture
def ui(qtbot: Any, window: MainWindow) -> Ui:
    return Ui(qtbot, window)
