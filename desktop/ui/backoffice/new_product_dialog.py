"""«Nuevo producto» (``new-product-dialog``): a product the store creates itself, over the whole window at 1024×600:
barcode (scanned by either scanner, or typed and Enter), name, price with IVA, category (the till's, or a new
one), sold by unit or kilo, IVA exento, above the on-screen keyboard. Renders ``NewProductView``; emits ``created``
with the new SKU; :func:`offer` puts «+ Nuevo» on the Productos page."""

from __future__ import annotations

import itertools
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.backoffice.new_product import NewProductPresenter, NewProductView
from desktop.presenters.backoffice.products import ProductsPresenter
from desktop.ui import binding
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.style import RED, set_flag
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, group_thousands, label, named, open_over_window, show_message
from shared import barcodes
from shared.events import rules

ROW_HEIGHT = 48
STYLE = f"""
QLineEdit {{ font-size: 20px; min-height: {ROW_HEIGHT - 4}px; max-height: {ROW_HEIGHT - 4}px; padding: 0 10px; }}
QLineEdit[error="true"] {{ border-color: {RED}; background: #fef2f2; }}
QLabel[role="caption-field"] {{ font-size: 16px; font-weight: 700; color: #334155; }}
QLabel#new-product-codes {{ font-size: 15px; color: #334155; }}
QLabel#new-product-message {{ font-size: 16px; font-weight: 600; color: #1e3a8a; }}
QLabel#new-product-message[error="true"] {{ color: {RED}; font-weight: 700; }}
QLabel[role="title"] {{ font-size: 23px; }}
QPushButton[role="choice"]:checked {{ background: #1e3a8a; color: white; }}
"""
ORDER = ("barcodes", "name", "price", "category")
"""Enter moves through the fields in this order; on the last one it creates the product."""


class NewProductDialog(QDialog):
    """Modal over the back office; ``created`` carries the new product's SKU."""

    created = Signal(str)

    def __init__(self, parent: QWidget, presenter: NewProductPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("new-product-dialog")
        self.setWindowTitle("Nuevo producto de la tienda")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet(STYLE)
        self.presenter = presenter
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(label("Nuevo producto de la tienda", role="title"), 1)
        cancel = BigButton("Cancelar", "new-product-cancel")
        cancel.clicked.connect(self.reject)
        self.ok = BigButton("Crear producto", "new-product-ok", "primary")
        self.ok.clicked.connect(self._submit)
        for button, width in ((cancel, 170), (self.ok, 250)):
            button.setMinimumHeight(ROW_HEIGHT + 2)
            button.setFixedWidth(width)
            header.addWidget(button)

        self.fields: dict[str, QLineEdit] = {}
        for name, placeholder, most in (("barcodes", "Escanee, o escriba y Enter", 14),
                                        ("name", "Ej. Empanada de pino", rules.NAME_MAX),
                                        ("price", "Precio con IVA", 12),
                                        ("category", "Ej. Panadería", rules.CATEGORY_MAX)):
            field = named(QLineEdit(), f"new-product-{name}")
            field.setPlaceholderText(placeholder)
            field.setMaxLength(most)
            self.fields[name] = field
        # no numeric hints: the keyboard's numeric page is the RUT keypad; its letters page has a row of digits
        group_thousands(self.fields["price"])
        self.fields["price"].setAlignment(Qt.AlignmentFlag.AlignRight)
        completer = QCompleter(list(presenter.view.categories), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.fields["category"].setCompleter(completer)
        self.fields["barcodes"].returnPressed.connect(self._code_entered)
        for name, following in itertools.pairwise(ORDER[1:]):
            self.fields[name].returnPressed.connect(self.fields[following].setFocus)
        self.fields[ORDER[-1]].returnPressed.connect(self._submit)
        self.fields[ORDER[-1]].setProperty("enterLabel", "Crear")

        self.codes = label("", "new-product-codes", wrap=True)
        self.clear_codes = BigButton("Quitar", "new-product-clear-codes")
        self.clear_codes.setToolTip("Quitar los códigos de barras agregados")
        self.clear_codes.clicked.connect(presenter.clear_codes)
        self.unit = BigButton("Por unidad", "new-product-unit", "choice")
        self.kg = BigButton("Por kilo", "new-product-kg", "choice")
        for button, value in ((self.unit, "unit"), (self.kg, "kg")):
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, v=value: presenter.choose_sold_by(v))
        self.exempt = BigButton("Afecto a IVA", "new-product-iva-exempt", "choice")
        self.exempt.setCheckable(True)
        self.exempt.clicked.connect(presenter.toggle_iva_exempt)

        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        codes = QHBoxLayout()
        codes.addWidget(self.codes, 1)
        self.clear_codes.setFixedWidth(120)
        codes.addWidget(self.clear_codes)
        choices = QHBoxLayout()
        choices.setSpacing(6)
        for button in (self.unit, self.kg, self.exempt):
            choices.addWidget(button)
        rows: tuple[tuple[tuple[str, QWidget | QHBoxLayout], ...], ...] = (
                (("Código", self.fields["barcodes"]), ("", codes)),
                (("Nombre", self.fields["name"]), ("Categoría", self.fields["category"])),
                (("Precio", self.fields["price"]), ("Se vende", choices)))
        for row, pair in enumerate(rows):
            for column, (caption, item) in enumerate(pair):
                form.addWidget(label(caption, role="caption-field"), row, column * 2)
                if isinstance(item, QWidget):
                    form.addWidget(item, row, column * 2 + 1)
                else:
                    form.addLayout(item, row, column * 2 + 1)
        form.setColumnStretch(1, 2)
        form.setColumnStretch(3, 3)

        self.message = label("", "new-product-message", wrap=True)
        self.message.setFixedHeight(ROW_HEIGHT)
        self.keyboard = TouchKeyboard()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 10)
        outer.setSpacing(6)
        outer.addLayout(header)
        outer.addLayout(form)
        outer.addWidget(self.message)
        outer.addWidget(self.keyboard, 1)
        for earlier, later in itertools.pairwise(ORDER):
            QWidget.setTabOrder(self.fields[earlier], self.fields[later])

    def start(self) -> None:
        """Show over the whole window (without blocking); the focus on the barcode field, or on the name when a
        code came with the dialog."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)
        self.fields["name" if self.presenter.view.codes else "barcodes"].setFocus()

    def scanned(self, code: str) -> None:
        """A code from the serial scanner while the dialog is open (``MainWindow`` gives it to the open back-office
        dialog): a barcode of the new product."""
        self.presenter.scanned(code)

    def _code_entered(self) -> None:
        field = self.fields["barcodes"]
        view = self.presenter.scanned(field.text())
        if not view.error:
            field.clear()
            self.fields["name"].setFocus()

    def _submit(self) -> None:
        f = self.fields
        self.presenter.create(f["name"].text(), f["price"].text(), f["category"].text(), f["barcodes"].text())

    def show_view(self, view: NewProductView) -> None:
        if view.created:
            self.created.emit(view.created)
            self.accept()
            return
        self.codes.setText(f"Códigos: {', '.join(view.codes)}" if view.codes else "Sin código de barras: escanee"
                                                                                  " el del envase (o créelo sin"
                                                                                  " código).")
        self.clear_codes.setVisible(bool(view.codes))
        self.unit.setChecked(view.sold_by == "unit")
        self.kg.setChecked(view.sold_by == "kg")
        self.exempt.setChecked(view.iva_exempt)
        self.exempt.setText("Exento de IVA" if view.iva_exempt else "Afecto a IVA")
        self.fields["price"].setPlaceholderText("Con IVA, por kilo" if view.sold_by == "kg" else "Con IVA")
        show_message(self.message, view.message, view.error)
        for name, field in self.fields.items():
            set_flag(field, "error", view.problem == name)
        if view.problem in self.fields:
            self.fields[view.problem].setFocus()


class Host(Protocol):
    """The Productos page as the dialog sees it: its «+ Nuevo» button and its presenter (the search typed or
    scanned, and showing the new product)."""

    @property
    def new_product(self) -> QPushButton: ...

    @property
    def presenter(self) -> ProductsPresenter: ...


def offer(page: Host, context: PageContext) -> None:
    """Show ``page``'s «+ Nuevo» to an administrador of a till that creates products: it opens the dialog with the
    code last scanned in the search (a barcode the catalog lacks is the usual start), and the new product is then
    chosen in the list."""
    service = context.terminal.local_products
    if service is None or context.read_only:
        return
    page.new_product.show()

    def open_dialog() -> None:
        searched = page.presenter.view.search
        code = searched if barcodes.is_gtin_shaped(searched) and page.presenter.view.error else ""
        dialog = NewProductDialog(page.new_product.window(),
                                  NewProductPresenter(service, context.user, code=code))
        dialog.created.connect(page.presenter.scanned)
        dialog.start()

    page.new_product.clicked.connect(open_dialog)
