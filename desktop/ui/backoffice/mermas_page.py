"""The back office's Mermas page: the warehouse, the product (scanned or searched), the quantity, the reason and
a note; what it costs shown before recording; a supervisor's PIN asked above the tenant's threshold; the mermas
recorded since the page opened. It draws ``MermasView`` and forwards what the manager does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QButtonGroup, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.mermas import RECORDED_COLUMNS, MermasPresenter, MermasView
from desktop.services import inventory
from desktop.ui import binding
from desktop.ui.backoffice.ops_widgets import (
    OpsPage,
    RowsTable,
    caption,
    field,
    names_of,
    product_field,
    set_text,
)
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.prompts import KeypadDialog
from desktop.ui.widgets import BigButton, label, show_message


class MermasPage(OpsPage):
    """Mermas (``page-mermas``)."""

    def __init__(self, presenter: MermasPresenter, stock_changed: Callable[[], None] = lambda: None) -> None:
        super().__init__("mermas", ())
        self.presenter = presenter
        self.stock_changed = stock_changed
        self.seen = 0
        self.pin: KeypadDialog | None = None
        form = QWidget()
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.warehouses = QHBoxLayout()
        self.warehouse_group = QButtonGroup(self)
        self.warehouse_buttons: dict[str, BigButton] = {}
        for warehouse, name in presenter.view.warehouses:
            button = BigButton(name, f"mermas-warehouse-{len(self.warehouse_buttons)}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, w=warehouse: presenter.set_warehouse(w))
            self.warehouse_group.addButton(button)
            self.warehouse_buttons[warehouse] = button
            self.warehouses.addWidget(button)
        grid.addLayout(self.warehouses, 0, 0)
        self.product = product_field("mermas", presenter)
        grid.addWidget(self.product, 1, 0)
        self.chosen = label("", "mermas-chosen", "section")
        grid.addWidget(self.chosen, 2, 0)
        amounts = QHBoxLayout()
        self.quantity = field("mermas-quantity", "Cantidad", numeric=True, width=150)
        self.quantity.textEdited.connect(presenter.set_quantity)
        self.note = field("mermas-note", "Nota (opcional): lote, dónde se encontró…")
        self.note.textEdited.connect(presenter.set_note)
        amounts.addWidget(self.quantity)
        amounts.addWidget(self.note, 1)
        grid.addLayout(amounts, 3, 0)
        self.cost = label("", "mermas-cost", wrap=True)
        grid.addWidget(self.cost, 4, 0)
        reasons = QVBoxLayout()
        reasons.setSpacing(4)
        reasons.addWidget(caption("Motivo"))
        self.reason_group = QButtonGroup(self)
        self.reason_buttons: dict[str, BigButton] = {}
        for code, name in presenter.view.reasons:
            button = BigButton(name, f"mermas-reason-{code}")
            button.setCheckable(True)
            button.setMinimumHeight(48)
            button.clicked.connect(lambda _=False, c=code: presenter.set_reason(c))
            self.reason_group.addButton(button)
            self.reason_buttons[code] = button
            reasons.addWidget(button)
        grid.addLayout(reasons, 0, 1, 5, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        self.record = BigButton("Registrar merma", "mermas-record", "primary")
        self.record.clicked.connect(lambda: presenter.record())
        grid.addWidget(self.record, 5, 0, 1, 2)
        self.table = RowsTable("mermas-recorded", RECORDED_COLUMNS, numeric=(1, 3))
        box = QWidget()
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(form)
        outer.addWidget(self.table, 1)
        self.add_section("form", box)
        binding.bind(presenter, self.show_view)

    def scanned(self, code: str) -> None:
        """A code from the serial scanner (the shell forwards it while this page shows)."""
        self.presenter.scan(code)

    def show_view(self, view: MermasView) -> None:
        for warehouse, button in self.warehouse_buttons.items():
            button.setChecked(warehouse == view.warehouse)
            button.setEnabled(view.can_edit)
        for code, button in self.reason_buttons.items():
            button.setChecked(code == view.reason)
            button.setEnabled(view.can_edit)
        self.product.show_found(view.found)
        self.product.setEnabled(view.can_edit)
        self.chosen.setText(f"Producto: {view.product}" if view.product else "Producto: — escanee o busque")
        set_text(self.quantity, view.quantity)
        set_text(self.note, view.note)
        for widget in (self.quantity, self.note):
            widget.setEnabled(view.can_edit)
        pin = " · Se pedirá el PIN de un supervisor." if view.needs_pin else ""
        show_message(self.cost, view.cost + pin, bool(view.cost) and not view.can_record and bool(view.reason))
        self.record.setEnabled(view.can_edit and bool(view.sku))
        self.table.set_rows(view.recorded)
        self.show_message(view.message, view.error)
        self._show_pin(view)

    def _show_pin(self, view: MermasView) -> None:
        if len(view.recorded) > self.seen:  # one more merma: the shell takes the stock alerts again
            self.seen = len(view.recorded)
            self.stock_changed()
        if not view.asking_pin:
            if self.pin is not None:
                pin, self.pin = self.pin, None
                pin.dismiss()
            return
        if self.pin is None:
            self.pin = KeypadDialog("merma-pin", "Autorización de supervisor", self, masked=True, ok="Autorizar")
            self.pin.submitted.connect(self.presenter.record)
            self.pin.cancelled.connect(self._pin_cancelled)
            self.pin.ask(view.message)
        if view.pin_error:
            self.pin.show_error(view.pin_error)

    def _pin_cancelled(self) -> None:
        self.pin = None
        self.presenter.cancel_pin()


def build(context: PageContext) -> MermasPage:
    """The Mermas page of the back office's ``context``."""
    terminal = context.terminal
    assert terminal.mermas is not None  # every till built by desktop.terminal.build has it
    presenter = MermasPresenter(terminal.mermas, terminal.catalog, context.user,
                                list(inventory.warehouses(terminal.journal)), names_of(terminal))
    return MermasPage(presenter, context.stock_changed)
