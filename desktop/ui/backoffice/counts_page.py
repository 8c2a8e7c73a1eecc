"""The back office's Toma de inventario page: Nueva toma (warehouse, category; open sheets to continue), Toma
abierta (the blind sheet filled by scanning or typing, posted with a reason) and Publicadas (what each count
expected, counted and adjusted). It draws ``CountsView`` and forwards what the manager does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.counts import (
    HISTORY_COLUMNS,
    OPEN_COLUMNS,
    REASONS,
    RESULT_COLUMNS,
    SECTIONS,
    SHEET_COLUMNS,
    CountsPresenter,
    CountsView,
)
from desktop.services import inventory
from desktop.ui import binding, choices
from desktop.ui.backoffice.ops_widgets import (
    LineSheet,
    OpsPage,
    RowsTable,
    caption,
    field,
    names_of,
    product_field,
    set_text,
)
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.widgets import BigButton, label


class CountsPage(OpsPage):
    """Toma de inventario (``page-counts``)."""

    def __init__(self, presenter: CountsPresenter, stock_changed: Callable[[], None] = lambda: None) -> None:
        super().__init__("counts", SECTIONS)
        self.presenter = presenter
        self.stock_changed = stock_changed
        self.moved = presenter.view.moved
        self.count_id = ""
        self.section.connect(presenter.show)
        self.add_section("sheet", self._sheet())
        self.add_section("new", self._new())
        self.add_section("history", self._history())
        binding.bind(presenter, self.show_view)

    def _sheet(self) -> QWidget:
        p = self.presenter
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.title = label("", "counts-title", "section", wrap=True)
        column.addWidget(self.title)
        self.product = product_field("counts", p)
        column.addWidget(self.product)
        row = LineSheet(RowsTable("counts-sheet", SHEET_COLUMNS, numeric=(1,)), "En la repisa (línea elegida)",
                        field("counts-quantity", "Cantidad", numeric=True, width=200), p.select, p.set_quantity)
        self.sheet, self.quantity = row.table, row.quantity
        row.side.addWidget(label("La toma es ciega: lo esperado se ve al publicarla.", "counts-blind", "caption",
                                 wrap=True))
        row.finish()
        column.addLayout(row, 1)
        bottom = QHBoxLayout()
        self.reason = choices.combo("counts-reason", tuple((r, r) for r in REASONS), editable=True)
        self.reason.setEditText("")
        line_edit = self.reason.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("Motivo de la toma")
            line_edit.textEdited.connect(p.set_reason)
        self.reason.activated.connect(lambda i: p.set_reason(self.reason.itemText(i)))
        bottom.addWidget(self.reason, 1)
        self.approver = label("", "counts-approver", "caption")
        bottom.addWidget(self.approver)
        self.post_without = BigButton("Publicar sin ellos", "counts-post-without", "danger")
        self.post_without.clicked.connect(lambda: p.post(leave_out_inactive=True))
        bottom.addWidget(self.post_without)
        self.post = BigButton("Publicar toma", "counts-post", "primary")
        self.post.clicked.connect(lambda: p.post())
        bottom.addWidget(self.post)
        column.addLayout(bottom)
        self.no_sheet = label("No hay una toma abierta: ábrala en «Nueva toma».", "counts-no-sheet", "hint",
                              wrap=True)
        column.addWidget(self.no_sheet)
        return box

    def _new(self) -> QWidget:
        p = self.presenter
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        where = QHBoxLayout()
        where.addWidget(caption("Bodega"))
        group = QButtonGroup(self)
        self.warehouses: dict[str, BigButton] = {}
        for n, (warehouse, name) in enumerate(p.view.warehouses):
            button = BigButton(name, f"counts-warehouse-{n}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, w=warehouse: p.set_warehouse(w))
            group.addButton(button)
            where.addWidget(button)
            self.warehouses[warehouse] = button
        column.addLayout(where)
        what = QHBoxLayout()
        what.addWidget(caption("Categoría"))
        self.category = choices.combo("counts-category", tuple((c, c or "Todas las categorías")
                                                               for c in p.view.categories))
        self.category.activated.connect(lambda i: p.set_category(str(self.category.itemData(i))))
        what.addWidget(self.category, 1)
        self.start = BigButton("Abrir toma", "counts-start", "primary")
        self.start.clicked.connect(p.start)
        what.addWidget(self.start)
        column.addLayout(what)
        column.addWidget(label("Tomas abiertas (toque una para continuarla):", role="hint"))
        self.open_counts = RowsTable("counts-open", OPEN_COLUMNS, numeric=(3,), stretch=(1, 2))
        self.open_counts.touched.connect(p.resume)
        column.addWidget(self.open_counts, 1)
        return box

    def _history(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.history = RowsTable("counts-history", HISTORY_COLUMNS, numeric=(3,), stretch=(4,))
        self.history.touched.connect(self.presenter.open_posted)
        column.addWidget(self.history, 1)
        self.result_title = label("", "counts-result-title", "section", wrap=True)
        column.addWidget(self.result_title)
        self.result = RowsTable("counts-result", RESULT_COLUMNS, numeric=(1, 2, 3))
        column.addWidget(self.result, 2)
        return box

    def scanned(self, code: str) -> None:
        """A code from the serial scanner (the shell forwards it while this page shows)."""
        self.presenter.scan(code)

    def refresh(self) -> None:
        """The page shows again: the counts and the open sheet read again."""
        self.presenter.refresh()

    def show_view(self, view: CountsView) -> None:
        self.show_section(view.section)
        editing = view.can_edit and bool(view.count_id)
        self.title.setText(view.title)
        for widget in (self.title, self.product, self.sheet, self.quantity, self.reason, self.post,
                       self.approver):
            widget.setVisible(bool(view.count_id))
        self.no_sheet.setVisible(not view.count_id)
        self.product.show_found(view.found)
        self.product.setEnabled(editing)
        self.sheet.set_rows(view.sheet, selected=view.selected)
        set_text(self.quantity, view.quantity)
        self.quantity.setEnabled(editing and view.selected is not None)
        if self.reason.currentText() != view.reason and not self.reason.hasFocus():
            self.reason.setEditText(view.reason)
        self.reason.setEnabled(editing)
        self.approver.setText(f"Aprueba: {view.approver}")
        self.post.setEnabled(editing and bool(view.sheet))
        self.post_without.setVisible(editing and bool(view.inactive))
        for warehouse, button in self.warehouses.items():
            button.setChecked(warehouse == view.warehouse)
            button.setEnabled(view.can_edit)
        choices.pick(self.category, view.category)
        self.category.setEnabled(view.can_edit)
        self.start.setEnabled(view.can_edit)
        self.open_counts.set_rows(view.open_counts)
        self.history.set_rows(view.history)
        self.result_title.setText(view.result_title)
        self.result.set_rows(view.result, warn=[n for n, r in enumerate(view.result) if r[3] != "—"])
        self.show_message(view.message, view.error)
        if view.count_id != self.count_id:  # a sheet opened: the scanner types into its product field
            self.count_id = view.count_id
            self.focus_entry()
        if view.moved > self.moved:
            self.moved = view.moved
            self.stock_changed()


def build(context: PageContext) -> CountsPage:
    """The Toma de inventario page of the back office's ``context``."""
    terminal = context.terminal
    assert terminal.counts is not None  # every till built by desktop.terminal.build has it
    presenter = CountsPresenter(terminal.counts, terminal.catalog, terminal.journal.conn, context.user,
                                list(inventory.warehouses(terminal.journal)), names_of(terminal))
    return CountsPage(presenter, context.stock_changed)
