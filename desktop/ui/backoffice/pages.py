"""Where each back-office section's page comes from: one module per section with ``build(context) -> QWidget``.

A page module (``desktop/ui/backoffice/<section>_page.py``) exposes::

    def build(context: PageContext) -> QWidget

and its widget may define ``scanned(code: str)`` (a code from the serial scanner while the page is on screen) and
``refresh()`` (called each time the page is shown again). A page that moves stock calls
``context.stock_changed()`` so the alert count is taken again. A section whose module is not installed shows a
plain notice instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.presenters.backoffice.ports import InventorySource
from desktop.services.auth import User
from desktop.terminal import Terminal
from desktop.ui.widgets import label

PAGE_MODULES = {
    "products": "products_page",
    "stock": "stock_page",
    "kardex": "kardex_page",
    "transfers": "transfers_page",
    "counts": "counts_page",
    "mermas": "mermas_page",
    "suppliers": "suppliers_page",
    "purchases": "purchases_page",
    "customers": "customers_page",
    "reports": "reports_page",
}
"""Section key (``desktop.presenters.backoffice.shell.SECTIONS``) → its module in this package."""


@dataclass(frozen=True, slots=True)
class PageContext:
    """What a page is built with: the till, who is in the back office, whether they only read, the inventory
    read models, the callback to say stock moved, and ``show_kardex(sku)`` to open a product's kardex."""

    terminal: Terminal
    user: User
    read_only: bool
    source: InventorySource
    stock_changed: Callable[[], None]
    show_kardex: Callable[[str], None] = lambda sku: None


def missing(key: str, title: str) -> QWidget:
    """The notice shown for a section whose page is not installed in this version of the till."""
    page = QWidget()
    page.setObjectName(f"page-{key}")
    box = QVBoxLayout(page)
    notice = label(f"«{title}» aún no está disponible en esta versión de la caja.", f"page-{key}-missing",
                   "hint", wrap=True)
    notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
    box.addWidget(notice)
    return page


def build(key: str, title: str, context: PageContext) -> QWidget:
    """The page of section ``key`` (objectName ``page-<key>``)."""
    name = f"{__package__}.{PAGE_MODULES[key]}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return missing(key, title)
    page = module.build(context)
    if not isinstance(page, QWidget):
        raise TypeError(f"{name}.build() must return a QWidget")
    if not page.objectName():
        page.setObjectName(f"page-{key}")
    return page
