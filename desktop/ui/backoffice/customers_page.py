"""The back office's Clientes page: the customers with their fiado (balance, limit, use, overdue days; flagged rows
coloured), a customer's profile and fiado, its movements for a date range with the estado de cuenta as a PDF, and
the store's fiado settings. It draws ``CustomersView`` and forwards what the manager does to
``CustomersPresenter``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QHBoxLayout, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from desktop.presenters.backoffice import customer_sources
from desktop.presenters.backoffice.customers import (
    LIST_COLUMNS,
    MOVEMENT_COLUMNS,
    OVERPAYMENT,
    SECTIONS,
    CustomersPresenter,
    CustomersView,
)
from desktop.ui import binding
from desktop.ui.backoffice.kardex_page import export_folder
from desktop.ui.backoffice.ops_widgets import FIELD_STYLE, OpsPage, caption, field, set_text
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.backoffice.table import TouchTable
from desktop.ui.widgets import BigButton, group_thousands, label, show_message

LABELS = (("name", "Nombre"), ("rut", "RUT"), ("phone", "Teléfono"), ("address", "Dirección"), ("notes", "Notas"))
OK_STYLE = "color: #15803d; font-weight: 700;"
FLAG_STYLE = ("color: #991b1b; background: #fef2f2; border: 1px solid #fca5a5; border-radius: 6px;"
              " padding: 4px 8px; font-size: 13px; font-weight: 600;")
"""The master's flags on the opened customer: red like a row over its limit."""
FLAGS = {"over": "negative", "overdue": "low"}
"""A row over its limit (or flagged by the master) is red, one overdue a month or more amber."""


class CustomersPage(OpsPage):
    """Clientes (``page-customers``)."""

    def __init__(self, presenter: CustomersPresenter, export_to: Callable[[], Path]) -> None:
        super().__init__("customers", SECTIONS)
        self.presenter = presenter
        self.export_to = export_to
        self.section.connect(presenter.show)
        self.add_section("list", self._list())
        self.add_section("profile", self._profile())
        self.add_section("movements", self._movements())
        self.add_section("settings", self._settings())
        binding.bind(presenter, self.show_view)

    # --- building -------------------------------------------------------------------------------------------
    def _list(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.search = SearchField("customers-search", "Buscar: nombre, RUT o teléfono")
        self.search.setStyleSheet(FIELD_STYLE)
        self.search.searched.connect(self.presenter.search)
        self.search.submitted.connect(self.presenter.search)
        top.addWidget(self.search, 1)
        self.with_balance = BigButton("Con saldo", "customers-with-balance")
        self.with_balance.setCheckable(True)
        self.with_balance.toggled.connect(lambda on: self.presenter.filter(only_with_balance=on))
        self.overdue = BigButton("Con mora", "customers-overdue")
        self.overdue.setCheckable(True)
        self.overdue.toggled.connect(lambda on: self.presenter.filter(overdue_only=on))
        self.new = BigButton("+ Nuevo", "customers-new", "primary")
        self.new.clicked.connect(self.presenter.new)
        for button in (self.with_balance, self.overdue, self.new):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            top.addWidget(button)
        column.addLayout(top)
        self.table = TouchTable("customers-list", [(LIST_COLUMNS[0], False),
                                                   *((c, True) for c in LIST_COLUMNS[1:])])
        self.table.cellClicked.connect(lambda row, _column: self.presenter.open(row))
        column.addWidget(self.table, 1)
        self.total = label("", "customers-total")
        column.addWidget(self.total)
        return box

    def _profile(self) -> QWidget:
        box = QWidget()
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(12)
        outer.addLayout(row, 1)
        self.flag = label("", "customers-flag", wrap=True)  # the master's flags on the customer, in full
        self.flag.setStyleSheet(FLAG_STYLE)
        outer.addWidget(self.flag)
        grid = QGridLayout()
        grid.setVerticalSpacing(4)
        grid.setHorizontalSpacing(8)
        self.fields: dict[str, QLineEdit] = {}
        line = 0
        for key, text in LABELS:
            edit = field(f"customers-{key}", text, numeric=key in ("rut", "phone"))
            edit.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)  # read like the others
            edit.textEdited.connect(lambda value, k=key: self.presenter.type(k, value))
            self.fields[key] = edit
            grid.addWidget(caption(text), line, 0)
            grid.addWidget(edit, line, 1)
            line += 1
            if key == "rut":
                self.rut_check = label("", "customers-rut-check", wrap=True)
                grid.addWidget(self.rut_check, line, 1)
                line += 1
        grid.setRowStretch(line, 1)
        self.profile_new = BigButton("Nuevo cliente", "customers-profile-new")
        self.profile_new.clicked.connect(self.presenter.new)
        grid.addWidget(self.profile_new, line + 1, 1)
        row.addLayout(grid, 3)
        # the customer's fiado: what it owes and may still owe, enabled or not, its limit; Guardar saves all
        side = QVBoxLayout()
        side.setSpacing(6)
        self.heading = label("", "customers-heading", "section", wrap=True)
        side.addWidget(self.heading)
        self.account = label("", "customers-account", wrap=True)
        side.addWidget(self.account)
        self.enabled = BigButton("Sin fiado", "customers-fiado")
        self.enabled.setCheckable(True)
        self.enabled.toggled.connect(self.presenter.set_fiado)
        side.addWidget(self.enabled)
        side.addWidget(caption("Límite de fiado (pesos)"))
        self.limit = group_thousands(field("customers-limit", "$0", numeric=True))
        self.limit.textChanged.connect(lambda _value: self.presenter.type("limit", self.limit.text()))
        side.addWidget(self.limit)
        side.addStretch(1)
        self.save = BigButton("Guardar", "customers-save", "primary")
        self.save.clicked.connect(self.presenter.save)
        side.addWidget(self.save)
        row.addLayout(side, 2)
        return box

    def _movements(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.movements_title = label("", "customers-movements-title", "section")
        title = QHBoxLayout()
        title.addWidget(self.movements_title, 1)
        column.addLayout(title)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.start = field("customers-start", "dd-mm-aaaa", numeric=True, width=160)
        self.start.textEdited.connect(lambda value: self.presenter.set_range(start=value))
        self.end = field("customers-end", "dd-mm-aaaa", numeric=True, width=160)
        self.end.textEdited.connect(lambda value: self.presenter.set_range(end=value))
        for edit in (self.start, self.end):
            edit.setMinimumWidth(150)  # "30-11-2026" whole at the form's 19 px
        self.start.returnPressed.connect(lambda: self.presenter.statement())
        self.end.returnPressed.connect(lambda: self.presenter.statement())
        show = BigButton("Ver", "customers-show")
        show.clicked.connect(lambda: self.presenter.statement())
        top.addWidget(caption("Desde"))
        top.addWidget(self.start)
        top.addWidget(caption("Hasta"))
        top.addWidget(self.end)
        this_month = BigButton("Este mes", "customers-this-month")
        this_month.clicked.connect(lambda: self.presenter.month(0))
        last_month = BigButton("Mes pasado", "customers-last-month")
        last_month.clicked.connect(lambda: self.presenter.month(1))
        top.addWidget(show)
        for button in (this_month, last_month):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            title.addWidget(button)
        column.addLayout(top)
        self.movements = TouchTable("customers-movements", [(MOVEMENT_COLUMNS[0], False),
                                                            (MOVEMENT_COLUMNS[1], False),
                                                            *((c, True) for c in MOVEMENT_COLUMNS[2:])], stretch=1)
        column.addWidget(self.movements, 1)
        balances = QHBoxLayout()
        self.opening = label("", "customers-opening")
        self.closing = label("", "customers-closing", "section")
        balances.addWidget(self.opening, 1)
        balances.addWidget(self.closing)
        column.addLayout(balances)
        bottom = QHBoxLayout()
        self.pdf = BigButton("Estado de cuenta (PDF)", "customers-pdf", "primary")
        self.pdf.clicked.connect(self._open_pdf)
        self.usb = BigButton("Guardar en USB", "customers-usb")
        self.usb.clicked.connect(lambda: self.presenter.pdf(self.export_to()))
        bottom.addWidget(self.usb, 2)
        bottom.addWidget(self.pdf, 3)
        column.addLayout(bottom)
        return box

    def _settings(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(label("Fiado sin conexión", role="section"))
        column.addWidget(label("Lo más que una caja fía a un cliente, además de lo que ya se sabe que debe, mientras "
                               "no tiene noticias de HQ (siempre dentro de su límite; $0: sin conexión nada "
                               "se fía sin el PIN de un supervisor).", "customers-allowance-hint", "hint",
                               wrap=True))
        row = QHBoxLayout()
        row.addWidget(caption("Monto por cliente"))
        self.allowance = group_thousands(field("customers-allowance", "$0", numeric=True, width=200))
        self.allowance.textChanged.connect(lambda _value: self.presenter.type_allowance(self.allowance.text()))
        row.addWidget(self.allowance)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(label("Abono mayor que la deuda", role="section"))
        policies = QHBoxLayout()
        self.policies = QButtonGroup(self)
        self.policy_buttons: dict[str, BigButton] = {}
        for key, text in OVERPAYMENT:
            button = BigButton(text, f"customers-overpayment-{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=key: self.presenter.set_overpayment(k))
            self.policies.addButton(button)
            self.policy_buttons[key] = button
            policies.addWidget(button)
        column.addLayout(policies)
        column.addStretch(1)
        self.save_settings = BigButton("Guardar ajustes", "customers-save-settings", "primary")
        self.save_settings.clicked.connect(self.presenter.save_settings)
        column.addWidget(self.save_settings)
        return box

    # --- intents ----------------------------------------------------------------------------------------------
    def _open_pdf(self) -> None:
        view = self.presenter.pdf()
        if view.file and not view.error:
            QDesktopServices.openUrl(QUrl.fromLocalFile(view.file))

    def refresh(self) -> None:
        """The page shows again: balances read again (a sale or a pull may have moved them)."""
        self.presenter.refresh()

    # --- rendering --------------------------------------------------------------------------------------------
    def show_view(self, view: CustomersView) -> None:
        self.show_section(view.section)
        self.table.set_rows([(str(i), (f"{r.name}\n{r.detail}" if r.detail else r.name, r.balance, r.limit, r.use,
                                       r.overdue), FLAGS.get(r.flag, ""))
                             for i, r in enumerate(view.rows)])
        if view.selected is not None:
            self.table.selectRow(view.selected)
        self.total.setText(view.total or ("Ningún cliente coincide" if view.search else "Aún no hay clientes"))
        f = view.form
        self.heading.setText(f.name if f.editing else "Nuevo cliente" if view.can_edit else
                             "Toque un cliente de la lista")
        self.account.setText(view.account.replace(" · ", "\n"))  # owed, available, overdue: one a line
        self.account.setVisible(bool(view.account))
        self.flag.setText(f"⚑ {view.flag}" if view.flag else "")
        self.flag.setVisible(bool(view.flag))
        for key, edit in self.fields.items():
            set_text(edit, getattr(f, key))
            edit.setReadOnly(not view.can_edit)
        show_message(self.rut_check, f.rut_check, bool(f.rut_check) and not f.rut_ok)
        self.rut_check.setStyleSheet(OK_STYLE if f.rut_ok else "")
        self.enabled.blockSignals(True)
        self.enabled.setChecked(f.enabled)
        self.enabled.blockSignals(False)
        self.enabled.setText("Fiado habilitado ✓" if f.enabled else "Sin fiado")
        set_text(self.limit, f.limit)
        self.limit.setReadOnly(not view.can_edit)
        self.enabled.setEnabled(view.can_edit)
        for button in (self.new, self.profile_new, self.save, self.save_settings):
            button.setVisible(view.can_edit)  # a supervisor reads: no Guardar, no Nuevo
        for key, button in self.policy_buttons.items():
            button.setEnabled(view.can_edit or key == view.overpayment)  # the policy in force stays readable
        for key in ("movements",):
            self.buttons[key].setEnabled(bool(f.editing))
        self.movements_title.setText(view.customer)
        set_text(self.start, view.start)
        set_text(self.end, view.end)
        self.opening.setText(view.opening)
        self.closing.setText(view.closing)
        self.movements.set_rows([(str(i), cells, "") for i, cells in enumerate(view.movements)])
        self.pdf.setEnabled(bool(f.editing))
        self.usb.setEnabled(bool(f.editing))
        set_text(self.allowance, view.allowance)
        self.allowance.setReadOnly(not view.can_edit)
        if view.overpayment in self.policy_buttons:
            self.policy_buttons[view.overpayment].setChecked(True)
        self.show_message(view.message, view.error)


def build(context: PageContext) -> CustomersPage:
    """The Clientes page of the back office's ``context``."""
    terminal = context.terminal
    exports = terminal.settings.data_dir / "exportes"
    source = customer_sources.JournalCustomers(terminal.journal.conn, lambda: terminal.journal.lock)
    actions = None if terminal.fiado is None else customer_sources.ServiceActions(terminal.fiado, context.user)
    presenter = CustomersPresenter(source, actions, context.user, today=date.today, pdf_folder=lambda: exports)
    return CustomersPage(presenter, lambda: export_folder(terminal.settings.data_dir))
