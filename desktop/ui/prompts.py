"""Keypad dialogs of the till: weight in kg, quantity, amounts, and the supervisor's PIN with a reason.

They never block (``open()``, not ``exec()``): the screen that owns one decides from the presenter's view
when it opens, shows an error, or goes away; the dialog only forwards what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets import BACK, CLEAR, BigButton, Keypad, apply_key, group_thousands, label, show_message
from shared import roles

DIGITS = (CLEAR, "0", BACK)
DECIMAL = (",", "0", BACK)
VOID_REASONS = ("Error de digitación", "Cliente desiste", "Producto dañado")
DISCOUNT_REASONS = ("Cliente frecuente", "Producto con detalle", "Precio mal etiquetado")
RETURN_REASONS = ("Producto defectuoso", "Cliente desiste", "Producto vencido")
OPEN_PRICE_REASONS = ("Producto nuevo", "Código sin crear en HQ", "Precio verificado en góndola")
AUTH_REASONS = {roles.Action.VOID_LINE.value: VOID_REASONS, roles.Action.DISCOUNT.value: DISCOUNT_REASONS,
                roles.Action.RETURN.value: RETURN_REASONS, roles.Action.OPEN_PRICE.value: OPEN_PRICE_REASONS}


class KeypadDialog(QDialog):
    """A title, what it is about, one entry field typed on a keypad, and Cancelar / Aceptar.

    ``amount`` groups the thousands of the pesos typed. With ``reasons`` a side panel offers quick reason buttons
    plus a free-text reason. Emits ``submitted`` with the entry's text (Aceptar or Enter) and ``cancelled`` when
    closed by the operator.
    """

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, name: str, title: str, parent: QWidget, *, keys: tuple[str, ...] = DIGITS,
                 masked: bool = False, reasons: tuple[str, ...] = (), ok: str = "Aceptar",
                 placeholder: str = "", amount: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}-dialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(820 if reasons else 460)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 10, 18, 12)
        outer.setSpacing(6)
        outer.addWidget(label(title, role="title"))
        self.hint = label("", f"{name}-hint", "hint", wrap=True)
        outer.addWidget(self.hint)
        self.body = body = QHBoxLayout()
        body.setSpacing(20)
        outer.addLayout(body, 1)

        self.reason_field: QLineEdit | None = None
        self.reasons = reasons
        if reasons:
            body.addLayout(self._reasons_panel(reasons), 1)
        column = QVBoxLayout()
        self.entry = QLineEdit()
        self.entry.setObjectName(f"{name}-input")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.entry.setPlaceholderText(placeholder or ("PIN" if masked else "$0"))
        if masked:
            self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.returnPressed.connect(self._submit)
        if amount:  # pesos: shown as 20.000 while typed
            group_thousands(self.entry)
        column.addWidget(self.entry)
        keypad = Keypad(keys, compact=True)
        keypad.setMinimumWidth(300)
        keypad.pressed.connect(lambda key: apply_key(self.entry, key))
        column.addWidget(keypad, 1)
        body.addLayout(column, 1)

        self.error = label("", f"{name}-error", wrap=True)
        self.error.setMinimumHeight(24)  # a line kept for a refusal, the width of the dialog
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        cancel = BigButton("Cancelar", f"{name}-cancel")
        cancel.clicked.connect(self.reject)
        self.ok = BigButton(ok, f"{name}-ok", "primary")
        self.ok.clicked.connect(self._submit)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok)
        outer.addLayout(buttons)

    def _reasons_panel(self, reasons: tuple[str, ...]) -> QVBoxLayout:
        panel = QVBoxLayout()
        panel.addWidget(label("Motivo", role="hint"))
        self.reason_group = group = QButtonGroup(self)
        for i, text in enumerate(reasons):
            button = BigButton(text, f"reason-{i}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, b=button: self._pick_reason(b.text()))
            group.addButton(button)
            panel.addWidget(button)
        self.reason_field = QLineEdit()
        self.reason_field.setObjectName("reason-text")
        self.reason_field.setPlaceholderText("Otro motivo…")
        panel.addWidget(self.reason_field)
        panel.addStretch(1)
        return panel

    def _pick_reason(self, text: str) -> None:
        if self.reason_field is not None:
            self.reason_field.setText(text)

    def _submit(self) -> None:
        self.submitted.emit(self.entry.text())

    def ask(self, hint: str, text: str = "", reasons: tuple[str, ...] = ()) -> None:
        """Clear what was typed before and show the dialog (without blocking) about ``hint``.

        ``reasons`` relabel the quick reason buttons (as many as the dialog was built with).
        """
        self.hint.setText(hint)
        self.entry.setText(text)
        show_message(self.error, "", False)
        if self.reason_field is not None:
            self.reason_field.clear()
            self.reason_group.setExclusive(False)
            for button, reason in zip(self.reason_group.buttons(), reasons or self.reasons, strict=False):
                button.setText(reason)
                button.setChecked(False)
            self.reason_group.setExclusive(True)
        self.open()
        self.entry.setFocus()

    def reason(self) -> str:
        return self.reason_field.text() if self.reason_field is not None else ""

    def show_error(self, message: str) -> None:
        """Keep the dialog open with what went wrong; the entry is selected to type again."""
        show_message(self.error, message, True)
        self.entry.selectAll()
        self.entry.setFocus()

    def reject(self) -> None:
        self.cancelled.emit()
        super().reject()

    def dismiss(self) -> None:
        """Close because the presenter moved on (no ``cancelled``)."""
        self.done(QDialog.DialogCode.Accepted)


class DiscountDialog(KeypadDialog):
    """[Descuento]: to the whole sale or the selected line (``discount-sale``/``discount-line``), in pesos or
    percent (``discount-pesos``/``discount-percent``), typed on the keypad. ``target`` re-asks the screen what the
    discount applies to whenever the choice changes."""

    def __init__(self, parent: QWidget, target: Callable[[bool], str]) -> None:
        super().__init__("discount", "Descuento", parent, amount=True)
        self.setMinimumWidth(760)
        self.target = target
        panel = QVBoxLayout()
        self.scope, self.unit = QButtonGroup(self), QButtonGroup(self)
        panel.setSpacing(6)
        for group, choices in ((self.scope, (("A toda la venta", "discount-sale"), ("A la línea elegida",
                                                                                   "discount-line"))),
                               (self.unit, (("En pesos  ($)", "discount-pesos"),
                                            ("En porcentaje  (%)", "discount-percent")))):
            if group is self.unit:
                panel.addSpacing(12)
            for text, name in choices:
                button = BigButton(text, name)
                button.setCheckable(True)
                button.clicked.connect(self._changed)
                group.addButton(button)
                panel.addWidget(button)
        panel.addStretch(1)
        self.body.insertLayout(0, panel, 1)

    def whole_sale(self) -> bool:
        return self.scope.buttons()[0].isChecked()

    def percent(self) -> bool:
        return self.unit.buttons()[1].isChecked()

    def _changed(self) -> None:
        what = self.target(self.whole_sale())
        self.hint.setText(what or "Seleccione primero la línea en la venta.")
        self.entry.setPlaceholderText("%" if self.percent() else "$0")
        self.entry.clear()
        self.entry.setFocus()

    def start(self, *, whole_sale: bool = True) -> None:
        """Open on the whole sale (or the selected line), in pesos."""
        self.scope.buttons()[0 if whole_sale else 1].setChecked(True)
        self.unit.buttons()[0].setChecked(True)
        self.ask(self.target(whole_sale))
        self._changed()
