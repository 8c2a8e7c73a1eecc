"""Dialogs of [Turno…]: the menu of cash actions, the blind count to close, and the Z report summary."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets import BACK, BigButton, Keypad, apply_key, label, named, show_message
from shared.sale import TenderKind

MENU = (("cash-in", "Ingreso de efectivo"), ("cash-out", "Retiro de efectivo  (supervisor)"),
        ("open-drawer", "Abrir cajón  (supervisor)"), ("switch-user", "Cambiar cajero"),
        ("purchase", "Registrar compra (DTE de proveedor)"),
        ("devices", "Dispositivos  (administrador)"), ("close-shift", "Cerrar turno"))
COUNT_FIELDS = ((TenderKind.CASH, "count-cash"), (TenderKind.DEBIT, "count-debit"),
                (TenderKind.CREDIT, "count-credit"), (TenderKind.TRANSFER, "count-transfer"))


def _dialog(dialog: QDialog, name: str, title: str) -> QVBoxLayout:
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setModal(True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(24, 16, 24, 16)
    outer.setSpacing(10)
    outer.addWidget(label(title, role="title"))
    return outer


class ShiftMenu(QDialog):
    """Big buttons for the shift's cash actions; emits ``chosen`` with the action's key (``MENU``)."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        outer = _dialog(self, "shift-menu", "Turno")
        for key, text in MENU:
            button = BigButton(text, key, "danger" if key == "close-shift" else "")
            button.setMinimumWidth(420)
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
            outer.addWidget(button)
        back = BigButton("Volver", "menu-cancel")
        back.clicked.connect(self.reject)
        outer.addWidget(back)

    def _choose(self, key: str) -> None:
        self.accept()
        self.chosen.emit(key)


class CloseShiftDialog(QDialog):
    """Blind count: what is in the drawer per means of payment, without showing what is expected."""

    submitted = Signal(object)  # dict[TenderKind, str] (a Qt "dict" signal would turn the keys into text)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        outer = _dialog(self, "close-dialog", "Cerrar turno: arqueo ciego")
        self.setMinimumSize(820, 540)
        outer.addWidget(label("Cuente lo que hay en la caja y los comprobantes de cada medio de pago. "
                              "Toque un casillero y escriba el monto.", role="hint", wrap=True))
        body = QHBoxLayout()
        body.setSpacing(24)
        fields = QGridLayout()
        self.fields: dict[TenderKind, QLineEdit] = {}
        for row, (kind, name) in enumerate(COUNT_FIELDS):
            field = named(QLineEdit(placeholderText="$0"), name)
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setMinimumWidth(220)
            self.fields[kind] = field
            fields.addWidget(label(kind.label), row, 0)
            fields.addWidget(field, row, 1)
        fields.setRowStretch(len(COUNT_FIELDS), 1)
        body.addLayout(fields, 1)
        keypad = Keypad(("000", "0", BACK))
        keypad.pressed.connect(self._key)
        body.addWidget(keypad, 1)
        outer.addLayout(body, 1)
        self.error = label("", "close-error", wrap=True)
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        cancel = BigButton("Cancelar", "close-cancel")
        cancel.clicked.connect(self.reject)
        confirm = BigButton("Cerrar turno", "close-ok", "primary")
        confirm.clicked.connect(lambda: self.submitted.emit({k: f.text() for k, f in self.fields.items()}))
        buttons.addWidget(cancel)
        buttons.addWidget(confirm)
        outer.addLayout(buttons)

    def _key(self, key: str) -> None:
        focused = self.focusWidget()  # the field touched last (keypad keys never take the focus)
        field = focused if isinstance(focused, QLineEdit) else self.fields[TenderKind.CASH]
        apply_key(field, key)

    def show_error(self, message: str) -> None:
        show_message(self.error, message, True)


class ZReportDialog(QDialog):
    """The closed shift's summary (``SessionView.z_lines``) on screen; [Aceptar] returns to sign-in."""

    def __init__(self, parent: QWidget, title: str, lines: tuple[tuple[str, str], ...], note: str,
                 error: bool = False) -> None:
        super().__init__(parent)
        outer = _dialog(self, "z-dialog", f"{title} · {date.today():%d-%m-%Y}")
        self.setMinimumWidth(640)
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        for row, (name, value) in enumerate(lines):
            grid.addWidget(label(name, f"z-name-{row}"), row, 0)
            value_label = label(value, f"z-value-{row}")
            value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value_label, row, 1)
        outer.addLayout(grid)
        self.message = message = label("", "z-message", wrap=True)
        show_message(message, note, error)
        outer.addWidget(message)
        outer.addStretch(1)
        ok = BigButton("Aceptar", "z-ok", "primary")
        ok.clicked.connect(self.accept)
        outer.addWidget(ok)
