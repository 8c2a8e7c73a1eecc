"""The customer dialog of a factura (``customer-dialog``): search a known customer by part of its RUT or name, or
type RUT, razón social, giro, dirección and comuna in large fields (physical keyboard: the till has no on-screen
keyboard yet). Bound to ``CustomerPresenter``; emits ``chosen`` with the checked ``CustomerData``.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.presenters.customer import FIELDS, CustomerPresenter, CustomerView
from desktop.services.customers import LIMITS
from desktop.ui import binding
from desktop.ui.style import RED, set_flag
from desktop.ui.widgets import BigButton, label, named, show_message
from shared import rut

MAX_MATCHES = 3
PLACEHOLDERS = {"rut": "RUT de la empresa", "razon_social": "Nombre legal de la empresa", "giro": "Actividad",
                "direccion": "Calle y número", "comuna": "Comuna"}
CAPTIONS = {"rut": "RUT", "razon_social": "Razón social", "giro": "Giro", "direccion": "Dirección",
            "comuna": "Comuna"}
STYLE = f"""
QLineEdit {{ font-size: 21px; min-height: 42px; }}
QLineEdit[error="true"] {{ border-color: {RED}; background: #fef2f2; }}
QPushButton[role="match"] {{ text-align: left; padding-left: 14px; font-size: 17px; }}
QLabel[role="caption-field"] {{ font-size: 17px; font-weight: 700; color: #334155; }}
"""


class CustomerDialog(QDialog):
    """Modal over the payment dialog; ``chosen`` carries the accepted ``CustomerData``."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget, presenter: CustomerPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("customer-dialog")
        self.setWindowTitle("Factura: datos del cliente")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet(STYLE)
        self.presenter = presenter
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 12)
        outer.setSpacing(8)
        outer.addWidget(label("Factura: datos del cliente", role="title"))

        self.search = named(QLineEdit(), "customer-search")
        self.search.setPlaceholderText("Buscar cliente guardado: parte del RUT o del nombre…")
        self.search.textChanged.connect(presenter.search)
        self.search.returnPressed.connect(self._first_match)
        outer.addWidget(self.search)
        matches = QHBoxLayout()
        self.matches: list[BigButton] = []
        for i in range(MAX_MATCHES):
            button = BigButton("", f"customer-match-{i}", "match")
            button.clicked.connect(lambda _=False, n=i: self._pick(n))
            button.hide()
            matches.addWidget(button, 1)
            self.matches.append(button)
        outer.addLayout(matches)

        self.fields: dict[str, QLineEdit] = {}
        for name in FIELDS:
            field = named(QLineEdit(), f"customer-{name}")
            field.setPlaceholderText(PLACEHOLDERS[name])
            field.setMaxLength(LIMITS.get(name, 14))
            self.fields[name] = field
        self.fields["rut"].editingFinished.connect(self._rut_left)
        order = ("rut", "razon_social", "giro", "direccion", "comuna")
        for name, following in itertools.pairwise(order):
            self.fields[name].returnPressed.connect(self.fields[following].setFocus)
        self.fields["comuna"].returnPressed.connect(self._submit)
        form = QGridLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        for row, names in enumerate((("rut", "comuna"), ("razon_social",), ("giro",), ("direccion",))):
            for column, name in enumerate(names):
                form.addWidget(label(CAPTIONS[name], role="caption-field"), row, column * 2)
                span = 1 if len(names) > 1 else 3
                form.addWidget(self.fields[name], row, column * 2 + 1, 1, span)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)
        outer.addLayout(form)
        for name, following in itertools.pairwise(order):
            QWidget.setTabOrder(self.fields[name], self.fields[following])

        self.message = label("", "customer-message", wrap=True)
        self.message.setMinimumHeight(48)
        outer.addWidget(self.message)
        outer.addStretch(1)
        buttons = QHBoxLayout()
        cancel = BigButton("Cancelar", "customer-cancel")
        cancel.clicked.connect(self.reject)
        ok = BigButton("Emitir factura", "customer-ok", "primary")
        ok.clicked.connect(self._submit)
        buttons.addWidget(cancel, 1)
        buttons.addWidget(ok, 2)
        outer.addLayout(buttons)

    def start(self) -> None:
        """Show over the whole window (without blocking), drawing the presenter's views."""
        binding.bind(self.presenter, self._apply)
        parent = self.parentWidget()
        if parent is not None:
            self.resize(parent.window().size())
        self.open()
        self.search.setFocus()

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}

    def _rut_left(self) -> None:
        self._apply(self.presenter.rut_entered(self.fields["rut"].text()))

    def _first_match(self) -> None:
        if self.presenter.view.matches:
            self._pick(0)

    def _pick(self, n: int) -> None:
        matches = self.presenter.view.matches
        if n < len(matches):
            self._apply(self.presenter.pick(matches[n][0]))
            self.fields["razon_social"].setFocus()

    def _submit(self) -> None:
        view = self.presenter.submit(**self.values())
        if view.chosen is not None:
            self.chosen.emit(view.chosen)
            self.accept()

    def _apply(self, view: CustomerView) -> None:
        if view.fill is not None:
            for name in FIELDS:
                self.fields[name].setText(getattr(view.fill, name))
            self.fields["rut"].setText(rut.format(view.fill.rut))
        for button, match in zip(self.matches, (*view.matches, *([None] * MAX_MATCHES)), strict=False):
            button.setVisible(match is not None)
            if match is not None:
                button.setText(match[1])
        for name, field in self.fields.items():
            set_flag(field, "error", view.field == name)
        show_message(self.message, view.message, view.error)
        if view.field:
            self.fields[view.field].setFocus()
            self.fields[view.field].selectAll()
