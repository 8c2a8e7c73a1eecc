"""Fixtures of the Qt widget tests: a real terminal on a temporary journal, and the window on it (offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakePrinter
from desktop.ui import app
from desktop.ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

MILK = "7801234567894"  # Leche Entera Colun 1 L, $1.150
BREAD_PLU = "1001"  # Pan Batido, $1.990/kg


def _row(sku: str, name: str, price: int, category: str, *, kg: bool = False, barcode: str = "", plu: str = "",
         brand: str = "", favourite: bool = True) -> dict[str, str]:
    return {"sku": sku, "name": name, "price": str(price), "category": category, "sold_by": "kg" if kg else "unit",
            "barcode": barcode, "plu": plu, "brand": brand, "iva_exempt": "0", "favourite": "1" if favourite else "0",
            "stock": "25"}


ROWS = (
    _row("LEC-1", "Leche Entera Colun 1 L", 1150, "Lácteos", barcode=MILK, brand="Colun"),
    _row("PAN-1", "Pan Batido", 1990, "Panadería", kg=True, plu=BREAD_PLU),
    _row("HUE-12", "Huevos Blancos 12 un", 3990, "Frescos", barcode="7802920000015"),
    _row("BEB-15", "Coca-Cola Original 1,5 L", 1890, "Bebidas", barcode="7801610001196", brand="Coca-Cola"),
    _row("BEB-05", "Coca-Cola Zero 591 ml", 1090, "Bebidas", barcode="7801610000595", brand="Coca-Cola"),
    _row("ARR-1", "Arroz Grado 1 Tucapel 1 kg", 1690, "Abarrotes", barcode="7801320000014", brand="Tucapel"),
    _row("ACE-1", "Aceite Vegetal Chef 1 L", 2490, "Abarrotes", barcode="7802810000018", favourite=False),
    _row("QUE-1", "Queso Gauda Laminado", 11990, "Fiambrería", kg=True, plu="2001"),
    _row("YOG-1", "Yogur Soprole Frutilla 155 g", 390, "Lácteos", barcode="7802900000017", brand="Soprole"),
)


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def terminal(tmp_path: Path, printer: FakePrinter) -> Iterator[terminal_mod.Terminal]:
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path), create=True, printer=printer,
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [dict(r) for r in ROWS])
    yield term
    term.close()


@pytest.fixture
def window(qtbot, terminal: terminal_mod.Terminal) -> MainWindow:  # type: ignore[no-untyped-def]
    win = app.build_window(terminal)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


W = TypeVar("W", bound=QWidget)


def find(parent: QWidget, kind: type[W], name: str) -> W:
    """The visible widget ``name`` under ``parent`` (dialogs included), or fail."""
    found = [w for w in parent.findChildren(kind, name) if w.isVisible()]
    assert found, f"no visible {kind.__name__} named {name!r}"
    return found[-1]


def dialog(window: QWidget, name: str) -> QDialog:
    """The open dialog ``name`` of the window."""
    return find(window, QDialog, name)


def no_dialog(window: QWidget, name: str) -> bool:
    return not any(d.isVisible() for d in window.findChildren(QDialog, name))


def click(qtbot, parent: QWidget, name: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(find(parent, QPushButton, name), Qt.MouseButton.LeftButton)


def keypad(qtbot, parent: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Touch the keypad keys of ``text`` (``,`` is the decimal comma key)."""
    for char in text:
        click(qtbot, parent, "key-comma" if char == "," else f"key-{char}")


@pytest.fixture
def sign_in(qtbot, window: MainWindow) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    """Sign in as ``user`` with ``pin`` on the sign-in screen (by touch)."""

    def do(user: str = "ana", pin: str = "1234") -> None:
        click(qtbot, window, f"user-{user}")
        keypad(qtbot, find(window, QWidget, "sign-in-screen"), pin)
        click(qtbot, window, "sign-in")

    return do


@pytest.fixture
def selling(qtbot, window: MainWindow, sign_in: Callable[..., None]) -> MainWindow:  # type: ignore[no-untyped-def]
    """Ana signed in with a $20.000 float: the sale screen is showing."""
    sign_in()
    screen = find(window, QWidget, "open-shift-screen")
    keypad(qtbot, screen, "20000")
    click(qtbot, window, "open-shift")
    assert window.findChild(QWidget, "sale-screen").isVisible()
    return window


def screenshot(widget: QWidget, name: str) -> Path:
    """Save ``widget`` as ``artifacts/screenshots/<name>`` (for people to look at; not compared)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    path = SCREENSHOTS / name
    assert widget.grab().save(str(path))
    return path
