"""The back office's Transferencias page: Enviar (from a warehouse to another of the store's or to another store,
lines scanned or searched), Recibir (what other stores sent, line by line, differences recorded) and Historial.
It draws ``TransfersView`` and forwards what the manager does to ``TransfersPresenter``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.transfers import (
    HISTORY_COLUMNS,
    INCOMING_COLUMNS,
    OTHER_STORE,
    RECEIPT_COLUMNS,
    SECTIONS,
    SHEET_COLUMNS,
    TransfersPresenter,
    TransfersView,
)
from desktop.services import inventory
from desktop.ui import binding
from desktop.ui.backoffice.ops_widgets import (
    LineSheet,
    OpsPage,
    RowsTable,
    caption,
    field,
    product_field,
    set_text,
)
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.widgets import BigButton, label


def _choices(row: QHBoxLayout, group: QButtonGroup, name: str, items: tuple[tuple[str, str], ...],
             pick: Callable[[str], object]) -> dict[str, BigButton]:
    buttons = {}
    for n, (key, text) in enumerate(items):
        button = BigButton(text, f"{name}-{n}")
        button.setCheckable(True)
        button.clicked.connect(lambda _=False, k=key: pick(k))
        group.addButton(button)
        row.addWidget(button)
        buttons[key] = button
    return buttons


class TransfersPage(OpsPage):
    """Transferencias (``page-transfers``)."""

    def __init__(self, presenter: TransfersPresenter, stock_changed: Callable[[], None] = lambda: None) -> None:
        super().__init__("transfers", SECTIONS)
        self.presenter = presenter
        self.stock_changed = stock_changed
        self.section.connect(presenter.show)
        self.add_section("send", self._send())
        self.add_section("incoming", self._incoming())
        self.history = RowsTable("transfers-history", HISTORY_COLUMNS, numeric=(3, 4), stretch=(1,))
        self.add_section("history", self.history)
        self.moved = 0
        binding.bind(presenter, self.show_view)

    def _send(self) -> QWidget:
        p = self.presenter
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        source = QHBoxLayout()
        source.addWidget(caption("Desde"))
        self.sources = _choices(source, QButtonGroup(self), "transfers-from", p.view.warehouses, p.set_source)
        column.addLayout(source)
        target = QHBoxLayout()
        target.addWidget(caption("Hacia"))
        self.targets = _choices(target, QButtonGroup(self), "transfers-to",
                                (*p.view.warehouses, (OTHER_STORE, "Otra tienda")), p.set_destination)
        self.to_store = field("transfers-to-store", "Código de la tienda", width=200)
        self.to_store.textEdited.connect(p.set_to_store)
        target.addWidget(self.to_store)
        self.to_bodega = BigButton("A su bodega", "transfers-to-bodega")
        self.to_bodega.setCheckable(True)
        self.to_bodega.toggled.connect(p.set_to_bodega)
        target.addWidget(self.to_bodega)
        column.addLayout(target)
        self.product = product_field("transfers", p)
        column.addWidget(self.product)
        sheet = LineSheet(RowsTable("transfers-sheet", SHEET_COLUMNS, numeric=(1,)), "Cantidad de la línea elegida",
                          field("transfers-quantity", "Cantidad", numeric=True, width=180), p.select,
                          p.set_quantity)
        self.sheet, self.quantity = sheet.table, sheet.quantity
        self.remove = BigButton("Quitar línea", "transfers-remove", "danger")
        self.remove.clicked.connect(p.remove)
        sheet.side.addWidget(self.remove)
        sheet.finish()
        column.addLayout(sheet, 1)
        bottom = QHBoxLayout()
        self.note = field("transfers-note", "Nota (opcional): guía, patente, quién lo lleva…")
        self.note.textEdited.connect(p.set_note)
        bottom.addWidget(self.note, 1)
        self.send = BigButton("Enviar traslado", "transfers-send", "primary")
        self.send.setMinimumWidth(220)
        self.send.clicked.connect(p.send)
        bottom.addWidget(self.send)
        column.addLayout(bottom)
        return box

    def _incoming(self) -> QWidget:
        p = self.presenter
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.incoming_hint = label("Traslados que otras tiendas enviaron a ésta y aún no se reciben. Toque uno para "
                                   "recibirlo.", "transfers-incoming-hint", "hint", wrap=True)
        column.addWidget(self.incoming_hint)
        self.incoming = RowsTable("transfers-incoming", INCOMING_COLUMNS, numeric=(3,), stretch=(1, 2))
        self.incoming.touched.connect(p.open_incoming)
        column.addWidget(self.incoming, 1)
        self.receipt = QWidget()
        inner = QVBoxLayout(self.receipt)
        inner.setContentsMargins(0, 0, 0, 0)
        self.receipt_title = label("", "transfers-receipt-title", "section", wrap=True)
        inner.addWidget(self.receipt_title)
        lines = LineSheet(RowsTable("transfers-receipt", RECEIPT_COLUMNS, numeric=(1, 2, 3)),
                          "Recibido de la línea elegida", field("transfers-received", "Recibido", numeric=True,
                                                                 width=180), p.select_received, p.set_received)
        self.receipt_lines, self.received = lines.table, lines.quantity
        lines.finish()
        inner.addLayout(lines, 1)
        actions = QHBoxLayout()
        back = BigButton("Volver", "transfers-receipt-back")
        back.clicked.connect(p.close_receipt)
        self.receive = BigButton("Recibir traslado", "transfers-receive", "primary")
        self.receive.clicked.connect(p.receive)
        actions.addWidget(back, 1)
        actions.addWidget(self.receive, 2)
        inner.addLayout(actions)
        column.addWidget(self.receipt, 1)
        return box

    def scanned(self, code: str) -> None:
        """A code from the serial scanner (the shell forwards it while this page shows)."""
        self.presenter.scan(code)

    def refresh(self) -> None:
        self.presenter.refresh()

    def show_view(self, view: TransfersView) -> None:
        self.show_section(view.section)
        for key, button in self.sources.items():
            button.setChecked(key == view.source)
            button.setEnabled(view.can_edit)
        for key, button in self.targets.items():
            button.setChecked(key == view.destination)
            button.setEnabled(view.can_edit and key != view.source)
        other = view.destination == OTHER_STORE
        self.to_store.setVisible(other)
        self.to_bodega.setVisible(other)
        set_text(self.to_store, view.to_store)
        self.to_bodega.setChecked(view.to_bodega)
        self.product.show_found(view.found)
        self.sheet.set_rows(view.sheet, warn=[n for n, x in enumerate(view.lines) if x.problem],
                            selected=view.selected)
        set_text(self.quantity, view.quantity)
        self.quantity.setEnabled(view.can_edit and view.selected is not None)
        self.remove.setEnabled(view.can_edit and view.selected is not None)
        set_text(self.note, view.note)
        self.send.setEnabled(view.can_edit and bool(view.lines))
        receipt = view.receipt
        self.incoming.setVisible(receipt is None)
        self.incoming_hint.setVisible(receipt is None)
        self.receipt.setVisible(receipt is not None)
        self.incoming.set_rows(view.incoming)
        if receipt is not None:
            self.receipt_title.setText(receipt.title)
            self.receipt_lines.set_rows(view.receipt_rows, selected=receipt.selected)
            chosen = receipt.lines[receipt.selected] if receipt.selected is not None else None
            set_text(self.received, "" if chosen is None else view.receipt_rows[receipt.selected or 0][2])
            self.received.setEnabled(view.can_edit and chosen is not None)
            self.receive.setEnabled(view.can_edit)
        self.history.set_rows(view.history)
        self.show_message(view.message, view.error)
        if view.moved > self.moved:
            self.moved = view.moved
            self.stock_changed()


def build(context: PageContext) -> TransfersPage:
    """The Transferencias page of the back office's ``context``."""
    terminal = context.terminal
    assert terminal.transfers is not None  # every till built by desktop.terminal.build has it
    presenter = TransfersPresenter(terminal.transfers, terminal.catalog, terminal.journal.conn, context.user,
                                   list(inventory.warehouses(terminal.journal)))
    return TransfersPage(presenter, context.stock_changed)
