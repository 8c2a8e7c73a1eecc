"""The Productos page: the store's products (search or scan) on the left, the chosen one on the right: HQ's fields
read-only with the reason, the store's price, minimum, location and active, a crossed HQ edit in amber, Guardar;
it renders ``ProductsView``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.presenters.backoffice.ports import ProductSettings
from desktop.presenters.backoffice.products import ProductsPresenter, ProductsView
from desktop.presenters.backoffice.sources import StoreSettings
from desktop.ui import binding
from desktop.ui.backoffice import new_product_dialog
from desktop.ui.backoffice.crossed_panel import CrossedPanel
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.backoffice.table import TouchTable
from desktop.ui.widgets import BigButton, label, named, show_message

COLUMNS = (("Producto", False), ("Precio", True), ("Mínimo", True))
STYLE = """
QFrame#product-form { background: white; border: 2px solid #cbd5e1; border-radius: 12px; }
QLabel#product-reasons { font-size: 14px; color: #475569; }
QLabel#product-details { font-size: 14px; color: #475569; }
QLabel#product-crossings { font-size: 15px; background: #fef3c7; color: #5c3c00; border: 2px solid #f0d68a;
    border-radius: 10px; padding: 6px; }
QFrame#product-form QLineEdit { font-size: 20px; min-height: 40px; }
QFrame#product-form QLineEdit:read-only { background: #f1f5f9; color: #475569; }
"""


def field(name: str, placeholder: str = "") -> QLineEdit:
    box = named(QLineEdit(), name)
    box.setPlaceholderText(placeholder)
    return box


class ProductsPage(QWidget):
    def __init__(self, presenter: ProductsPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-products")
        self.setStyleSheet(STYLE)
        self.presenter = presenter
        self.loaded = -1  # the form's values put in the fields (``ProductsView.loaded``)
        self.search = SearchField("products-search", "Buscar producto o escanear…")
        self.search.searched.connect(presenter.search)
        self.search.submitted.connect(presenter.scanned)
        self.table = TouchTable("products-table", COLUMNS)
        self.table.cellClicked.connect(lambda row, _c: presenter.choose(self.table.key_at(row)))
        self.previous = BigButton("◀", "products-previous")
        self.previous.clicked.connect(presenter.previous_page)
        self.next = BigButton("▶", "products-next")
        self.next.clicked.connect(presenter.next_page)
        self.message = label("", "products-message", wrap=True)
        self.new_product = BigButton("+ Nuevo", "products-new", "primary")  # a product of the store's own
        self.new_product.setFixedWidth(120)
        self.new_product.setToolTip("Crear un producto de esta tienda (local hasta que HQ lo adopte)")
        self.new_product.hide()
        left = QVBoxLayout()
        left.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_product)
        left.addLayout(top)
        left.addWidget(self.table, 1)
        pager = QHBoxLayout()
        pager.addWidget(self.message, 1)
        for button in (self.previous, self.next):
            button.setFixedWidth(64)
            pager.addWidget(button)
        left.addLayout(pager)
        body = QHBoxLayout(self)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(10)
        body.addLayout(left, 1)
        body.addWidget(self._form())
        self.crossed = CrossedPanel(self, presenter.keep_hq, presenter.save_mine)
        binding.bind(presenter, self.show_view, initial=False)
        presenter.refresh()

    def _form(self) -> QFrame:
        self.form = named(QFrame(), "product-form")
        self.form.setFixedWidth(330)
        self.name = label("", "product-name", "section", wrap=True)
        self.details = label("", "product-details", "caption", wrap=True)
        self.reasons = label("", "product-reasons", wrap=True)
        self.crossings = label("", "product-crossings", wrap=True)
        self.price = field("product-price", "El de HQ")
        self.price.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.minimum = field("product-min-stock", "Sin mínimo")
        self.minimum.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.location = field("product-location", "Pasillo 3…")
        self.active = BigButton("", "product-active")
        self.active.setCheckable(True)
        self.active.setToolTip("Si esta tienda vende el producto")
        self.active.toggled.connect(lambda on: self.active.setText("✓ Se vende" if on else "No se vende"))
        self.save = BigButton("Guardar", "product-save", "primary")
        self.save.clicked.connect(lambda: self.presenter.save(self.price.text(), self.minimum.text(),
                                                              self.location.text(), self.active.isChecked()))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        for row, (caption, editor) in enumerate((("Precio tienda", self.price), ("Mínimo", self.minimum),
                                                 ("Ubicación", self.location))):
            grid.addWidget(label(caption, role="caption"), row, 0)
            grid.addWidget(editor, row, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.active, 3)
        buttons.addWidget(self.save, 2)
        box = QVBoxLayout(self.form)
        box.setContentsMargins(12, 8, 12, 10)
        box.setSpacing(4)
        for text in (self.name, self.details, self.reasons, self.crossings):
            box.addWidget(text)
        box.addStretch(1)
        box.addLayout(grid)
        box.addLayout(buttons)
        return self.form

    def show_view(self, view: ProductsView) -> None:
        self.table.set_rows([(line.sku, (f"{line.name}\n" + ("Local (pendiente de HQ) · " if line.local else "")
                                         + (line.location or line.category),
                                         line.price + ("\ntienda" if line.own_price else ""), line.minimum),
                              "crossed" if line.crossed else ("" if line.active else "negative"))
                             for line in view.lines])
        show_message(self.message, view.message, view.error)
        self.crossed.show_choice(view.crossed)
        self.previous.setEnabled(view.page > 0)
        self.next.setEnabled(view.has_more)
        form = view.form
        self.form.setEnabled(form is not None)
        self.name.setText(form.name if form else "Toque un producto de la lista o escanee su código")
        self.details.setText(form.details if form else "")
        self.reasons.setText("\n".join(form.reasons) if form else "")
        self.crossings.setText("\n".join(form.crossings) if form else "")
        self.crossings.setVisible(bool(form and form.crossings))
        if form is None:
            return
        if view.loaded != self.loaded:  # a product chosen or saved: its values; otherwise what was typed stays
            self.loaded = view.loaded
            self.price.setText(form.price)
            self.minimum.setText(form.min_stock)
            self.location.setText(form.location)
            self.location.setCursorPosition(0)  # a long place shows its start
            self.active.setChecked(form.active)
        self.price.setReadOnly(not form.price_editable)
        for box in (self.minimum, self.location):
            box.setReadOnly(not form.editable)
        self.active.setEnabled(form.active_editable)
        self.save.setVisible(form.editable)

    # --- the shell's hooks ----------------------------------------------------------------------------------
    def scanned(self, code: str) -> None:
        self.search.scanned(code)

    def refresh(self) -> None:
        self.presenter.refresh()


def settings_of(context: PageContext) -> ProductSettings | None:
    """The till's service that saves the store's product settings, acting as who is inside (None: a till built
    without it, read-only)."""
    service = context.terminal.inventory
    return None if service is None else StoreSettings(service, context.user)


def build(context: PageContext) -> QWidget:
    page = ProductsPage(ProductsPresenter(context.source, settings_of(context), read_only=context.read_only))
    new_product_dialog.offer(page, context)
    return page
