"""The customer dialog of a factura (``customer-dialog``): search a known customer by part of its RUT or name, or
type RUT, razón social, giro, dirección and comuna. Made for a touch screen of 1024×600 without a physical keyboard:
the fields in two columns above an on-screen keyboard (``TouchKeyboard``: letters with Ñ and accents, or the RUT
keypad while the RUT field has the focus); a physical keyboard or a keyboard-wedge scanner works too. Bound to
``CustomerPresenter``; emits ``chosen`` with the checked ``CustomerData``.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.customer import FIELDS, CustomerPresenter, CustomerView
from desktop.services.customers import LIMITS
from desktop.ui import binding
from desktop.ui.style import RED, set_flag
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, open_over_window, show_message
from shared import rut

MAX_MATCHES = 3
ROW_HEIGHT = 48
"""Height in px of a field, a match and the message line (finger-sized, and the form fits above the keyboard)."""
PLACEHOLDERS = {"rut": "Ej. 76.123.456-K", "razon_social": "Nombre legal de la empresa", "giro": "Actividad",
                "direccion": "Calle y número", "comuna": "Comuna"}
CAPTIONS = {"rut": "RUT", "razon_social": "Razón social", "giro": "Giro", "direccion": "Dirección",
            "comuna": "Comuna"}
ORDER = ("rut", "razon_social", "giro", "direccion", "comuna")
"""The order of the fields: Enter (on-screen or physical) goes to the next one; on the last one it issues."""
GRID = ((("search", "rut"), ("razon_social", "giro"), ("direccion", "comuna")))
"""Where the search and the fields sit: three rows of two, read left to right as Enter moves."""
STYLE = f"""
QLineEdit {{ font-size: 20px; min-height: {ROW_HEIGHT - 4}px; max-height: {ROW_HEIGHT - 4}px; padding: 0 10px; }}
QLineEdit[error="true"] {{ border-color: {RED}; background: #fef2f2; }}
QPushButton[role="match"] {{ text-align: left; padding-left: 14px; font-size: 17px; }}
QLabel[role="caption-field"] {{ font-size: 16px; font-weight: 700; color: #334155; }}
QLabel#customer-message {{ font-size: 16px; font-weight: 600; color: #1e3a8a; }}
QLabel#customer-message[error="true"] {{ color: {RED}; font-weight: 700; }}
QLabel[role="title"] {{ font-size: 23px; }}
"""


class MatchButton(BigButton):
    """A saved customer to touch: the razón social on one line (shortened with «…» when wider than the button) over
    its RUT. ``text()`` keeps the whole label ``"Razón social · 76.123.456-0"``."""

    def __init__(self, name: str) -> None:
        super().__init__("", name, "match")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(ROW_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        name, _sep, rut_text = self.text().rpartition(" · ")
        area = self.rect().adjusted(14, 3, -10, -5)
        top, bottom = QRect(area.left(), area.top(), area.width(), area.height() // 2 + 1), QRect(area)
        bottom.setTop(top.bottom())
        font = QFont(self.font())
        font.setPixelSize(16)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(font).elidedText(name or rut_text, Qt.TextElideMode.ElideRight, area.width()))
        font.setBold(False)
        font.setPixelSize(15)
        painter.setFont(font)
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"RUT {rut_text}" if name else "")


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
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(label("Factura: datos del cliente", role="title"), 1)
        cancel = BigButton("Cancelar", "customer-cancel")
        cancel.clicked.connect(self.reject)
        ok = BigButton("Emitir factura", "customer-ok", "primary")
        ok.clicked.connect(self._submit)
        for button, width in ((cancel, 170), (ok, 250)):
            button.setMinimumHeight(ROW_HEIGHT + 2)
            button.setFixedWidth(width)
            header.addWidget(button)

        self.search = named(QLineEdit(), "customer-search")
        self.search.setPlaceholderText("Parte del RUT o del nombre…")
        self.search.textChanged.connect(presenter.search)
        self.search.returnPressed.connect(self._first_match)
        self.fields: dict[str, QLineEdit] = {}
        for name in FIELDS:
            field = named(QLineEdit(), f"customer-{name}")
            field.setPlaceholderText(PLACEHOLDERS[name])
            field.setMaxLength(LIMITS.get(name, 14))
            self.fields[name] = field
        rut_field = self.fields["rut"]
        rut_field.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhPreferUppercase
                                      | Qt.InputMethodHint.ImhNoPredictiveText)  # the keyboard's RUT keypad
        rut_field.editingFinished.connect(self._rut_left)
        for name, following in itertools.pairwise(ORDER):
            self.fields[name].returnPressed.connect(self.fields[following].setFocus)
        self.fields[ORDER[-1]].returnPressed.connect(self._submit)
        self.fields[ORDER[-1]].setProperty("enterLabel", "Emitir")
        editors = {"search": self.search, **self.fields}
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        for row, names in enumerate(GRID):
            for column, name in enumerate(names):
                caption = label(CAPTIONS.get(name, "Buscar"), role="caption-field")
                form.addWidget(caption, row, column * 2)
                form.addWidget(editors[name], row, column * 2 + 1)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)

        # one line under the form: the presenter's message, or the saved customers found by the search
        self.message = label("", "customer-message", wrap=True)
        self.feedback = named(QStackedWidget(), "customer-feedback")
        self.feedback.setFixedHeight(ROW_HEIGHT)
        self.feedback.addWidget(self.message)
        found = QWidget()
        matches = QHBoxLayout(found)
        matches.setContentsMargins(0, 0, 0, 0)
        matches.setSpacing(8)
        self.matches: list[BigButton] = []
        for i in range(MAX_MATCHES):
            button = MatchButton(f"customer-match-{i}")
            button.clicked.connect(lambda _=False, n=i: self._pick(n))
            button.hide()
            matches.addWidget(button, 1)
            self.matches.append(button)
        self.feedback.addWidget(found)

        self.keyboard = TouchKeyboard()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 10)
        outer.setSpacing(8)
        outer.addLayout(header)
        outer.addLayout(form)
        outer.addWidget(self.feedback)
        outer.addWidget(self.keyboard, 1)
        for earlier, later in itertools.pairwise(("search", *ORDER)):
            QWidget.setTabOrder(editors[earlier], editors[later])

    def start(self) -> None:
        """Show over the whole window (without blocking), drawing the presenter's views."""
        binding.bind(self.presenter, self._apply)
        open_over_window(self)
        self.search.setFocus()

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}

    def _rut_left(self) -> None:
        self._apply(self.presenter.rut_entered(self.fields["rut"].text()))

    def _first_match(self) -> None:
        """Enter in the search: the first customer found, or (none found) on to the RUT."""
        if self.presenter.view.matches:
            self._pick(0)
        else:
            self.fields[ORDER[0]].setFocus()

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
                button.setToolTip(match[1])
        self.feedback.setCurrentIndex(1 if view.matches else 0)
        for name, field in self.fields.items():
            set_flag(field, "error", view.field == name)
        show_message(self.message, view.message, view.error)
        if view.field:
            self.fields[view.field].setFocus()
            self.fields[view.field].selectAll()
