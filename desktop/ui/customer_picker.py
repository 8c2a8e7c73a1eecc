"""The sale's customer picker (``customer-picker``): search by name, RUT or phone on the on-screen keyboard, touch a
customer, or create / edit one; the customer the sale has shows in the header with [Editar] and [Quitar]. Bound to
``CustomerPickerPresenter``; emits ``chosen`` with the customer id, or ``removed``. Fits 1024×600 above the keyboard.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.fiado import FORM_FIELDS, MAX_MATCHES, CustomerLine, CustomerPickerPresenter, PickerView
from desktop.ui import binding
from desktop.ui.style import RED, TOUCH_MIN, set_flag
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, open_over_window, show_message

ROW = 48
CAPTIONS = {"name": "Nombre", "rut": "RUT", "phone": "Teléfono", "address": "Dirección", "notes": "Notas"}
LIMITS = {"name": 80, "rut": 14, "phone": 20, "address": 100, "notes": 200}
PLACEHOLDERS = {"name": "Nombre y apellido", "rut": "Ej. 12.345.678-5", "phone": "Ej. 9 8765 4321",
                "address": "Calle y número", "notes": "Ej. paga los viernes"}
GRID = (("name", "rut"), ("phone", "address"), ("notes",))
STYLE = f"""
QLineEdit {{ font-size: 20px; min-height: {ROW - 4}px; max-height: {ROW - 4}px; padding: 0 10px; }}
QLineEdit[error="true"] {{ border-color: {RED}; background: #fef2f2; }}
QPushButton[role="match"] {{ text-align: left; padding: 2px 10px; }}
QLabel[role="match-name"] {{ font-size: 17px; font-weight: 700; }}
QLabel[role="match-detail"] {{ font-size: 14px; color: #334155; }}
QLabel[role="caption-field"] {{ font-size: 16px; font-weight: 700; color: #334155; }}
QLabel#picker-message {{ font-size: 16px; font-weight: 600; color: #1e3a8a; }}
QLabel#picker-message[error="true"] {{ color: {RED}; font-weight: 700; }}
QLabel#picker-title {{ font-size: 23px; font-weight: 800; }}
QLabel#picker-current {{ font-size: 15px; color: #334155; }}
"""


class CustomerButton(BigButton):
    """A customer to touch: the name over its RUT, phone and account (both cut to the button's width)."""

    def __init__(self, name: str) -> None:
        super().__init__("", name, "match")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(TOUCH_MIN)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 3, 8, 4)
        box.setSpacing(0)
        self.title, self.detail = label("", role="match-name"), label("", role="match-detail")
        for part in (self.title, self.detail):
            part.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(part)
        self.customer_id = ""

    def show_customer(self, line: CustomerLine | None) -> None:
        self.setVisible(line is not None)
        if line is not None:
            self.customer_id = line.customer_id
            self.title.setText(line.name)
            self.detail.setText(line.detail)
            self.setToolTip(f"{line.name}\n{line.detail}")
            self.setAccessibleName(f"{line.name} {line.detail}")


class CustomerPickerDialog(QDialog):
    """Over the whole window, modal without blocking; ``chosen(customer_id)`` or ``removed()`` before it closes."""

    chosen = Signal(str)
    removed = Signal()

    def __init__(self, parent: QWidget, presenter: CustomerPickerPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("customer-picker")
        self.setWindowTitle("Cliente")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet(STYLE)
        self.presenter = presenter
        self.title = label("", "picker-title")
        self.current = label("", "picker-current")
        for part in (self.title, self.current):
            part.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never wider than the window
        heading = QVBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(self.title)
        heading.addWidget(self.current)
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addLayout(heading, 1)
        self.buttons: dict[str, BigButton] = {}
        for text, name, width, slot in (
                ("Editar", "picker-edit", 110, lambda: presenter.edit()),
                ("Quitar", "picker-remove", 110, presenter.remove),
                ("Volver", "picker-back", 130, presenter.back),
                ("Cancelar", "picker-cancel", 140, self.reject),
                ("+ Nuevo cliente", "picker-new", 210, lambda: presenter.new(self.search.text())),
                ("Guardar", "picker-save", 180, self._save)):
            button = BigButton(text, name, "primary" if name in ("picker-new", "picker-save") else "")
            button.setFixedWidth(width)
            button.setFixedHeight(TOUCH_MIN)
            button.clicked.connect(slot)
            header.addWidget(button)
            self.buttons[name] = button

        self.pages = named(QStackedWidget(), "picker-pages")
        self.pages.addWidget(self._search_page())
        self.pages.addWidget(self._form_page())
        self.message = label("", "picker-message")
        self.message.setFixedHeight(26)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.keyboard = TouchKeyboard()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 10)
        outer.setSpacing(6)
        outer.addLayout(header)
        outer.addWidget(self.pages)
        outer.addWidget(self.message)
        outer.addWidget(self.keyboard, 1)

    def _search_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        self.search = named(QLineEdit(), "picker-search")
        self.search.setPlaceholderText("Nombre, RUT o teléfono…")
        self.search.setMaxLength(60)
        self.search.textChanged.connect(self.presenter.search)
        self.search.returnPressed.connect(self._first)
        self.search.setProperty("enterLabel", "Elegir")
        box.addWidget(self.search)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.matches = [CustomerButton(f"picker-match-{i}") for i in range(MAX_MATCHES)]
        for i, button in enumerate(self.matches):
            button.clicked.connect(lambda _=False, b=button: self.presenter.pick(b.customer_id))
            button.hide()
            grid.addWidget(button, i // 3, i % 3)
        holder = QWidget()
        holder.setLayout(grid)
        holder.setFixedHeight(2 * TOUCH_MIN + 6)
        grid.setContentsMargins(0, 0, 0, 0)
        box.addWidget(holder)
        return page

    def _form_page(self) -> QWidget:
        page = QWidget()
        form = QGridLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        self.fields: dict[str, QLineEdit] = {}
        for row, names in enumerate(GRID):
            for column, name in enumerate(names):
                field = named(QLineEdit(), f"picker-{name}")
                field.setPlaceholderText(PLACEHOLDERS[name])
                field.setMaxLength(LIMITS[name])
                self.fields[name] = field
                form.addWidget(label(CAPTIONS[name], role="caption-field"), row, column * 2)
                form.addWidget(field, row, column * 2 + 1, 1, 3 if len(names) == 1 else 1)
        for name in ("rut", "phone"):  # the keyboard's numeric page (with K for the RUT)
            self.fields[name].setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers
                                                  | Qt.InputMethodHint.ImhNoPredictiveText)
        self.fields["rut"].editingFinished.connect(lambda: self.presenter.rut_entered(self.fields["rut"].text()))
        order = ("name", "rut", "phone", "address", "notes")
        for earlier, later in itertools.pairwise(order):
            self.fields[earlier].returnPressed.connect(self.fields[later].setFocus)
            QWidget.setTabOrder(self.fields[earlier], self.fields[later])
        self.fields["notes"].returnPressed.connect(self._save)
        self.fields["notes"].setProperty("enterLabel", "Guardar")
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)
        return page

    # --- intents ---------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Show over the whole window (without blocking); the search has the keyboard."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)
        self.search.setFocus()

    def _first(self) -> None:
        """Enter in the search: the first customer found."""
        if self.presenter.view.matches:
            self.presenter.pick(self.presenter.view.matches[0].customer_id)

    def _save(self) -> None:
        self.presenter.save(*(self.fields[name].text() for name in FORM_FIELDS))

    # --- rendering -------------------------------------------------------------------------------------------------
    def show_view(self, view: PickerView) -> None:
        if view.chosen is not None:
            self.chosen.emit(view.chosen)
            self.accept()
            return
        if view.removed:
            self.removed.emit()
            self.accept()
            return
        current = view.current
        self.title.setText(view.title if view.editing or current is None else f"Cliente: {current.name}")
        self.current.setText(current.account if current is not None and not view.editing else "")
        self.current.setVisible(bool(self.current.text()))
        shown = {"picker-edit": current is not None and not view.editing,
                 "picker-remove": current is not None and not view.editing,
                 "picker-back": view.editing, "picker-cancel": True, "picker-new": not view.editing,
                 "picker-save": view.editing}
        for name, button in self.buttons.items():
            button.setVisible(shown[name])
        self.pages.setCurrentIndex(1 if view.editing else 0)
        for button, line in zip(self.matches, (*view.matches, *([None] * MAX_MATCHES)), strict=False):
            button.show_customer(line)
        if view.fill is not None:
            values = dict(view.fill)
            for name, field in self.fields.items():
                field.setText(values.get(name, ""))
            first = next((n for n in FORM_FIELDS if not values.get(n)), "name")
            self.fields[first].setFocus()
        for name, field in self.fields.items():
            set_flag(field, "error", view.field == name)
        show_message(self.message, view.message, view.error)
        if view.field:
            self.fields[view.field].setFocus()
            self.fields[view.field].selectAll()
        elif not view.editing and not self.search.hasFocus():
            self.search.setFocus()
