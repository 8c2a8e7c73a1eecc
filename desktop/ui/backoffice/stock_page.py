"""The Stock page: search or scan, warehouse filter, Solo alertas, the table of on hand per warehouse with value at
cost and last movement (below minimum amber, negative red), paged; it renders ``StockView``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.stock import StockPresenter, StockView
from desktop.ui import binding, choices
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.backoffice.table import TouchTable
from desktop.ui.widgets import BigButton, label, show_message

COLUMNS = (("Producto · dónde está", False), ("Stock", True), ("Mínimo", True), ("Valor", True),
           ("Últ. mov.", False))
SHORT_FLAGS = {"negative": "⚠ Negativo", "low": "⚠ Bajo el mínimo"}


class StockPage(QWidget):
    """Touching a product opens its kardex (``show_kardex``)."""

    def __init__(self, presenter: StockPresenter, show_kardex: Callable[[str], None] = lambda sku: None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-stock")
        self.presenter = presenter
        self.search = SearchField("stock-search", "Buscar o escanear…")
        self.search.searched.connect(presenter.search)
        self.search.submitted.connect(presenter.scanned)
        self.warehouse = choices.combo("stock-warehouse")
        self.warehouse.setMinimumWidth(250)
        self.warehouse.activated.connect(lambda _i: presenter.filter_warehouse(str(self.warehouse.currentData())))
        self.alerts = BigButton("Solo alertas", "stock-alerts-only")
        self.alerts.setCheckable(True)
        self.alerts.setFixedWidth(160)
        self.alerts.toggled.connect(presenter.show_alerts_only)
        self.table = TouchTable("stock-table", COLUMNS)
        self.table.cellClicked.connect(lambda row, _c: show_kardex(self.table.key_at(row)))
        self.summary = label("", "stock-summary", "hint", wrap=True)
        self.message = label("", "stock-message", wrap=True)
        self.previous = BigButton("◀ Anteriores", "stock-previous")
        self.previous.clicked.connect(presenter.previous_page)
        self.next = BigButton("Siguientes ▶", "stock-next")
        self.next.clicked.connect(presenter.next_page)
        for button in (self.previous, self.next):
            button.setFixedWidth(170)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.warehouse)
        top.addWidget(self.alerts)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.previous)
        bottom.addWidget(self.next)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(6)
        page.addLayout(top)
        page.addWidget(self.table, 1)
        page.addWidget(self.message)
        page.addLayout(bottom)
        binding.bind(presenter, self.show_view, initial=False)
        presenter.refresh()

    def show_view(self, view: StockView) -> None:
        self.warehouse.blockSignals(True)
        if tuple((self.warehouse.itemData(i), self.warehouse.itemText(i))
                 for i in range(self.warehouse.count())) != view.warehouses:
            self.warehouse.clear()
            for value, text in view.warehouses:
                self.warehouse.addItem(text, value)
        choices.pick(self.warehouse, view.warehouse)
        self.warehouse.blockSignals(False)
        self.alerts.blockSignals(True)
        self.alerts.setChecked(view.alerts_only)
        self.alerts.blockSignals(False)
        self.table.set_rows([(line.sku, (
            f"{line.name}\n" + (f"{SHORT_FLAGS[line.flag]} · " if line.flag else "") + line.warehouse, line.on_hand,
            line.minimum, f"{line.value}\n{line.unit_cost}" if line.unit_cost else line.value, line.last_movement),
            line.flag) for line in view.lines])
        self.summary.setText(view.summary)
        show_message(self.message, view.message, view.error)
        self.message.setVisible(bool(view.message))
        self.previous.setEnabled(view.page > 0)
        self.next.setEnabled(view.has_more)

    # --- the shell's hooks ----------------------------------------------------------------------------------
    def scanned(self, code: str) -> None:
        self.search.scanned(code)

    def refresh(self) -> None:
        self.presenter.refresh()

    def show_alerts(self) -> None:
        self.presenter.show_alerts_only(True)


def build(context: PageContext) -> QWidget:
    return StockPage(StockPresenter(context.source), context.show_kardex)
