"""The back office's Proveedores page: the suppliers (search by RUT, razón social or giro) beside the form of the
one opened (RUT checked as it is typed), its documents and the products bought from it. It draws
``SuppliersView`` and forwards what the manager does to ``SuppliersPresenter``."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.suppliers import (
    DOCUMENT_COLUMNS,
    ITEM_COLUMNS,
    LIST_COLUMNS,
    SECTIONS,
    SuppliersPresenter,
    SuppliersView,
)
from desktop.ui import binding
from desktop.ui.backoffice.ops_widgets import FIELD_STYLE, OpsPage, RowsTable, caption, field, names_of, set_text
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.widgets import BigButton, label, show_message

LABELS = (("rut", "RUT"), ("razon_social", "Razón social"), ("giro", "Giro"), ("contact", "Contacto"),
          ("phone", "Teléfono"), ("email", "Correo"))
OK_STYLE = "color: #15803d; font-weight: 700;"
LIST_ROW_HEIGHT = 56
"""Two lines (razón social, giro) a fingertip high."""


class SuppliersPage(OpsPage):
    """Proveedores (``page-suppliers``)."""

    def __init__(self, presenter: SuppliersPresenter) -> None:
        super().__init__("suppliers", SECTIONS)
        self.presenter = presenter
        self.section.connect(presenter.show)
        self.add_section("list", self._list())
        self.documents_title = label("", "suppliers-documents-title", "section", wrap=True)
        self.documents = RowsTable("suppliers-documents", DOCUMENT_COLUMNS, numeric=(2,), stretch=(1,))
        self.add_section("documents", self._titled(self.documents_title, self.documents))
        self.items_title = label("", "suppliers-items-title", "section", wrap=True)
        self.items = RowsTable("suppliers-items", ITEM_COLUMNS, numeric=(1, 2))
        self.add_section("items", self._titled(self.items_title, self.items))
        self._editing: object = None
        binding.bind(presenter, self.show_view)

    @staticmethod
    def _titled(title: QWidget, table: RowsTable) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(title)
        column.addWidget(table, 1)
        return box

    def _list(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        left = QVBoxLayout()
        self.search = SearchField("suppliers-search", "Buscar proveedor o RUT")
        self.search.setStyleSheet(FIELD_STYLE)
        self.search.searched.connect(self.presenter.search)
        self.search.submitted.connect(self.presenter.search)
        left.addWidget(self.search)
        # the razón social over its giro: both readable in the list's width, long ones elided (no sideways scroll)
        self.table = RowsTable("suppliers-list", (LIST_COLUMNS[0], f"{LIST_COLUMNS[1]} · giro"), stretch=(1,))
        self.table.verticalHeader().setDefaultSectionSize(LIST_ROW_HEIGHT)
        self.table.touched.connect(self.presenter.open)
        left.addWidget(self.table, 1)
        row.addLayout(left, 4)
        form = QGridLayout()
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(8)
        self.fields = {}
        for n, (key, text) in enumerate(LABELS):
            edit = field(f"suppliers-{key}", text, numeric=key == "rut")
            edit.setMinimumWidth(260)
            edit.textEdited.connect(lambda value, k=key: self.presenter.type(k, value))
            self.fields[key] = edit
            form.addWidget(caption(text), 2 * n if n == 0 else n + 1, 0)
            form.addWidget(edit, 2 * n if n == 0 else n + 1, 1)
        self.rut_check = label("", "suppliers-rut-check", wrap=True)
        form.addWidget(self.rut_check, 1, 1)
        self.active = BigButton("Activo", "suppliers-active")
        self.active.setCheckable(True)
        self.active.toggled.connect(self.presenter.set_active)
        buttons = QHBoxLayout()
        self.new = BigButton("Nuevo", "suppliers-new")
        self.new.clicked.connect(self.presenter.new)
        self.save = BigButton("Guardar", "suppliers-save", "primary")
        self.save.clicked.connect(self.presenter.save)
        buttons.addWidget(self.active)
        buttons.addWidget(self.new)
        buttons.addWidget(self.save)
        form.addLayout(buttons, len(LABELS) + 1, 0, 1, 2)
        form.setRowStretch(len(LABELS) + 2, 1)
        row.addLayout(form, 5)
        return box

    def refresh(self) -> None:
        """The page shows again: the suppliers read again."""
        self.presenter.refresh()

    def show_view(self, view: SuppliersView) -> None:
        self.show_section(view.section)
        self.table.set_rows([(rut, f"{name}\n{giro}" if giro else name) for rut, name, giro in view.rows],
                            selected=view.selected)
        f = view.form
        opened = f.editing != self._editing  # a supplier opened or just saved: its fields read from their start
        self._editing = f.editing
        for key, edit in self.fields.items():
            set_text(edit, getattr(f, key))
            edit.setEnabled(view.can_edit)
            if opened:
                edit.setCursorPosition(0)
        self.fields["rut"].setReadOnly(bool(f.editing))  # a supplier's RUT is who it is: a new one for another
        # a saved supplier's RUT is read-only and checked: its ✓ line would only push the buttons under the message
        check = "" if f.editing else f.rut_check
        show_message(self.rut_check, check, bool(check) and not f.rut_ok)
        self.rut_check.setVisible(bool(check))
        self.rut_check.setStyleSheet(OK_STYLE if f.rut_ok else "")
        self.active.blockSignals(True)
        self.active.setChecked(f.active)
        self.active.blockSignals(False)
        self.active.setText("Activo" if f.active else "Inactivo")
        for button in (self.active, self.new, self.save):
            button.setEnabled(view.can_edit)
        for key in ("documents", "items"):
            self.buttons[key].setEnabled(bool(view.supplier))
        heading = f"{view.supplier} · {view.bought}" if view.supplier else ""
        self.documents_title.setText(heading)
        self.items_title.setText(view.supplier)
        self.documents.set_rows(view.documents)
        self.items.set_rows(view.items)
        self.show_message(view.message, view.error)


def build(context: PageContext) -> SuppliersPage:
    """The Proveedores page of the back office's ``context``."""
    terminal = context.terminal
    assert terminal.suppliers is not None  # every till built by desktop.terminal.build has it
    return SuppliersPage(SuppliersPresenter(terminal.suppliers, terminal.journal.conn, context.user,
                                            names_of(terminal)))
